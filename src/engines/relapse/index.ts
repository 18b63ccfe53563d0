// Relapse Prediction: a transparent, additive 0–100 early-warning score.
import { RESPONSE_LABELS, maxLevel, relapseLevelOf, type RelapseLevel } from '../../clinical/index.ts';
import type { EngineRequest, EngineResponse, RelapseFactor, TerminologyCode } from '../../contract/index.ts';
import { DAY_MS, capitalize, clamp, div, fmt, isoDay, round, signed } from '../common/util.ts';
import {
  blendConfidence,
  buildIntelligence,
  computeChange,
  engineCode,
  historyDepth,
  loincCode,
  mergeSafety,
  responseHead,
  safetyLead,
  scalarInput,
  type ChangeInput,
} from '../intelligence/index.ts';
import {
  assessmentProvenance,
  importantChangeOf,
  instrumentLoinc,
  primarySeries,
  readAssessments,
  severityBand,
  type Administration,
  type InstrumentSeries,
} from '../measures/index.ts';
import { type CarePhase, RELAPSE_PARAMS as P, RELAPSE_RECOMMENDATION, RELAPSE_RECOMMENDATION_WITH_SAFETY, RELAPSE_SCALE } from './params.ts';

export { RELAPSE_PARAMS } from './params.ts';

type Req = EngineRequest<'relapse'>;
type Res = EngineResponse<'relapse'>;
type Level = Res['level'];
type Trend = Res['trend'];

/** Level of a score by the cut-offs alone (src/clinical); the symptom rules may then raise or cap it. */
export function relapseLevel(score: number): Level {
  return relapseLevelOf(score);
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
  for (const [above, pts] of P.sleep.longBands) if (hours > above) return pts;
  for (const [lo, pts] of P.sleep.bands) if (hours >= lo) return pts;
  return P.sleep.maxPoints;
}

export function dmsePoints(pct: number): number {
  return P.dmse.maxPoints * clamp(div(pct, P.dmse.fullAtPctIncrease), 0, 1);
}

/** Fraction of the medication-change points left `days` after the change (1 → 0 over ~6 months). */
export function medChangeDecay(days: number): number {
  const { earlyDays, tailDays } = P.medication;
  if (days <= earlyDays) return clamp(1 - days / (2 * earlyDays), 0.5, 1);
  return 0.5 * clamp(div(tailDays - days, tailDays - earlyDays), 0, 1);
}

export function medChangePoints(days: number, kind?: string): number {
  return P.medication.maxPoints * (P.medication.kindWeight[kind ?? 'unknown'] ?? 1) * medChangeDecay(days);
}

export function cadencePoints(days: number, phase: CarePhase = 'acute'): number {
  const { graceDays, fullAtDays } = P.cadence.phases[phase];
  return P.cadence.maxPoints * clamp(div(days - graceDays, fullAtDays - graceDays), 0, 1);
}

/** Phase of care from the latest scores of the main scale (APA 2010): acute, continuation or maintenance. */
export function carePhase(series: InstrumentSeries | null): CarePhase {
  const pts = series?.points ?? [];
  const last = pts[pts.length - 1];
  const known = series?.known;
  if (!last || !known || known.remissionBelow === null || last.score >= known.caseThreshold) return 'acute';
  const prev = pts[pts.length - 2];
  return last.score < known.remissionBelow && prev && prev.score < known.remissionBelow ? 'maintenance' : 'continuation';
}

export interface SymptomRule {
  floor: Level | null;
  ceiling: Level | null;
  reason: string | null;
}

