// The BullMQ path against a real redis-server started here (Debian's /usr/bin/redis-server on a free
// port): two workers take the jobs; the result equals the one-machine run on an identical sandbox,
// with the same injected faults — one batch fails once and succeeds on retry, one is dead-lettered.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processBatch } from '../../src/population/process-batch.ts';
import { createQueueExecutor, DEAD_LETTER_QUEUE, type JobData, QUEUE_NAME, redisConnection, startQueueWorker, type DeadLetter } from '../../src/population/queue.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { connect } from '../../src/population/connect.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { chartIdentities, readFeed, runWith, silentLog, startRunSandbox, testConfig, userToken } from './helpers.ts';

const asOf = new Date().toISOString();
let redis: ChildProcess;
let redisUrl: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  redis = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redisUrl = `redis://127.0.0.1:${port}`;
  const probe = redisConnection(redisUrl);
  probe.on('error', () => undefined); // refused until redis-server listens; ioredis retries
  await probe.ping();
  probe.disconnect();
}, 30_000);

afterAll(() => {
  redis?.kill('SIGTERM');
});


interface Setup {
  sb: SandboxHandle;
  keyPath: string;
  proxy: FaultProxy;
  token: string;
}

async function setup(): Promise<Setup> {
  const { sb, keyPath } = await startRunSandbox();
  const proxy = await startFaultProxy(sb.fhirBase);
  // `relapse`: the first write fails (503), the retry succeeds; `sparse`: every write fails (dead-lettered).
  proxy.rules.push({ status: 503, patients: ['relapse'], times: 1 }, { status: 503, patients: ['sparse'], times: Number.POSITIVE_INFINITY });
  return { sb, keyPath, proxy, token: await userToken(sb, 'user/*.rs') };
}

describe('population run on BullMQ', () => {
  it('gives the same feed, failures and written identities as the one-machine run', async () => {
    const [one, many] = await Promise.all([setup(), setup()]);
    const workers: ReturnType<typeof startQueueWorker>[] = [];
    try {
      const argv = ['--as-of', asOf, '--batch-size', '1'];
      const threads = await runWith(testConfig(one.proxy.fhirBase, one.keyPath, argv));

      const config = testConfig(many.proxy.fhirBase, many.keyPath, [...argv, '--redis-url', redisUrl]);
      // Two workers, each authenticating itself with the Backend Services key (as `npm run population-worker`).
      for (let i = 0; i < 2; i++) {
        const conn = await connect(config);
        workers.push(
          startQueueWorker({ redisUrl, fhirBase: config.fhirBase, strategy: conn.strategy.kind, concurrency: 2, accessToken: () => conn.auth.token(), process: processBatch, log: silentLog }),
        );
      }
      const executor = await createQueueExecutor({ redisUrl, attempts: config.attempts, backoffMs: config.backoffMs, capacity: 8, log: silentLog });
      const queued = await runWith(config, executor).finally(() => executor.close());

      expect(readFeed(queued.runDir.feedFile)).toEqual(readFeed(threads.runDir.feedFile));
      const failures = (r: typeof threads) => r.summary.failed;
      expect(failures(queued)).toBe(1);
      expect(failures(threads)).toBe(1);
      const ids = async (s: Setup) => (await chartIdentities(s.sb, s.token)).map((o) => o.identifier).sort();
      expect(await ids(many)).toEqual(await ids(one));
      // `relapse`'s batch was sent twice (503, then the retry) and written; `sparse`'s once per attempt, never written.
      const inChart = await chartIdentities(many.sb, many.token);
      const relapseResults = inChart.filter((o) => o.patient === 'relapse').length;
      expect(relapseResults).toBeGreaterThan(0);
      expect(inChart.some((o) => o.patient === 'sparse')).toBe(false);
      for (const s of [one, many]) {
        expect(s.proxy.posted.filter((p) => p.patient === 'relapse').length).toBe(2 * relapseResults);
        expect(s.proxy.posted.filter((p) => p.patient === 'sparse').length % config.attempts).toBe(0);
      }

      // A job carries the batch, the clock and the write strategy (plain data), never a token.
      const queue = new Queue<JobData>(QUEUE_NAME, { connection: redisConnection(redisUrl) });
      const jobs = await queue.getJobs(['completed', 'failed']);
      await queue.close();
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) {
        expect(Object.keys(j.data).sort()).toEqual(['asOf', 'batchId', 'fhirBase', 'patients', 'strategy', 'write']);
        expect(j.data.strategy).toMatchObject({ kind: 'observations', idempotence: 'transaction' });
        expect(JSON.stringify(j.data)).not.toMatch(/bearer|token/i);
      }

      // The dead-letter queue holds the batch of `sparse`, with its reason and attempts.
      const dead = new Queue<DeadLetter>(DEAD_LETTER_QUEUE, { connection: redisConnection(redisUrl) });
      const letters = (await dead.getJobs(['waiting', 'delayed'])).map((j) => j.data);
      await dead.close();
      expect(letters).toEqual([expect.objectContaining({ patientIds: ['sparse'], attemptsMade: config.attempts, reason: expect.stringContaining('503') })]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      for (const s of [one, many]) {
        await s.proxy.close();
        await s.sb.close();
      }
    }
  }, 120_000);

  it('a worker refuses a job written another way than its token was scoped for (dead-lettered with the reason)', async () => {
    const { sb, keyPath } = await startRunSandbox();
    const config = testConfig(sb.fhirBase, keyPath, ['--as-of', asOf, '--batch-size', '20']);
    const conn = await connect(config);
    // This worker was configured for the note (another site configuration): the coordinator's jobs write Observations.
    const worker = startQueueWorker({ redisUrl, fhirBase: config.fhirBase, strategy: 'note', concurrency: 1, accessToken: () => conn.auth.token(), process: processBatch, log: silentLog });
    const executor = await createQueueExecutor({ redisUrl, attempts: 1, backoffMs: 10, capacity: 2, log: silentLog });
    try {
      const { summary, runDir } = await runWith(config, executor);
      expect(summary).toMatchObject({ failed: summary.patients, written: 0 });
      const reasons = readFileSync(runDir.failuresFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { reason: string }).reason);
      for (const r of reasons) expect(r).toContain('The job writes observations, this worker note');
      expect(await chartIdentities(sb, await userToken(sb, 'user/*.rs'))).toEqual([]);
    } finally {
      await executor.close();
      await worker.close();
      await sb.close();
    }
  }, 120_000);
});
