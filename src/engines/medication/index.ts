// Medication Intelligence: before/after symptom comparison per active course of a psychotropic
// (one course per ingredient: refills merge), objective Digital MSE corroboration, and monitoring
// reminders. Non-psychiatric drugs are never scored as a treatment response.
import {
  isScoredForResponse,
  lastDoseChange,
  medicationCourses,
  responseOf,
  doseOf as clinicalDoseOf,
  type Course,
  type CourseChange,
} from '../../clinical/index.ts';
import type { EngineRequest, EngineResponse, ModuleSignal, Prescription, TerminologyCode } from '../../contract/index.ts';
import { DAY_MS, div, fmt, isoDay, plural, signed, slug, toEpoch, toIso } from '../common/util.ts';
import {
  RXNORM,
  blendConfidence,
  buildIntelligence,
  computeChange,
  engineCode,
  historyDepth,
  loincCode,
  mergeSafety,
  responseHead,
  safetyLead,
} from '../intelligence/index.ts';
import {
  assessmentProvenance,
  importantChangeOf,
  instrumentLoinc,
  mostCoveredSeries,
  readAssessments,
  isoOf,
  type Administration,
} from '../measures/index.ts';
import { MEDICATION_PARAMS as P } from './params.ts';

export { MEDICATION_PARAMS } from './params.ts';

type Req = EngineRequest<'medication'>;
type Res = EngineResponse<'medication'>;
type Tone = ModuleSignal['tone'];

export const TONE_RANK: Record<Tone, number> = { critical: 4, concern: 3, watch: 2, positive: 1, neutral: 0 };

/** RxNorm ingredient of a course (a code we know is checked, never taken from a mismatched name). */
export function rxnormOfCourse(c: Course): { code: string; display: string } | null {
  if (c.ingredient?.rxnorm) return { code: c.ingredient.rxnorm, display: c.ingredient.name.toLowerCase() };
  const code = c.current.rxnorm;
  return code ? { code, display: c.current.medicationName } : null;
}