/** The symptom rules on the level (see params.symptomRules); PHQ-9 only. */
export function symptomRule(series: InstrumentSeries | null): SymptomRule {
  const none = { floor: null, ceiling: null, reason: null };
  if (!series || series.key !== 'phq9' || !series.known) return none;
  const pts = series.points;
  const last = pts[pts.length - 1];
  if (!last) return none;
  const R = P.symptomRules;
  if (last.score >= R.severeAt) return { floor: 'high', ceiling: null, reason: `PHQ-9 ${fmt(last.score)} is severe (≥ ${R.severeAt}): the level is at least high.` };
  if (pts.length >= 2) {
    const from = last.epoch - P.symptoms.nadirLookbackDays * DAY_MS;
    let lowest: Administration | null = null;
    let remission: Administration | null = null;
    for (let i = pts.length - 2; i >= 0 && pts[i]!.epoch >= from; i--) {
      const p = pts[i]!;
      if (!lowest || p.score < lowest.score) lowest = p;
      if (!remission && p.score < series.known.remissionBelow!) remission = p;
    }
    lowest ??= pts[pts.length - 2]!;
    if (last.score >= R.recurrenceAt && remission)
      return { floor: 'elevated', ceiling: null, reason: `Recurrence: PHQ-9 back to ${fmt(last.score)} (≥ ${R.recurrenceAt}) after ${fmt(remission.score)} on ${isoDay(remission.epoch)}: the level is at least elevated.` };
    if (last.score >= R.riseTo && last.score - lowest.score >= R.riseOf)
      return { floor: 'elevated', ceiling: null, reason: `PHQ-9 rose ${fmt(last.score - lowest.score)} points to ${fmt(last.score)} (a rise of ≥ ${R.riseOf} to ≥ ${R.riseTo}): the level is at least elevated.` };
  }
  if (last.score < R.highNeedsAtLeast) return { floor: null, ceiling: 'elevated', reason: `PHQ-9 ${fmt(last.score)} is below ${R.highNeedsAtLeast}: without clinical-range symptoms the level is at most elevated.` };
  return none;
}

