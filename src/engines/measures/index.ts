// Symptom-scale reading shared by every engine that receives assessments:
// grouping by instrument, PHQ-9/GAD-7 bands, response, remission, important change,
// and the PHQ-9 item 9 safety finding (never hidden).
import type { Assessment, ClinicalMeasure, SafetyFinding } from '../../contract/index.ts';
import { div, fmt, norm, round, toEpoch, toIso } from '../common/util.ts';
import { MEASURE_PARAMS, type InstrumentParams } from './params.ts';

export { MEASURE_PARAMS } from './params.ts';

export type KnownInstrument = keyof typeof MEASURE_PARAMS.instruments;

export interface Administration {
  score: number;
  maxScore: number;
  epoch: number;
  sourceRef?: string;
  severity?: string;
  /** Position in the request, to keep ties stable. */
  order: number;
  source: Assessment;
}

export interface InstrumentSeries {
  /** Canonical key: "phq9", "gad7" or the normalised instrumentId. */
  key: string;
  name: string;
  known: InstrumentParams | null;
  /** Oldest first. */
  points: Administration[];
}

const PHQ9_IDS = new Set(['phq9', '442616', '442491']);
const GAD7_IDS = new Set(['gad7', '702746', '697375']);

/** Canonical ISO time of an administration (computed on demand: toISOString is the costly part). */
export function isoOf(p: Administration): string {
  return toIso(p.epoch) ?? p.source.createdAt;
}

/** Canonical instrument key of an assessment (by id, name or LOINC total/panel code). */
export function instrumentKey(a: Pick<Assessment, 'instrumentId' | 'instrumentName'>): string {
  const id = norm(a.instrumentId);
  const name = norm(a.instrumentName);
  if (PHQ9_IDS.has(id) || name === 'phq9') return 'phq9';
  if (GAD7_IDS.has(id) || name === 'gad7') return 'gad7';
  return id || name || 'unknown';
}

export function instrumentParams(key: string): InstrumentParams | null {
  return key === 'phq9' || key === 'gad7' ? MEASURE_PARAMS.instruments[key] : null;
}