/** Index of the last administration at or before `t` (points sorted oldest first), or -1. */
function lastAtOrBefore(points: readonly Administration[], t: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.epoch <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The strength at the start of a dosage text ("10 mg by mouth once daily" → "10 mg"), else the text as given. */
export const doseOf = clinicalDoseOf;

/** "since Escitalopram was reduced to 10 mg on 2026-04-04" — what the comparison is anchored on. */
function sinceText(c: Course, anchor: CourseChange, display: string): string {
  const name = c.current.medicationName;
  const day = isoDay(anchor.at);
  switch (anchor.kind) {
    case 'increase':
      return `since ${name} was increased to ${anchor.dose} on ${day}`;
    case 'decrease':
      return `since ${name} was reduced to ${anchor.dose} on ${day}`;
    case 'dose change':
      return `since ${name} was changed to ${anchor.dose || 'a new dose'} on ${day}`;
    case 'restart':
      return `since ${display} was restarted on ${day}`;
    default:
      return `since ${display} started`;
  }
}

export function isActive(rx: Prescription, nowMs: number): boolean {
  if (rx.status.trim().toLowerCase() !== 'active') return false;
  const stopped = toEpoch(rx.stoppedAt);
  return stopped === null || stopped > nowMs;
}

export function analyzeMedication(req: Req, ctx: { now: Date }): Res {
  const nowMs = ctx.now.getTime();
  const a = readAssessments(req.assessments);
  const safety = mergeSafety(a.safety, req.safety);
  const inst = mostCoveredSeries(a.series);
  const signals: ModuleSignal[] = [];
  const codes: TerminologyCode[] = [engineCode('medication_response', 'Tidemark medication response signals', 'signals')];
  const missing: string[] = [];
  const notScored: string[] = [];
  const courses = medicationCourses(req.prescriptions, nowMs);
  const active = courses.filter((c) => c.active);
  const usedKeys = new Set<string>();
  const seenKeys = new Map<string, number>();
  const uniqueKey = (k: string) => {
    const c = (seenKeys.get(k) ?? 0) + 1;
    seenKeys.set(k, c);
    return c === 1 ? k : `${k}_${c}`;
  };
  let analyzable = 0;
  let scoredCourses = 0;
  let responseTone: Tone | null = null;

  if (req.assessments.length === 0) missing.push('assessments');
  for (const rx of req.prescriptions) if (!rx.prescribedAt && isActive(rx, nowMs)) missing.push(`prescribedAt (${rx.medicationName})`);
  for (const c of active) {
    if (!isScoredForResponse(c.ingredient)) {
      notScored.push(c.ingredient ? `${c.name} (${c.ingredient.class})` : c.current.medicationName);
      continue;
    }
    scoredCourses++;
    if (!inst) continue;
    const anchor = lastDoseChange(c);
    const pts = inst.points;
    const bi = lastAtOrBefore(pts, anchor.at);
    const before = bi >= 0 ? pts[bi]! : null;
    const after = bi + 1 < pts.length ? pts[pts.length - 1]! : null;
    const rx = c.current;
    if (!before) missing.push(`${inst.name} before ${rx.medicationName} started`);
    if (!after) missing.push(`${inst.name} after ${rx.medicationName} started`);
    if (!before || !after) continue;
    analyzable++;
    usedKeys.add(inst.key);
    const delta = after.score - before.score;
    const minBase = P.percentBaseline[inst.key] ?? P.genericPercentBaselineFraction * after.maxScore;
    const pct = before.score >= minBase && before.score > 0 ? div(Math.abs(delta), before.score) * 100 : null;
    const pointsText = `by ${plural(Number(fmt(Math.abs(delta))), 'point')}, ${fmt(before.score)}→${fmt(after.score)}`;
    const mcid = importantChangeOf(inst, after.maxScore);
    const days = Math.max(0, Math.round((after.epoch - anchor.at) / DAY_MS));
    const dose = doseOf(rx.dosage);
    const display = `${rx.medicationName}${dose ? ` ${dose}` : ''}`;
    const since = sinceText(c, anchor, display);
    // When the anchor is a dose change, say how long the drug itself has been taken.
    const course = anchor.at > c.start ? ` (on ${rx.medicationName} since ${isoDay(c.start)})` : '';
    const r = inst.known ? responseOf(inst.known, before.score, after.score) : null;
    let tone: Tone;
    let detail: string;
    let summaryLine: string;
    let responseStatus: ModuleSignal['responseStatus'];
    if (delta < 0) {
      // Tone as before: partial response is a ≥25% drop. Only the wording switches to points below the mild threshold.
      const rel = before.score > 0 ? div(-delta, before.score) * 100 : 0;
      tone = rel >= P.positiveReductionPct ? 'positive' : days >= P.adequateTrialDays ? 'watch' : 'neutral';
      if (pct !== null) {
        const pctText = `${fmt(pct, 0)}% reduction`;
        detail = `${inst.name} improved ${fmt(before.score)}→${fmt(after.score)} (${pctText}) ${since}${course}.`;
        summaryLine = `On ${display}, ${inst.name} improved from ${fmt(before.score)} to ${fmt(after.score)} (${pctText}).`;
      } else {
        detail = `${inst.name} improved ${pointsText}, ${since}${course}.`;
        summaryLine = `On ${display}, ${inst.name} improved by ${plural(Number(fmt(-delta)), 'point')} (${fmt(before.score)} to ${fmt(after.score)}).`;
      }
      if (tone === 'watch') detail += ` Below the ${P.positiveReductionPct}% partial-response threshold after ${days} days.`;
      responseStatus = r ? r.status : undefined;
    } else if (delta >= P.worseningInImportantChanges * mcid) {
      tone = 'concern';
      detail = `${inst.name} worsened ${pointsText}, ${since}${course} — at least one clinically important change (${fmt(mcid)} points).`;
      summaryLine = `On ${display}, ${inst.name} worsened by ${plural(Number(fmt(delta)), 'point')} (${fmt(before.score)} to ${fmt(after.score)}).`;
      responseStatus = 'worsening';
    } else {
      tone = days >= P.adequateTrialDays ? 'watch' : 'neutral';
      detail =
        `${inst.name} ${delta === 0 ? `unchanged at ${fmt(after.score)}` : `rose ${pointsText},`} ${since}${course}` +
        (tone === 'watch' ? ` — no clear response after ${days} days (adequate trial ${P.adequateTrialDays} days).` : ` — ${days} days in, too early to judge response.`);
      summaryLine = `On ${display}, ${inst.name} shows no clear change (${fmt(before.score)} to ${fmt(after.score)}).`;
      responseStatus = tone === 'neutral' ? 'too_early' : r ? r.status : undefined;
    }
    if (responseTone === null || TONE_RANK[tone] > TONE_RANK[responseTone]) responseTone = tone;
    const idx = signals.length;
    const evidence = [before.sourceRef, after.sourceRef].filter((x): x is string => x !== undefined);
    signals.push({
      module: 'medication',
      signalKey: uniqueKey(`med_response_${slug(rx.medicationName)}`),
      label: `${rx.medicationName} — symptom response`,
      detail,
      tone,
      metricValue: after.score,
      metricUnit: 'score',
      confidence: pts.length >= P.highConfidencePoints ? 'high' : 'moderate',
      summaryLine,
      sourceRef: rx.id,
      observedAt: isoOf(after),
      ...(evidence.length ? { evidenceRefs: evidence } : {}),
      ...(responseStatus ? { responseStatus } : {}),
    });
    const rxn = rxnormOfCourse(c);
    if (rxn) codes.push({ system: RXNORM, code: rxn.code, display: rxn.display, mapsTo: `signals[${idx}]` });
    const l = instrumentLoinc(inst);
    if (l) codes.push(loincCode(l.code, l.display, `signals[${idx}].metricValue`));
  }

  const pct = req.dmseLatencyPctChange;
  if (pct !== undefined) {
    const faster = pct <= -P.latency.meaningfulPct;
    const slower = pct >= P.latency.meaningfulPct;
    const tone: Tone = faster ? 'positive' : slower ? 'watch' : 'neutral';
    const agrees =
      responseTone === null
        ? 'no symptom response signal to compare with'
        : faster === (responseTone === 'positive')
          ? 'consistent with the symptom-scale signal'
          : 'not consistent with the symptom-scale signal';
    signals.push({
      module: 'medication',
      signalKey: 'med_dmse_latency',
      label: 'Digital MSE™ latency — objective corroboration',
      detail: `Response latency changed ${signed(pct)}% across visits (${faster ? 'faster' : slower ? 'slower' : `within ±${P.latency.meaningfulPct}%`}) — ${agrees}.`,
      tone,
      metricValue: pct,
      metricUnit: '%',
      confidence: responseTone === null ? 'low' : 'moderate',
      summaryLine: `Digital MSE™ response latency ${signed(pct)}% across visits, ${agrees}.`,
      sourceRef: null,
      observedAt: null,
      ...(req.sources?.dmseLatencyPctChange?.length ? { evidenceRefs: req.sources.dmseLatencyPctChange } : {}),
    });
  } else missing.push('dmseLatencyPctChange');

  for (const c of active) {
    const mon = c.ingredient?.monitoring;
    if (!mon) continue;
    const rx = c.current;
    const idx = signals.length;
    signals.push({
      module: 'medication',
      signalKey: uniqueKey(`med_monitoring_${slug(rx.medicationName)}`),
      label: `${rx.medicationName} — laboratory monitoring`,
      detail: `${rx.medicationName} is active — ${mon}`,
      tone: 'watch',
      metricValue: null,
      metricUnit: null,
      confidence: 'high',
      summaryLine: `${rx.medicationName} is active: ${mon}`,
      sourceRef: rx.id,
      observedAt: null,
    });
    const rxn = rxnormOfCourse(c);
    if (rxn) codes.push({ system: RXNORM, code: rxn.code, display: rxn.display, mapsTo: `signals[${idx}]` });
  }
  a.series.forEach((s, i) => {
    const l = instrumentLoinc(s);
    if (l) codes.push(loincCode(l.code, l.display, `measures[${i}]`));
  });

  let worst: Tone | null = null;
  for (const s of signals) if (worst === null || TONE_RANK[s.tone] > TONE_RANK[worst]) worst = s.tone;
  const status = worst ?? 'no_signals';
  const order = signals.map((s, i) => ({ s, i })).sort((x, y) => TONE_RANK[y.s.tone] - TONE_RANK[x.s.tone] || x.i - y.i);
  const flagged = order.filter(({ s }) => TONE_RANK[s.tone] >= TONE_RANK.watch).map(({ s }) => s.label);
  const top = order[0]?.s;
  const lead = safetyLead(safety);
  const base = top
    ? `${plural(signals.length, 'medication signal')} — ${top.summaryLine}`
    : active.length === 0
      ? 'No active prescriptions — no medication signals.'
      : scoredCourses === 0
        ? 'No active psychotropic prescriptions — no response signals (other medications are not scored as a treatment response).'
        : 'No medication signals — symptom scales do not bracket any active prescription start.';
  const headline = lead ? `${lead} ${base}` : base;
  const n = inst?.points.length ?? 0;
  const confidenceScore = blendConfidence(analyzable, Math.max(1, scoredCourses), historyDepth(n));
  const reasons = [
    `${analyzable} of ${plural(scoredCourses, 'active psychotropic course')} bracketed by ${inst ? inst.name : 'symptom-scale'} administrations`,
    inst ? `${inst.name} history covers ${plural(n, 'administration')}` : 'No symptom-scale history',
  ];
  if (notScored.length) reasons.push(`Not scored as a treatment response: ${notScored.join(', ')}`);
  const supplied = [req.prescriptions.length > 0, req.assessments.length > 0, pct !== undefined].filter(Boolean).length;
  const completeness = (supplied + (scoredCourses ? div(analyzable, scoredCourses) : 0)) / 4;

  const change = computeChange(req.previous, {
    score: null,
    status,
    higherIsWorse: true,
    statusRank: { positive: 0, neutral: 1, no_signals: 1, watch: 2, concern: 3, critical: 4 },
    inputs: [
      {
        key: 'dmseLatencyPctChange',
        current: pct,
        factor: 'latency corroboration signal',
        points: (v) => (v <= -P.latency.meaningfulPct ? -1 : v >= P.latency.meaningfulPct ? 1 : 0),
        style: 'quantity',
        pointsAreRisk: true,
        clearedPhrase: 'now neutral',
      },
    ],
  });
  const reasoning = [
    top ? `${plural(signals.length, 'medication signal')} computed; the most notable: ${top.detail}` : base,
    signals.length > 1 ? `Other signals: ${order.slice(1, 3).map(({ s }) => `${s.label} (${s.tone})`).join(', ')}.` : '',
    `Confidence is ${confidenceScore >= 0.75 ? 'high' : confidenceScore >= 0.45 ? 'moderate' : 'low'}: ${reasons[0]}.`,
    change ? `Compared with the previous result the status ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${change.previousStatus ?? 'unknown'} → ${status}).` : '',
  ];
  const activeOrders = new Set(active.map((c) => c.current));
  const inputs = [
    ...req.prescriptions.map((rx) => ({
      name: `prescription:${rx.medicationName}`,
      value: `${rx.status}${rx.dosage ? `, ${rx.dosage}` : ''}`,
      observedAt: toIso(toEpoch(rx.prescribedAt)),
      contributed: activeOrders.has(rx),
      sourceRef: rx.id,
    })),
    ...assessmentProvenance(a.series, usedKeys),
    { name: 'dmseLatencyPctChange', value: pct ?? null, observedAt: null, contributed: pct !== undefined },
  ];
  const intelligence = buildIntelligence({
    engine: 'medication',
    status,
    headline,
    flagged,
    requiresClinicianReview: worst === 'concern' || worst === 'critical',
    safety,
    confidenceScore,
    confidenceReasons: reasons,
    completeness,
    missingInputs: missing,
    inputs,
    staleCandidate: (name) => name.startsWith('assessments:'),
    staleAfterDays: P.staleAfterDays,
    codes,
    change,
    interpretationScale: {
      positive: 'Symptoms improved ≥25% since the medication started (partial response 25–49%, response ≥50%), or objective latency corroborates improvement.',
      neutral: 'No clear change yet, or too early to judge.',
      watch: 'No clear response after an adequate trial, or a monitoring requirement applies.',
      concern: 'Symptoms worsened by at least one clinically important change since the start or the last dose change — review.',
      critical: 'Reserved for safety-critical findings.',
      no_signals: 'No signal could be computed from the supplied data.',
    },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('medication.analysis', 'medication_response', req, intelligence), {
    safety,
    signalsPresent: signals.length,
    signals,
    measures: a.measures,
  });
}
