// Biomarker Intelligence: abnormal labs mapped to their psychiatric relevance. Values are normalised
// to each analyte's UCUM unit; critical limits hold whatever the lab says, the lab's own flag and
// range are respected, and built-in reference limits are used when the lab sends neither.
import {
  ANALYTES,
  analyteForLoinc,
  analyteForName,
  clozapineAncAction,
  criticalLab,
  criticalOf,
  drugKeysOf,
  referenceFlagOf,
  referenceText,
  targetText,
  toCanonical,
  type Analyte,
  type CriticalLabFinding,
} from '../../clinical/index.ts';
import type { Biomarker, EngineRequest, EngineResponse, ModuleSignal, TerminologyCode } from '../../contract/index.ts';
import { div, fmt, plural, slug, toEpoch, toIso } from '../common/util.ts';
import {
  blendConfidence,
  buildIntelligence,
  computeChange,
  engineCode,
  loincCode,
  mergeSafety,
  responseHead,
  safetyLead,
} from '../intelligence/index.ts';
import { BIOMARKER_PARAMS as P } from './params.ts';

export { BIOMARKER_PARAMS } from './params.ts';
export { ANALYTES };

type Req = EngineRequest<'biomarker'>;
type Res = EngineResponse<'biomarker'>;
type Tone = ModuleSignal['tone'];
type Flag = 'high' | 'low' | 'critical' | 'normal';

const NEUTROPHILS_PCT = ANALYTES.find((a) => a.key === 'neutrophils_pct')!;
const ANC = ANALYTES.find((a) => a.key === 'anc')!;

/** Recognises an analyte by LOINC first (never depends on a display name), then by name; a % is never a count. */
export function matchAnalyte(b: Pick<Biomarker, 'name' | 'loinc' | 'unit'>): Analyte | null {
  const a = (b.loinc ? analyteForLoinc(b.loinc.trim()) : undefined) ?? analyteForName(b.name) ?? null;
  return a === ANC && isPercent(b.unit) ? NEUTROPHILS_PCT : a;
}

