// The population run as a pipeline: Bulk export NDJSON (any type order) → on-disk shards by patient →
// one shard at a time → batches of patients → executor (worker threads or BullMQ) → checkpoint →
// change feed + summary. Resumable: a run directory records its phase; finished shards and patients
// are skipped; writes are idempotent.
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { chartQueries } from '../fhir/read/chart-queries.ts';
import { Checkpoint } from './checkpoint.ts';
import type { PopulationConfig } from './config.ts';
import { finalizeRun, type RunSummary } from './feed.ts';
import type { BatchResult, BatchTask, WriteTarget } from './process-batch.ts';
import type { Progress } from './progress.ts';
import { createRunDir, lastSuccessfulRun, listRuns, newRunId, RunDir, type RunState } from './run-dir.ts';
import { batchesOf, readShard, ShardWriter, shardCountFor } from './shards.ts';
import type { BatchExecutor } from './thread-pool.ts';

/** What the export is limited to: the resource types src/fhir reads for a chart, and Patient. */
export const EXPORT_TYPES: readonly string[] = ['Patient', ...new Set(chartQueries('_').map((q) => q.resourceType))];

/** One NDJSON line of the export and the type of the file it came from (bulk-client's NdjsonLine). */
export interface ExportLine {
  type: string;
  line: string;
}

/**
 * A Bulk export run to completion: yields every line (files in the server's order), returns the
 * manifest's transactionTime (every change after it is in the next night's `_since` export).
 */
export type ExportLines = AsyncGenerator<ExportLine, { transactionTime: string }>;

export interface RunDeps {
  config: PopulationConfig;
  startExport(opts: { since: string | null; types: readonly string[] }): ExportLines;
  /** The Group's size when the server tells it (sizes the shards); undefined → a default. */
  expectedPatients?: () => Promise<number | undefined>;
  /** Access token for the writes (refreshed by the caller when needed). */
  accessToken(): Promise<string>;
  /** Does the server take transaction Bundles (CapabilityStatement)? */
  transactions(): Promise<boolean>;
  executor: BatchExecutor;
  mode: RunState['mode'];
  log: Logger;
  progress: Progress;
  now?: () => Date;
}

export interface RunReport {
  runDir: RunDir;
  state: RunState;
  summary: RunSummary;
}

export async function runPopulation(deps: RunDeps): Promise<RunReport> {
  const { config, log } = deps;
  const started = performance.now();
  const { dir, state: initial } = openRun(deps);
  let state = initial;
  log.info({ event: 'run-start', runId: state.id, resumed: state.status !== 'exporting' || config.resume !== undefined, mode: state.mode, since: state.since }, 'population run');
  if (state.status === 'exporting') state = await exportPhase(deps, dir, state);
  if (state.status === 'scoring') await scorePhase(deps, dir, state);
  const summary = finalizeRun({
    checkpointFile: dir.checkpointFile,
    feedFile: dir.feedFile,
    failuresFile: dir.failuresFile,
    summaryFile: dir.summaryFile,
    head: { runId: state.id, asOf: state.asOf, transactionTime: state.transactionTime, since: state.since, durationMs: Math.round(performance.now() - started) },
  });
  state = { ...state, status: 'done', finishedAt: (deps.now?.() ?? new Date()).toISOString() };
  dir.save(state);
  // The shards are a copy of the charts: gone once the run has succeeded.
  rmSync(dir.shardsDir, { recursive: true, force: true });
  log.info({ event: 'run-done', runId: state.id, patients: summary.patients, changed: summary.changed, failed: summary.failed, written: summary.written, ms: summary.durationMs }, 'population run');
  return { runDir: dir, state, summary };
}

