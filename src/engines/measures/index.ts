// Symptom-scale reading shared by every engine that receives assessments: grouping by instrument,
// the episode baseline, bands, response (from a baseline ≥ the case threshold), partial response,
// remission, important change, and the PHQ-9 item-9 safety finding (never hidden). The clinical
// rules themselves live in src/clinical; this module applies them to a request's assessments.
import {
  answerLabel,
  bandOf,
  episodeStartIndex,
  importantChangeOf as clinicalImportantChange,
  instrumentByKey,
  instrumentKeyOf,
  PHQ9_TOTAL_WITHOUT_ITEM9,
  isItem9,
  item9Message,
  responseOf,
  type Instrument,
  type Item9Finding,
} from '../../clinical/index.ts';
import type { Assessment, ClinicalMeasure } from '../../contract/index.ts';
import { div, fmt, norm, round, toEpoch, toIso } from '../common/util.ts';

export interface Administration {
  score: number;
  maxScore: number;
  epoch: number;
  sourceRef: string | undefined;
  severity: string | undefined;
  /** Position in the request, to keep ties stable. */
  order: number;
  source: Assessment;
}

export interface InstrumentSeries {
  /** Canonical key: "phq9", "gad7", "phq2" or the normalised instrumentId. */
  key: string;
  name: string;
  known: Instrument | null;
  /** Oldest first. */
  points: Administration[];
}

/** Canonical ISO time of an administration (computed on demand: toISOString is the costly part). */
export function isoOf(p: Administration): string {
  return toIso(p.epoch) ?? p.source.createdAt;
}

/** Canonical instrument key of an assessment (by id, name or LOINC total/panel code). */
export function instrumentKey(a: Pick<Assessment, 'instrumentId' | 'instrumentName'>): string {
  return instrumentKeyOf(a.instrumentId) ?? instrumentKeyOf(a.instrumentName) ?? (norm(a.instrumentId) || norm(a.instrumentName) || 'unknown');
}

/** Groups assessments by instrument, each series sorted oldest → newest (stable on ties). */
export function groupAssessments(assessments: readonly Assessment[]): InstrumentSeries[] {
  const byKey = new Map<string, InstrumentSeries>();
  // Instrument of (id, name), resolved once per distinct pair: a two-level map needs no key string per
  // assessment (up to 500 per request; the concatenated keys were a tenth of the engine's garbage).
  const keyCache = new Map<string, Map<string, InstrumentSeries>>();
  for (let i = 0; i < assessments.length; i++) {
    const a = assessments[i]!;
    let byName = keyCache.get(a.instrumentId);
    if (byName === undefined) {
      byName = new Map();
      keyCache.set(a.instrumentId, byName);
    }
    let s = byName.get(a.instrumentName);
    if (s === undefined) {
      const key = instrumentKey(a);
      s = byKey.get(key);
      if (!s) {
        const known = instrumentByKey(key) ?? null;
        s = { key, name: known ? known.name : a.instrumentName, known, points: [] };
        byKey.set(key, s);
      }
      byName.set(a.instrumentName, s);
    }
    // One object literal with every field (no properties added later: one hidden class, no growth).
    s.points.push({ score: a.score, maxScore: a.maxScore, epoch: toEpoch(a.createdAt) ?? 0, sourceRef: a.sourceRef, severity: a.severity, order: i, source: a });
  }
  const out = [...byKey.values()];
  for (const s of out) {
    let sorted = true;
    for (let i = 1; i < s.points.length; i++) {
      if (s.points[i]!.epoch < s.points[i - 1]!.epoch) {
        sorted = false;
        break;
      }
    }
    if (!sorted) s.points.sort((x, y) => x.epoch - y.epoch || x.order - y.order);
  }
  return out;
}

/** PHQ-9 if present (the reference instrument for depression), else the most-administered one. */
export function primarySeries(series: readonly InstrumentSeries[]): InstrumentSeries | null {
  let best: InstrumentSeries | null = null;
  for (const s of series) {
    if (s.key === 'phq9') return s;
    if (!best || s.points.length > best.points.length) best = s;
  }
  return best;
}

/** The most-covered instrument (most administrations); ties prefer PHQ-9, then first seen. */
export function mostCoveredSeries(series: readonly InstrumentSeries[]): InstrumentSeries | null {
  let best: InstrumentSeries | null = null;
  for (const s of series) {
    if (!best || s.points.length > best.points.length || (s.points.length === best.points.length && s.key === 'phq9'))
      best = s;
  }
  return best;
}

