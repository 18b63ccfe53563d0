// The population run as a pipeline: Bulk export NDJSON (any type order) → on-disk shards by patient →
// one shard at a time → batches of patients → executor (worker threads or BullMQ) → checkpoint →
// change feed + summary. Resumable: a run directory records its phase; finished shards and patients
// are skipped; writes are idempotent.
import { readFileSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { servesType, type ServerCapabilities, UNKNOWN_CAPABILITIES } from '../fhir/ehr/capabilities.ts';
import { chartQueries } from '../fhir/read/chart-queries.ts';
import { fetchAllPages, type FetchJson } from '../fhir/read/queries.ts';
import { TIDEMARK_RESULT } from '../fhir/terminology.ts';
import type { WriteStrategy } from '../fhir/write/strategy.ts';
import { Checkpoint } from './checkpoint.ts';
import type { PopulationConfig } from './config.ts';
import { finalizeRun, type RunSummary } from './feed.ts';
import { appendMemory, isMemoryLine, memoryFileFor, writeMemory } from './memory.ts';
import type { BatchResult, BatchTask, WriteTarget } from './process-batch.ts';
import type { Progress } from './progress.ts';
import { createRunDir, listRuns, newRunId, RunDir, type RunState } from './run-dir.ts';
import { batchesOf, patientOfLine, readShard, ShardWriter, shardCountFor } from './shards.ts';
import type { BatchExecutor } from './thread-pool.ts';

/** What the export is limited to: the resource types src/fhir reads for a chart, and Patient. */
export const EXPORT_TYPES: readonly string[] = ['Patient', ...new Set(chartQueries('_').map((q) => q.resourceType))];

/** The types exported from this server: those of EXPORT_TYPES it serves (Oracle Health has no MedicationStatement). */
export function exportTypesFor(caps: ServerCapabilities): string[] {
  return EXPORT_TYPES.filter((t) => servesType(caps, t));
}

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
  /** Authenticated GET of a FHIR URL (relative to the base, or absolute): incremental nights re-read changed charts. */
  readJson: FetchJson;
  /** Access token for the writes (refreshed by the caller when needed). */
  accessToken(): Promise<string>;
  /** What the server publishes: the types exported and the searches of an incremental night follow it. */
  capabilities?: ServerCapabilities;
  /** How results are written to this server (connect.ts: the app's chooseWriteStrategy). */
  strategy: WriteStrategy;
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
  const timings = { exportMs: 0, scoringWallMs: 0, scoreMs: 0, writeMs: 0, peakRssMb: 0 };
  const write = writeSummary(deps);
  log.info({ event: 'run-start', runId: state.id, resumed: state.status !== 'exporting' || config.resume !== undefined, mode: state.mode, since: state.since, write: write.strategy }, 'population run');
  let t = performance.now();
  if (state.status === 'exporting') state = await exportPhase(deps, dir, state);
  timings.exportMs = Math.round(performance.now() - t);
  t = performance.now();
  if (state.status === 'scoring') await scorePhase(deps, dir, state, timings);
  timings.scoringWallMs = Math.round(performance.now() - t);
  timings.scoreMs = Math.round(timings.scoreMs);
  timings.writeMs = Math.round(timings.writeMs);
  timings.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const summary = finalizeRun({
    checkpointFile: dir.checkpointFile,
    feedFile: dir.feedFile,
    failuresFile: dir.failuresFile,
    summaryFile: dir.summaryFile,
    head: { runId: state.id, asOf: state.asOf, transactionTime: state.transactionTime, since: state.since, write, durationMs: Math.round(performance.now() - started), timings },
  });
  if (remembers(deps)) {
    const remembered = await writeMemory(memoryFileFor(config.runsDir, state.fhirBase, state.groupId), dir.checkpointFile);
    log.info({ event: 'memory-written', patients: remembered }, 'results remembered for the next night');
  }
  state = { ...state, status: 'done', finishedAt: (deps.now?.() ?? new Date()).toISOString() };
  dir.save(state);
  // The shards are a copy of the charts: gone once the run has succeeded.
  rmSync(dir.shardsDir, { recursive: true, force: true });
  log.info({ event: 'run-done', runId: state.id, patients: summary.patients, changed: summary.changed, failed: summary.failed, written: summary.written, ms: summary.durationMs }, 'population run');
  return { runDir: dir, state, summary };
}

