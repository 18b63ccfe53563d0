// Relapse Prediction: a transparent, additive 0–100 early-warning score.
import type { EngineRequest, EngineResponse, RelapseFactor, TerminologyCode } from '../../contract/index.ts';
import { DAY_MS, capitalize, clamp, div, fmt, isoDay, round, signed } from '../common/util.ts';
import {
  blendConfidence,
  buildIntelligence,
  computeChange,
  engineCode,
  historyDepth,
  loincCode,
  responseHead,
  type ChangeInput,
} from '../intelligence/index.ts';
import {
  assessmentProvenance,
  importantChangeOf,
  instrumentLoinc,
  primarySeries,
  readAssessments,
  type Administration,
  type InstrumentSeries,
} from '../measures/index.ts';
import { RELAPSE_PARAMS as P, RELAPSE_RECOMMENDATION, RELAPSE_SCALE } from './params.ts';

export { RELAPSE_PARAMS } from './params.ts';

type Req = EngineRequest<'relapse'>;
type Res = EngineResponse<'relapse'>;
type Level = Res['level'];
type Trend = Res['trend'];

export function relapseLevel(score: number): Level {
  return score >= P.levels.high ? 'high' : score >= P.levels.elevated ? 'elevated' : score >= P.levels.moderate ? 'moderate' : 'low';
}

type FactorBase = Pick<RelapseFactor, 'key' | 'label' | 'maxPoints'>;

// Factors are built field by field, not as `{ ...base, points, … }`: on Node 20 (V8 11.3) every
// property written after a leading object spread goes through a slow runtime path (~2 µs per
// factor, measured with --cpu-prof). Key order is the same as before (it is the JSON order).
function scored(base: FactorBase, points: number, detail: string): RelapseFactor {
  const tone = factorTone(points, base.maxPoints, true);
  return { key: base.key, label: base.label, maxPoints: base.maxPoints, points, tone, available: true, detail };
}

function notScored(base: FactorBase, detail: string): RelapseFactor {
  return { key: base.key, label: base.label, maxPoints: base.maxPoints, points: 0, tone: 'none', available: false, detail };
}

function factorTone(points: number, max: number, available: boolean): RelapseFactor['tone'] {
  if (!available || points <= 0) return 'none';
  const f = div(points, max);
  return f >= P.factorTone.high ? 'high' : f >= P.factorTone.elevated ? 'elevated' : f >= P.factorTone.moderate ? 'moderate' : 'low';
}

export function sleepPoints(hours: number): number {
  for (const [lo, pts] of P.sleep.bands) if (hours >= lo) return pts;
  return P.sleep.maxPoints;
}

export function dmsePoints(pct: number): number {
  return P.dmse.maxPoints * clamp(div(pct, P.dmse.fullAtPctIncrease), 0, 1);
}

export function medChangePoints(days: number): number {
  return P.medication.maxPoints * clamp(div(P.medication.windowDays - days, P.medication.windowDays), 0, 1);
}

export function cadencePoints(days: number): number {
  return P.cadence.maxPoints * clamp(div(days - P.cadence.graceDays, P.cadence.fullAtDays - P.cadence.graceDays), 0, 1);
}

interface SymptomReading {
  factor: RelapseFactor;
  trend: Trend;
  series: InstrumentSeries | null;
  spanDays: number;
}

function levelSaturation(s: InstrumentSeries, maxScore: number): number {
  return P.symptoms.levelSaturation[s.key] ?? P.symptoms.genericLevelSaturationFraction * maxScore;
}

/**
 * Index of the reference administration for the rise: the lowest score within `lookbackDays`
 * before the latest (the most recent one on ties), else the previous administration.
 * Points are sorted oldest first and must number at least two.
 */
export function nadirIndex(points: readonly Administration[], lookbackDays: number): number {
  const n = points.length;
  const from = points[n - 1]!.epoch - lookbackDays * DAY_MS;
  let best = n - 2;
  for (let i = n - 3; i >= 0; i--) {
    const p = points[i]!;
    if (p.epoch < from) break;
    if (p.score < points[best]!.score) best = i;
  }
  return best;
}

