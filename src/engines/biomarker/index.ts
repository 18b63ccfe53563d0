// Biomarker Intelligence: abnormal labs mapped to their psychiatric relevance.
import type { Biomarker, EngineRequest, EngineResponse, ModuleSignal, TerminologyCode } from '../../contract/index.ts';
import { div, fmt, norm, plural, slug, toEpoch, toIso } from '../common/util.ts';
import {
  blendConfidence,
  buildIntelligence,
  computeChange,
  engineCode,
  loincCode,
  responseHead,
} from '../intelligence/index.ts';
import { ANALYTES, BIOMARKER_PARAMS as P, type Analyte } from './params.ts';

export { ANALYTES, BIOMARKER_PARAMS } from './params.ts';

type Req = EngineRequest<'biomarker'>;
type Res = EngineResponse<'biomarker'>;
type Tone = ModuleSignal['tone'];
type Flag = 'high' | 'low' | 'critical' | 'normal';

const BY_LOINC = new Map<string, Analyte>();
const BY_NAME = new Map<string, Analyte>();
for (const a of ANALYTES) {
  for (const c of a.loinc) BY_LOINC.set(c, a);
  for (const n of a.names) BY_NAME.set(n, a);
  BY_NAME.set(norm(a.label), a);
}

/** Recognises an analyte by LOINC first (never depends on a display name), then by name. */
export function matchAnalyte(b: Pick<Biomarker, 'name' | 'loinc'>): Analyte | null {
  if (b.loinc) {
    const a = BY_LOINC.get(b.loinc.trim());
    if (a) return a;
  }
  return BY_NAME.get(norm(b.name)) ?? null;
}

const NUM = /^\s*-?\d+(\.\d+)?\s*$/;
export function numericValue(v: Biomarker['value']): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && NUM.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const RANGE = /(-?\d+(?:\.\d+)?)\s*(?:-|–|—|to)\s*(-?\d+(?:\.\d+)?)/;
const BOUND = /^\s*(<|>|≤|≥|<=|>=)\s*(-?\d+(?:\.\d+)?)/;
/** Parses "0.4-4.0", "0.4 – 4.0", "<5", ">=30" into bounds. */
export function parseRange(r: string | undefined): { lo: number | null; hi: number | null } | null {
  if (!r) return null;
  const m = RANGE.exec(r);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi) return { lo, hi };
  }
  const b = BOUND.exec(r);
  if (b) {
    const v = Number(b[2]);
    if (!Number.isFinite(v)) return null;
    return b[1]!.startsWith('<') || b[1] === '≤' ? { lo: null, hi: v } : { lo: v, hi: null };
  }
  return null;
}

/** The lab's flag, or one derived from the reference range when the flag is missing. */
export function effectiveFlag(b: Biomarker, value: number | null): { flag: Flag | null; derived: boolean } {
  if (b.flag) return { flag: b.flag, derived: false };
  if (value === null) return { flag: null, derived: false };
  const r = parseRange(b.referenceRange);
  if (!r) return { flag: null, derived: false };
  if (r.hi !== null && value > r.hi) return { flag: 'high', derived: true };
  if (r.lo !== null && value < r.lo) return { flag: 'low', derived: true };
  return { flag: 'normal', derived: true };
}

interface Reading {
  b: Biomarker;
  analyte: Analyte | null;
  key: string;
  epoch: number | null;
  order: number;
  panelId: string;
}

/** How a biomarker name or LOINC code resolves, and the reading slot of its analyte key. */
interface Resolved {
  analyte: Analyte | null;
  /** Shared by every name/code that maps to the same key; holds the latest reading so far. */
  slot: { latest: Reading | null; key: string };
}

const TONE_RANK: Record<Tone, number> = { critical: 4, concern: 3, watch: 2, positive: 1, neutral: 0 };