/**
 * Where the chart cannot hold Tidemark's coded results (a note or flowsheet strategy, or nothing written),
 * the run remembers each patient's latest results itself (memory.ts) so the next night knows `previous`.
 */
function remembers(deps: Pick<RunDeps, 'strategy'>): boolean {
  return deps.strategy.kind !== 'observations';
}

/** Said once in the summary: how results were written, or why nothing was. */
function writeSummary(deps: RunDeps): RunSummary['write'] {
  const { strategy } = deps;
  if (!deps.config.write) return { strategy: 'none', label: 'Nothing was written: a scoring-only run (--no-write).' };
  if (strategy.kind === 'download-only') return { strategy: strategy.kind, label: `Nothing was written: ${strategy.reasons.join(' ')}` };
  return { strategy: strategy.kind, label: strategy.label };
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
  const since = config.since === 'full' ? null : config.since === 'auto' ? autoSince(config, now) : config.since;
  const id = newRunId(now);
  const dir = createRunDir(config.runsDir, id);
  const state: RunState = {
    id,
    status: 'exporting',
    fhirBase: config.fhirBase,
    groupId: config.groupId,
    startedAt: now.toISOString(),
    asOf: config.asOf ?? now.toISOString(),
    since,
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
 * An incremental night exports what changed since the last successful run; a full night scores
 * everyone. `auto` is incremental only while the last full night is less than FULL_EVERY_DAYS old:
 * scores also move with time alone (days since the last visit or medication change, the sleep
 * window), which only a full night picks up for patients whose charts did not change.
 */
export const FULL_EVERY_DAYS = 7;

function autoSince(config: PopulationConfig, now: Date): string | null {
  const done = listRuns(config.runsDir, config.fhirBase, config.groupId).filter((r) => r.status === 'done' && r.transactionTime);
  const lastFull = done.find((r) => r.since === null);
  if (!lastFull || now.getTime() - Date.parse(lastFull.startedAt) > FULL_EVERY_DAYS * 86_400_000) return null;
  return done[0]!.transactionTime;
}

async function exportPhase(deps: RunDeps, dir: RunDir, state: RunState): Promise<RunState> {
  const t0 = performance.now();
  rmSync(dir.shardsDir, { recursive: true, force: true }); // a crash mid-export: start the export again
  const caps = deps.capabilities ?? UNKNOWN_CAPABILITIES;
  const exported = deps.startExport({ since: state.since, types: exportTypesFor(caps) });
  let writer: ShardWriter;
  let transactionTime: string;
  /** The patients scored tonight, where fewer than everyone (an incremental night). */
  let only: ReadonlySet<string> | undefined;
  if (state.since === null) {
    const expected = await deps.expectedPatients?.().catch(() => undefined);
    writer = new ShardWriter(dir.shardsDir, shardCountFor(expected));
    transactionTime = await drain(exported, (type, line) => writer.add(type, line));
  } else {
    // `_since` gives only what changed: the patients it names (and last night's failures) get their
    // whole chart read again, with the app's own chart searches.
    const changed = new Set(lastFailures(deps.config, state));
    transactionTime = await drain(exported, async (type, line) => {
      // Our own results: coded (identifier) or a flowsheet value (the marker in its note). Our notes are not exported.
      if (type === 'Observation' && line.includes(TIDEMARK_RESULT)) return;
      const id = patientOfLine(type, line);
      if (id) changed.add(id);
    });
    writer = new ShardWriter(dir.shardsDir, shardCountFor(changed.size));
    await readCharts(deps.readJson, [...changed], writer, caps);
    only = changed;
  }
  if (remembers(deps)) await appendMemory(memoryFileFor(deps.config.runsDir, state.fhirBase, state.groupId), writer, only);
  await writer.close();
  const next: RunState = { ...state, status: 'scoring', transactionTime, shards: writer.shards, patients: writer.stats.patients };
  dir.save(next);
  deps.log.info({ event: 'export-done', incremental: state.since !== null, lines: writer.stats.lines, patients: writer.stats.patients, unassigned: writer.stats.unassigned, bytes: writer.stats.bytes, shards: writer.shards, ms: Math.round(performance.now() - t0) }, 'bulk export sharded');
  return next;
}

async function drain(lines: ExportLines, onLine: (type: string, line: string) => Promise<void>): Promise<string> {
  let step = await lines.next();
  while (!step.done) {
    await onLine(step.value.type, step.value.line);
    step = await lines.next();
  }
  return step.value.transactionTime;
}

/** Each changed patient's whole chart (its Patient and every chart search), a few patients at a time. */
async function readCharts(readJson: FetchJson, patients: string[], writer: ShardWriter, capabilities: ServerCapabilities): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < patients.length) {
      const id = patients[next++]!;
      await writer.add('Patient', JSON.stringify(await readJson(`Patient/${encodeURIComponent(id)}`)));
      for (const q of chartQueries(id, { capabilities })) {
        const { resources } = await fetchAllPages(readJson, q.url);
        for (const r of resources) await writer.add(q.resourceType, JSON.stringify(r));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, patients.length) }, worker));
}