/** Where the symptoms stand beside the score: remission, recurrence, or not in remission (non-response). */
export function symptomStatusOf(series: InstrumentSeries | null, measure: { responseStatus?: string | null } | undefined): string | undefined {
  const known = series?.known;
  const pts = series?.points ?? [];
  const last = pts[pts.length - 1];
  if (!series || !known || !last || known.remissionBelow === null) return undefined;
  const rb = known.remissionBelow;
  if (last.score < rb) return `In remission: ${series.name} ${fmt(last.score)} (< ${rb}).`;
  let everRemitted: Administration | null = null;
  for (let i = pts.length - 2; i >= 0; i--) {
    if (pts[i]!.score < rb) {
      everRemitted = pts[i]!;
      break;
    }
  }
  if (everRemitted) {
    return last.score >= known.caseThreshold
      ? `Recurrence after remission: ${series.name} ${fmt(last.score)}, last in remission at ${fmt(everRemitted.score)} on ${isoDay(everRemitted.epoch)}.`
      : `Not in remission: ${series.name} ${fmt(last.score)} (last in remission on ${isoDay(everRemitted.epoch)}).`;
  }
  const response = measure?.responseStatus ? ` — ${RESPONSE_LABELS[measure.responseStatus as keyof typeof RESPONSE_LABELS]}` : '';
  return `Not in remission / non-response: ${series.name} ${fmt(last.score)}, no remission (< ${rb}) charted${response}; the relapse score reads a return of symptoms after remission, so treat this as an ongoing episode.`;
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
  const sevLabel = series.known ? severityBand(series, last.score) : (last.severity ?? null);
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

function sleepFactor(h: number | undefined): RelapseFactor {
  const base = { key: 'sleep' as const, label: 'Sleep (wearable)', maxPoints: P.sleep.maxPoints };
  if (h === undefined)
    return notScored(base, 'Average sleep hours not supplied — factor not scored (0 points).');
  const points = sleepPoints(h);
  const detail =
    points > 0 && h > P.sleep.longBands[1]![0]
      ? `Averaging ${fmt(h)}h/night recently — long sleep (hypersomnia) can signal returning depression. ${points} of ${P.sleep.maxPoints} points (>9 h: 6, >10 h: 12).`
      : points > 0
        ? `Averaging ${fmt(h)}h/night recently — short sleep is a leading relapse precursor. ${points} of ${P.sleep.maxPoints} points (<7 h: 6, <6 h: 12, <5 h: 18).`
        : `Averaging ${fmt(h)}h/night — within the recommended 7–9 h; 0 of ${P.sleep.maxPoints} points.`;
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

const CHANGE_WORDS: Record<string, string> = {
  start: 'A medication was started',
  restart: 'A medication was restarted',
  increase: 'A dose was increased',
  decrease: 'A dose was reduced',
  'dose change': 'A dose was changed',
  stop: 'A medication was stopped',
  switch: 'A medication was switched',
};

function medicationFactor(days: number | undefined, active: boolean, kind: string | undefined): RelapseFactor {
  const base = { key: 'medication' as const, label: 'Medication change window', maxPoints: P.medication.maxPoints };
  const activeText = active ? 'active medication' : 'no active medication reported';
  if (days === undefined)
    return notScored(base, `Days since the last medication change not supplied (${activeText}) — factor not scored (0 points).`);
  const points = round(medChangePoints(days, kind), 1);
  const weight = P.medication.kindWeight[kind ?? 'unknown'] ?? 1;
  const what = kind ? `${CHANGE_WORDS[kind] ?? 'Medication changed'} ${days} days ago` : `Medication changed ${days} days ago`;
  const weightText = weight < 1 ? `; a ${kind} weighs ${fmt(weight * 100, 0)}% (reductions, stops and switches weigh fully)` : '';
  const detail =
    points > 0
      ? `${what} (${activeText}) — the months after a change are a vulnerable window. ${fmt(points)} of ${P.medication.maxPoints} points (half fades over ${P.medication.earlyDays} days, the rest by ${P.medication.tailDays} days${weightText}).`
      : `${what} (${activeText}) — beyond the ${P.medication.tailDays}-day window; 0 of ${P.medication.maxPoints} points.`;
  return scored(base, points, detail);
}

const PHASE_TEXT: Record<CarePhase, string> = {
  acute: 'acute phase (visits every 1–2 weeks)',
  continuation: 'continuation phase (about monthly visits)',
  maintenance: 'maintenance phase (visits every 1–3 months)',
};

function cadenceFactor(days: number | undefined, phase: CarePhase): RelapseFactor {
  const base = { key: 'cadence' as const, label: 'Visit cadence', maxPoints: P.cadence.maxPoints };
  if (days === undefined)
    return notScored(base, 'Days since the last visit not supplied — factor not scored (0 points).');
  const { graceDays, fullAtDays } = P.cadence.phases[phase];
  const points = round(cadencePoints(days, phase), 1);
  const detail =
    points > 0
      ? `${days} days since the last visit — beyond the ${graceDays}-day follow-up interval of the ${PHASE_TEXT[phase]}. ${fmt(points)} of ${P.cadence.maxPoints} points (full at ${fullAtDays} days).`
      : `${days} days since the last visit — within the ${graceDays}-day follow-up interval of the ${PHASE_TEXT[phase]}; 0 of ${P.cadence.maxPoints} points.`;
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
  const safety = mergeSafety(a.safety, req.safety);
  const primary = primarySeries(a.series);
  const sym = symptomFactor(primary);
  const phase = carePhase(primary);
  const factors: RelapseFactor[] = [
    sym.factor,
    sleepFactor(req.avgSleepHours),
    dmseFactor(req.dmseLatencyPctChange),
    medicationFactor(req.daysSinceMedChange, req.hasActiveMedication, req.medChangeKind),
    cadenceFactor(req.daysSinceLastVisit, phase),
  ];
  const raw = factors.reduce((s, f) => s + f.points, 0);
  const score = Math.round(clamp(raw, 0, 100));
  const byScore: RelapseLevel = relapseLevel(score);
  const rule = symptomRule(primary);
  let level: RelapseLevel = rule.floor ? maxLevel(byScore, rule.floor) : byScore;
  if (rule.ceiling && level === 'high' && rule.ceiling === 'elevated') level = 'elevated';
  const levelReason = level !== byScore ? rule.reason : null;
  const primaryMeasure = primary ? a.measures[a.series.indexOf(primary)] : undefined;
  const symptomStatus = symptomStatusOf(primary, primaryMeasure);
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
    (top ? `driven primarily by ${top.label.toLowerCase()}.` : 'no factor firing.') +
    (levelReason ? ` ${levelReason}` : '');
  const lead = safetyLead(safety);
  const headline =
    (lead ? `${lead} ` : '') +
    `Relapse risk ${score}/100 (${level})` +
    (top ? ` — driven primarily by ${top.label.toLowerCase()} (${fmt(top.points)} of ${top.maxPoints} points).` : ' — no factor firing.') +
    (levelReason ? ` ${levelReason}` : '') +
    (symptomStatus && !symptomStatus.startsWith('In remission') ? ` ${symptomStatus}` : '');
  const recommendation = lead ? `${lead} ${RELAPSE_RECOMMENDATION_WITH_SAFETY[level]}` : RELAPSE_RECOMMENDATION[level];
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
    { key: 'daysSinceLastVisit', current: req.daysSinceLastVisit, factor: 'follow-up gap factor', points: (d) => cadencePoints(d, phase), style: 'quantity', clearedPhrase: 'cleared', pointsAreRisk: true },
    { key: 'dmseLatencyPctChange', current: req.dmseLatencyPctChange, factor: 'Digital MSE latency factor', points: dmsePoints, style: 'quantity', clearedPhrase: 'no longer firing', pointsAreRisk: true },
    { key: 'daysSinceMedChange', current: req.daysSinceMedChange, factor: 'medication-change window factor', points: (d) => medChangePoints(d, req.medChangeKind), style: 'quantity', clearedPhrase: 'closed', pointsAreRisk: true },
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
    levelReason ?? '',
    firing.length
      ? `The largest contributions are ${firing.map((f) => `${f.label.toLowerCase()} (${fmt(f.points)} of ${f.maxPoints} points)`).join(' and ')}.`
      : 'No factor contributes points.',
    `Confidence is ${confidenceScore >= 0.75 ? 'high' : confidenceScore >= 0.45 ? 'moderate' : 'low'} with ${sourceCount} of ${factors.length} inputs supplied${missing.length ? `; not supplied: ${missing.join(', ')}` : ''}.`,
    change && change.delta !== null ? `Compared with the previous result the score ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${signed(change.delta)}).` : '',
  ];

  const usedKeys = new Set(primary ? [primary.key] : []);
  const inputs = [
    ...assessmentProvenance(a.series, usedKeys),
    scalarInput(req, 'avgSleepHours', req.avgSleepHours ?? null, req.avgSleepHours !== undefined),
    scalarInput(req, 'dmseLatencyPctChange', req.dmseLatencyPctChange ?? null, req.dmseLatencyPctChange !== undefined),
    scalarInput(req, 'daysSinceMedChange', req.daysSinceMedChange ?? null, req.daysSinceMedChange !== undefined),
    ...(req.medChangeKind !== undefined ? [scalarInput(req, 'medChangeKind', req.medChangeKind, req.daysSinceMedChange !== undefined)] : []),
    scalarInput(req, 'hasActiveMedication', req.hasActiveMedication, req.daysSinceMedChange !== undefined),
    scalarInput(req, 'daysSinceLastVisit', req.daysSinceLastVisit ?? null, req.daysSinceLastVisit !== undefined),
  ];

  const intelligence = buildIntelligence({
    engine: 'relapse',
    status: level,
    headline,
    flagged,
    requiresClinicianReview: level === 'elevated' || level === 'high',
    safety,
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
    safety,
    score,
    level,
    trend: sym.trend,
    confidence: intelligence.confidence.level,
    topDriver,
    factors,
    summaryLine,
    recommendation,
    sourceCount,
    measures: a.measures,
    ...(symptomStatus !== undefined ? { symptomStatus } : {}),
    levelReason,
  });
}

