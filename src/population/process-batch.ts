// One unit of work of the population run — the same code in a worker thread and in a BullMQ worker:
// score each patient of the batch, then write what the chart does not hold yet (the app's write
// code: conditional creates, one transaction per group of patients where the server takes them).
// A permanent write refusal fails only that patient; a transient one (network, 5xx, 401, 429) fails
// the batch, which is retried with back-off (idempotent: If-None-Exist + write identities).
import type { Observation } from '@medplum/fhirtypes';
import { WriteError, writeBundle } from '../app/features/write-back/api/write-to-chart.ts';
import { fetchFhirWriter } from '../app/features/write-back/api/fhir-writer.ts';
import { transactionBundle } from '../fhir/write/index.ts';
import type { PatientLines } from './shards.ts';
import { reasonOf, scorePatient, type PatientOutcome } from './score-patient.ts';

export interface WriteTarget {
  fhirBase: string;
  /** Bearer token (held in memory only; never logged, never put on a queue). */
  accessToken: string;
  /** false when the CapabilityStatement lists no transaction: individual conditional creates. */
  transaction: boolean;
}

export interface BatchTask {
  batchId: string;
  /** The scoring clock (ISO), the same for the whole run. */
  asOf: string;
  patients: PatientLines[];
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

export async function processBatch(task: BatchTask, target: WriteTarget | null, fetchImpl: typeof fetch = fetch): Promise<BatchResult> {
  const now = new Date(task.asOf);
  const t0 = performance.now();
  // All at once: the engines are synchronous, but the write identities are Web Crypto digests, which
  // complete asynchronously; awaited one by one they would leave the thread idle between them.
  const scored = await Promise.all(
    task.patients.map((p) => scorePatient(p.patientId, p.lines, now).catch((error: unknown) => ({ outcome: failed(p.patientId, 'score', error), toWrite: [] as Observation[] }))),
  );
  const t1 = performance.now();
  if (target) await writeAll(scored, target, fetchImpl);
  return { batchId: task.batchId, outcomes: scored.map((s) => s.outcome), scoreMs: t1 - t0, writeMs: performance.now() - t1 };
}

async function writeAll(scored: Array<{ outcome: PatientOutcome; toWrite: Observation[] }>, target: WriteTarget, fetchImpl: typeof fetch): Promise<void> {
  const request = fetchFhirWriter({ serverUrl: target.fhirBase, accessToken: async () => target.accessToken, fetch: fetchImpl });
  const pending = scored.filter((s) => s.toWrite.length > 0 && !s.outcome.failure);
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
    try {
      const out = await writeBundle(request, transactionBundle(observations), { serverUrl: target.fhirBase, transaction: target.transaction });
      return new Set(out.entries.filter((e) => e.outcome !== 'existed').map((e) => e.identifier));
    } catch (error) {
      if (error instanceof WriteError && TRANSIENT.has(error.kind)) throw new TransientBatchError(error.message);
      if (error instanceof WriteError && error.httpStatus === 429) throw new TransientBatchError(error.message);
      throw error;
    }
  }
}

function count(group: Array<{ outcome: PatientOutcome; toWrite: Observation[] }>, created: Set<string>): void {
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