export function importantChangeOf(s: InstrumentSeries, maxScore: number): number {
  return clinicalImportantChange(s.known, maxScore);
}

export function severityBand(s: InstrumentSeries, score: number): string | null {
  return s.known ? (bandOf(s.known, score)?.label ?? null) : null;
}

/** Severity of one administration: the band for known scales, else the charted severity string. */
export function severityOf(s: InstrumentSeries, p: Administration): string | null {
  return severityBand(s, p.score) ?? p.severity ?? null;
}

export interface Episode {
  /** Index of the baseline administration. */
  baseline: number;
  /** The current episode began after a score in the remission range. */
  recurrence: boolean;
  /** Index of that remission-range score (when `recurrence`). */
  remission: number | null;
}

/**
 * Baseline of change and response: the index score of the current episode (src/clinical
 * episodeStartIndex). When the latest administration itself opens a new episode (3 → 27), the
 * administration before it is the baseline, so the jump is read as a change. Unknown scales: the first.
 */
export function episodeOf(s: InstrumentSeries): Episode {
  const n = s.points.length;
  if (!s.known || n === 0) return { baseline: 0, recurrence: false, remission: null };
  const e = episodeStartIndex(s.known, s.points);
  const baseline = e.index === n - 1 && n >= 2 ? n - 2 : e.index;
  return { baseline, recurrence: e.recurrence, remission: e.remissionIndex };
}

function refOf(p: Administration) {
  return { score: p.score, at: isoOf(p), ...(p.sourceRef !== undefined ? { sourceRef: p.sourceRef } : {}) };
}

/** The standard reading of one series: baseline = the current episode's index score, latest = last one. */
export function readMeasure(s: InstrumentSeries): ClinicalMeasure | null {
  const n = s.points.length;
  const last = s.points[n - 1];
  if (!last) return null;
  const ep = episodeOf(s);
  const first = s.points[ep.baseline]!;
  const change = round(last.score - first.score, 2);
  const mcid = importantChangeOf(s, last.maxScore);
  const inEpisode = n - ep.baseline;
  const r = s.known && inEpisode >= 2 ? responseOf(s.known, first.score, last.score) : null;
  const remission = s.known?.remissionBelow != null ? last.score < s.known.remissionBelow : null;
  const important = inEpisode >= 2 && Math.abs(change) >= mcid;
  const band = severityBand(s, last.score);
  const baseBand = severityBand(s, first.score);
  const parts: string[] = [];
  if (inEpisode >= 2) {
    const pct = first.score > 0 ? ` (${fmt(div(Math.abs(change), first.score) * 100, 0)}% ${change <= 0 ? 'drop' : 'rise'})` : '';
    const span = ep.baseline > 0 ? `since the start of the current episode on ${isoOf(first).slice(0, 10)} (${inEpisode} of ${n} administrations)` : `across ${n} administrations`;
    parts.push(
      `${s.name} ${fmt(first.score)}→${fmt(last.score)}/${fmt(last.maxScore)}` +
        (band && baseBand ? ` (${baseBand} → ${band})` : '') +
        ` ${span}${pct}`,
    );
    if (r && r.status !== 'worsening') {
      parts.push(r.status === 'response' ? 'response (≥50% drop)' : r.status === 'partial_response' ? 'partial response (25–49% drop)' : 'no response (<25% drop)');
    } else if (!r && s.known && change < 0) {
      parts.push(`baseline ${fmt(first.score)} is below ${s.known.caseThreshold}: response is not read from a mild baseline`);
    }
    parts.push(
      important
        ? `clinically important ${change < 0 ? 'improvement' : 'worsening'} (≥${fmt(mcid)} points)`
        : `change below the clinically important ${fmt(mcid)} points`,
    );
  } else {
    parts.push(`${s.name} ${fmt(last.score)}/${fmt(last.maxScore)}${band ? ` (${band})` : ''}, single administration — no change can be read`);
  }
  if (ep.recurrence && ep.remission !== null) {
    const rem = s.points[ep.remission]!;
    parts.push(`recurrence: back to ${fmt(last.score)} after ${fmt(rem.score)} on ${isoOf(rem).slice(0, 10)}`);
  }
  if (remission !== null) parts.push(remission ? `in remission (<${s.known!.remissionBelow})` : `not in remission (≥${s.known!.remissionBelow})`);
  const rem = ep.recurrence && ep.remission !== null ? s.points[ep.remission]! : null;
  return {
    instrumentId: last.source.instrumentId,
    instrumentName: s.name,
    maxScore: last.maxScore,
    points: Math.max(0, Math.round(last.score)),
    latest: refOf(last),
    baseline: refOf(first),
    severityBand: band,
    changeFromBaseline: change,
    response: r ? r.status === 'response' : null,
    remission,
    clinicallyImportantChange: important,
    explanation: `${parts.join('; ')}.`,
    responseStatus: r ? r.status : null,
    recurrence: rem ? { remissionScore: rem.score, remissionAt: isoOf(rem), ...(rem.sourceRef !== undefined ? { sourceRef: rem.sourceRef } : {}) } : null,
  };
}

