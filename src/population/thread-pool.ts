// The one-machine executor: a piscina worker-thread pool, one thread per core. Engines are pure and
// CPU-bound, so each thread scores a batch (the patients' NDJSON lines, sent as strings) and writes it.
import { Piscina } from 'piscina';
import type { BatchResult, BatchTask, WriteTarget } from './process-batch.ts';

export interface BatchExecutor {
  /** How many batches may be in flight at once (the run reads shards ahead only that far). */
  readonly capacity: number;
  run(task: BatchTask, target: WriteTarget | null): Promise<BatchResult>;
  close(): Promise<void>;
}

/** Worker threads load the TypeScript sources through tsx, as the main process does. */
function workerExecArgv(): string[] {
  const args = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const hasTsx = args.some((a, i) => (a === '--import' || a === '--loader' || a === '--require') && /tsx/.test(args[i + 1] ?? ''));
  return hasTsx ? args : [...args, '--import', 'tsx'];
}

export function createThreadPool(threads: number): BatchExecutor {
  const pool = new Piscina({
    filename: new URL('./score-worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    execArgv: workerExecArgv(),
  });
  return {
    capacity: threads * 2,
    run: (task, target) => pool.run({ task, target }) as Promise<BatchResult>,
    close: () => pool.destroy(),
  };
}

/**
 * Retries a batch that failed as a whole (a transient write failure, a crashed thread) with exponential
 * back-off; after the last attempt its patients are reported as failed with the reason (the
 * one-machine counterpart of BullMQ's dead-letter queue), and the run goes on.
 */
export function withRetries(inner: BatchExecutor, attempts: number, backoffMs: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): BatchExecutor {
  return {
    capacity: inner.capacity,
    close: () => inner.close(),
    async run(task, target) {
      let last: unknown;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          return await inner.run(task, target);
        } catch (error) {
          last = error;
          if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
        }
      }
      return deadLettered(task, last, attempts);
    },
  };
}

/** Every patient of a batch that exhausted its attempts, failed with the last reason. */
export function deadLettered(task: BatchTask, error: unknown, attempts: number): BatchResult {
  const reason = `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (after ${attempts} attempts)`.slice(0, 500);
  return {
    batchId: task.batchId,
    scoreMs: 0,
    writeMs: 0,
    outcomes: task.patients.map((p) => ({ patientId: p.patientId, engines: [], relapse: null, safety: [], newSafety: [], written: 0, existing: 0, failure: { stage: 'write', reason } })),
  };
}
