// One unit of work of the population run — the same code in a worker thread and in a BullMQ worker:
// score each patient of the batch, then write per the server's write strategy with the app's write
// code (src/fhir/write: the plan and its executor):
// - coded Observations where the server takes conditional creates: one transaction per group of
//   patients where it takes transactions, else one conditional create per result;
// - otherwise (the clinical note, flowsheet values, or Observations without conditional create): per
//   patient, the app's write plan, each resource searched for (patient + type/code + date, matched by
//   our marker) before it is created.
// A permanent write refusal fails only that patient; a transient one (network, 5xx, 401, 429) fails
// the batch, which is retried with back-off (idempotent: If-None-Exist, or search-then-create).
import type { Observation } from '@medplum/fhirtypes';
import { WriteError, writeBundle } from '../app/features/write-back/api/write-to-chart.ts';
import { fetchFhirWriter } from '../app/features/write-back/api/fhir-writer.ts';
import { deriveSafety, safetyLines } from '../clinical/index.ts';
import type { ChartData } from '../fhir/chart.ts';
import { chartPhq9 } from '../fhir/write/chart-phq9.ts';
import { executePlan, type FhirRequest, type WriteOutcome } from '../fhir/write/execute.ts';
import { type EngineResult, transactionBundle } from '../fhir/write/index.ts';
import { buildWritePlan } from '../fhir/write/plan.ts';
import type { WriteStrategy } from '../fhir/write/strategy.ts';
import type { PatientLines } from './shards.ts';
import { reasonOf, scorePatient, type PatientOutcome, type ScoredPatient } from './score-patient.ts';

export interface WriteTarget {
  fhirBase: string;
  /** Bearer token (held in memory only; never logged, never put on a queue). */
  accessToken: string;
  /** The server's write strategy (plain data: it crosses worker threads and BullMQ jobs). */
  strategy: WriteStrategy;
}

export interface BatchTask {
  batchId: string;
  /** The scoring clock (ISO), the same for the whole run. */
  asOf: string;
  patients: PatientLines[];
  /** Keep each patient's results for the run's memory (only where the chart cannot hold them, memory.ts). */
  remember?: boolean;
}

export interface BatchResult {
  batchId: string;
  outcomes: PatientOutcome[];
  scoreMs: number;
  writeMs: number;
}

/** A failure worth retrying the whole batch for (the server or the network, not the data). */
export class TransientBatchError extends Error {
  override name = 'TransientBatchError';
}

/** Entries per transaction Bundle (many servers cap a Bundle; 1 MB request bodies are common). */
const MAX_ENTRIES_PER_BUNDLE = 400;
const TRANSIENT = new Set(['network', 'server', 'unauthorized']);
/** Patients written at once where each needs its own requests (search, then create). */
const PATIENTS_IN_FLIGHT = 4;

export async function processBatch(task: BatchTask, target: WriteTarget | null, fetchImpl: typeof fetch = fetch): Promise<BatchResult> {
  const now = new Date(task.asOf);
  const t0 = performance.now();
  // One patient after another: in Node the write identities are synchronous digests, so nothing is
  // gained by interleaving, and fewer objects alive at once keep the young heap small (less GC).
  const scored: ScoredPatient[] = [];
  // Charts and engine results stay alive for the batch only where a write plan is built from them.
  const keep = target !== null && needsPlan(target.strategy);
  for (const p of task.patients) {
    const s = await scorePatient(p.patientId, p.lines, now, { remember: task.remember === true }).catch((error: unknown): ScoredPatient => ({ outcome: failed(p.patientId, 'score', error), toWrite: [], results: [], chart: null }));
    scored.push(keep ? s : { ...s, results: [], chart: null });
  }
  const t1 = performance.now();
  if (target) await writeAll(scored, target, now, fetchImpl);
  return { batchId: task.batchId, outcomes: scored.map((s) => s.outcome), scoreMs: t1 - t0, writeMs: performance.now() - t1 };
}

/** Notes, flowsheet values and search-then-create are planned per patient; coded conditional creates are not. */
function needsPlan(strategy: WriteTarget['strategy']): boolean {
  return !(strategy.kind === 'observations' && (strategy.idempotence === 'transaction' || strategy.idempotence === 'conditional-create'));
}

async function writeAll(scored: ScoredPatient[], target: WriteTarget, now: Date, fetchImpl: typeof fetch): Promise<void> {
  const request = fetchFhirWriter({ serverUrl: target.fhirBase, accessToken: async () => target.accessToken, fetch: fetchImpl });
  const { strategy } = target;
  const coded = strategy.kind === 'observations';
  const pending = scored.filter((s) => !s.outcome.failure && (coded ? s.toWrite.length > 0 : s.results.length > 0));
  if (!needsPlan(strategy)) return writeCoded(pending, request, target);
  let next = 0;
  let stopped = false;
  const writer = async () => {
    while (next < pending.length && !stopped) {
      const s = pending[next++]!;
      await writePlanned(s, request, target, now).catch((error: unknown) => {
        stopped = error instanceof TransientBatchError; // the whole batch is retried: start nothing more
        settleOne(s, error);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PATIENTS_IN_FLIGHT, pending.length) }, writer));
}

