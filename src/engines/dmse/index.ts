// Digital MSE: timing telemetry → four mental-status-exam signals with personal baseline and trend.
// Timing telemetry is not a clinical finding: its codes are our own (no SNOMED finding is claimed).
import type { DmseSignal, EngineRequest, EngineResponse, TerminologyCode } from '../../contract/index.ts';
import { clamp, div, fmt, plural, round } from '../common/util.ts';
import { FINDING_CODES } from '../../clinical/index.ts';
import {
  buildIntelligence,
  computeChange,
  confidenceLevel,
  engineCode,
  mergeSafety,
  responseHead,
  safetyLead,
  type ChangeInput,
} from '../intelligence/index.ts';
import { DMSE_PARAMS as P, DMSE_SCALE, DMSE_SIGNALS, FLAG_ORDER, type SignalKey, type SignalParams } from './params.ts';

export { DMSE_PARAMS, DMSE_SIGNALS } from './params.ts';

type Req = EngineRequest<'dmse'>;
type Res = EngineResponse<'dmse'>;
type Interp = 'within_normal' | 'subclinical' | 'clinical_attention';
const RANK: Record<Interp, number> = { within_normal: 0, subclinical: 1, clinical_attention: 2 };

export function interpret(key: SignalKey, v: number): Interp {
  switch (key) {
    case 'response_latency':
      return v >= P.latency.clinicalAt ? 'clinical_attention' : v >= P.latency.subclinicalAt ? 'subclinical' : 'within_normal';
    case 'speech_rate':
      return v < P.speech.clinicalBelow || v > P.speech.clinicalAbove
        ? 'clinical_attention'
        : v < P.speech.typicalMin || v > P.speech.typicalMax
          ? 'subclinical'
          : 'within_normal';
    case 'psychomotor':
      return v >= P.psychomotor.clinicalAt ? 'clinical_attention' : v >= P.psychomotor.subclinicalAt ? 'subclinical' : 'within_normal';
    case 'sustained_attention':
      return v < P.attention.clinicalBelow ? 'clinical_attention' : v < P.attention.subclinicalBelow ? 'subclinical' : 'within_normal';
  }
}

/** Fidget episodes per minute of session; without a usable session length, per a 10-minute session. */
export function fidgetRate(episodes: number, sessionSeconds: number | undefined): { rate: number; minutes: number; assumed: boolean } {
  const { referenceSessionMinutes, minSessionSeconds } = P.psychomotor;
  const known = sessionSeconds !== undefined && sessionSeconds >= minSessionSeconds;
  const minutes = known ? sessionSeconds / 60 : referenceSessionMinutes;
  return { rate: div(episodes, minutes), minutes, assumed: !known };
}

/** The value a signal is read on: the metric itself, or the fidget rate for psychomotor activity. */
function measured(key: SignalKey, v: number, session: number | undefined): number {
  return key === 'psychomotor' ? fidgetRate(v, session).rate : v;
}

function texts(key: SignalKey, v: number, i: Interp, session?: number): { detail: string; mse: string } {
  const degree = i === 'clinical_attention' ? 'Markedly' : 'Mildly';
  const abnormal = i !== 'within_normal';
  switch (key) {
    case 'response_latency':
      return abnormal
        ? { detail: `${degree} delayed response latency (avg ${fmt(v, 2)}s).`, mse: `Speech: increased response latency (avg ~${fmt(v, 2)}s).` }
        : { detail: `Response latency within typical range (avg ${fmt(v, 2)}s).`, mse: `Speech: response latency within typical range (avg ~${fmt(v, 2)}s).` };
    case 'speech_rate': {
      const slow = v < P.speech.typicalMin;
      return abnormal
        ? { detail: `${degree} ${slow ? 'slowed' : 'rapid'} speech rate (${fmt(v, 0)} wpm).`, mse: `Speech: ${slow ? 'slowed' : 'rapid'} rate (~${fmt(v, 0)} wpm).` }
        : { detail: `Speech rate within typical range (${fmt(v, 0)} wpm).`, mse: `Speech: rate within typical range (~${fmt(v, 0)} wpm).` };
    }
    case 'psychomotor': {
      const ep = `${fmt(v, 0)} fidget episode${round(v, 0) === 1 ? '' : 's'}`;
      const r = fidgetRate(v, session);
      const per = `${ep} in ${r.assumed ? 'a session of unknown length, read as 10 minutes' : `${fmt(r.minutes, 1)} min`}: ${fmt(r.rate, 2)}/min`;
      return i === 'clinical_attention'
        ? { detail: `Marked motor restlessness (${per}).`, mse: `Psychomotor: psychomotor agitation (${ep} during session).` }
        : i === 'subclinical'
          ? { detail: `Mild motor restlessness (${per}).`, mse: `Psychomotor: mild restlessness (${ep} during session).` }
          : { detail: `No notable motor restlessness (${per}).`, mse: `Psychomotor: no notable restlessness (${ep} during session).` };
    }
    case 'sustained_attention':
      return abnormal
        ? { detail: `${degree} reduced sustained attention (on-screen ${fmt(v, 0)}% of session).`, mse: `Attention: reduced sustained attention (gaze on-screen ${fmt(v, 0)}% of session).` }
        : { detail: `Sustained attention within typical range (on-screen ${fmt(v, 0)}% of session).`, mse: `Attention: sustained attention within typical range (gaze on-screen ${fmt(v, 0)}% of session).` };
  }
}

