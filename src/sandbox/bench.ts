/**
 * Sandbox figures: start-up time and the time to page through the five-year patient.
 * Run: `npx tsx src/sandbox/bench.ts` (prints one JSON object).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from './index.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tidemark-sandbox-bench-'));
const t0 = performance.now();
const sb = await startSandbox({ port: 0, reset: true, dataDir, quiet: true, sandboxDataDir: process.env.SANDBOX_DATA || undefined });
const startupMs = performance.now() - t0;

const token = await accessToken('longterm', 'launch patient/*.rs');
const scores = await pageAll(new URLSearchParams({ patient: 'longterm', code: 'http://loinc.org|44261-6,http://loinc.org|70274-6', _sort: '-date', _count: '100' }));
const all = await pageAll(new URLSearchParams({ patient: 'longterm', _count: '200' }));
const meds = await pageAll(new URLSearchParams({ patient: 'longterm', _count: '100' }), 'MedicationRequest');
await sb.close();
rmSync(dataDir, { recursive: true, force: true });

console.log(JSON.stringify({ startupMs: Math.round(startupMs), scores, allObservations: all, medicationRequests: meds }, null, 2));

async function accessToken(patient: string, scope: string): Promise<string> {
  const launchRes = await fetch(`${sb.url}/ehr-launch?patient=${patient}`, { redirect: 'manual' });
  const launch = new URL(launchRes.headers.get('location') as string).searchParams.get('launch') as string;
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    response_type: 'code', client_id: 'bench', redirect_uri: 'http://127.0.0.1:8080/', scope, state: 's', aud: sb.fhirBase, launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const auth = await fetch(`${sb.url}/auth/authorize?${q}`, { redirect: 'manual' });
  const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
  const res = await fetch(`${sb.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:8080/', code_verifier: verifier, client_id: 'bench' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function pageAll(params: URLSearchParams, type = 'Observation'): Promise<{ resources: number; pages: number; ms: number; firstPageMs: number }> {
  const start = performance.now();
  let url: string | undefined = `${sb.fhirBase}/${type}?${params}`;
  let resources = 0;
  let pages = 0;
  let firstPageMs = 0;
  while (url) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const bundle = (await res.json()) as { entry?: unknown[]; link?: { relation: string; url: string }[] };
    if (pages === 0) firstPageMs = performance.now() - start;
    resources += bundle.entry?.length ?? 0;
    pages++;
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return { resources, pages, ms: Math.round(performance.now() - start), firstPageMs: Math.round(firstPageMs) };
}
