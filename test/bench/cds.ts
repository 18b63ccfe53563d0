// CDS Hooks service time with prefetch: `npx tsx test/bench/cds.ts` (part of `npm run bench`).
// A child process runs the sandbox and the app server and times the service in-process (prefetch →
// chart → engines → cards); this process is the EHR: it fills the prefetch from the sandbox per the
// discovery templates and calls over HTTP with a fresh ES384 JWT per call (verification, body read and
// parse, logging included), so load generator and server do not share a core.
// Baseline in the same run: discovery (JWT + a constant answer). Env: BENCH_CDS_CALLS (300).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { prefetchTemplates } from '../../src/cds/services.ts';
import { launchToken } from '../sandbox/helpers.ts';
import { listen } from '../server/helpers.ts';

const CALLS = Number(process.env.BENCH_CDS_CALLS ?? 300);
const SCOPE = 'patient/Observation.rs patient/QuestionnaireResponse.rs patient/MedicationRequest.rs patient/MedicationStatement.rs patient/Encounter.rs';
const ISS = 'https://bench-ehr.example';
const PATIENTS = [
  ['relapse', 'typical (relapse story)'],
  ['longterm', 'five-year longterm'],
] as const;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const f = (ms: number) => ms.toFixed(2).padStart(8);
const row = (label: string, xs: number[], extra = '') => `${label.padEnd(48)} ${f(pct(xs, 50))} ${f(pct(xs, 99))} ${f(Math.max(...xs))}${extra}`;

function body(patient: string, prefetch: Record<string, unknown>): string {
  return JSON.stringify({ hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/bench', patientId: patient }, prefetch });
}

async function prefetchFor(sandbox: { url: string; fhirBase: string }, patient: string): Promise<Record<string, unknown>> {
  const { access_token } = await launchToken({ ...sandbox, startupMs: 0, close: async () => undefined }, patient, SCOPE);
  const out: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(prefetchTemplates())) {
    const res = await fetch(`${sandbox.fhirBase}/${template.replace('{{context.patientId}}', patient)}`, { headers: { authorization: `Bearer ${access_token}` } });
    const bundle = (await res.json()) as { entry?: unknown[] };
    out[key] = bundle.entry?.length ? bundle : null;
  }
  return out;
}

/** Child: sandbox + app server; in-process service times; then serves until stdin closes. */
async function serve(): Promise<void> {
  const { startSandbox } = await import('../../src/sandbox/index.ts');
  const { defaultConfig, startServer } = await import('../../src/server/index.ts');
  const sandbox = await startSandbox({ port: 0, reset: true, quiet: true, dataDir: mkdtempSync(join(tmpdir(), 'tm-bench-cds-')) });
  const server = await startServer(
    defaultConfig({
      port: 0,
      fhirServers: [sandbox.fhirBase],
      cdsTrustedIssuers: [{ iss: ISS, jwksUrl: process.env.BENCH_JWKS_URL! }],
      cdsRateLimitPerMinute: 100_000_000,
      rateLimitIpPerMinute: 100_000_000,
    }),
    // Real logging cost (one JSON line per request), written to /dev/null.
    { logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true })) },
  );
  const service = server.app.tidemark.cds.service;
  for (const [patient, label] of PATIENTS) {
    const json = body(patient, await prefetchFor(sandbox, patient));
    let cards = 0;
    for (let i = 0; i < 20; i++) cards = (await service.call('tidemark-patient-view', JSON.parse(json))).cards.length; // warm-up
    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const parsed = JSON.parse(json); // the HTTP layer's parse, outside the service time
      const t0 = performance.now();
      await service.call('tidemark-patient-view', parsed);
      times.push(performance.now() - t0);
    }
    console.log(`ROW ${row(`patient-view ${label}, in-process`, times, `   ${cards}   ${Math.round(json.length / 1024)} KB`)}`);
  }
  console.log(`READY ${JSON.stringify({ url: server.url, sandboxUrl: sandbox.url, fhirBase: sandbox.fhirBase })}`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await server.close(500);
    await sandbox.close();
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const keys = await generateKeyPair('ES384');
  const kid = randomUUID();
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'ES384', use: 'sig' }] });
  const jwksServer = await listen((_req, res) => res.end(jwks));
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'serve'], {
    env: { ...process.env, BENCH_JWKS_URL: `${jwksServer.url}/jwks.json` },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  console.log(`CDS Hooks service time with prefetch, ${CALLS} calls each (ms; goal p99 < 50)`);
  console.log(`${'what'.padEnd(48)}      p50      p99      max  cards  prefetch`);
  let ready: { url: string; sandboxUrl: string; fhirBase: string } | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('ROW ')) console.log(line.slice(4));
    if (line.startsWith('READY ')) {
      ready = JSON.parse(line.slice(6));
      break;
    }
  }
  if (!ready) throw new Error('the bench server did not start');
  const sign = (aud: string) =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid }).setIssuer(ISS).setAudience(aud).setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(keys.privateKey);
  const timeHttp = async (path: string, init: (jwt: string) => RequestInit): Promise<number[]> => {
    const url = `${ready!.url}${path}`;
    const tokens = await Promise.all(Array.from({ length: CALLS }, () => sign(url)));
    const out: number[] = [];
    for (const jwt of tokens) {
      const t0 = performance.now();
      const res = await fetch(url, init(jwt));
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      out.push(performance.now() - t0);
    }
    return out;
  };
  console.log(row('baseline: discovery over HTTP (JWT + constant)', await timeHttp('/cds-services', (jwt) => ({ headers: { authorization: `Bearer ${jwt}` } }))));
  for (const [patient, label] of PATIENTS) {
    const json = body(patient, await prefetchFor({ url: ready.sandboxUrl, fhirBase: ready.fhirBase }, patient));
    const init = (jwt: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: json });
    console.log(row(`patient-view ${label}, HTTP + JWT`, await timeHttp('/cds-services/tidemark-patient-view', init)));
  }
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  await jwksServer.close();
}

if (process.argv[2] === 'serve') await serve();
else await main();
