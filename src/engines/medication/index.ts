// Medication Intelligence: before/after symptom comparison per active prescription,
// objective Digital MSE corroboration, and monitoring reminders.
import type { EngineRequest, EngineResponse, ModuleSignal, Prescription, TerminologyCode } from '../../contract/index.ts';
import { DAY_MS, div, fmt, isoDay, norm, plural, signed, slug, toEpoch, toIso } from '../common/util.ts';
import {
  RXNORM,
  blendConfidence,
  buildIntelligence,
  computeChange,
  engineCode,
  historyDepth,
  loincCode,
  responseHead,
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
import { MEDICATION_PARAMS as P, MONITORED_DRUGS, RXNORM_INGREDIENTS } from './params.ts';

export { MEDICATION_PARAMS } from './params.ts';

type Req = EngineRequest<'medication'>;
type Res = EngineResponse<'medication'>;
type Tone = ModuleSignal['tone'];

export const TONE_RANK: Record<Tone, number> = { critical: 4, concern: 3, watch: 2, positive: 1, neutral: 0 };

export function rxnormOf(rx: Pick<Prescription, 'medicationName' | 'rxnorm'>): { code: string; display: string } | null {
  const n = norm(rx.medicationName);
  for (const [name, code] of RXNORM_INGREDIENTS) {
    if (n.includes(name)) return { code: rx.rxnorm ?? code, display: name === 'valproicacid' ? 'valproic acid' : name };
  }
  return rx.rxnorm ? { code: rx.rxnorm, display: rx.medicationName } : null;
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

interface DrugInfo {
  slug: string;
  /** Same-drug key across prescriptions (see drugKey). */
  key: string;
  rxnorm: { code: string; display: string } | null;
  monitoring: string | null;
}

/** Name-derived facts of a prescription, memoised per request (names repeat across refills). */
function drugInfo(cache: Map<string, DrugInfo>, rx: Prescription): DrugInfo {
  const k = `${rx.medicationName}\u0000${rx.rxnorm ?? ''}`;
  let d = cache.get(k);
  if (!d) {
    const n = norm(rx.medicationName);
    d = {
      slug: slug(rx.medicationName),
      key: drugKey(rx),
      rxnorm: rxnormOf(rx),
      monitoring: MONITORED_DRUGS.find(([name]) => n.includes(name))?.[1] ?? null,
    };
    cache.set(k, d);
  }
  return d;
}

/** Same drug across prescriptions: the RxNorm ingredient when known, else the normalised name. */
function drugKey(rx: Pick<Prescription, 'medicationName' | 'rxnorm'>): string {
  const n = norm(rx.medicationName);
  for (const [name, code] of RXNORM_INGREDIENTS) if (n.includes(name)) return `rx:${code}`;
  return rx.rxnorm ? `rx:${rx.rxnorm}` : `name:${n}`;
}

/** Drugs prescribed more than once with different start dates (a restart or a dose change). */
function restartedDrugs(list: readonly Prescription[], starts: ReadonlyMap<Prescription, number | null>, cache: Map<string, DrugInfo>): Set<string> {
  const first = new Map<string, number>();
  const out = new Set<string>();
  for (const rx of list) {
    const t = starts.get(rx) ?? null;
    if (t === null) continue;
    const k = drugInfo(cache, rx).key;
    const seen = first.get(k);
    if (seen === undefined) first.set(k, t);
    else if (seen !== t) out.add(k);
  }
  return out;
}

/** UTC calendar day of a start: the string's own date when it is UTC or date-only (cheap), else computed. */
function startDay(text: string | undefined, epoch: number): string {
  if (text && (text.length === 10 || text.endsWith('Z')) && text.charCodeAt(4) === 45) return text.slice(0, 10);
  return isoDay(epoch);
}

const DOSE = /^\s*(\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|ml|mmol|iu|units?)(?:\s*\/\s*(?:day|d|ml))?)(?![a-z])/i;

/** The strength at the start of a dosage text ("10 mg by mouth once daily" → "10 mg"), else the text as given. */
export function doseOf(dosage: string | undefined): string {
  if (!dosage) return '';
  const m = DOSE.exec(dosage);
  return m ? m[1]!.trim() : dosage.trim();
}

export function isActive(rx: Prescription, nowMs: number): boolean {
  if (!(P.activeStatuses as readonly string[]).includes(rx.status.trim().toLowerCase())) return false;
  const stopped = toEpoch(rx.stoppedAt);
  return stopped === null || stopped > nowMs;
}

export function analyzeMedication(req: Req, ctx: { now: Date }): Res {
  const nowMs = ctx.now.getTime();
  const a = readAssessments(req.assessments);
  const inst = mostCoveredSeries(a.series);
  const signals: ModuleSignal[] = [];
  const codes: TerminologyCode[] = [engineCode('medication_response', 'Tidemark medication response signals', 'signals')];
  const missing: string[] = [];
  const active = req.prescriptions.filter((rx) => isActive(rx, nowMs));
  const usedKeys = new Set<string>();
  const seenKeys = new Map<string, number>();
  const uniqueKey = (k: string) => {
    const c = (seenKeys.get(k) ?? 0) + 1;
    seenKeys.set(k, c);
    return c === 1 ? k : `${k}_${c}`;
  };
  const drugs = new Map<string, DrugInfo>();
  let analyzable = 0;
  let responseTone: Tone | null = null;

  if (req.assessments.length === 0) missing.push('assessments');
  const starts = new Map<Prescription, number | null>();
  for (const rx of req.prescriptions) starts.set(rx, toEpoch(rx.prescribedAt));
  const restarts = restartedDrugs(req.prescriptions, starts, drugs);
  for (const rx of active) {
    const start = starts.get(rx) ?? null;
    if (start === null) {
      missing.push(`prescribedAt (${rx.medicationName})`);
      continue;
    }
    if (!inst) continue;
    const pts = inst.points;
    const bi = lastAtOrBefore(pts, start);
    const before = bi >= 0 ? pts[bi]! : null;
    const after = bi + 1 < pts.length ? pts[pts.length - 1]! : null;
    if (!before) missing.push(`${inst.name} before ${rx.medicationName} started`);
    if (!after) missing.push(`${inst.name} after ${rx.medicationName} started`);
    if (!before || !after) continue;
    analyzable++;
    usedKeys.add(inst.key);
    const nPoints = bi + 1 + (pts.length - bi - 1);
    const delta = after.score - before.score;
    const minBase = P.percentBaseline[inst.key] ?? P.genericPercentBaselineFraction * after.maxScore;
    const pct = before.score >= minBase && before.score > 0 ? div(Math.abs(delta), before.score) * 100 : null;
    const pointsText = `by ${plural(Number(fmt(Math.abs(delta))), 'point')}, ${fmt(before.score)}→${fmt(after.score)}`;
    const mcid = importantChangeOf(inst, after.maxScore);
    const days = Math.max(0, Math.round((after.epoch - start) / DAY_MS));
    const dose = doseOf(rx.dosage);
    const display = `${rx.medicationName}${dose ? ` ${dose}` : ''}`;
    // A restart or dose change of the same drug: say which start the comparison is anchored on.
    const since = `since ${display} started${restarts.has(drugInfo(drugs, rx).key) ? ` on ${startDay(rx.prescribedAt, start)}` : ''}`;
    let tone: Tone;
    let detail: string;
    let summaryLine: string;
    if (delta < 0) {
      // Tone as before: partial response is a ≥25% drop. Only the wording switches to points below the mild threshold.
      const rel = before.score > 0 ? div(-delta, before.score) * 100 : 0;
      tone = rel >= P.positiveReductionPct ? 'positive' : days >= P.adequateTrialDays ? 'watch' : 'neutral';
      if (pct !== null) {
        const pctText = `${fmt(pct, 0)}% reduction`;
        detail = `${inst.name} improved ${fmt(before.score)}→${fmt(after.score)} (${pctText}) ${since}.`;
        summaryLine = `On ${display}, ${inst.name} improved from ${fmt(before.score)} to ${fmt(after.score)} (${pctText}).`;
      } else {
        detail = `${inst.name} improved ${pointsText}, ${since}.`;
        summaryLine = `On ${display}, ${inst.name} improved by ${plural(Number(fmt(-delta)), 'point')} (${fmt(before.score)} to ${fmt(after.score)}).`;
      }
      if (tone === 'watch') detail += ` Below the ${P.positiveReductionPct}% partial-response threshold after ${days} days.`;
    } else if (delta >= P.worseningInImportantChanges * mcid) {
      tone = 'concern';
      detail = `${inst.name} worsened ${pointsText}, ${since} — at least one clinically important change (${fmt(mcid)} points).`;
      summaryLine = `On ${display}, ${inst.name} worsened by ${plural(Number(fmt(delta)), 'point')} (${fmt(before.score)} to ${fmt(after.score)}).`;
    } else {
      tone = days >= P.adequateTrialDays ? 'watch' : 'neutral';
      detail =
        `${inst.name} ${delta === 0 ? `unchanged at ${fmt(after.score)}` : `rose ${pointsText},`} ${since}` +
        (tone === 'watch' ? ` — no clear response after ${days} days (adequate trial ${P.adequateTrialDays} days).` : ` — ${days} days in, too early to judge response.`);
      summaryLine = `On ${display}, ${inst.name} shows no clear change (${fmt(before.score)} to ${fmt(after.score)}).`;
    }
    if (responseTone === null || TONE_RANK[tone] > TONE_RANK[responseTone]) responseTone = tone;
    const idx = signals.length;
    signals.push({
      module: 'medication',
      signalKey: uniqueKey(`med_response_${drugInfo(drugs, rx).slug}`),
      label: `${rx.medicationName} — symptom response`,
      detail,
      tone,
      metricValue: after.score,
      metricUnit: 'score',
      confidence: nPoints >= P.highConfidencePoints ? 'high' : 'moderate',
      summaryLine,
      sourceRef: rx.id,
      observedAt: isoOf(after),
    });
    const rxn = drugInfo(drugs, rx).rxnorm;
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
    });
  } else missing.push('dmseLatencyPctChange');

  for (const rx of active) {
    const info = drugInfo(drugs, rx);
    const mon = info.monitoring;
    if (!mon) continue;
    const idx = signals.length;
    signals.push({
      module: 'medication',
      signalKey: uniqueKey(`med_monitoring_${info.slug}`),
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
    if (info.rxnorm) codes.push({ system: RXNORM, code: info.rxnorm.code, display: info.rxnorm.display, mapsTo: `signals[${idx}]` });
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
  const headline = top
    ? `${plural(signals.length, 'medication signal')} — ${top.summaryLine}`
    : active.length === 0
      ? 'No active prescriptions — no medication signals.'
      : 'No medication signals — symptom scales do not bracket any active prescription start.';
  const n = inst?.points.length ?? 0;
  const confidenceScore = blendConfidence(analyzable, Math.max(1, active.length), historyDepth(n));
  const reasons = [
    `${analyzable} of ${plural(active.length, 'active prescription')} bracketed by ${inst ? inst.name : 'symptom-scale'} administrations`,
    inst ? `${inst.name} history covers ${plural(n, 'administration')}` : 'No symptom-scale history',
  ];
  const supplied = [req.prescriptions.length > 0, req.assessments.length > 0, pct !== undefined].filter(Boolean).length;
  const completeness = (supplied + (active.length ? div(analyzable, active.length) : 0)) / 4;

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
    top ? `${plural(signals.length, 'medication signal')} computed; the most notable: ${top.detail}` : headline,
    signals.length > 1 ? `Other signals: ${order.slice(1, 3).map(({ s }) => `${s.label} (${s.tone})`).join(', ')}.` : '',
    `Confidence is ${confidenceScore >= 0.75 ? 'high' : confidenceScore >= 0.45 ? 'moderate' : 'low'}: ${reasons[0]}.`,
    change ? `Compared with the previous result the status ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${change.previousStatus ?? 'unknown'} → ${status}).` : '',
  ];
  const activeSet = new Set(active);
  const inputs = [
    ...req.prescriptions.map((rx) => ({
      name: `prescription:${rx.medicationName}`,
      value: `${rx.status}${rx.dosage ? `, ${rx.dosage}` : ''}`,
      observedAt: toIso(toEpoch(rx.prescribedAt)),
      contributed: activeSet.has(rx),
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
    safety: a.safety,
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
      positive: 'Symptoms improved ≥25% since the medication started, or objective latency corroborates improvement.',
      neutral: 'No clear change yet, or too early to judge.',
      watch: 'No clear response after an adequate trial, or a monitoring requirement applies.',
      concern: 'Symptoms worsened by at least one clinically important change since the start — review.',
      critical: 'Reserved for safety-critical findings.',
      no_signals: 'No signal could be computed from the supplied data.',
    },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('medication.analysis', 'medication_response', req, intelligence), {
    safety: a.safety,
    signalsPresent: signals.length,
    signals,
    measures: a.measures,
  });
}
