// `npm run score-population`: the nightly population run (README "Care teams"). Exit 0: every patient
// scored and written; 2: the run finished but some patients failed (failures.ndjson); 1: it stopped.
import { availableParallelism } from 'node:os';
import { loadPopulationConfig, PopulationConfigError } from './config.ts';
import { connect, runDepsOf } from './connect.ts';
import { createProgress, createRunLogger } from './progress.ts';
import { createQueueExecutor } from './queue.ts';
import { runPopulation } from './run.ts';
import { createThreadPool, withRetries, type BatchExecutor } from './thread-pool.ts';

async function main(): Promise<number> {
  let config: ReturnType<typeof loadPopulationConfig>;
  try {
    config = loadPopulationConfig(process.argv.slice(2), process.env, availableParallelism());
  } catch (error) {
    if (!(error instanceof PopulationConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
  const log = createRunLogger(config.logLevel);
  const conn = await connect(config);
  const executor: BatchExecutor = config.redisUrl
    ? await createQueueExecutor({ redisUrl: config.redisUrl, attempts: config.attempts, backoffMs: config.backoffMs, capacity: config.concurrency * 4, log })
    : withRetries(createThreadPool(config.concurrency), config.attempts, config.backoffMs);
  try {
    const { summary, runDir } = await runPopulation({
      config,
      ...runDepsOf(conn),
      executor,
      mode: config.redisUrl ? 'bullmq' : 'threads',
      log,
      progress: createProgress(config.progress, log),
    });
    console.log(JSON.stringify({ runDir: runDir.path, feed: runDir.feedFile, failures: runDir.failuresFile, summary }, null, 2));
    return summary.failed > 0 ? 2 : 0;
  } finally {
    await executor.close();
    log.flush();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The message names the step (discovery, token, export); never a token or patient data.
    console.error(`score-population stopped: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Resume it with: npm run score-population -- --resume latest');
    process.exit(1);
  },
);
