// CDS Hooks service time with prefetch: `npx tsx test/bench/cds.ts` (part of `npm run bench`).
// Prefetch is filled from a real sandbox per the discovery templates (as the sandbox EHR does), then
// the same request is sent many times: (1) in-process service time (prefetch → chart → engines →
// cards), (2) over HTTP with a fresh EHR-signed JWT per call (verification, body parse, logging).
// Baseline in the same run: discovery (auth + a constant answer). Env: BENCH_CDS_CALLS (300).
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { prefetchTemplates } from '../../src/cds/services.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { defaultConfig, startServer } from '../../src/server/index.ts';
import { listen } from '../server/helpers.ts';
import { launchToken } from '../sandbox/helpers.ts';

const CALLS = Number(process.env.BENCH_CDS_CALLS ?? 300);
const SCOPE = 'patient/Observation.rs patient/QuestionnaireResponse.rs patient/MedicationRequest.rs patient/MedicationStatement.rs patient/Encounter.rs';
const PATIENTS = [
  ['relapse', 'typical (relapse story)'],
  ['longterm', 'five-year longterm'],
] as const;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const f = (ms: number) => ms.toFixed(2).padStart(7);

const sandbox = await startSandbox({ port: 0, reset: true, quiet: true, dataDir: mkdtempSync(join(tmpdir(), 'tm-bench-cds-')) });
const keys = await generateKeyPair('ES384');
const kid = randomUUID();
const jwks = { keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'ES384', use: 'sig' }] };
const jwksServer = await listen((_req, res) => res.end(JSON.stringify(jwks)));
const iss = 'https://bench-ehr.example';
const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
const server = await startServer(
  defaultConfig({
    port: 0,
    fhirServers: [sandbox.fhirBase],
    cdsTrustedIssuers: [{ iss, jwksUrl: `${jwksServer.url}/jwks.json` }],
    cdsRateLimitPerMinute: 100_000_000,
    rateLimitIpPerMinute: 100_000_000,
  }),
  { logger },
);
const sign = (aud: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid }).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(keys.privateKey);

async function prefetchFor(patient: string): Promise<Record<string, unknown>> {
  const { access_token } = await launchToken(sandbox, patient, SCOPE);
  const out: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(prefetchTemplates())) {
    const res = await fetch(`${sandbox.fhirBase}/${template.replace('{{context.patientId}}', patient)}`, { headers: { authorization: `Bearer ${access_token}` } });
    const bundle = (await res.json()) as { entry?: unknown[] };
    out[key] = bundle.entry?.length ? bundle : null;
  }
  return out;
}

async function timeHttp(path: string, init: (jwt: string) => RequestInit, n: number): Promise<number[]> {
  const url = `${server.url}${path}`;
  const tokens = await Promise.all(Array.from({ length: n }, () => sign(url)));
  const out: number[] = [];
  for (const jwt of tokens) {
    const t0 = performance.now();
    const res = await fetch(url, init(jwt));
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

console.log(`CDS Hooks service time with prefetch, ${CALLS} calls each (ms; goal p99 < 50)`);
console.log('what                                            p50      p99    max   cards  prefetch');
const discovery = await timeHttp('/cds-services', (jwt) => ({ headers: { authorization: `Bearer ${jwt}` } }), CALLS);
console.log(`baseline: discovery over HTTP (JWT + constant)  ${f(pct(discovery, 50))}  ${f(pct(discovery, 99))} ${f(Math.max(...discovery))}`);

const service = server.app.tidemark.cds.service;
for (const [patient, label] of PATIENTS) {
  const prefetch = await prefetchFor(patient);
  const body = { hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/bench', patientId: patient }, prefetch };
  const json = JSON.stringify(body);
  const kb = Math.round(json.length / 1024);
  let cards = 0;
  for (let i = 0; i < 20; i++) cards = (await service.call('tidemark-patient-view', JSON.parse(json))).cards.length; // warm-up
  const inProc: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const parsed = JSON.parse(json); // the parse is the HTTP layer's, outside the service time
    const t0 = performance.now();
    await service.call('tidemark-patient-view', parsed);
    inProc.push(performance.now() - t0);
  }
  console.log(`${`patient-view ${label}, in-process`.padEnd(46)} ${f(pct(inProc, 50))}  ${f(pct(inProc, 99))} ${f(Math.max(...inProc))}   ${cards}     ${kb} KB`);
  const http = await timeHttp('/cds-services/tidemark-patient-view', (jwt) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: json }), CALLS);
  console.log(`${`patient-view ${label}, HTTP + JWT`.padEnd(46)} ${f(pct(http, 50))}  ${f(pct(http, 99))} ${f(Math.max(...http))}`);
}

await server.close(500);
await jwksServer.close();
await sandbox.close();