export function analyzeBiomarkers(req: Req, ctx: { now: Date }): Res {
  // Latest reading per analyte decides (an older abnormal value that has since normalised does not signal).
  // Up to 100 × 200 readings: each distinct name / LOINC code is resolved once and points at its
  // analyte's slot, so a reading costs one Map lookup and no allocation (one Reading per analyte,
  // updated in place; this loop was the engine's hot spot in --cpu-prof). Slots are created in
  // first-seen order, which is the order of `latest` (and thus of inputs and signal ties).
  const latest = new Map<string, Resolved['slot']>();
  const slotOf = (key: string): Resolved['slot'] => {
    let slot = latest.get(key);
    if (!slot) {
      slot = { latest: null, key };
      latest.set(key, slot);
    }
    return slot;
  };
  const nameCache = new Map<string, Resolved>();
  const loincCache = new Map<string, Resolved | null>();
  let total = 0;
  let order = 0;
  for (const lab of req.labs) {
    const epoch = toEpoch(lab.observedAt);
    const after = epoch ?? -Infinity;
    for (const b of lab.results.biomarkers) {
      total++;
      let res: Resolved | null | undefined;
      if (b.loinc) {
        res = loincCache.get(b.loinc);
        if (res === undefined) {
          const byCode = BY_LOINC.get(b.loinc) ?? BY_LOINC.get(b.loinc.trim());
          res = byCode ? { analyte: byCode, slot: slotOf(byCode.key) } : null;
          loincCache.set(b.loinc, res);
        }
      }
      if (!res) {
        res = nameCache.get(b.name);
        if (res === undefined) {
          const found = BY_NAME.get(norm(b.name)) ?? null;
          res = { analyte: found, slot: slotOf(found ? found.key : `x_${slug(b.name)}`) };
          nameCache.set(b.name, res);
        }
      }
      const slot = res.slot;
      const prev = slot.latest;
      if (!prev) slot.latest = { b, analyte: res.analyte, key: slot.key, epoch, order, panelId: lab.id };
      else if (after >= (prev.epoch ?? -Infinity)) {
        // Overwritten in place: with chronological panels every reading is the newest so far.
        prev.b = b;
        prev.analyte = res.analyte;
        prev.epoch = epoch;
        prev.order = order;
        prev.panelId = lab.id;
      }
      order++;
    }
  }

  interface Draft { signal: ModuleSignal; rank: number; order: number; loinc: string | null; analyte: Analyte | null }
  const drafts: Draft[] = [];
  let interpretable = 0;
  let recognised = 0;
  const inputs: { name: string; value: number | string | null; observedAt: string | null; contributed: boolean; sourceRef?: string }[] = [];
  for (const { latest: r } of latest.values()) {
    if (!r) continue;
    const { b, analyte } = r;
    const value = numericValue(b.value);
    const { flag, derived } = effectiveFlag(b, value);
    if (analyte) recognised++;
    if (flag !== null) interpretable++;
    const label = analyte ? analyte.label : b.name;
    const observedAt = toIso(r.epoch);
    const sourceRef = b.sourceRef ?? r.panelId;
    let abnormal = flag === 'high' || flag === 'low' || flag === 'critical';
    let tone: Tone = 'watch';
    let text: string | undefined;
    let direction: 'high' | 'low' | null = flag === 'high' ? 'high' : flag === 'low' ? 'low' : null;
    if (flag === 'critical') {
      tone = 'critical';
      if (value !== null && analyte) {
        const rr = parseRange(b.referenceRange);
        if (rr?.hi != null && value > rr.hi) direction = 'high';
        else if (rr?.lo != null && value < rr.lo) direction = 'low';
      }
    }
    if (analyte && value !== null) {
      if (analyte.criticalAbove !== undefined && value > analyte.criticalAbove) {
        abnormal = true; tone = 'critical'; direction = 'high'; text = analyte.criticalText;
      } else if (analyte.criticalBelow !== undefined && value < analyte.criticalBelow) {
        abnormal = true; tone = 'critical'; direction = 'low'; text = analyte.criticalText;
      }
    }
    if (analyte && tone !== 'critical' && direction) tone = (direction === 'high' ? analyte.highTone : analyte.lowTone) ?? 'watch';
    inputs.push({
      name: label,
      value: typeof b.value === 'number' && !Number.isFinite(b.value) ? null : b.value,
      observedAt,
      contributed: abnormal,
      sourceRef,
    });
    if (!abnormal) continue;
    const dirWord = direction === 'high' ? 'elevated' : direction === 'low' ? 'low' : 'critical';
    if (!text) {
      const rel = direction && analyte ? analyte[direction] : undefined;
      text = rel ?? (analyte ? `${dirWord} ${analyte.label} — outside the reference range; no specific psychiatric rule for this direction.` : `flagged ${flag} by the lab; no psychiatric relevance rule for this analyte.`);
      if (flag === 'critical' && rel) text = `critical value — ${rel}`;
    }
    const valueText = value !== null ? fmt(value, 3) : b.value === null ? 'no value' : String(b.value);
    const unitText = b.unit ? ` ${b.unit}` : '';
    const refText = b.referenceRange ? ` (ref ${b.referenceRange})` : '';
    const why = derived ? `outside the reference range ${b.referenceRange}` : `flagged ${flag} by the lab`;
    drafts.push({
      signal: {
        module: 'biomarker',
        signalKey: `bio_${analyte ? analyte.key : slug(b.name)}`,
        label,
        detail: `${valueText}${unitText}${refText} — ${text}`,
        tone,
        metricValue: value,
        metricUnit: b.unit ?? null,
        confidence: !analyte || value === null ? 'low' : derived ? 'moderate' : 'high',
        summaryLine: `${label} ${dirWord} at ${valueText}${unitText}: ${why}.`,
        sourceRef,
        observedAt,
      },
      rank: TONE_RANK[tone],
      order: r.order,
      loinc: b.loinc ?? analyte?.loinc[0] ?? null,
      analyte,
    });
  }
  drafts.sort((x, y) => y.rank - x.rank || x.order - y.order);
  const signals = drafts.map((d) => d.signal);
  const codes: TerminologyCode[] = [engineCode('biomarker_interpretation', 'Tidemark biomarker interpretation signals', 'signals')];
  drafts.forEach((d, i) => {
    if (d.loinc) codes.push(loincCode(d.loinc, d.analyte ? d.analyte.label : d.signal.label, `signals[${i}]`));
  });
  const worst = signals[0]?.tone;
  const status = worst ?? 'no_signals';
  const flagged = signals.map((s) => s.label);
  const analytes = latest.size;
  const headline = signals.length
    ? `${plural(signals.length, 'abnormal biomarker')} of ${plural(analytes, 'analyte')} — ${flagged.slice(0, 4).join(', ')}${flagged.length > 4 ? `, +${flagged.length - 4} more` : ''}.`
    : `No abnormal biomarkers among ${plural(analytes, 'analyte')} (${plural(total, 'reading')}).`;
  const confidenceScore = blendConfidence(interpretable, Math.max(1, analytes), div(recognised, Math.max(1, analytes)));
  const reasons = [
    `${interpretable} of ${plural(analytes, 'analyte')} carry a flag or a parsable reference range`,
    `${recognised} of ${analytes} analytes recognised (by LOINC or name)`,
    `${plural(req.labs.length, 'lab panel')}, ${plural(total, 'reading')}; the latest reading per analyte decides`,
  ];
  const missing: string[] = [];
  const undated = req.labs.filter((l) => !l.observedAt).length;
  if (undated) missing.push(`observedAt (${plural(undated, 'panel')})`);
  if (analytes - interpretable > 0) missing.push(`flag or referenceRange (${plural(analytes - interpretable, 'analyte')})`);
  const completeness = (div(interpretable, Math.max(1, analytes)) + div(req.labs.length - undated, req.labs.length)) / 2;
  const change = computeChange(req.previous, {
    score: signals.length,
    status,
    higherIsWorse: true,
    statusRank: { no_signals: 0, watch: 1, concern: 2, critical: 3 },
    inputs: [],
  });
  const reasoning = [
    signals.length
      ? `${plural(signals.length, 'biomarker')} outside the reference range could contribute to psychiatric symptoms: ${signals.slice(0, 3).map((s) => `${s.label} (${s.tone})`).join(', ')}.`
      : `No abnormal biomarker was found among ${plural(analytes, 'analyte')}.`,
    signals[0] ? `The most notable finding: ${signals[0].label} ${signals[0].detail}` : 'Normal results do not produce signals.',
    `Confidence is ${confidenceScore >= 0.75 ? 'high' : confidenceScore >= 0.45 ? 'moderate' : 'low'}: ${reasons[0]}.`,
    change ? `Compared with the previous result the abnormal count ${change.direction === 'unchanged' ? 'is unchanged' : change.direction} (${change.delta === null ? 'no previous count' : `${change.delta > 0 ? '+' : ''}${change.delta}`}).` : '',
  ];
  const intelligence = buildIntelligence({
    engine: 'biomarker',
    status,
    headline,
    flagged,
    requiresClinicianReview: worst === 'critical' || worst === 'concern',
    safety: [],
    confidenceScore,
    confidenceReasons: reasons,
    completeness,
    missingInputs: missing,
    inputs,
    staleAfterDays: P.staleAfterDays,
    codes,
    change,
    interpretationScale: {
      watch: 'Abnormal value with psychiatric relevance — consider in the clinical picture.',
      concern: 'Abnormal value that is a drug-safety signal — review.',
      critical: 'Critical value — prompt clinician review.',
      no_signals: 'No abnormal biomarker among the supplied readings.',
    },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('biomarker.analysis', 'biomarker_interpretation', req, intelligence), {
    safety: [],
    signalsPresent: signals.length,
    signals,
  });
}
