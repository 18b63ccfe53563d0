/**
 * Population figures: sandbox start-up with SANDBOX_POPULATION=N, its memory, and a Bulk export of
 * Group care-team with the population run's own client over HTTP (median of 3 runs), NDJSON sizes,
 * peak memory, and how slow a chart read gets while an export runs.
 * Run: `npm run bench` (N = 1,000) or `BENCH_POPULATION=10000 npm run bench` (prints one JSON object).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendServicesAuth, discoverTokenEndpoint } from '../../src/population/backend-auth.ts';
import { bulkExport } from '../../src/population/bulk-client.ts';
import { DEV_CLIENT_ID, ensureDevKey } from '../../src/population/dev-key.ts';
import { ensureFhirDefinitions } from '../../src/sandbox/fhir-definitions.ts';
import { startSandbox } from '../../src/sandbox/index.ts';

const n = Number(process.argv[2] ?? process.env.BENCH_POPULATION ?? 1000); // bench-only knob, not app config
const mb = (bytes: number) => Math.round(bytes / 1_048_576);
const gc = (globalThis as { gc?: () => void }).gc;

const dir = mkdtempSync(join(tmpdir(), 'tidemark-population-bench-'));
const d0 = performance.now();
ensureFhirDefinitions(); // once per process, part of every real start-up; timed apart so both starts below are comparable
const definitionsMs = performance.now() - d0;
const baseline = await timedStart(0); // the eight stories only: the same run's baseline
await baseline.sb.close();
const { sb, ms: startupMs } = await timedStart(n);
gc?.();
const afterStart = process.memoryUsage();

const key = await ensureDevKey(join(dir, 'key'));
const auth = new BackendServicesAuth({ tokenEndpoint: await discoverTokenEndpoint(sb.fhirBase), clientId: DEV_CLIENT_ID, privateJwk: key.privateJwk, scope: 'system/*.rs' });

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 25);

const runs: Run[] = [];
for (let i = 0; i < 3; i++) runs.push(await plainExport(await auth.token()));
const clientStart = performance.now();
let clientLines = 0;
for await (const _ of bulkExport({ fhirBase: sb.fhirBase, auth, group: 'care-team' })) clientLines++;
const clientMs = performance.now() - clientStart;
clearInterval(sampler);
const median = (pick: (r: Run) => number) => [...runs.map(pick)].sort((a, b) => a - b)[1] as number;
const sample = runs[0] as Run;
await sb.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      generatedPatients: n,
      patients: sample.counts.Patient,
      resources: sample.lines,
      startupMs: Math.round(startupMs),
      startupStoriesOnlyMs: Math.round(baseline.ms),
      fhirDefinitionsMs: Math.round(definitionsMs),
      afterStartMB: { rss: mb(afterStart.rss), heapUsed: mb(afterStart.heapUsed) },
      exportProcessingMs: { median: Math.round(median((r) => r.processingMs)), runs: runs.map((r) => Math.round(r.processingMs)) },
      downloadMs: Math.round(median((r) => r.downloadMs)),
      exportPatientsPerSecond: Math.round((sample.counts.Patient ?? 0) / (median((r) => r.processingMs + r.downloadMs) / 1000)),
      bulkClientEndToEndMs: { ms: Math.round(clientMs), lines: clientLines, note: 'production client, honouring Retry-After: 1' },
      ndjsonMB: Object.fromEntries(Object.entries(sample.bytes).map(([t, b]) => [t, Number((b / 1_048_576).toFixed(1))])),
      ndjsonTotalMB: Number((Object.values(sample.bytes).reduce((a, b) => a + b, 0) / 1_048_576).toFixed(1)),
      chartReadDuringExportMaxMs: Math.round(Math.max(...runs.map((r) => r.readMaxMs))),
      peakDuringExportMB: { rss: mb(peakRss), heapUsed: mb(peakHeap) },
      processMaxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    null,
    2,
  ),
);

async function timedStart(population: number) {
  const t0 = performance.now();
  const handle = await startSandbox({ port: 0, reset: true, quiet: true, dataDir: join(dir, `sandbox-${population}`), devKeyDir: join(dir, 'key'), population });
  return { sb: handle, ms: performance.now() - t0 };
}

interface Run {
  processingMs: number;
  downloadMs: number;
  lines: number;
  bytes: Record<string, number>;
  counts: Record<string, number>;
  readMaxMs: number;
}

/** One export of care-team with plain fetch (status polled every 20 ms), files streamed and counted; a chart read every 50 ms meanwhile. */
async function plainExport(token: string): Promise<Run> {
  const headers = { authorization: `Bearer ${token}` };
  let readMaxMs = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const s = performance.now();
      await (await fetch(`${sb.fhirBase}/Observation?patient=relapse&_count=50`, { headers })).arrayBuffer();
      readMaxMs = Math.max(readMaxMs, performance.now() - s);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const start = performance.now();
  const kick = await fetch(`${sb.fhirBase}/Group/care-team/$export`, { headers: { ...headers, prefer: 'respond-async', accept: 'application/fhir+json' } });
  const status = kick.headers.get('content-location') as string;
  let manifest: { output: { type: string; url: string }[] } | undefined;
  while (!manifest) {
    const res = await fetch(status, { headers });
    if (res.status === 200) manifest = (await res.json()) as typeof manifest;
    else await new Promise((r) => setTimeout(r, 20));
  }
  const processingMs = performance.now() - start;
  const bytes: Record<string, number> = {};
  const counts: Record<string, number> = {};
  let lines = 0;
  for (const file of manifest?.output ?? []) {
    const res = await fetch(file.url, { headers });
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes[file.type] = (bytes[file.type] ?? 0) + chunk.byteLength;
      let newlines = 0;
      for (const b of chunk) if (b === 10) newlines++;
      counts[file.type] = (counts[file.type] ?? 0) + newlines;
      lines += newlines;
    }
  }
  const downloadMs = performance.now() - start - processingMs;
  await fetch(status, { method: 'DELETE', headers });
  reading = false;
  await reader;
  return { processingMs, downloadMs, lines, bytes, counts, readMaxMs };
}
