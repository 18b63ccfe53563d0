// One patient of the population run, pure: NDJSON lines → ChartData (the app's src/fhir mapping) →
// engine requests (src/fhir/requests, with the chart's last saved results as `previous`) → every
// engine whose inputs the patient has → the Observations to write (minus those already in the chart)
// and a compact outcome for the change feed. The clock is injected; no I/O.
import type { Observation } from '@medplum/fhirtypes';
import type { EngineName, RelapseResponse } from '../contract/index.ts';
import { ENGINE_NAMES } from '../contract/index.ts';
import { runEngine } from '../engines/index.ts';
import type { ChartData, StoredResult } from '../fhir/chart.ts';
import { mapChart } from '../fhir/read/map-chart.ts';
import { buildEngineRequests } from '../fhir/requests.ts';
import { TIDEMARK_RESULT } from '../fhir/terminology.ts';
import { buildResultObservations, type EngineResult } from '../fhir/write/index.ts';
import type { FhirObservation } from '../fhir/read/schemas.ts';
import { readStoredResult } from '../fhir/write/read-back.ts';
import { isMemoryLine, type PatientMemory, readMemoryLine } from './memory.ts';
import { safetyFindingsOf, type SafetyItem } from './safety.ts';

export interface RelapseOutcome {
  level: string;
  score: number;
  previousLevel: string | null;
  previousScore: number | null;
  previousComputedAt: string | null;
  direction: 'improved' | 'worsened' | 'unchanged' | 'first';
  /** The engine's own change explanations (intelligence.change), ordered by impact. */
  explanations: string[];
  summary: string;
}

/** What the run keeps of one patient (no resource bodies): the checkpoint and the feed are built from it. */
export interface PatientOutcome {
  patientId: string;
  engines: EngineName[];
  relapse: RelapseOutcome | null;
  /** Safety findings in the chart now (item 9 in any form, critical labs), latest first. */
  safety: SafetyItem[];
  /** Findings whose source no earlier Tidemark result had used: seen for the first time tonight. */
  newSafety: SafetyItem[];
  /** Observations written now / already in the chart (by write identity). */
  written: number;
  existing: number;
  failure?: { stage: 'read' | 'score' | 'write'; reason: string };
  /** Tonight's results and reported findings, for the run's memory (memory.ts; used on note-only servers). */
  remember?: PatientMemory;
}

export interface ScoredPatient {
  outcome: PatientOutcome;
  /** Observations not yet in the chart (write identity unknown to it). */
  toWrite: Observation[];
  /** The engine results and the mapped chart: what a note strategy's plan is built from (process-batch.ts). */
  results: EngineResult[];
  chart: ChartData | null;
}

/** `remember`: also return tonight's results for the run's memory (note-only servers; off elsewhere, it costs a read-back per result). */
export async function scorePatient(patientId: string, lines: readonly string[], now: Date, opts: { remember?: boolean } = {}): Promise<ScoredPatient> {
  const base: PatientOutcome = { patientId, engines: [], relapse: null, safety: [], newSafety: [], written: 0, existing: 0 };
  const resources: unknown[] = [];
  let memory: PatientMemory | null = null;
  for (const line of lines) {
    if (isMemoryLine(line)) {
      memory = readMemoryLine(line);
      continue;
    }
    try {
      resources.push(JSON.parse(line));
    } catch {
      resources.push(null); // mapChart names it as a malformed entry
    }
  }
  let chart: ChartData;
  try {
    chart = mapChart(patientId, resources);
  } catch (error) {
    return { outcome: { ...base, failure: { stage: 'read', reason: reasonOf(error) } }, toWrite: [], results: [], chart: null };
  }
  const known = tidemarkMemory(resources);
  if (memory) recall(chart, known, memory);
  try {
    const requests = buildEngineRequests(chart, now);
    const results: EngineResult[] = [];
    for (const engine of ENGINE_NAMES) {
      const request = requests[engine];
      if (!request) continue;
      // The union keeps request and response paired per engine.
      results.push({ patientId, engine, request, response: runEngine(engine, request as never, { now }) } as EngineResult);
    }
    const observations: Observation[] = [];
    for (const r of results) observations.push(...(await buildResultObservations(r)));
    const unique = dedupe(observations);
    const toWrite = unique.filter((o) => !known.identities.has(o.identifier?.[0]?.value ?? ''));
    const safety = safetyFindingsOf(chart);
    const outcome: PatientOutcome = {
      ...base,
      engines: results.map((r) => r.engine),
      relapse: relapseOutcome(chart, results),
      safety,
      newSafety: safety.filter((f) => !f.sourceRef || !known.sources.has(f.sourceRef)),
      existing: unique.length - toWrite.length,
      ...(opts.remember ? { remember: rememberOf(observations, safety, memory) } : {}),
    };
    return { outcome, toWrite, results, chart };
  } catch (error) {
    return { outcome: { ...base, failure: { stage: 'score', reason: reasonOf(error) } }, toWrite: [], results: [], chart: null };
  }
}