export interface RecentTrend {
  /** Fitted change over the window: least-squares slope × span (the last step with two points). */
  change: number;
  /** Administrations used (at least two). */
  n: number;
}

/**
 * Recent direction: least-squares slope of the administrations within `windowDays` before the
 * latest, times their span. Fewer than two in the window → the last step. Points at one instant
 * (no time spread) → the last step.
 */
export function recentTrend(points: readonly Administration[], windowDays: number): RecentTrend {
  const n = points.length;
  const last = points[n - 1]!;
  const lastStep = last.score - points[n - 2]!.score;
  const from = last.epoch - windowDays * DAY_MS;
  let start = n - 1;
  while (start > 0 && points[start - 1]!.epoch >= from) start--;
  if (n - start < 2) start = n - 2;
  const k = n - start;
  let mt = 0;
  let my = 0;
  for (let i = start; i < n; i++) {
    mt += (points[i]!.epoch - last.epoch) / DAY_MS;
    my += points[i]!.score;
  }
  mt /= k;
  my /= k;
  let sxx = 0;
  let sxy = 0;
  for (let i = start; i < n; i++) {
    const dt = (points[i]!.epoch - last.epoch) / DAY_MS - mt;
    sxx += dt * dt;
    sxy += dt * (points[i]!.score - my);
  }
  const span = (last.epoch - points[start]!.epoch) / DAY_MS;
  if (!(sxx > 0) || !(span > 0)) return { change: round(lastStep, 6), n: k };
  return { change: round(div(sxy, sxx) * span, 6), n: k };
}

function direction(change: number, step: number): Trend {
  return change >= step ? 'rising' : change <= -step ? 'falling' : 'stable';
}

function symptomFactor(series: InstrumentSeries | null): SymptomReading {
  const base = { key: 'symptoms' as const, label: 'Symptom trajectory', maxPoints: P.symptoms.maxPoints };
  const last = series?.points[series.points.length - 1];
  if (!series || !last) {
    return {
      factor: notScored(base, 'Symptom scales not supplied — factor not scored (0 points).'),
      trend: 'unknown',
      series: null,
      spanDays: 0,
    };
  }
  const sat = levelSaturation(series, last.maxScore);
  const level = P.symptoms.levelPoints * clamp(div(last.score, sat), 0, 1);
  const sevLabel = series.known ? bandOf(series, last.score) : (last.severity ?? null);
  const sevText = sevLabel ? ` (${sevLabel})` : '';
  const pts = series.points;
  const prev = pts.length >= 2 ? pts[pts.length - 2]! : null;
  const first = pts[0]!;
  const spanDays = Math.max(0, Math.round((last.epoch - first.epoch) / DAY_MS));
  if (!prev) {
    const points = round(level, 1);
    return {
      factor: scored(
        base,
        points,
        `${series.name} ${fmt(last.score)}/${fmt(last.maxScore)}${sevText}, single administration — trajectory unknown. ` +
        `Level ${fmt(level)} of ${P.symptoms.levelPoints} points (saturates at ${fmt(sat)}); rise not scored.`,
      ),
      trend: 'unknown',
      series,
      spanDays,
    };
  }
  const mcid = importantChangeOf(series, last.maxScore);
  const ni = nadirIndex(pts, P.symptoms.nadirLookbackDays);
  const nadir = pts[ni]!;
  const fromPrevious = ni === pts.length - 2;
  const rise = last.score - nadir.score;
  const full = P.symptoms.velocityFullInImportantChanges * mcid;
  const velocity = P.symptoms.velocityPoints * clamp(div(rise, full), 0, 1);
  const step = P.symptoms.trendFractionOfImportantChange * mcid;
  const recent = recentTrend(pts, P.symptoms.trendWindowDays);
  const trend = direction(recent.change, step);
  const points = round(level + velocity, 1);
  const levelText = `Level ${fmt(level)} of ${P.symptoms.levelPoints} points (latest ${fmt(last.score)}, saturates at ${fmt(sat)}) + `;
  let detail: string;
  if (fromPrevious) {
    detail =
      `${series.name} ${direction(rise, step)} ${fmt(prev.score)}→${fmt(last.score)}/${fmt(last.maxScore)}${sevText} at the two most recent administrations. ` +
      levelText +
      `rise ${fmt(velocity)} of ${P.symptoms.velocityPoints} points (${signed(rise)} points, full at +${fmt(full)}).`;
  } else {
    detail =
      `${series.name} ${direction(rise, step)} ${fmt(nadir.score)}→${fmt(last.score)}/${fmt(last.maxScore)}${sevText} since its lowest point on ` +
      `${isoDay(nadir.epoch)} (within ${P.symptoms.nadirLookbackDays} days); last step ${fmt(prev.score)}→${fmt(last.score)}. ` +
      levelText +
      `rise ${fmt(velocity)} of ${P.symptoms.velocityPoints} points (${signed(rise)} points above the lowest point, full at +${fmt(full)}).`;
  }
  if (recent.n >= 3) {
    detail +=
      ` Trend over the last ${P.symptoms.trendWindowDays} days ${trend}: ${signed(recent.change)} points ` +
      `(least-squares fit of ${recent.n} administrations; ${fmt(step)} points or more in either direction counts as a trend).`;
  } else if (!fromPrevious) {
    detail += ` Trend ${trend}: last step ${signed(last.score - prev.score)} points (fewer than 3 administrations in the last ${P.symptoms.trendWindowDays} days).`;
  }
  return {
    factor: scored(base, points, detail),
    trend,
    series,
    spanDays,
  };
}

