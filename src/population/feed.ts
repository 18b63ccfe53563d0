// The change feed for care managers and the run's summary, built from the checkpoint journal:
// one feed record per patient whose relapse level or safety status changed (new item-9 positives
// and critical labs first), failures with their reason, and counts by level.
import { writeFileSync } from 'node:fs';
import type { StrategyKind } from '../fhir/write/strategy.ts';
import { journaledOutcomes } from './checkpoint.ts';
import type { PatientOutcome } from './score-patient.ts';

export type ChangeReason = 'new_item9' | 'new_critical_lab' | 'level_changed' | 'first_result';

export interface FeedRecord {
  patientId: string;
  reasons: ChangeReason[];
  relapse: PatientOutcome['relapse'];
  /** Safety findings seen for the first time tonight (latest first). */
  newSafety: PatientOutcome['newSafety'];
}

export interface RunSummary {
  runId: string;
  asOf: string;
  transactionTime: string | null;
  since: string | null;
  /** How results were written (the server's write strategy), or that nothing was and why. */
  write: { strategy: StrategyKind | 'none'; label: string };
  patients: number;
  scored: number;
  noData: number;
  failed: number;
  byLevel: Record<string, number>;
  changed: number;
  levelChanged: { worsened: number; improved: number; first: number };
  newItem9Positives: number;
  newCriticalLabs: number;
  written: number;
  alreadyInChart: number;
  durationMs: number;
  /** Where the time went (this process's part of the run; a resumed run counts its own part). */
  timings: RunTimings;
}

export interface RunTimings {
  exportMs: number;
  /** Wall time of the scoring phase (scoring and writing in parallel). */
  scoringWallMs: number;
  /** Summed over batches: time spent scoring, and time spent writing. */
  scoreMs: number;
  writeMs: number;
  /** Peak resident memory of the run's process (threads included), MB. */
  peakRssMb: number;
}

export function changeReasons(o: PatientOutcome): ChangeReason[] {
  const out: ChangeReason[] = [];
  // A positive item 9 Tidemark had not seen, and the latest item-9 answer in the chart.
  if (o.newSafety.some((s) => s.kind === 'phq9_item9' && s.current !== false)) out.push('new_item9');
  if (o.newSafety.some((s) => s.kind === 'critical_lab')) out.push('new_critical_lab');
  if (o.relapse?.direction === 'first') out.push('first_result');
  else if (o.relapse && o.relapse.previousLevel !== o.relapse.level) out.push('level_changed');
  return out;
}

export interface FinalizeInput {
  checkpointFile: string;
  feedFile: string;
  failuresFile: string;
  summaryFile: string;
  head: Pick<RunSummary, 'runId' | 'asOf' | 'transactionTime' | 'since' | 'write' | 'durationMs' | 'timings'>;
}

/** One pass over the journal; holds only the feed records (changed patients) and failures, never a chart. */
export function finalizeRun(input: FinalizeInput): RunSummary {
  const s: RunSummary = {
    ...input.head,
    patients: 0,
    scored: 0,
    noData: 0,
    failed: 0,
    byLevel: {},
    changed: 0,
    levelChanged: { worsened: 0, improved: 0, first: 0 },
    newItem9Positives: 0,
    newCriticalLabs: 0,
    written: 0,
    alreadyInChart: 0,
  };
  const feed: FeedRecord[] = [];
  const failures: Array<{ patientId: string; stage: string; reason: string }> = [];
  for (const o of journaledOutcomes(input.checkpointFile)) {
    s.patients++;
    s.written += o.written;
    s.alreadyInChart += o.existing;
    if (o.failure) {
      s.failed++;
      failures.push({ patientId: o.patientId, stage: o.failure.stage, reason: o.failure.reason });
    }
    if (o.engines.length === 0 && !o.failure) s.noData++;
    else if (!o.failure) s.scored++;
    if (o.relapse) s.byLevel[o.relapse.level] = (s.byLevel[o.relapse.level] ?? 0) + 1;
    const reasons = changeReasons(o);
    if (reasons.length === 0) continue;
    s.changed++;
    if (reasons.includes('new_item9')) s.newItem9Positives++;
    if (reasons.includes('new_critical_lab')) s.newCriticalLabs++;
    if (reasons.includes('first_result')) s.levelChanged.first++;
    else if (reasons.includes('level_changed')) s.levelChanged[o.relapse!.direction === 'improved' ? 'improved' : 'worsened']++;
    feed.push({ patientId: o.patientId, reasons, relapse: o.relapse, newSafety: o.newSafety });
  }
  // The same order on every run and every executor: safety first, then worsened, then the rest; by id.
  feed.sort((a, b) => feedRank(a) - feedRank(b) || byId(a.patientId, b.patientId));
  failures.sort((a, b) => byId(a.patientId, b.patientId));
  writeFileSync(input.feedFile, lines(feed.map((r) => JSON.stringify(r))), { mode: 0o600 });
  writeFileSync(input.failuresFile, lines(failures.map((f) => JSON.stringify(f))), { mode: 0o600 });
  writeFileSync(input.summaryFile, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  return s;
}

function feedRank(r: FeedRecord): number {
  if (r.reasons.includes('new_item9')) return 0;
  if (r.reasons.includes('new_critical_lab')) return 1;
  if (r.relapse?.direction === 'worsened') return 2;
  return 3;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function lines(list: string[]): string {
  return list.length > 0 ? `${list.join('\n')}\n` : '';
}
