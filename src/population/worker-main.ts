// `npm run population-worker`: takes population jobs from BullMQ (REDIS_URL) and scores them on every
// core of this machine, writing results with its own Backend Services token. Start as many as you like,
// on any machines that reach Redis and the EHR. SIGTERM/SIGINT: finish the jobs in hand, then stop.
import { availableParallelism } from 'node:os';
import { loadPopulationConfig } from './config.ts';
import { connect } from './connect.ts';
import { createRunLogger } from './progress.ts';
import { startQueueWorker } from './queue.ts';
import { createThreadPool } from './thread-pool.ts';

const config = loadPopulationConfig(process.argv.slice(2), process.env, availableParallelism());
const log = createRunLogger(config.logLevel);
if (!config.redisUrl) {
  console.error('population-worker needs REDIS_URL (or --redis-url): the queue it takes jobs from.');
  process.exit(1);
}
const conn = await connect(config);
const pool = createThreadPool(config.concurrency);
const worker = startQueueWorker({
  redisUrl: config.redisUrl,
  fhirBase: config.fhirBase,
  strategy: conn.strategy.kind,
  concurrency: config.concurrency,
  accessToken: () => conn.auth.token(),
  process: (task, target) => pool.run(task, target),
  log,
});
log.info({ event: 'worker-ready', threads: config.concurrency, write: conn.strategy.kind }, 'population worker waiting for jobs');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.close();
  await pool.close();
  log.flush();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