function bandOf(s: InstrumentSeries, score: number): string | null {
  if (!s.known?.bands) return null;
  let label: string | null = null;
  for (const [lo, l] of s.known.bands) if (score >= lo) label = l;
  return label;
}

function sleepFactor(h: number | undefined): RelapseFactor {
  const base = { key: 'sleep' as const, label: 'Sleep (wearable)', maxPoints: P.sleep.maxPoints };
  if (h === undefined)
    return notScored(base, 'Average sleep hours not supplied — factor not scored (0 points).');
  const points = sleepPoints(h);
  const detail =
    points > 0
      ? `Averaging ${fmt(h)}h/night recently — short sleep is a leading relapse precursor. ${points} of ${P.sleep.maxPoints} points (<7 h: 6, <6 h: 12, <5 h: 18).`
      : `Averaging ${fmt(h)}h/night — at or above the recommended 7 h; 0 of ${P.sleep.maxPoints} points.`;
  return scored(base, points, detail);
}

function dmseFactor(pct: number | undefined): RelapseFactor {
  const base = { key: 'dmse' as const, label: 'Digital MSE™ latency', maxPoints: P.dmse.maxPoints };
  if (pct === undefined)
    return notScored(base, 'Digital MSE latency change not supplied — factor not scored (0 points).');
  const points = round(dmsePoints(pct), 1);
  const detail =
    points > 0
      ? `Response latency up ${fmt(pct)}% across visits — slowed responding can precede symptom return. ${fmt(points)} of ${P.dmse.maxPoints} points (full at +${P.dmse.fullAtPctIncrease}%).`
      : `Response latency changed ${signed(pct)}% across visits — no slowing; 0 of ${P.dmse.maxPoints} points.`;
  return scored(base, points, detail);
}

function medicationFactor(days: number | undefined, active: boolean): RelapseFactor {
  const base = { key: 'medication' as const, label: 'Medication change window', maxPoints: P.medication.maxPoints };
  const activeText = active ? 'active medication' : 'no active medication reported';
  if (days === undefined)
    return notScored(base, `Days since the last medication change not supplied (${activeText}) — factor not scored (0 points).`);
  const points = round(medChangePoints(days), 1);
  const detail =
    points > 0
      ? `Medication changed ${days} days ago (${activeText}) — the first ${P.medication.windowDays} days after a change are a vulnerable window. ${fmt(points)} of ${P.medication.maxPoints} points (decays to 0 at ${P.medication.windowDays} days).`
      : `Last medication change ${days} days ago (${activeText}) — outside the ${P.medication.windowDays}-day window; 0 of ${P.medication.maxPoints} points.`;
  return scored(base, points, detail);
}