/** The fast path: conditional creates, batched across patients into transactions where the server takes them. */
async function writeCoded(pending: ScoredPatient[], request: FhirRequest, target: WriteTarget): Promise<void> {
  for (const group of groupsOf(pending)) {
    try {
      count(group, await write(group.flatMap((s) => s.toWrite)));
    } catch (error) {
      if (group.length === 1) settleOne(group[0]!, error);
      // A refused group: write patient by patient, so one bad chart fails alone.
      else for (const s of group) await write(s.toWrite).then((created) => count([s], created), (e) => settleOne(s, e));
    }
  }

  /** Identities the server created (201); the rest it already held (200: If-None-Exist matched). */
  async function write(observations: Observation[]): Promise<Set<string>> {
    const transaction = target.strategy.idempotence === 'transaction';
    const out = await writeBundle(request, transactionBundle(observations), { serverUrl: target.fhirBase, transaction }).catch(rethrowTransient);
    return new Set(out.entries.filter((e) => e.outcome !== 'existed').map((e) => e.identifier));
  }
}

/**
 * One patient through the app's write plan: the clinical note (results, the chart's latest PHQ-9, the
 * safety lines the app's note carries) and flowsheet values, or coded Observations the server cannot
 * create conditionally; each searched for before it is created.
 */
async function writePlanned(s: ScoredPatient, request: FhirRequest, target: WriteTarget, now: Date): Promise<void> {
  const { strategy } = target;
  const plan = await buildWritePlan({
    strategy,
    patientId: s.outcome.patientId,
    results: s.results,
    entered: [],
    chartPhq9: chartPhq9(s.chart ?? undefined),
    safety: noteSafetyLines(s.chart, s.results),
    now,
  });
  const wanted = new Set(s.toWrite.map((o) => o.identifier?.[0]?.value));
  // Coded results the export showed in the chart already are not searched for again.
  const writes = strategy.kind === 'observations' ? plan.writes.filter((w) => wanted.has(w.identity)) : plan.writes;
  const out: WriteOutcome = await executePlan(request, { strategy, writes }, { serverUrl: target.fhirBase }).catch(rethrowTransient);
  const existed = out.entries.filter((e) => e.outcome === 'existed').length;
  const refused = out.entries.filter((e) => e.outcome === 'failed');
  s.outcome.written = out.entries.length - existed - refused.length;
  // Under a note strategy the chart holds no coded results of ours: what exists is what the search found.
  s.outcome.existing = (strategy.kind === 'observations' ? s.outcome.existing : 0) + existed;
  // A part refused (a flowsheet row, or the note): the patient is reported, and tried again next night.
  if (refused.length > 0) s.outcome.failure = { stage: 'write', reason: `${refused[0]!.where}: ${refused[0]!.error ?? 'refused'}`.slice(0, 500) };
}

/** The safety findings as the app's note words them: the shared safety view over the chart and the engines' findings. */
function noteSafetyLines(chart: ChartData | null, results: readonly EngineResult[]): string[] {
  const engineFindings = results.flatMap((r) => (r.response.safety ?? []).map((finding) => ({ engine: r.engine, finding })));
  return safetyLines(deriveSafety(chart ?? undefined, engineFindings));
}

function rethrowTransient(error: unknown): never {
  if (error instanceof WriteError && (TRANSIENT.has(error.kind) || error.httpStatus === 429)) throw new TransientBatchError(error.message);
  throw error;
}

function count(group: ScoredPatient[], created: Set<string>): void {
  for (const s of group) {
    const n = s.toWrite.filter((o) => created.has(o.identifier?.[0]?.value ?? '')).length;
    s.outcome.written = n;
    s.outcome.existing += s.toWrite.length - n;
  }
}

function settleOne(s: { outcome: PatientOutcome }, error: unknown): void {
  if (error instanceof TransientBatchError) throw error;
  s.outcome.failure = { stage: 'write', reason: reasonOf(error) };
}

/** Consecutive patients whose entries fit one Bundle. */
function groupsOf<T extends { toWrite: Observation[] }>(items: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && size + item.toWrite.length > MAX_ENTRIES_PER_BUNDLE) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.toWrite.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function failed(patientId: string, stage: 'read' | 'score' | 'write', error: unknown): PatientOutcome {
  return { patientId, engines: [], relapse: null, safety: [], newSafety: [], written: 0, existing: 0, failure: { stage, reason: reasonOf(error) } };
}