function openRun(deps: RunDeps): { dir: RunDir; state: RunState } {
  const { config } = deps;
  if (config.resume) {
    const runs = listRuns(config.runsDir, config.fhirBase, config.groupId);
    const found = config.resume === 'latest' ? runs.find((r) => r.status !== 'done') : runs.find((r) => r.id === config.resume);
    if (!found) throw new Error(config.resume === 'latest' ? 'No unfinished run to resume.' : `No run ${config.resume} for this FHIR base and Group.`);
    if (found.status === 'done') throw new Error(`Run ${found.id} has already finished.`);
    return { dir: new RunDir(`${config.runsDir}/${found.id}`), state: found };
  }
  const now = deps.now?.() ?? new Date();
  const since =
    config.since === 'full' ? null : config.since === 'auto' ? (lastSuccessfulRun(config.runsDir, config.fhirBase, config.groupId)?.transactionTime ?? null) : config.since;
  const id = newRunId(now);
  const dir = createRunDir(config.runsDir, id);
  const state: RunState = {
    id,
    status: 'exporting',
    fhirBase: config.fhirBase,
    groupId: config.groupId,
    startedAt: now.toISOString(),
    asOf: config.asOf ?? now.toISOString(),
    since: incrementalSupported(since),
    transactionTime: null,
    shards: 0,
    patients: 0,
    mode: deps.mode,
    finishedAt: null,
  };
  dir.save(state);
  return { dir, state };
}

/**
 * `_since` exports hold only what changed, so a chart would be incomplete; until changed patients'
 * charts are re-read in full, every night is a full export (see the README's "incremental nights").
 */
function incrementalSupported(_since: string | null): string | null {
  return null;
}

async function exportPhase(deps: RunDeps, dir: RunDir, state: RunState): Promise<RunState> {
  const t0 = performance.now();
  rmSync(dir.shardsDir, { recursive: true, force: true }); // a crash mid-export: start the export again
  const expected = await deps.expectedPatients?.().catch(() => undefined);
  const writer = new ShardWriter(dir.shardsDir, shardCountFor(expected));
  const exported = deps.startExport({ since: state.since, types: EXPORT_TYPES });
  let step = await exported.next();
  while (!step.done) {
    await writer.add(step.value.type, step.value.line);
    step = await exported.next();
  }
  const { transactionTime } = step.value;
  await writer.close();
  const next: RunState = { ...state, status: 'scoring', transactionTime, shards: writer.shards, patients: writer.stats.patients };
  dir.save(next);
  deps.log.info({ event: 'export-done', lines: writer.stats.lines, patients: writer.stats.patients, unassigned: writer.stats.unassigned, bytes: writer.stats.bytes, shards: writer.shards, ms: Math.round(performance.now() - t0) }, 'bulk export sharded');
  return next;
}

async function scorePhase(deps: RunDeps, dir: RunDir, state: RunState): Promise<void> {
  const checkpoint = new Checkpoint(dir.checkpointFile);
  const target: WriteTarget | null = deps.config.write
    ? { fhirBase: state.fhirBase, accessToken: await deps.accessToken(), transaction: await deps.transactions() }
    : null;
  deps.progress.start(state.patients, checkpoint.patientsDone);
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  try {
    for (let shard = 0; shard < state.shards && failure === undefined; shard++) {
      if (checkpoint.doneShards.has(shard)) continue;
      const done = checkpoint.doneIn(shard);
      const patients = (await readShard(dir.shardsDir, shard)).filter((p) => !done.has(p.patientId));
      const batches = batchesOf(patients, deps.config.batchSize);
      let remaining = batches.length;
      if (remaining === 0) checkpoint.shardDone(shard);
      for (let i = 0; i < batches.length; i++) {
        while (inflight.size >= deps.executor.capacity) await Promise.race(inflight);
        if (failure !== undefined) break;
        const task: BatchTask = { batchId: `${state.id}:${shard}:${i}`, asOf: state.asOf, patients: batches[i]! };
        if (target) target.accessToken = await deps.accessToken();
        const p: Promise<void> = deps.executor
          .run(task, target ? { ...target } : null)
          .then((result: BatchResult) => {
            checkpoint.record(shard, result.outcomes);
            deps.progress.tick(result.outcomes.length);
            if (--remaining === 0) checkpoint.shardDone(shard);
          })
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
    }
    await Promise.all(inflight);
  } finally {
    deps.progress.stop();
    checkpoint.close();
  }
  if (failure !== undefined) throw failure;
}
