// Outcome Intelligence: fuses up to five sources into a signed treatment-response composite.
import type { EngineRequest, EngineResponse, TerminologyCode } from '../../contract/index.ts';
import { clamp, div, fmt, plural, round, signed } from '../common/util.ts';
import {
  blendConfidence,
  buildIntelligence,
  computeChange,
  confidenceLevel,
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
  episodeOf,
  importantChangeOf,
  instrumentLoinc,
  isoOf,
  primarySeries,
  readAssessments,
} from '../measures/index.ts';
import { OUTCOME_PARAMS as P, OUTCOME_SCALE } from './params.ts';

export { OUTCOME_PARAMS } from './params.ts';

type Req = EngineRequest<'outcome'>;
type Res = EngineResponse<'outcome'>;
type Component = Res['components'][number];

export function dmseContribution(pct: number): number {
  return clamp(-pct * P.dmse.pointsPerPct, -P.dmse.cap, P.dmse.cap);
}
export function medicationContribution(n: number): number {
  return n > 0 ? P.medication.activeCredit : 0;
}
export function biomarkerContribution(n: number): number {
  return Math.max(P.biomarker.floor, n * P.biomarker.pointsPerWatchItem);
}
export function sleepContribution(h: number): number {
  if (h >= P.sleep.healthy.min && h <= P.sleep.healthy.max) return P.sleep.healthy.points;
  if (h < P.sleep.poor.below || h > P.sleep.poor.above) return P.sleep.poor.points;
  return 0;
}

