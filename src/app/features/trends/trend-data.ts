// Symptom-scale trend (PHQ-9, GAD-7): points, severity bands, response/remission and medication
// events (pure). Bands, item 9, response and remission come from src/clinical.
import {
  PHQ9,
  bandOf,
  inRemission,
  instrumentKeyOf,
  isItem9,
  responseOf,
  type Instrument,
} from '../../../clinical/index.ts';
import type { Assessment, ClinicalMeasure, Prescription } from '../../../contract/index.ts';

export interface BandView {
  from: number;
  to: number;
  label: string;
  className: string;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const BAND_CLASS: Record<string, string> = { 'moderately severe': 'modsevere' };

/** The instrument's severity bands, for the chart background and the legend. */
export function bandsOf(instrument: Instrument): BandView[] {
  return instrument.bands.map((b) => ({ from: b.from, to: b.to, label: capital(b.label), className: BAND_CLASS[b.label] ?? b.label }));
}

/** Kroenke 2001 PHQ-9 severity bands. */
export const PHQ9_BANDS = bandsOf(PHQ9);

export function bandLabel(instrument: Instrument, score: number): string {
  return capital(bandOf(instrument, score)?.label ?? '—');
}

export function isInstrument(a: Pick<Assessment, 'instrumentId' | 'instrumentName'>, instrument: Instrument): boolean {
  return (instrumentKeyOf(a.instrumentId) ?? instrumentKeyOf(a.instrumentName)) === instrument.key;
}

export function measureOf(measures: readonly ClinicalMeasure[], instrument: Instrument): ClinicalMeasure | undefined {
  return measures.find((m) => isInstrument(m, instrument));
}

/** Item-9 answer of a PHQ-9 administration, or null when not charted. */
export function item9Score(a: Assessment): number | null {
  return a.items?.find((i) => isItem9(i))?.score ?? null;
}

/** The latest administration of one instrument in the chart. */
export function latestOf(assessments: readonly Assessment[], instrument: Instrument): Assessment | null {
  let best: Assessment | null = null;
  for (const a of assessments) if (isInstrument(a, instrument) && (!best || Date.parse(a.createdAt) >= Date.parse(best.createdAt))) best = a;
  return best;
}

export interface TrendPoint {
  t: number;
  at: string;
  score: number;
  band: string;
  item9: number | null;
  sourceRef?: string;
  /** ≥50% below an episode baseline of at least the case threshold (response). */
  response: boolean;
  /** Below the remission threshold after the baseline. */
  remission: boolean;
}

export interface MedEvent {
  t: number;
  at: string;
  kind: 'start' | 'stop';
  label: string;
  sourceRef: string;
}

export interface ScaleTrend {
  instrument: Instrument;
  points: TrendPoint[];
  baseline: TrendPoint | null;
  medEvents: MedEvent[];
  domain: [number, number];
}
export type Phq9Trend = ScaleTrend;

export function scaleTrend(instrument: Instrument, assessments: Assessment[], prescriptions: Prescription[], measures: ClinicalMeasure[] = []): ScaleTrend {
  const series = assessments
    .filter((a) => isInstrument(a, instrument))
    .map((a) => ({ a, t: Date.parse(a.createdAt) }))
    .filter((x) => Number.isFinite(x.t))
    .sort((x, y) => x.t - y.t);
  // The engines' own baseline (the start of the current episode) wins when they report one.
  const measure = measureOf(measures, instrument);
  const baselineScore = measure?.baseline.score ?? series[0]?.a.score;
  const baselineT = measure ? Date.parse(measure.baseline.at) : series[0]?.t;
  const points: TrendPoint[] = series.map(({ a, t }) => {
    const after = baselineT !== undefined && t > baselineT;
    const r = after && baselineScore !== undefined ? responseOf(instrument, baselineScore, a.score) : null;
    return {
      t,
      at: a.createdAt,
      score: a.score,
      band: bandLabel(instrument, a.score),
      item9: instrument === PHQ9 ? item9Score(a) : null,
      sourceRef: a.sourceRef,
      response: r?.status === 'response',
      remission: after && inRemission(instrument, a.score) === true,
    };
  });
  const baseline = points.find((p) => p.t === baselineT) ?? points[0] ?? null;
  const medEvents: MedEvent[] = [];
  for (const p of prescriptions) {
    // The dose in the label: a dose change (e.g. 20 → 10 mg) is otherwise two identical "Escitalopram" lines.
    const dose = /\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|g)\b/i.exec(p.dosage ?? '')?.[0];
    const label = dose ? `${p.medicationName} ${dose}` : p.medicationName;
    if (p.prescribedAt) medEvents.push({ t: Date.parse(p.prescribedAt), at: p.prescribedAt, kind: 'start', label, sourceRef: p.id });
    if (p.stoppedAt) medEvents.push({ t: Date.parse(p.stoppedAt), at: p.stoppedAt, kind: 'stop', label, sourceRef: p.id });
  }
  const ts = [...points.map((p) => p.t)];
  const lo = Math.min(...ts);
  const hi = Math.max(...ts);
  // Medication events shortly before the first score still explain the curve; far older ones do not.
  const margin = Math.max(30 * 86_400_000, (hi - lo) * 0.1);
  const inRange = medEvents.filter((e) => Number.isFinite(e.t) && e.t >= lo - margin && e.t <= hi + margin).sort((a, b) => a.t - b.t);
  // A renewal (same medication and dose, not stopped in between) is not a change: no new line.
  const running = new Map<string, string>();
  const shown = medEvents
    .filter((e) => Number.isFinite(e.t))
    .sort((a, b) => a.t - b.t)
    .filter((e) => {
      const name = prescriptions.find((p) => p.id === e.sourceRef)?.medicationName ?? e.label;
      if (e.kind === 'stop') {
        running.delete(name);
        return true;
      }
      if (running.get(name) === e.label) return false;
      running.set(name, e.label);
      return true;
    })
    .filter((e) => inRange.includes(e));
  const all = [...ts, ...shown.map((e) => e.t)];
  return { instrument, points, baseline, medEvents: shown, domain: [Math.min(...all), Math.max(...all)] };
}

export function phq9Trend(assessments: Assessment[], prescriptions: Prescription[], measures: ClinicalMeasure[] = []): ScaleTrend {
  return scaleTrend(PHQ9, assessments, prescriptions, measures);
}
