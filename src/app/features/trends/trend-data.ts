// PHQ-9 trend: points, severity bands, response/remission and medication events (pure).
import type { Assessment, ClinicalMeasure, Prescription } from '../../../contract/index.ts';
import { isPhq9, item9Score } from '../safety/derive-safety.ts';

/** Kroenke 2001 PHQ-9 severity bands. */
export const PHQ9_BANDS = [
  { from: 0, to: 4, label: 'Minimal', className: 'minimal' },
  { from: 5, to: 9, label: 'Mild', className: 'mild' },
  { from: 10, to: 14, label: 'Moderate', className: 'moderate' },
  { from: 15, to: 19, label: 'Moderately severe', className: 'modsevere' },
  { from: 20, to: 27, label: 'Severe', className: 'severe' },
] as const;

export function bandOf(score: number): string {
  return PHQ9_BANDS.find((b) => score <= b.to)?.label ?? 'Severe';
}

export interface TrendPoint {
  t: number;
  at: string;
  score: number;
  band: string;
  item9: number | null;
  sourceRef?: string;
  /** ≥50% below baseline (response). */
  response: boolean;
  /** Score < 5 (remission). */
  remission: boolean;
}

export interface MedEvent {
  t: number;
  at: string;
  kind: 'start' | 'stop';
  label: string;
  sourceRef: string;
}

export interface Phq9Trend {
  points: TrendPoint[];
  baseline: TrendPoint | null;
  medEvents: MedEvent[];
  domain: [number, number];
}

export function phq9Trend(assessments: Assessment[], prescriptions: Prescription[], measures: ClinicalMeasure[] = []): Phq9Trend {
  const phq9 = assessments
    .filter(isPhq9)
    .map((a) => ({ a, t: Date.parse(a.createdAt) }))
    .filter((x) => Number.isFinite(x.t))
    .sort((x, y) => x.t - y.t);
  // The engines' own baseline wins when they report one (same rule, same numbers on screen).
  const measure = measures.find((m) => /phq-?9/i.test(m.instrumentId) || /phq-?9/i.test(m.instrumentName));
  const baselineScore = measure?.baseline.score ?? phq9[0]?.a.score;
  const baselineT = measure ? Date.parse(measure.baseline.at) : phq9[0]?.t;
  const points: TrendPoint[] = phq9.map(({ a, t }) => {
    const after = baselineT !== undefined && t > baselineT;
    return {
      t,
      at: a.createdAt,
      score: a.score,
      band: bandOf(a.score),
      item9: item9Score(a),
      sourceRef: a.sourceRef,
      response: after && baselineScore !== undefined && baselineScore > 0 && a.score <= baselineScore * 0.5,
      remission: after && a.score < 5,
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
  // Medication events shortly before the first PHQ-9 still explain the curve; far older ones do not.
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
  return { points, baseline, medEvents: shown, domain: [Math.min(...all), Math.max(...all)] };
}