/** Groups assessments by instrument, each series sorted oldest → newest (stable on ties). */
export function groupAssessments(assessments: readonly Assessment[]): InstrumentSeries[] {
  const byKey = new Map<string, InstrumentSeries>();
  const keyCache = new Map<string, string>();
  for (let i = 0; i < assessments.length; i++) {
    const a = assessments[i]!;
    const cacheKey = `${a.instrumentId}\u0000${a.instrumentName}`;
    let key = keyCache.get(cacheKey);
    if (key === undefined) {
      key = instrumentKey(a);
      keyCache.set(cacheKey, key);
    }
    let s = byKey.get(key);
    if (!s) {
      const known = instrumentParams(key);
      s = { key, name: known ? known.name : a.instrumentName, known, points: [] };
      byKey.set(key, s);
    }
    const epoch = toEpoch(a.createdAt) ?? 0;
    const p: Administration = { score: a.score, maxScore: a.maxScore, epoch, order: i, source: a };
    if (a.sourceRef !== undefined) p.sourceRef = a.sourceRef;
    if (a.severity !== undefined) p.severity = a.severity;
    s.points.push(p);
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
  return s.known ? s.known.importantChange : MEASURE_PARAMS.genericImportantChangeFraction * maxScore;
}

export function severityBand(s: InstrumentSeries, score: number): string | null {
  if (!s.known?.bands) return null;
  let label: string | null = null;
  for (const [lo, l] of s.known.bands) if (score >= lo) label = l;
  return label;
}

/** Severity of one administration: the band for known scales, else the charted severity string. */
export function severityOf(s: InstrumentSeries, p: Administration): string | null {
  return severityBand(s, p.score) ?? p.severity ?? null;
}

function refOf(p: Administration) {
  return { score: p.score, at: isoOf(p), ...(p.sourceRef !== undefined ? { sourceRef: p.sourceRef } : {}) };
}

/** The standard reading of one series: baseline = first administration, latest = last one. */
export function readMeasure(s: InstrumentSeries): ClinicalMeasure | null {
  const first = s.points[0];
  const last = s.points[s.points.length - 1];
  if (!first || !last) return null;
  const change = round(last.score - first.score, 2);
  const mcid = importantChangeOf(s, last.maxScore);
  const n = s.points.length;
  const response =
    n >= 2 && first.score > 0 ? div(first.score - last.score, first.score) >= MEASURE_PARAMS.responseDropFraction : null;
  const remission = s.known?.remissionBelow != null ? last.score < s.known.remissionBelow : null;
  const important = n >= 2 && Math.abs(change) >= mcid;
  const band = severityBand(s, last.score);
  const baseBand = severityBand(s, first.score);
  const parts: string[] = [];
  if (n >= 2) {
    const pct = first.score > 0 ? ` (${fmt(div(Math.abs(change), first.score) * 100, 0)}% ${change <= 0 ? 'drop' : 'rise'})` : '';
    parts.push(
      `${s.name} ${fmt(first.score)}→${fmt(last.score)}/${fmt(last.maxScore)}` +
        (band && baseBand ? ` (${baseBand} → ${band})` : '') +
        ` across ${n} administrations${pct}`,
    );
    if (response !== null && change <= 0) parts.push(response ? 'response (≥50% drop)' : 'no response (<50% drop)');
    parts.push(
      important
        ? `clinically important ${change < 0 ? 'improvement' : 'worsening'} (≥${fmt(mcid)} points)`
        : `change below the clinically important ${fmt(mcid)} points`,
    );
  } else {
    parts.push(`${s.name} ${fmt(last.score)}/${fmt(last.maxScore)}${band ? ` (${band})` : ''}, single administration — no change can be read`);
  }
  if (remission !== null) parts.push(remission ? `in remission (<${s.known!.remissionBelow})` : `not in remission (≥${s.known!.remissionBelow})`);
  return {
    instrumentId: s.points[n - 1]!.source.instrumentId,
    instrumentName: s.name,
    maxScore: last.maxScore,
    points: Math.max(0, Math.round(last.score)),
    latest: refOf(last),
    baseline: refOf(first),
    severityBand: band,
    changeFromBaseline: change,
    response,
    remission,
    clinicallyImportantChange: important,
    explanation: `${parts.join('; ')}.`,
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

export const ITEM9_FLAG = 'PHQ-9 item 9 (thoughts of self-harm) positive';

/** Plain-language item 9 message: the answer, its wording, the date and what to do. */
export function item9Message(answer: number, at: string): string {
  const { maxAnswer, answerLabels } = MEASURE_PARAMS.item9;
  const label = answerLabels[answer];
  const answered =
    answer <= maxAnswer
      ? `answered ${fmt(answer)} of ${maxAnswer}${label ? ` ("${label}")` : ''}`
      : `answered ${fmt(answer)} (outside the 0–${maxAnswer} answer scale; check the source)`;
  return `PHQ-9 item 9 (thoughts of self-harm): ${answered} on ${at.slice(0, 10)} — review now.`;
}

/** Every PHQ-9 administration whose item 9 answer is > 0, newest first. */
export function item9Findings(series: readonly InstrumentSeries[]): SafetyFinding[] {
  const phq = series.find((s) => s.key === 'phq9');
  if (!phq) return [];
  const out: SafetyFinding[] = [];
  for (let i = phq.points.length - 1; i >= 0; i--) {
    const p = phq.points[i]!;
    const items = p.source.items;
    if (!items) continue;
    let answer = 0;
    for (const it of items) {
      if ((it.id === MEASURE_PARAMS.item9.loinc || it.index === MEASURE_PARAMS.item9.index) && it.score > answer) answer = it.score;
    }
    if (answer > 0) {
      const at = isoOf(p);
      out.push({
        kind: 'phq9_item9',
        answer,
        at,
        ...(p.sourceRef !== undefined ? { sourceRef: p.sourceRef } : {}),
        message: item9Message(answer, at),
      });
    }
  }
  return out;
}

export interface AssessmentContext {
  series: InstrumentSeries[];
  measures: ClinicalMeasure[];
  safety: SafetyFinding[];
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
  return s.known?.loincTotal ? { code: s.known.loincTotal, display: `${s.known.name} total score` } : null;
}