/** Personal baseline: mean, sample SD (n−1) and n of the history values. */
export function baselineOf(history: readonly number[] | undefined): { mean: number; sd: number; n: number } | null {
  if (!history || history.length === 0) return null;
  // Indexed loops: for-of here ran through the generic array iterator (boxing each double; ~200 KiB
  // of garbage per request with 4 × 500 history values, measured with the sampling heap profiler).
  let sum = 0;
  for (let i = 0; i < history.length; i++) sum += history[i]!;
  const mean = div(sum, history.length);
  let ss = 0;
  for (let i = 0; i < history.length; i++) ss += (history[i]! - mean) ** 2;
  const sd = history.length > 1 ? Math.sqrt(div(ss, history.length - 1)) : 0;
  return { mean: round(mean, 2), sd: round(sd, 2), n: history.length };
}

export function trendOf(current: number, b: { mean: number; sd: number }): 'up' | 'down' | 'flat' {
  const threshold = Math.max(P.trendSd * b.sd, P.trendRelative * Math.abs(b.mean), 1e-9);
  const d = current - b.mean;
  return d >= threshold ? 'up' : d <= -threshold ? 'down' : 'flat';
}

export function analyzeDmse(req: Req, ctx: { now: Date }): Res {
  const session = req.sessionDurationSeconds;
  const sessionFactor =
    session === undefined ? P.unknownSessionFactor : clamp(div(session, P.fullConfidenceSessionSeconds), 0, 1);
  const signals: DmseSignal[] = [];
  const interps = new Map<SignalKey, Interp>();
  let supplied = 0;
  for (const sp of DMSE_SIGNALS) {
    const v = req[sp.field];
    const base = baselineOf(req.history?.[sp.key]);
    if (v === undefined) {
      signals.push({
        signalKey: sp.key,
        label: sp.label,
        present: false,
        metricValue: null,
        metricUnit: sp.unit,
        interpretation: null,
        referenceRange: sp.referenceRange,
        detail: `${sp.label} not supplied.`,
        confidence: 'low',
        trendDir: null,
        mseLine: null,
        baseline: base,
      });
      continue;
    }
    supplied++;
    const m = measured(sp.key, v, session);
    const i = interpret(sp.key, m);
    interps.set(sp.key, i);
    const t = texts(sp.key, v, i, session);
    const conf =
      session === undefined
        ? (base?.n ?? 0) >= P.historyForHighConfidence
          ? 'high'
          : 'moderate'
        : session >= P.fullConfidenceSessionSeconds
          ? 'high'
          : session >= P.lowConfidenceSessionSeconds
            ? 'moderate'
            : 'low';
    signals.push({
      signalKey: sp.key,
      label: sp.label,
      present: i !== 'within_normal',
      metricValue: sp.key === 'psychomotor' ? round(m, 2) : v,
      metricUnit: sp.unit,
      interpretation: i,
      referenceRange: sp.referenceRange,
      // History holds per-session values (episodes per session for psychomotor activity), as documented.
      detail: base
        ? `${t.detail} Personal baseline ${fmt(base.mean, 2)}${sp.unit === '%' ? '%' : sp.key === 'psychomotor' ? ' episodes per session' : ` ${sp.unit}`} (SD ${fmt(base.sd, 2)}, n ${base.n}).`
        : t.detail,
      confidence: conf,
      trendDir: base ? trendOf(v, base) : null,
      mseLine: t.mse,
      baseline: base,
    });
  }
  const present = signals.filter((s) => s.present);
  const worst = present.reduce<Interp>((w, s) => (RANK[s.interpretation!] > RANK[w] ? s.interpretation! : w), 'within_normal');
  const status: Interp = worst;
  const flaggedSignals = [...present].sort(
    (x, y) => RANK[y.interpretation!] - RANK[x.interpretation!] || FLAG_ORDER.indexOf(x.signalKey) - FLAG_ORDER.indexOf(y.signalKey),
  );
  const flagged = flaggedSignals.map((s) => s.label);
  const confidenceScore = round(P.coverageWeight * div(supplied, DMSE_SIGNALS.length) + P.sessionWeight * sessionFactor, 2);
  const level = confidenceLevel(confidenceScore);
  const headline = present.length
    ? `${present.length} of ${supplied} signals outside typical range — ${flagged.join(', ')} (${level} confidence).`
    : `0 of ${supplied} signals outside typical range (${level} confidence).`;
  const requiresClinicianReview = status === 'clinical_attention';
  const missing = DMSE_SIGNALS.filter((sp) => req[sp.field] === undefined).map((sp) => sp.field as string);
  if (session === undefined) missing.push('sessionDurationSeconds');
  const reasons = [
    `${supplied} of ${DMSE_SIGNALS.length} metrics supplied`,
    session === undefined ? 'Session length not supplied' : `Session length ${fmt(session, 0)} s (full confidence from ${P.fullConfidenceSessionSeconds} s)`,
  ];
  const withHistory = signals.filter((s) => s.baseline).length;
  if (withHistory) reasons.push(`Personal baseline available for ${plural(withHistory, 'signal')}`);
  // Timing telemetry is labelled with our own codes, never with a SNOMED clinical finding
  // (47295007 "psychomotor agitation" is a clinician's judgement, not a fidget count).
  const codes: TerminologyCode[] = [engineCode('dmse_signals', 'Tidemark Digital MSE signal status', 'summary.status')];
  const psyIdx = signals.findIndex((s) => s.signalKey === 'psychomotor');
  if (psyIdx >= 0 && signals[psyIdx]!.metricValue !== null)
    codes.push(engineCode(FINDING_CODES.dmsePsychomotorRate.code, FINDING_CODES.dmsePsychomotorRate.display, `signals[${psyIdx}].metricValue`));

  const changeInputs: ChangeInput[] = DMSE_SIGNALS.map((sp: SignalParams) => ({
    key: sp.field,
    current: req[sp.field],
    factor: `${sp.label.toLowerCase()} signal`,
    points: (v: number) => RANK[interpret(sp.key, measured(sp.key, v, session))],
    style: 'quantity' as const,
    pointsAreRisk: true,
    clearedPhrase: 'back within typical range',
  }));
  const change = computeChange(req.previous, {
    score: present.length,
    status,
    higherIsWorse: true,
    statusRank: { ...RANK },
    inputs: changeInputs,
  });
  const lead = flaggedSignals[0];
  const leadParams = lead ? DMSE_SIGNALS.find((s) => s.key === lead.signalKey) : undefined;
  const reasoning = [
    present.length
      ? `Current findings show ${present.length} of ${supplied} supplied signals outside the typical range, so the session is rated ${status.replace('_', ' ')}.`
      : `All ${supplied} supplied signals are within the typical range.`,
    lead && leadParams ? `${lead.label} measured ${fmt(lead.metricValue ?? 0, 2)} ${lead.metricUnit} against the reference ${leadParams.referenceRange}.` : '',
    `Confidence is ${level} with ${supplied} of ${DMSE_SIGNALS.length} metrics${session === undefined ? ' and no session length' : ` over a ${fmt(session, 0)}-second session`}.`,
    change && change.delta !== null ? `Compared with the previous result the number of signals outside range ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${change.delta > 0 ? '+' : ''}${change.delta}).` : '',
  ];
  const inputs: { name: string; value: number | null; observedAt: null; contributed: boolean }[] = DMSE_SIGNALS.map((sp) => ({ name: sp.field as string, value: req[sp.field] ?? null, observedAt: null, contributed: req[sp.field] !== undefined }));
  inputs.push({ name: 'sessionDurationSeconds', value: session ?? null, observedAt: null, contributed: session !== undefined });
  for (const sp of DMSE_SIGNALS) {
    const h = req.history?.[sp.key];
    if (h && h.length) inputs.push({ name: `history.${sp.key}`, value: h.length, observedAt: null, contributed: req[sp.field] !== undefined });
  }
  const safety = mergeSafety([], req.safety);
  const advice = safetyLead(safety);
  const summary = { status, headline: advice ? `${advice} ${headline}` : headline, flagged, requiresClinicianReview };
  const intelligence = buildIntelligence({
    engine: 'dmse',
    ...summary,
    safety,
    confidenceScore,
    confidenceReasons: reasons,
    completeness: div(supplied + (session === undefined ? 0 : 1), DMSE_SIGNALS.length + 1),
    missingInputs: missing,
    inputs,
    staleAfterDays: 365,
    codes,
    change,
    interpretationScale: { ...DMSE_SCALE },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('dmse.analysis', 'dmse_signals', req, intelligence), {
    safety,
    summary: intelligence.summary,
    signalsPresent: present.length,
    overallConfidence: level,
    signals,
    mseNarrative: signals.flatMap((s) => (s.mseLine ? [s.mseLine] : [])),
    interpretationScale: { ...DMSE_SCALE },
  });
}