export function readMeasures(series: readonly InstrumentSeries[]): ClinicalMeasure[] {
  const out: ClinicalMeasure[] = [];
  for (const s of series) {
    const m = readMeasure(s);
    if (m) out.push(m);
  }
  return out;
}

/**
 * Older positive item-9 answers an engine reports beside the current one. The chart-wide list (every
 * answer, in any form) is the shared safety path's (src/clinical chartSafety), which the banner shows;
 * an engine names the current answer and the most recent earlier positives.
 */
export const MAX_EARLIER_ITEM9 = 5;

/**
 * Item-9 findings of the PHQ-9 administrations, newest first: the newest administration that charts
 * item 9 is the current answer (a later 0 makes older positives "earlier"); then up to
 * MAX_EARLIER_ITEM9 earlier positive answers.
 */
export function item9Findings(series: readonly InstrumentSeries[]): Item9Finding[] {
  const phq = series.find((s) => s.key === 'phq9');
  if (!phq) return [];
  const out: Item9Finding[] = [];
  let seenLatest = false;
  let earlier = 0;
  for (let i = phq.points.length - 1; i >= 0 && earlier < MAX_EARLIER_ITEM9; i--) {
    const p = phq.points[i]!;
    const items = p.source.items;
    let answer = -1;
    if (items) for (const it of items) if (isItem9(it) && it.score > answer) answer = it.score;
    // A total above 24 needs a positive item 9 (items 1–8 reach 24 at most), charted items or not.
    const implied = answer < 0 && p.score > PHQ9_TOTAL_WITHOUT_ITEM9 && p.score <= 27 ? p.score : undefined;
    if (implied !== undefined) answer = implied - PHQ9_TOTAL_WITHOUT_ITEM9;
    if (answer < 0) continue;
    const current = !seenLatest;
    seenLatest = true;
    if (answer > 0) {
      if (!current) earlier++;
      const at = isoOf(p);
      out.push({
        kind: 'phq9_item9',
        answer,
        at,
        ...(p.sourceRef !== undefined ? { sourceRef: p.sourceRef } : {}),
        message: item9Message(answer, at, current, implied),
        answerText: answerLabel(answer),
        current,
      });
    }
  }
  return out;
}

export interface AssessmentContext {
  series: InstrumentSeries[];
  measures: ClinicalMeasure[];
  safety: Item9Finding[];
}

/** Everything an engine reads from its assessments, computed once per request. */
export function readAssessments(assessments: readonly Assessment[]): AssessmentContext {
  const series = groupAssessments(assessments);
  return { series, measures: readMeasures(series), safety: item9Findings(series) };
}

/** One provenance entry per instrument: count, latest value, when, and whether it was used. */
export function assessmentProvenance(series: readonly InstrumentSeries[], usedKeys: ReadonlySet<string>) {
  return series.map((s) => {
    const last = s.points[s.points.length - 1]!;
    return {
      name: `assessments:${s.name}`,
      value: `${s.points.length} administration${s.points.length === 1 ? '' : 's'}, latest ${fmt(last.score)}/${fmt(last.maxScore)}`,
      observedAt: isoOf(last),
      contributed: usedKeys.has(s.key),
      ...(last.sourceRef !== undefined ? { sourceRef: last.sourceRef } : {}),
    };
  });
}

/** LOINC total-score code of a known instrument, for `codes`. */
export function instrumentLoinc(s: InstrumentSeries): { code: string; display: string } | null {
  return s.known ? { code: s.known.total, display: `${s.known.name} total score` } : null;
}
