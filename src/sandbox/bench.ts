/**
 * Sandbox figures (never part of `npm test`): start-up, paging the five-year patient, fairness (a small
 * read while 12 clients keep sorted searches running on a 12,000-Observation chart) and the memory an
 * oversized unauthenticated POST costs. Run: `npx tsx src/sandbox/bench.ts [path/to/sandbox/index.ts]`
 * (prints one JSON object); the optional path runs the same figures against another checkout's sandbox
 * (e.g. main's) for a before/after in the same run conditions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeHugeChart } from './huge-chart.ts';
import type { SandboxHandle, SandboxOptions } from './index.ts';

type Start = (o: SandboxOptions) => Promise<SandboxHandle>;
const modulePath = process.argv[2] ? pathToFileURL(resolve(process.argv[2])).href : './index.ts';
const { startSandbox } = (await import(modulePath)) as { startSandbox: Start };

const dataDir = mkdtempSync(join(tmpdir(), 'tidemark-sandbox-bench-'));
const hugeDir = mkdtempSync(join(tmpdir(), 'tidemark-sandbox-huge-'));
writeHugeChart(hugeDir, 12_000);

const t0 = performance.now();
const sb = await startSandbox({ port: 0, reset: true, dataDir, quiet: true, sandboxDataDir: hugeDir });
const startupMs = performance.now() - t0;
const longterm = await accessToken(sb, 'longterm', 'launch patient/*.rs');
const paging = {
  scores: await pageAll(sb, longterm, new URLSearchParams({ patient: 'longterm', code: 'http://loinc.org|44261-6,http://loinc.org|70274-6', _sort: '-date', _count: '100' })),
  allObservations: await pageAll(sb, longterm, new URLSearchParams({ patient: 'longterm', _count: '200' })),
  medicationRequests: await pageAll(sb, longterm, new URLSearchParams({ patient: 'longterm', _count: '100' }), 'MedicationRequest'),
};
const fairness = await fairnessFigures(sb);
const bodyLimit = await oversizedPost(sb, 300);
await sb.close();
rmSync(dataDir, { recursive: true, force: true });
rmSync(hugeDir, { recursive: true, force: true });

console.log(JSON.stringify({ sandbox: process.argv[2] ?? 'this checkout', startupMs: Math.round(startupMs), paging, fairness, bodyLimit }, null, 2));

async function accessToken(s: SandboxHandle, patient: string, scope: string): Promise<string> {
  const launchRes = await fetch(`${s.url}/ehr-launch?patient=${patient}`, { redirect: 'manual' });
  const launch = new URL(launchRes.headers.get('location') as string).searchParams.get('launch') as string;
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    response_type: 'code', client_id: 'bench', redirect_uri: 'http://127.0.0.1:8080/', scope, state: 's', aud: s.fhirBase, launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const auth = await fetch(`${s.url}/auth/authorize?${q}`, { redirect: 'manual' });
  const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
  const res = await fetch(`${s.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:8080/', code_verifier: verifier, client_id: 'bench' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function pageAll(s: SandboxHandle, token: string, params: URLSearchParams, type = 'Observation'): Promise<{ resources: number; pages: number; ms: number; firstPageMs: number }> {
  const start = performance.now();
  let url: string | undefined = `${s.fhirBase}/${type}?${params}`;
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

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}

/** A small read's latency alone, then while 12 clients loop sorted searches over the huge chart. */
async function fairnessFigures(s: SandboxHandle) {
  const huge = await accessToken(s, 'huge', 'launch patient/*.rs');
  const small = await accessToken(s, 'sparse', 'launch patient/*.rs');
  const get = async (token: string, path: string) => {
    const t = performance.now();
    const res = await fetch(`${s.fhirBase}/${path}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return performance.now() - t;
  };
  const alone: number[] = [];
  const sortedAlone: number[] = [];
  for (let i = 0; i < 5; i++) alone.push(await get(small, 'Patient/sparse'));
  for (let i = 0; i < 5; i++) sortedAlone.push(await get(huge, `Observation?patient=huge&_sort=${i % 2 ? '-date' : 'date'}&_count=20`));
  let running = true;
  let completed = 0;
  const workers = Array.from({ length: 12 }, async (_, i) => {
    while (running) {
      await get(huge, `Observation?patient=huge&_sort=${i % 2 ? '-date' : 'date'}&_count=20`);
      completed++;
    }
  });
  await new Promise((r) => setTimeout(r, 2000));
  const underLoad: number[] = [];
  let completedMeanwhile = 0;
  for (let i = 0; i < 10; i++) {
    const before = completed;
    underLoad.push(await get(small, 'Patient/sparse'));
    completedMeanwhile += completed - before;
    await new Promise((r) => setTimeout(r, 100));
  }
  running = false;
  await Promise.all(workers);
  return {
    smallReadAloneMedianMs: Math.round(median(alone)),
    sortedSearchAloneMedianMs: Math.round(median(sortedAlone)),
    smallReadUnder12SortedMedianMs: Math.round(median(underLoad)),
    smallReadUnder12SortedMaxMs: Math.round(Math.max(...underLoad)),
    sortedSearchesCompletedDuring10SmallReads: completedMeanwhile,
  };
}

/** Peak RSS growth while an unauthenticated client streams `mb` MB to /auth/introspect. */
async function oversizedPost(s: SandboxHandle, mb: number) {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const chunk = new Uint8Array(1024 * 1024).fill(120);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ >= mb) controller.close();
      else controller.enqueue(sent === 1 ? new TextEncoder().encode('token=') : chunk);
    },
  });
  const t = performance.now();
  let status = 0;
  try {
    const res = await fetch(`${s.url}/auth/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, duplex: 'half' } as RequestInit);
    status = res.status;
    await res.arrayBuffer();
  } catch (err) {
    status = -1; // the server cut the connection (after answering or without)
    void err;
  }
  clearInterval(timer);
  return { postedMb: mb, status, ms: Math.round(performance.now() - t), rssBeforeMb: Math.round(base / 1048576), peakRssGrowthMb: Math.round((peak - base) / 1048576) };
}
