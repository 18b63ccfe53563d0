// The population run across machines: BullMQ on Redis. `npm run score-population` (REDIS_URL set)
// enqueues one job per batch and collects the results into its checkpoint; any number of
// `npm run population-worker` processes take jobs, score them on every core and write the results.
// Jobs retry with exponential back-off; a job out of attempts goes to the dead-letter queue and its
// patients are reported as failed. Job ids are the batch ids, so a resumed run finds its jobs again.
// Jobs carry the patients' NDJSON (gzip) and never a token: each worker authenticates itself.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WriteStrategy } from '../fhir/write/strategy.ts';
import type { BatchResult, BatchTask, WriteTarget } from './process-batch.ts';
import type { PatientLines } from './shards.ts';
import { deadLettered, type BatchExecutor } from './thread-pool.ts';

export const QUEUE_NAME = 'tidemark-population';
export const DEAD_LETTER_QUEUE = 'tidemark-population-dead';
/** Finished jobs are kept this long, so a coordinator that crashed can still collect them. */
const KEEP_SECONDS = 7 * 86_400;

export interface JobData {
  batchId: string;
  asOf: string;
  fhirBase: string;
  /** Write the results (false: score only). */
  write: boolean;
  /** The coordinator's write strategy for the server (every worker writes the same way). */
  strategy: WriteStrategy | null;
  /** gzip + base64 of JSON PatientLines[]. */
  patients: string;
  /** Keep each patient's results for the run's memory (BatchTask.remember). */
  remember?: boolean;
}

export interface DeadLetter {
  batchId: string;
  patientIds: string[];
  reason: string;
  attemptsMade: number;
}

export function redisConnection(url: string): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest: null.
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

export const jobIdOf = (batchId: string) => batchId.replace(/:/g, '.');

export function encodePatients(patients: readonly PatientLines[]): string {
  return gzipSync(JSON.stringify(patients), { level: 1 }).toString('base64');
}

export function decodePatients(data: string): PatientLines[] {
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as PatientLines[];
}

export interface QueueExecutorOptions {
  redisUrl: string;
  attempts: number;
  backoffMs: number;
  /** Jobs in flight at once (back-pressure: Redis never holds the whole population). */
  capacity: number;
  log: Logger;
}

/** The coordinator's side: enqueue a batch, resolve with its result (or its dead-lettered patients). */
export async function createQueueExecutor(o: QueueExecutorOptions): Promise<BatchExecutor> {
  const connection = redisConnection(o.redisUrl);
  const eventsConnection = redisConnection(o.redisUrl);
  const queue = new Queue<JobData, BatchResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    capacity: o.capacity,
    async run(task: BatchTask, target: WriteTarget | null) {
      const data: JobData = {
        batchId: task.batchId,
        asOf: task.asOf,
        fhirBase: target?.fhirBase ?? '',
        write: target !== null,
        strategy: target?.strategy ?? null,
        patients: encodePatients(task.patients),
        ...(task.remember ? { remember: true } : {}),
      };
      const job = await queue.add('batch', data, {
        jobId: jobIdOf(task.batchId),
        attempts: o.attempts,
        backoff: { type: 'exponential', delay: o.backoffMs },
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      });
      try {
        return (await job.waitUntilFinished(events)) as BatchResult;
      } catch (error) {
        o.log.warn({ event: 'batch-dead-lettered', batchId: task.batchId, patients: task.patients.length }, 'batch out of attempts');
        return deadLettered(task, new Error(messageOf(error)), o.attempts);
      }
    },
    async close() {
      await events.close();
      await queue.close();
      connection.disconnect();
      eventsConnection.disconnect();
    },
  };
}

export interface QueueWorkerOptions {
  redisUrl: string;
  /** FHIR base this worker holds credentials for; jobs for another server fail permanently. */
  fhirBase: string;
  /** The strategy this worker's token was scoped for: a job written another way fails (its creates may not be granted). */
  strategy?: WriteStrategy['kind'];
  /** Jobs processed at once by this process (each on the thread pool below). */
  concurrency: number;
  accessToken(): Promise<string>;
  /** The batch processor: the worker-thread pool (or processBatch inline). */
  process(task: BatchTask, target: WriteTarget | null): Promise<BatchResult>;
  log: Logger;
}

export interface QueueWorkerHandle {
  worker: Worker<JobData, BatchResult>;
  close(): Promise<void>;
}

export function startQueueWorker(o: QueueWorkerOptions): QueueWorkerHandle {
  const connection = redisConnection(o.redisUrl);
  const deadConnection = redisConnection(o.redisUrl);
  const dead = new Queue<DeadLetter>(DEAD_LETTER_QUEUE, { connection: deadConnection });
  const worker = new Worker<JobData, BatchResult>(
    QUEUE_NAME,
    async (job: Job<JobData, BatchResult>) => {
      const d = job.data;
      if (d.write && d.fhirBase !== o.fhirBase) throw new Error('This worker holds no credentials for the job\'s FHIR server.');
      const task: BatchTask = { batchId: d.batchId, asOf: d.asOf, patients: decodePatients(d.patients), remember: d.remember === true };
      if (d.write && !d.strategy) throw new Error('The job names no write strategy (enqueued by an older version): run the coordinator again.');
      if (d.write && o.strategy && d.strategy?.kind !== o.strategy) throw new Error(`The job writes ${d.strategy?.kind}, this worker ${o.strategy}: give both the same site configuration.`);
      const target = d.write && d.strategy ? { fhirBase: d.fhirBase, accessToken: await o.accessToken(), strategy: d.strategy } : null;
      return o.process(task, target);
    },
    { connection, concurrency: o.concurrency },
  );
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    o.log.warn({ event: final ? 'job-dead-lettered' : 'job-retry', batchId: job.data.batchId, attemptsMade: job.attemptsMade, errorName: error.name }, 'population job failed');
    if (!final) return;
    const letter: DeadLetter = {
      batchId: job.data.batchId,
      patientIds: decodePatients(job.data.patients).map((p) => p.patientId),
      reason: messageOf(error),
      attemptsMade: job.attemptsMade,
    };
    void dead.add('dead', letter, { jobId: job.id ?? jobIdOf(job.data.batchId), removeOnComplete: false, removeOnFail: false }).catch(() => undefined);
  });
  worker.on('error', (error) => o.log.error({ event: 'worker-error', errorName: error.name }, 'population worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      await dead.close();
      connection.disconnect();
      deadConnection.disconnect();
    },
  };
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)).slice(0, 500);
}