/** Tonight's latest result per engine and every finding reported so far (bounded), for the run's memory. */
function rememberOf(observations: readonly Observation[], safety: readonly SafetyItem[], memory: PatientMemory | null): PatientMemory {
  return {
    // Medplum's Observation type and the reader's zod type are the same FHIR JSON (they differ in index signatures).
    results: observations.map((o) => readStoredResult(o as unknown as FhirObservation)).filter((r): r is StoredResult => r !== null).map((r) => ({ ...r, sourceRef: RUN_SOURCE })),
    seenSafety: [...new Set([...safety.flatMap((f) => (f.sourceRef ? [f.sourceRef] : [])), ...(memory?.seenSafety ?? [])])].slice(0, 50),
  };
}

/** Where a remembered result came from: the population run itself, not a chart resource. */
const RUN_SOURCE = 'urn:tidemark:population-run';

/**
 * What the run remembers stands in only where the chart holds nothing of Tidemark's own (a note-only
 * server): the latest result per engine becomes its history (the engines' `previous`), and findings
 * reported on an earlier night are not new.
 */
function recall(chart: ChartData, known: { sources: Set<string> }, memory: PatientMemory): void {
  for (const r of memory.results) {
    if ((chart.history[r.engine]?.length ?? 0) === 0) chart.history[r.engine] = [r];
  }
  for (const s of memory.seenSafety) known.sources.add(s);
}

function relapseOutcome(chart: ChartData, results: readonly EngineResult[]): RelapseOutcome | null {
  const r = results.find((x) => x.engine === 'relapse');
  if (!r) return null;
  const response = r.response as RelapseResponse;
  const previous = chart.history.relapse?.at(-1);
  const change = response.intelligence.change;
  return {
    level: response.level,
    score: response.score,
    previousLevel: previous?.status ?? null,
    previousScore: previous?.score ?? null,
    previousComputedAt: previous?.computedAt ?? null,
    direction: previous ? (change?.direction ?? 'unchanged') : 'first',
    explanations: change?.explanations ?? [],
    summary: response.summaryLine,
  };
}

/**
 * What the chart already holds from Tidemark: every write identity (so a result is never written twice)
 * and every source an earlier result was derived from (so a finding is "new" only once).
 */
function tidemarkMemory(resources: readonly unknown[]): { identities: Set<string>; sources: Set<string> } {
  const identities = new Set<string>();
  const sources = new Set<string>();
  for (const r of resources) {
    const o = r as { resourceType?: string; identifier?: Array<{ system?: string; value?: string }>; derivedFrom?: Array<{ reference?: string }> } | null;
    if (o?.resourceType !== 'Observation' || !Array.isArray(o.identifier)) continue;
    const id = o.identifier.find((i) => i?.system === TIDEMARK_RESULT)?.value;
    if (typeof id !== 'string') continue;
    identities.add(id);
    for (const d of o.derivedFrom ?? []) if (typeof d?.reference === 'string') sources.add(d.reference);
  }
  return { identities, sources };
}

function dedupe(list: Observation[]): Observation[] {
  const seen = new Set<string>();
  return list.filter((o) => {
    const id = o.identifier?.[0]?.value ?? '';
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Error class and a bounded message: reasons go to failures.ndjson (not to logs). */
export function reasonOf(error: unknown): string {
  const e = error instanceof Error ? error : new Error(String(error));
  return `${e.name}: ${e.message}`.slice(0, 500);
}
