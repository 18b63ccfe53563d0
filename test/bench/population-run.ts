/**
 * Population-run figures (issue 12), each run as `npm run score-population` runs, against a sandbox
 * process with N generated patients:
 *  - patients scored per second, export → score, writes excluded (`--no-write --full`): one worker
 *    thread, every core, and two BullMQ workers (`npm run population-worker --concurrency 1` ×2);
 *  - peak memory of the run at 1,000 and at N patients (flat as the population grows);
 *  - the whole first night with writes: wall time and results written per second;
 *  - the care-team screen in Chromium: time to first rows and to the whole panel.
 * `npm run bench` uses N = 1,000; `BENCH_RUN_POPULATION=10000 npm run bench` for the figures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ensureDevKey, PRIVATE_KEY_FILE } from '../../src/population/dev-key.ts';
import type { RunSummary } from '../../src/population/feed.ts';
import { launchBrowser } from '../e2e/harness.ts';

const N = Number(process.env.BENCH_RUN_POPULATION ?? 1000); // bench-only knob, not app config
const cores = availableParallelism();
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function start(entry: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not up`);
}

interface Sandbox {
  fhirBase: string;
  url: string;
  keyPath: string;
  env: Record<string, string>;
  child: ChildProcess;
}

async function startSandbox(population: number): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-bench-run-'));
  const keyDir = join(dir, 'key');
  await ensureDevKey(keyDir);
  const port = await freePort();
  const env = { SANDBOX_PORT: String(port), SANDBOX_DIR: join(dir, 'sandbox'), SANDBOX_RESET: '1', SANDBOX_POPULATION: String(population), POPULATION_KEY_DIR: keyDir, LOG_LEVEL: 'warn' };
  const child = start('src/sandbox/main.ts', env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/fhir/metadata`);
  return { fhirBase: `${url}/fhir`, url, keyPath: join(keyDir, PRIVATE_KEY_FILE), env, child };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** One `npm run score-population` run; its printed summary. */
function scorePopulation(sb: Sandbox, args: string[], env: Record<string, string> = {}): RunSummary & { wallMs: number } {
  const runsDir = mkdtempSync(join(tmpdir(), 'tidemark-bench-runs-'));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/population/main.ts', '--fhir-base', sb.fhirBase, '--key', sb.keyPath, '--runs-dir', runsDir, '--progress', 'none', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`score-population exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ...(JSON.parse(r.stdout) as { summary: RunSummary }).summary, wallMs };
}

const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);

function scoringFigures(label: string, s: RunSummary & { wallMs: number }) {
  return {
    label,
    patients: s.patients,
    'patients/s (export → score)': perSec(s.patients, s.timings.exportMs + s.timings.scoringWallMs),
    'patients/s (scoring phase)': perSec(s.patients, s.timings.scoringWallMs),
    exportMs: s.timings.exportMs,
    scoringMs: s.timings.scoringWallMs,
    peakRssMb: s.timings.peakRssMb,
  };
}

async function startRedis(): Promise<string> {
  const port = await freePort();
  children.push(spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
  const probe = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
  probe.on('error', () => undefined); // refused until redis-server listens
  await probe.ping();
  probe.disconnect();
  return `redis://127.0.0.1:${port}`;
}

async function bullmqFigures(sb: Sandbox) {
  const redisUrl = await startRedis();
  const workers = [0, 1].map(() =>
    start('src/population/worker-main.ts', { LOG_LEVEL: 'warn' }, ['--fhir-base', sb.fhirBase, '--key', sb.keyPath, '--redis-url', redisUrl, '--concurrency', '1']),
  );
  await new Promise((r) => setTimeout(r, 3000)); // workers connect and load their thread
  const s = scorePopulation(sb, ['--no-write', '--full', '--redis-url', redisUrl, '--concurrency', '2']);
  await Promise.all(workers.map(stop));
  return scoringFigures('two BullMQ workers (1 thread each)', s);
}

async function careTeamScreen(sb: Sandbox) {
  if (!existsSync('dist/index.html')) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  // The sandbox's launches go to APP_URL: restart it pointing at this app (its writes are persisted).
  await stop(sb.child);
  sb.child = start('src/sandbox/main.ts', { ...sb.env, SANDBOX_RESET: '0', APP_URL: appUrl });
  const server = start('src/server/main.ts', { PORT: String(port), FHIR_SERVERS: sb.fhirBase, LOG_LEVEL: 'warn' });
  await Promise.all([waitFor(`${sb.fhirBase}/metadata`), waitFor(`${appUrl}/api/v1/ping`)]);
  const browser = await launchBrowser();
  const out: Array<{ firstRowsMs: number; completeMs: number }> = [];
  try {
    for (let i = 0; i < 3; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(120_000);
      await page.goto(`${sb.url}/ehr-launch`);
      await page.locator('tbody tr a').first().waitFor();
      // From the app page's own navigation start (token exchange, reads, render).
      const firstRowsMs = Math.round(await page.evaluate(() => performance.now()));
      await page.waitForFunction(() => !document.querySelector('.care-team__counts')?.textContent?.includes('loading'));
      const completeMs = Math.round(await page.evaluate(() => performance.now()));
      out.push({ firstRowsMs, completeMs });
      await context.close();
    }
  } finally {
    await browser.close();
    await stop(server);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { patients: N, 'time to first rows, median ms': med(out.map((o) => o.firstRowsMs)), 'whole panel loaded, median ms': med(out.map((o) => o.completeMs)), runs: out };
}

async function main(): Promise<void> {
  const figures: Record<string, unknown> = { N, cores };
  // Each figure is printed as soon as it is measured (a long run still shows what it got), then all.
  const record = (key: string, value: unknown) => {
    figures[key] = value;
    console.log(`${key}: ${JSON.stringify(value)}`);
  };
  const sizes = N > 1000 ? [1000, N] : [N];
  const memory: Record<string, number> = {};
  let big: Sandbox | undefined;
  for (const size of sizes) {
    const sb = await startSandbox(size);
    const all = scorePopulation(sb, ['--no-write', '--full', '--concurrency', String(cores)]);
    memory[`${all.patients} patients`] = all.timings.peakRssMb;
    if (size !== N) {
      await stop(sb.child);
      continue;
    }
    big = sb;
    const one = scorePopulation(sb, ['--no-write', '--full', '--concurrency', '1']);
    record('scoring', [scoringFigures('one worker thread', one), scoringFigures(`all cores (${cores} threads)`, all), await bullmqFigures(sb)]);
  }
  record('peak memory of the run, MB', memory);
  if (big) {
    const night = scorePopulation(big, ['--full', '--concurrency', String(cores)]);
    record('first night with writes', {
      patients: night.patients,
      written: night.written,
      'wall time, s': Math.round(night.wallMs / 100) / 10,
      'results written/s (scoring + writing phase)': perSec(night.written, night.timings.scoringWallMs),
      'write requests time, summed over threads, s': Math.round(night.timings.writeMs / 100) / 10,
      peakRssMb: night.timings.peakRssMb,
    });
    const again = scorePopulation(big, ['--full', '--concurrency', String(cores)]);
    record('second full night (nothing new to write)', { 'wall time, s': Math.round(again.wallMs / 100) / 10, written: again.written });
    record('care-team screen', await careTeamScreen(big));
  }
  console.log(JSON.stringify(figures, null, 2));
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(children.map(stop));
  });