function cadenceFactor(days: number | undefined): RelapseFactor {
  const base = { key: 'cadence' as const, label: 'Visit cadence', maxPoints: P.cadence.maxPoints };
  if (days === undefined)
    return notScored(base, 'Days since the last visit not supplied — factor not scored (0 points).');
  const points = round(cadencePoints(days), 1);
  const detail =
    points > 0
      ? `${days} days since the last visit — beyond the ${P.cadence.graceDays}-day follow-up interval. ${fmt(points)} of ${P.cadence.maxPoints} points (full at ${P.cadence.fullAtDays} days).`
      : `${days} days since the last visit — within the ${P.cadence.graceDays}-day follow-up interval; 0 of ${P.cadence.maxPoints} points.`;
  return scored(base, points, detail);
}

const TREND_TEXT: Record<Trend, string> = {
  rising: 'signals rising',
  falling: 'signals falling',
  stable: 'signals stable',
  unknown: 'trend unknown',
};

const INPUT_NAMES = ['assessments', 'avgSleepHours', 'dmseLatencyPctChange', 'daysSinceMedChange', 'daysSinceLastVisit'] as const;

export function predictRelapse(req: Req, ctx: { now: Date }): Res {
  const a = readAssessments(req.assessments);
  const primary = primarySeries(a.series);
  const sym = symptomFactor(primary);
  const factors: RelapseFactor[] = [
    sym.factor,
    sleepFactor(req.avgSleepHours),
    dmseFactor(req.dmseLatencyPctChange),
    medicationFactor(req.daysSinceMedChange, req.hasActiveMedication),
    cadenceFactor(req.daysSinceLastVisit),
  ];
  const raw = factors.reduce((s, f) => s + f.points, 0);
  const score = Math.round(clamp(raw, 0, 100));
  const level = relapseLevel(score);
  let top: RelapseFactor | null = null;
  for (const f of factors) if (f.points > 0 && (!top || f.points > top.points)) top = f;
  const topDriver = top ? top.label : null;
  const sourceCount = factors.filter((f) => f.available).length;
  const missing = factors.map((f, i) => (f.available ? null : INPUT_NAMES[i]!)).filter((x): x is (typeof INPUT_NAMES)[number] => x !== null);

  const n = primary?.points.length ?? 0;
  const confidenceScore = blendConfidence(sourceCount, factors.length, historyDepth(n));
  const reasons = [`${sourceCount} of ${factors.length} inputs supplied`];
  reasons.push(
    primary
      ? `${primary.name} history covers ${n} administration${n === 1 ? '' : 's'} over ${sym.spanDays} days`
      : 'No symptom-scale history',
  );
  if (!top) reasons.push('No factor is firing');

  const summaryLine =
    `${capitalize(level)} relapse risk (${score}/100), ${TREND_TEXT[sym.trend]}, ` +
    (top ? `driven primarily by ${top.label.toLowerCase()}.` : 'no factor firing.');
  const headline =
    `Relapse risk ${score}/100 (${level})` +
    (top ? ` — driven primarily by ${top.label.toLowerCase()} (${fmt(top.points)} of ${top.maxPoints} points).` : ' — no factor firing.');
  const flagged = factors
    .filter((f) => f.tone === 'elevated' || f.tone === 'high')
    .sort((x, y) => y.points - x.points)
    .map((f) => f.label);

  const codes: TerminologyCode[] = [engineCode('relapse_risk', 'Tidemark relapse early-warning score', 'score')];
  if (primary) {
    const l = instrumentLoinc(primary);
    if (l) codes.push(loincCode(l.code, l.display, 'factors[0]'));
  }
  if (req.avgSleepHours !== undefined) codes.push(loincCode('93832-4', 'Sleep duration', 'factors[1]'));
  a.series.forEach((s, i) => {
    const l = instrumentLoinc(s);
    if (l) codes.push(loincCode(l.code, l.display, `measures[${i}]`));
  });

  const changeInputs: ChangeInput[] = [
    { key: 'avgSleepHours', current: req.avgSleepHours, factor: 'sleep disruption factor', points: sleepPoints, style: 'quality', clearedPhrase: 'no longer firing', pointsAreRisk: true },
    { key: 'daysSinceLastVisit', current: req.daysSinceLastVisit, factor: 'follow-up gap factor', points: cadencePoints, style: 'quantity', clearedPhrase: 'cleared', pointsAreRisk: true },
    { key: 'dmseLatencyPctChange', current: req.dmseLatencyPctChange, factor: 'Digital MSE latency factor', points: dmsePoints, style: 'quantity', clearedPhrase: 'no longer firing', pointsAreRisk: true },
    { key: 'daysSinceMedChange', current: req.daysSinceMedChange, factor: 'medication-change window factor', points: medChangePoints, style: 'quantity', clearedPhrase: 'closed', pointsAreRisk: true },
    { key: 'hasActiveMedication', current: req.hasActiveMedication, factor: 'medication context', points: () => 0, style: 'quantity', pointsAreRisk: true },
  ];
  const change = computeChange(req.previous, {
    score,
    status: level,
    higherIsWorse: true,
    statusRank: { low: 0, moderate: 1, elevated: 2, high: 3 },
    inputs: changeInputs,
  });

  const firing = factors.filter((f) => f.points > 0).sort((x, y) => y.points - x.points).slice(0, 2);
  const reasoning = [
    `Relapse risk is ${level} at ${score}/100 and ${sym.trend === 'unknown' ? 'the symptom trend cannot be read yet' : `symptom scores are ${sym.trend}`}.`,
    firing.length
      ? `The largest contributions are ${firing.map((f) => `${f.label.toLowerCase()} (${fmt(f.points)} of ${f.maxPoints} points)`).join(' and ')}.`
      : 'No factor contributes points.',
    `Confidence is ${confidenceScore >= 0.75 ? 'high' : confidenceScore >= 0.45 ? 'moderate' : 'low'} with ${sourceCount} of ${factors.length} inputs supplied${missing.length ? `; not supplied: ${missing.join(', ')}` : ''}.`,
    change && change.delta !== null ? `Compared with the previous result the score ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${signed(change.delta)}).` : '',
  ];

  const usedKeys = new Set(primary ? [primary.key] : []);
  const inputs = [
    ...assessmentProvenance(a.series, usedKeys),
    { name: 'avgSleepHours', value: req.avgSleepHours ?? null, observedAt: null, contributed: req.avgSleepHours !== undefined },
    { name: 'dmseLatencyPctChange', value: req.dmseLatencyPctChange ?? null, observedAt: null, contributed: req.dmseLatencyPctChange !== undefined },
    { name: 'daysSinceMedChange', value: req.daysSinceMedChange ?? null, observedAt: null, contributed: req.daysSinceMedChange !== undefined },
    { name: 'hasActiveMedication', value: req.hasActiveMedication, observedAt: null, contributed: req.daysSinceMedChange !== undefined },
    { name: 'daysSinceLastVisit', value: req.daysSinceLastVisit ?? null, observedAt: null, contributed: req.daysSinceLastVisit !== undefined },
  ];

  const intelligence = buildIntelligence({
    engine: 'relapse',
    status: level,
    headline,
    flagged,
    requiresClinicianReview: level === 'elevated' || level === 'high',
    safety: a.safety,
    confidenceScore,
    confidenceReasons: reasons,
    completeness: div(sourceCount, factors.length),
    missingInputs: missing,
    inputs,
    staleAfterDays: P.staleAfterDays,
    codes,
    change,
    interpretationScale: { ...RELAPSE_SCALE },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('relapse.prediction', 'relapse_risk', req, intelligence), {
    safety: a.safety,
    score,
    level,
    trend: sym.trend,
    confidence: intelligence.confidence.level,
    topDriver,
    factors,
    summaryLine,
    recommendation: RELAPSE_RECOMMENDATION[level],
    sourceCount,
    measures: a.measures,
  });
}