function isPercent(unit: string | undefined): boolean {
  return unit !== undefined && unit.trim() === '%';
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

/** The lab's flag, or one derived from the lab's reference range when the flag is missing. */
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
  // first-seen order, which is the order of `latest` (and thus of inputs and signal ties). A reading
  // in percent resolves through its own caches (a neutrophil % is never the ANC).
  const latest = new Map<string, Resolved['slot']>();
  const slotOf = (key: string): Resolved['slot'] => {
    let slot = latest.get(key);
    if (!slot) {
      slot = { latest: null, key };
      latest.set(key, slot);
    }
    return slot;
  };
  // Name and LOINC caches; a reading in percent has its own pair (a neutrophil % is never the ANC).
  const loincCache = new Map<string, Resolved | null>();
  const nameCache = new Map<string, Resolved>();
  const pctLoincCache = new Map<string, Resolved | null>();
  const pctNameCache = new Map<string, Resolved>();
  let total = 0;
  let order = 0;
  // Indexed loops: for-of over 20,000 readings allocated an iterator result per step.
  for (let li = 0; li < req.labs.length; li++) {
    const lab = req.labs[li]!;
    const epoch = toEpoch(lab.observedAt);
    const after = epoch ?? -Infinity;
    const biomarkers = lab.results.biomarkers;
    for (let bi = 0; bi < biomarkers.length; bi++) {
      const b = biomarkers[bi]!;
      total++;
      const pct = b.unit === '%';
      let res: Resolved | null | undefined;
      if (b.loinc) {
        const cache = pct ? pctLoincCache : loincCache;
        res = cache.get(b.loinc);
        if (res === undefined) {
          const byCode = analyteForLoinc(b.loinc.trim());
          const a = byCode === ANC && pct ? NEUTROPHILS_PCT : byCode;
          res = a ? { analyte: a, slot: slotOf(a.key) } : null;
          cache.set(b.loinc, res);
        }
      }
      if (!res) {
        const cache = pct ? pctNameCache : nameCache;
        res = cache.get(b.name);
        if (res === undefined) {
          const found = matchAnalyte({ name: b.name, unit: pct ? '%' : undefined });
          res = { analyte: found, slot: slotOf(found ? found.key : `x_${b.name}`) };
          cache.set(b.name, res);
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

  // Drugs the patient takes: the medications sent, and drugs whose level is charted here.
  const drugs = drugKeysOf(req.medications ?? []);
  for (const k of ['lithium', 'clozapine', 'valproate', 'carbamazepine'] as const) if (latest.has(k)) drugs.add(k);
  const ben = req.benignEthnicNeutropenia === true;

  interface Draft { signal: ModuleSignal; rank: number; order: number; loinc: string | null; analyte: Analyte | null }
  const drafts: Draft[] = [];
  const critical: CriticalLabFinding[] = [];
  let interpretable = 0;
  let recognised = 0;
  const inputs: { name: string; value: number | string | null; observedAt: string | null; contributed: boolean; sourceRef?: string }[] = [];
  // Readings of one panel share their time: format each distinct time once.
  const isoCache = new Map<number | null, string | null>();
  const isoOfEpoch = (e: number | null) => {
    let s = isoCache.get(e);
    if (s === undefined) {
      s = toIso(e);
      isoCache.set(e, s);
    }
    return s;
  };
  for (const { latest: r } of latest.values()) {
    if (!r) continue;
    const { b, analyte } = r;
    const value = numericValue(b.value);
    const lab = effectiveFlag(b, value);
    let flag = lab.flag;
    // Built-in reference limits when the lab sends neither a flag nor a range.
    const canonical = analyte && value !== null ? toCanonical(analyte, value, b.unit) : null;
    const builtIn = flag === null && canonical !== null && analyte !== null;
    if (builtIn) flag = referenceFlagOf(analyte!, canonical!.value, { benignEthnicNeutropenia: ben });
    if (analyte) recognised++;
    if (flag !== null) interpretable++;
    const label = analyte ? analyte.label : b.name;
    const observedAt = isoOfEpoch(r.epoch);
    const sourceRef = b.sourceRef ?? r.panelId;
    // Critical: a built-in critical limit after unit normalisation, or the lab's own "critical" flag.
    const crit = flag === 'critical' || canonical ? criticalLab(b, observedAt ?? '', { benignEthnicNeutropenia: ben, drugs }, analyte ?? undefined) : null;
    if (crit) {
      if (!crit.sourceRef) crit.sourceRef = sourceRef;
      critical.push(crit);
    }
    const abnormal = crit !== null || flag === 'high' || flag === 'low';
    inputs.push({
      name: label,
      value: typeof b.value === 'number' && !Number.isFinite(b.value) ? null : b.value,
      observedAt,
      contributed: abnormal,
      sourceRef,
    });
    if (!abnormal) continue;
    let direction: 'high' | 'low' | null = crit && crit.direction !== 'critical' ? crit.direction : flag === 'high' ? 'high' : flag === 'low' ? 'low' : null;
    if (crit && direction === null && value !== null) {
      const rr = parseRange(b.referenceRange);
      if (rr?.hi != null && value > rr.hi) direction = 'high';
      else if (rr?.lo != null && value < rr.lo) direction = 'low';
    }
    const tone: Tone = crit ? 'critical' : analyte && direction ? ((direction === 'high' ? analyte.highTone : analyte.lowTone) ?? 'watch') : 'watch';
    const dirWord = direction === 'high' ? 'elevated' : direction === 'low' ? 'low' : 'critical';
    const rel = direction && analyte ? analyte[direction] : undefined;
    let text: string;
    const critReading = crit && crit.direction !== 'critical' && analyte && canonical ? criticalOf(analyte, canonical.value, { benignEthnicNeutropenia: ben }) : null;
    if (critReading) text = critReading.text;
    else if (crit) text = rel ? `critical value — ${rel}` : 'flagged critical by the lab; no psychiatric relevance rule for this analyte.';
    else text = rel ?? (analyte ? `${dirWord} ${analyte.label} — outside the reference range; no specific psychiatric rule for this direction.` : `flagged ${flag} by the lab; no psychiatric relevance rule for this analyte.`);
    let extra = '';
    if (analyte && canonical) {
      const target = targetText(analyte, canonical.value);
      if (target) extra += ` ${capital(target)}`;
      if (analyte === ANC && drugs.has('clozapine')) extra += ` On clozapine: ${clozapineAncAction(canonical.value, ben)}`;
    }
    if (analyte?.drugNotes && direction && drugs.size > 0) {
      for (const drug of drugs) {
        const note = analyte.drugNotes[drug]?.[direction];
        if (note) extra += ` ${note}`;
      }
    }
    const valueText = value !== null ? fmt(value, 3) : b.value === null ? 'no value' : String(b.value);
    const unitText = b.unit ? ` ${b.unit}` : '';
    const converted = builtIn && !canonical!.assumed && Math.abs(canonical!.value - value!) > 1e-9 ? `= ${fmt(canonical!.value, 3)} ${analyte!.unitDisplay}; ` : '';
    const refText = b.referenceRange ? ` (ref ${b.referenceRange})` : builtIn ? ` (${converted}standard reference ${referenceText(analyte!)})` : '';
    const why = crit && crit.direction !== 'critical'
      ? `beyond the critical limit ${crit.limit}`
      : builtIn
        ? `outside the standard reference interval ${referenceText(analyte!)} (the lab sent no flag or range)`
        : lab.derived
          ? `outside the reference range ${b.referenceRange}`
          : `flagged ${flag} by the lab`;
    const confidence = !analyte || value === null ? 'low' : builtIn ? (canonical!.assumed ? 'low' : 'moderate') : lab.derived ? 'moderate' : 'high';
    drafts.push({
      signal: {
        module: 'biomarker',
        signalKey: `bio_${analyte ? analyte.key : slug(b.name)}`,
        label,
        detail: `${valueText}${unitText}${refText} — ${text}${extra}`,
        tone,
        metricValue: value,
        metricUnit: b.unit ?? null,
        confidence,
        summaryLine: `${label} ${dirWord} at ${valueText}${unitText}: ${why}.`,
        sourceRef,
        observedAt,
        // Always present (undefined when unknown): a trailing object spread here took V8's slow path
        // for every signal (up to 200 per request).
        evidenceRefs: b.sourceRef ? [b.sourceRef] : undefined,
      },
      rank: TONE_RANK[tone],
      order: r.order,
      loinc: b.loinc ?? analyte?.loinc[0] ?? null,
      analyte,
    });
  }
  drafts.sort((x, y) => y.rank - x.rank || x.order - y.order);
  const signals = drafts.map((d) => d.signal);
  const safety = mergeSafety(critical, req.safety);
  const codes: TerminologyCode[] = [engineCode('biomarker_interpretation', 'Tidemark biomarker interpretation signals', 'signals')];
  drafts.forEach((d, i) => {
    if (d.loinc) codes.push(loincCode(d.loinc, d.analyte ? d.analyte.label : d.signal.label, `signals[${i}]`));
  });
  const worst = signals[0]?.tone;
  const status = worst ?? 'no_signals';
  const flagged = signals.map((s) => s.label);
  const analytes = latest.size;
  const base = signals.length
    ? `${plural(signals.length, 'abnormal biomarker')} of ${plural(analytes, 'analyte')} — ${flagged.slice(0, 4).join(', ')}${flagged.length > 4 ? `, +${flagged.length - 4} more` : ''}.`
    : `No abnormal biomarkers among ${plural(analytes, 'analyte')} (${plural(total, 'reading')}).`;
  const lead = safetyLead(safety);
  const headline = lead ? `${lead} ${base}` : base;
  const confidenceScore = blendConfidence(interpretable, Math.max(1, analytes), div(recognised, Math.max(1, analytes)));
  const reasons = [
    `${interpretable} of ${plural(analytes, 'analyte')} carry a flag, a parsable reference range or a known unit for the standard limits`,
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
    safety,
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
      critical: 'Critical value (beyond a critical limit, or flagged critical by the lab) — act on it today.',
      no_signals: 'No abnormal biomarker among the supplied readings.',
    },
    explain: req.explain,
    reasoning,
    now: ctx.now,
  });
  // Head first, then the endpoint fields (see responseHead for why this is not a spread).
  return Object.assign(responseHead('biomarker.analysis', 'biomarker_interpretation', req, intelligence), {
    safety,
    signalsPresent: signals.length,
    signals,
  });
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
