// Load test of the proxy on loopback: `npx tsx test/bench/server.ts`
// The proxy (embedded engines) + a fake SMART/introspection FHIR server run in a child process;
// autocannon runs here, so load generator and server each get their own core.
// Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (50), BENCH_FAKE_ENGINE=1 (canned engine answer:
// measures the proxy alone, e.g. while the engines are placeholders).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { performance } from 'node:perf_hooks';
import type { EngineBackend } from '../../src/server/backend.ts';

const TOKEN = 'bench-token-0123456789abcdef';
const RELAPSE_BODY = JSON.stringify({
  assessments: [
    { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 12, maxScore: 27, createdAt: '2026-05-01T00:00:00Z' },
    { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 19, maxScore: 27, severity: 'moderately severe', createdAt: '2026-06-15T00:00:00Z' },
  ],
  dmseLatencyPctChange: 16,
  avgSleepHours: 5.2,
  daysSinceMedChange: 12,
  hasActiveMedication: true,
  daysSinceLastVisit: 38,
});

async function serve(): Promise<void> {
  const { startServer, defaultConfig } = await import('../../src/server/index.ts');
  // Fake FHIR server with SMART discovery + RFC 7662 introspection.
  const fhir = http.createServer((req, res) => {
    const origin = `http://127.0.0.1:${(fhir.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/fhir/.well-known/smart-configuration') {
      return res.end(JSON.stringify({ introspection_endpoint: `${origin}/auth/introspect`, token_endpoint: `${origin}/auth/token` }));
    }
    if (req.url === '/auth/introspect') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const active = new URLSearchParams(body).get('token') === TOKEN;
        res.end(JSON.stringify(active ? { active: true, exp: Math.floor(Date.now() / 1000) + 3600 } : { active: false }));
      });
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => fhir.listen(0, '127.0.0.1', r));
  const fhirBase = `http://127.0.0.1:${(fhir.address() as AddressInfo).port}/fhir`;

  let backend: EngineBackend | undefined;
  if (process.env.BENCH_FAKE_ENGINE === '1') {
    const { RELAPSE_RESPONSE } = await import('../server/fixtures.ts');
    backend = { kind: 'embedded' as const, run: async () => RELAPSE_RESPONSE };
  }
  // Real logging cost (one JSON line per request), written to /dev/null.
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
  const server = await startServer(
    defaultConfig({ port: 0, fhirServers: [fhirBase], rateLimitPerMinute: 100_000_000, rateLimitIpPerMinute: 100_000_000 }),
    { logger, ...(backend ? { backend } : {}) },
  );
  process.stdout.write(`${JSON.stringify({ url: server.url, fhirBase })}\n`);
  // On SIGUSR2: report CPU time and event-loop utilization so far (the parent diffs two reports).
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    process.stdout.write(`${JSON.stringify({ cpuUs: cpu.user + cpu.system, active: elu.active, idle: elu.idle })}\n`);
  });
  process.on('SIGTERM', () => {
    void server.close(1000).then(() => process.exit(0));
  });
}

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

async function main(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (opts: object) => Promise<Result>;
  const duration = Number(process.env.BENCH_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const lines = createInterface({ input: child.stdout! });
  const nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const { url, fhirBase } = await new Promise<{ url: string; fhirBase: string }>((resolve, reject) => {
    nextLine().then((l) => resolve(JSON.parse(l)), reject);
    child.once('exit', (c) => reject(new Error(`server exited (${c})`)));
  });
  type Usage = { cpuUs: number; active: number; idle: number };
  const usage = async (): Promise<Usage> => {
    const p = nextLine();
    child.kill('SIGUSR2');
    return JSON.parse(await p) as Usage;
  };

  const headers = { authorization: `Bearer ${TOKEN}`, 'x-fhir-server': fhirBase, 'content-type': 'application/json' };
  // Sanity check + warm-up (token verdict cached, JIT warm).
  const check = await fetch(`${url}/api/v1/relapse/predict`, { method: 'POST', headers, body: RELAPSE_BODY });
  const checkBody = await check.text();
  console.log(`check: POST /api/v1/relapse/predict → ${check.status} ${checkBody.slice(0, 120)}${checkBody.length > 120 ? '…' : ''}`);
  await autocannon({ url: `${url}/api/v1/relapse/predict`, method: 'POST', headers, body: RELAPSE_BODY, connections: 10, duration: 2 });

  const run = async (title: string, opts: object) => {
    const u0 = await usage();
    const r = await autocannon({ connections, duration, ...opts });
    const u1 = await usage();
    const total = r.requests.average * duration;
    // Server-side cost: CPU µs per request, and how busy the server's event loop was.
    const cpuPerReq = total ? (u1.cpuUs - u0.cpuUs) / total : NaN;
    const elu = (u1.active - u0.active) / (u1.active - u0.active + u1.idle - u0.idle);
    return { title, r, cpuPerReq, elu };
  };
  const base = await run('GET /api/v1/ping (baseline)', { url: `${url}/api/v1/ping` });
  const rel = await run('POST /api/v1/relapse/predict', { url: `${url}/api/v1/relapse/predict`, method: 'POST', headers, body: RELAPSE_BODY });
  child.kill('SIGTERM');

  const engine = process.env.BENCH_FAKE_ENGINE === '1' ? 'canned engine answer (BENCH_FAKE_ENGINE=1)' : 'embedded engines';
  console.log(`\nproxy bench — ${engine}; ${connections} connections × ${duration} s, loopback`);
  console.log('| route | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req | server event-loop busy | server capacity est. req/s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { title, r, cpuPerReq, elu } of [base, rel]) {
    console.log(
      `| ${title} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts} | ${r.non2xx} | ` +
        `${cpuPerReq.toFixed(0)} | ${(elu * 100).toFixed(0)}% | ${Math.round(r.requests.average / elu)} |`,
    );
  }
  const ratio = rel.r.requests.average / base.r.requests.average;
  console.log(`relapse/ping throughput ratio: ${ratio.toFixed(2)}`);
  const ok = rel.r.requests.average >= 5000 && rel.r.latency.p99 < 10 && rel.r.errors + rel.r.timeouts + rel.r.non2xx === 0;
  console.log(`goal (≥ 5,000 req/s, p99 < 10 ms, no errors): ${ok ? 'met' : 'NOT met'}`);
}

if (process.argv.includes('--serve')) await serve();
else await main();