/** Patients whose scoring or writing failed in the last finished run: tried again tonight. */
function lastFailures(config: PopulationConfig, current: RunState): string[] {
  const last = listRuns(config.runsDir, config.fhirBase, config.groupId).find((r) => r.status === 'done' && r.id !== current.id);
  if (!last) return [];
  try {
    return readFileSync(new RunDir(`${config.runsDir}/${last.id}`).failuresFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { patientId: string }).patientId);
  } catch {
    return [];
  }
}

async function scorePhase(deps: RunDeps, dir: RunDir, state: RunState, timings: { scoreMs: number; writeMs: number }): Promise<void> {
  const checkpoint = new Checkpoint(dir.checkpointFile);
  // Download-only: nothing is sent (the summary says so once, no patient fails for it).
  const target: WriteTarget | null =
    deps.config.write && deps.strategy.kind !== 'download-only' ? { fhirBase: state.fhirBase, accessToken: await deps.accessToken(), strategy: deps.strategy } : null;
  deps.progress.start(state.patients, checkpoint.patientsDone);
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  try {
    for (let shard = 0; shard < state.shards && failure === undefined; shard++) {
      if (checkpoint.doneShards.has(shard)) continue;
      const done = checkpoint.doneIn(shard);
      // A patient with only a remembered line was not exported tonight: nothing to score.
      const patients = (await readShard(dir.shardsDir, shard)).filter((p) => !done.has(p.patientId) && !p.lines.every(isMemoryLine));
      const batches = batchesOf(patients, deps.config.batchSize);
      let remaining = batches.length;
      if (remaining === 0) checkpoint.shardDone(shard);
      for (let i = 0; i < batches.length; i++) {
        while (inflight.size >= deps.executor.capacity) await Promise.race(inflight);
        if (failure !== undefined) break;
        const task: BatchTask = { batchId: `${state.id}:${shard}:${i}`, asOf: state.asOf, patients: batches[i]!, remember: remembers(deps) };
        if (target) target.accessToken = await deps.accessToken();
        const p: Promise<void> = deps.executor
          .run(task, target ? { ...target } : null)
          .then((result: BatchResult) => {
            checkpoint.record(shard, result.outcomes);
            timings.scoreMs += result.scoreMs;
            timings.writeMs += result.writeMs;
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