export function scoreOutcome(req: Req, ctx: { now: Date }): Res {
  const a = readAssessments(req.assessments);
  const safety = mergeSafety(a.safety, req.safety);
  const primary = primarySeries(a.series);
  const n = primary?.points.length ?? 0;
  const components: Component[] = [];
  // The symptom change that alone sets the direction: signed, in points, against the important change.
  let symptomDelta: number | null = null;
  let symptomMcid = 0;

  // Symptoms: the current episode's baseline → latest of the primary instrument.
  if (primary && n >= 2) {
    const ep = episodeOf(primary);
    const first = primary.points[ep.baseline]!;
    const last = primary.points[n - 1]!;
    const mcid = importantChangeOf(primary, last.maxScore);
    const delta = last.score - first.score;
    symptomDelta = delta;
    symptomMcid = mcid;
    const contribution = round(clamp(div(-delta, mcid) * P.symptoms.pointsPerImportantChange, -P.symptoms.cap, P.symptoms.cap), 1);
    const verb = delta < 0 ? 'improved' : delta > 0 ? 'worsened' : 'unchanged at';
    const span = ep.baseline > 0 ? `since the start of the current episode on ${isoOf(first).slice(0, 10)} (${n - ep.baseline} of ${n} administrations)` : `across ${n} administrations`;
    components.push({
      key: 'symptoms',
      label: 'Symptom scales',
      contribution,
      detail:
        `${primary.name} ${verb} ${delta === 0 ? fmt(last.score) : `${fmt(first.score)}→${fmt(last.score)}`} ${span}. ` +
        `${signed(contribution)} points (${P.symptoms.pointsPerImportantChange} per ${fmt(mcid)}-point important change, cap ±${P.symptoms.cap}).`,
      available: true,
    });
  } else {
    components.push({
      key: 'symptoms',
      label: 'Symptom scales',
      contribution: 0,
      detail: primary ? `${primary.name} has a single administration — no trajectory yet (0 points).` : 'Symptom scales not supplied (0 points).',
      available: false,
    });
  }
  const pct = req.dmseLatencyPctChange;
  if (pct !== undefined) {
    const c = round(dmseContribution(pct), 1);
    components.push({
      key: 'dmse',
      label: 'Digital MSE™ latency',
      contribution: c,
      detail: `Response latency changed ${signed(pct)}% across visits. ${signed(c)} points (${P.dmse.pointsPerPct} per % faster, cap ±${P.dmse.cap}).`,
      available: true,
    });
  } else components.push({ key: 'dmse', label: 'Digital MSE™ latency', contribution: 0, detail: 'Digital MSE latency change not supplied (0 points).', available: false });
  const meds = req.activeMedications;
  components.push(
    meds > 0
      ? {
          key: 'medication',
          label: 'Medication',
          contribution: medicationContribution(meds),
          detail: `${plural(meds, 'active medication')} — treatment in place. +${P.medication.activeCredit} points (engagement credit, independent of count).`,
          available: true,
        }
      : { key: 'medication', label: 'Medication', contribution: 0, detail: 'No active medication count supplied (0 or not supplied; 0 points).', available: false },
  );
  const watch = req.biomarkerWatchCount;
  components.push(
    watch > 0
      ? {
          key: 'biomarker',
          label: 'Biomarker watch-items',
          contribution: biomarkerContribution(watch),
          detail: `${plural(watch, 'flagged biomarker watch-item')} — possible medical contributors. ${signed(biomarkerContribution(watch))} points (${P.biomarker.pointsPerWatchItem} each, floor ${P.biomarker.floor}).`,
          available: true,
        }
      : { key: 'biomarker', label: 'Biomarker watch-items', contribution: 0, detail: 'No biomarker watch-items supplied (0 or not supplied; 0 points).', available: false },
  );
  const h = req.avgSleepHours;
  if (h !== undefined) {
    const c = sleepContribution(h);
    components.push({
      key: 'sleep',
      label: 'Sleep (wearable)',
      contribution: c,
      detail: `Averaging ${fmt(h)}h/night. ${signed(c)} points (7–9 h: +${P.sleep.healthy.points}; <6 h or >10 h: ${P.sleep.poor.points}).`,
      available: true,
    });
  } else components.push({ key: 'sleep', label: 'Sleep (wearable)', contribution: 0, detail: 'Average sleep hours not supplied (0 points).', available: false });

  const raw = components.reduce((s, c) => s + c.contribution, 0);
  const score = Math.round(clamp(raw, -100, 100));
  // Direction comes from the symptoms alone: "improving" needs an improvement of at least the
  // important change (PHQ-9 5 points, Löwe 2004). Other sources change confidence, not direction.
  const direction: Res['direction'] =
    symptomDelta === null ? 'insufficient_data' : symptomDelta <= -symptomMcid ? 'improving' : symptomDelta >= symptomMcid ? 'worsening' : 'stable';
  const sign = direction === 'improving' ? 1 : direction === 'worsening' ? -1 : Math.sign(score);
  const sourceCount = components.filter((c) => c.available).length;
  const nonzero = components.filter((c) => c.available && c.contribution !== 0);
  const agreeing = nonzero.filter((c) => Math.sign(c.contribution) === sign).length;
  const agreement = nonzero.length ? div(agreeing, nonzero.length) : 0;
  // Confidence: coverage and history depth as everywhere, plus agreement between sources.
  const confidenceScore = round(0.8 * blendConfidence(sourceCount, 5, historyDepth(n)) + 0.2 * agreement, 2);
  const level = confidenceLevel(confidenceScore);
  const reasons = [
    `${sourceCount} of 5 sources available`,
    primary ? `${primary.name} history covers ${plural(n, 'administration')}` : 'No symptom-scale history',
    `${agreeing} of ${nonzero.length} contributing sources agree with the overall direction`,
  ];
  const held =
    direction === 'stable' && Math.abs(score) >= P.improvingAt
      ? ` The symptom change (${signed(symptomDelta ?? 0)}) is below the ${fmt(symptomMcid)}-point important change, so the other sources do not set the direction.`
      : '';
  const summaryLine =
    direction === 'insufficient_data'
      ? `Treatment response cannot be read yet (composite ${signed(score, 0)}) — fewer than two symptom-scale administrations; ${plural(sourceCount, 'data source')}.`
      : `Treatment response is ${direction} (composite ${signed(score, 0)}) across ${sourceCount} independent data source${sourceCount === 1 ? '' : 's'}.${held}`;
  const lead = safetyLead(safety);
  const flagged = components
    .filter((c) => c.available && c.contribution < 0)
    .sort((x, y) => x.contribution - y.contribution)
    .map((c) => c.label);
  const missing = components.filter((c) => !c.available).map((c) => ({ symptoms: 'assessments', dmse: 'dmseLatencyPctChange', medication: 'activeMedications', biomarker: 'biomarkerWatchCount', sleep: 'avgSleepHours' })[c.key]);

  const codes: TerminologyCode[] = [engineCode('outcome_score', 'Tidemark treatment-response composite', 'score')];
  if (primary) {
    const l = instrumentLoinc(primary);
    if (l) codes.push(loincCode(l.code, l.display, 'components[0]'));
  }
  if (h !== undefined) codes.push(loincCode('93832-4', 'Sleep duration', 'components[4]'));
  a.series.forEach((s, i) => {
    const l = instrumentLoinc(s);
    if (l) codes.push(loincCode(l.code, l.display, `measures[${i}]`));
  });

  const changeInputs: ChangeInput[] = [
    { key: 'avgSleepHours', current: h, factor: 'sleep component', points: sleepContribution, style: 'quality', pointsAreRisk: false, clearedPhrase: 'now neutral' },
    { key: 'dmseLatencyPctChange', current: pct, factor: 'Digital MSE component', points: dmseContribution, style: 'quantity', pointsAreRisk: false, clearedPhrase: 'now neutral' },
    { key: 'activeMedications', current: meds, factor: 'medication component', points: medicationContribution, style: 'quantity', pointsAreRisk: false, clearedPhrase: 'now neutral' },
    { key: 'biomarkerWatchCount', current: watch, factor: 'biomarker component', points: biomarkerContribution, style: 'quantity', pointsAreRisk: false, clearedPhrase: 'now neutral' },
  ];
  const change = computeChange(req.previous, {
    score,
    status: direction,
    higherIsWorse: false,
    statusRank: { improving: 0, stable: 1, worsening: 2 },
    inputs: changeInputs,
  });
  const top = [...nonzero].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution)).slice(0, 2);
  const reasoning = [
    direction === 'insufficient_data'
      ? `The composite is ${signed(score, 0)}, but no symptom trajectory is available yet.`
      : `The treatment-response composite is ${signed(score, 0)}, read as ${direction}.`,
    top.length ? `The largest contributions are ${top.map((c) => `${c.label.toLowerCase()} (${signed(c.contribution)})`).join(' and ')}.` : 'No source moves the composite.',
    `Confidence is ${level} with ${sourceCount} of 5 sources available${missing.length ? `; not supplied: ${missing.join(', ')}` : ''}.`,
    change && change.delta !== null ? `Compared with the previous result the composite ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${signed(change.delta)}).` : '',
  ];
  const inputs = [
    ...assessmentProvenance(a.series, new Set(primary && n >= 2 ? [primary.key] : [])),
    scalarInput(req, 'dmseLatencyPctChange', pct ?? null, pct !== undefined),
    scalarInput(req, 'activeMedications', meds, meds > 0),
    scalarInput(req, 'biomarkerWatchCount', watch, watch > 0),
    scalarInput(req, 'avgSleepHours', h ?? null, h !== undefined),
  ];
  const intelligence = buildIntelligence({
    engine: 'outcome',
    status: direction,
    headline: lead ? `${lead} ${summaryLine}` : summaryLine,
    flagged,
    requiresClinicianReview: direction === 'worsening',
    safety,
    confidenceScore,
    confidenceReasons: reasons,
    completeness: div(sourceCount, 5),
    missingInputs: missing,
    inputs,
    staleAfterDays: P.staleAfterDays,
    codes,
    change,
    interpretationScale: { ...OUTCOME_SCALE },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('outcome.score', 'outcome_score', req, intelligence), {
    safety,
    score,
    direction,
    confidence: level,
    components,
    summaryLine,
    sourceCount,
    measures: a.measures,
  });
}
