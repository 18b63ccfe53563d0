// Builder of the unified `intelligence` block, identical on all five engines.
import type {
  ChangeBlock,
  EngineName,
  Intelligence,
  SafetyFinding,
  TerminologyCode,
} from '../../contract/index.ts';
import { ITEM9, findingKey, isUrgent, safetyAdvice } from '../../clinical/index.ts';
import { DAY_MS, clamp, round, toEpoch, toIso } from '../common/util.ts';
import { confidenceLevel } from './confidence.ts';
import { DISCLAIMER, ENGINE_VERSION, METHOD, SCHEMA, TIDEMARK_SYSTEM, LOINC } from './params.ts';

export * from './params.ts';
export * from './confidence.ts';
export * from './change.ts';

export type ProvenanceInput = Intelligence['provenance']['inputs'][number];

export interface IntelligenceSpec {
  engine: EngineName;
  status: string;
  headline: string;
  flagged: string[];
  requiresClinicianReview: boolean;
  safety: SafetyFinding[];
  confidenceScore: number;
  confidenceReasons: string[];
  completeness: number;
  missingInputs: string[];
  inputs: ProvenanceInput[];
  /** Inputs observed longer ago than this are listed as stale. */
  staleAfterDays: number;
  /** Which inputs can be stale (default: every timestamped input that contributed). */
  staleCandidate?: (name: string) => boolean;
  codes: TerminologyCode[];
  change: ChangeBlock | null;
  interpretationScale: Record<string, string>;
  explain: boolean | undefined;
  /** Candidate sentences, most important first; 2–4 are kept. */
  reasoning: string[];
  now: Date;
}

export const ITEM9_FLAG = ITEM9.flag;
export const ITEM9_EARLIER_FLAG = 'PHQ-9 item 9 positive earlier (latest answer 0)';

/**
 * The findings of a response: those the caller found in the chart (`given`, e.g. an item-9 answer
 * outside any scored administration) and the engine's own, once each. Order: the current item-9
 * answer, older item-9 positives (newest first), then critical labs.
 */
export function mergeSafety(own: readonly SafetyFinding[], given: readonly SafetyFinding[] | undefined): SafetyFinding[] {
  if (!given || given.length === 0) return own as SafetyFinding[];
  const out: SafetyFinding[] = [...given];
  const keys = new Set(given.map(findingKey));
  for (const f of own) if (!keys.has(findingKey(f))) out.push(f);
  const rank = (f: SafetyFinding) => (f.kind === 'phq9_item9' ? (f.current !== false ? 0 : 1) : 2);
  const t = (f: SafetyFinding) => (f.at ? (toEpoch(f.at) ?? 0) : 0);
  return out.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || t(b.f) - t(a.f) || a.i - b.i).map(({ f }) => f);
}

/** Flags for the findings, worst first: they lead `summary.flagged`. */
export function safetyFlags(safety: readonly SafetyFinding[]): string[] {
  const out: string[] = [];
  const item9 = safety.filter((f) => f.kind === 'phq9_item9');
  if (item9.some((f) => f.current !== false)) out.push(ITEM9_FLAG);
  else if (item9.length > 0) out.push(ITEM9_EARLIER_FLAG);
  for (const f of safety) if (f.kind === 'critical_lab') out.push(`Critical lab: ${f.label}`);
  return [...new Set(out)];
}

/** Summary with the safety findings surfaced first; never hidden by a benign status. */
export function safetySummary(
  flagged: string[],
  requires: boolean,
  safety: readonly SafetyFinding[],
): { flagged: string[]; requiresClinicianReview: boolean } {
  if (safety.length === 0) return { flagged, requiresClinicianReview: requires };
  const lead = safetyFlags(safety);
  return { flagged: [...lead, ...flagged.filter((f) => !lead.includes(f))], requiresClinicianReview: true };
}

/** The safety advice that leads a recommendation or headline, or null without findings. */
export function safetyLead(safety: readonly SafetyFinding[]): string | null {
  return safetyAdvice(safety);
}

export function hasUrgentSafety(safety: readonly SafetyFinding[]): boolean {
  return safety.some(isUrgent);
}

export function buildIntelligence(spec: IntelligenceSpec): Intelligence {
  const nowMs = spec.now.getTime();
  const generatedAt = toIso(nowMs) ?? '1970-01-01T00:00:00.000Z';
  let newest: number | null = null;
  const stale: string[] = [];
  const staleBefore = nowMs - spec.staleAfterDays * DAY_MS;
  for (const inp of spec.inputs) {
    const t = toEpoch(inp.observedAt);
    if (t === null) continue;
    if (newest === null || t > newest) newest = t;
    if (inp.contributed && t < staleBefore && (!spec.staleCandidate || spec.staleCandidate(inp.name))) stale.push(inp.name);
  }
  const score = round(clamp(spec.confidenceScore, 0, 1), 2);
  const { flagged, requiresClinicianReview } = safetySummary(spec.flagged, spec.requiresClinicianReview, spec.safety);
  const confidenceReasons = [...spec.confidenceReasons];
  if (stale.length) confidenceReasons.push(`${stale.length} input(s) older than ${spec.staleAfterDays} days`);
  const sentences = spec.reasoning.filter((s) => s.length > 0);
  if (spec.safety.some((f) => f.kind === 'critical_lab')) sentences.unshift('A critical laboratory value is present and is surfaced for clinician review regardless of the score.');
  if (spec.safety.some((f) => f.kind === 'phq9_item9'))
    sentences.unshift(
      spec.safety.some((f) => f.kind === 'phq9_item9' && f.current !== false)
        ? 'A positive PHQ-9 item 9 answer is present and is surfaced for clinician review regardless of the score.'
        : 'An earlier positive PHQ-9 item 9 answer is in the record (the latest answer is 0) and is surfaced for clinician review.',
    );
  const fallback = `Confidence is ${confidenceLevel(score)} (${score.toFixed(2)}) with ${Math.round(clamp(spec.completeness, 0, 1) * 100)}% of accepted inputs supplied.`;
  while (sentences.length < 2) sentences.push(sentences.includes(fallback) ? 'No further findings were computed.' : fallback);
  return {
    schema: SCHEMA,
    engine: spec.engine,
    summary: { status: spec.status, headline: spec.headline, flagged, requiresClinicianReview },
    confidence: { level: confidenceLevel(score), score, reasons: confidenceReasons },
    dataQuality: {
      completeness: round(clamp(spec.completeness, 0, 1), 2),
      missingInputs: spec.missingInputs,
      freshness: { newestInputAt: toIso(newest), staleInputs: stale },
    },
    provenance: { generatedAt, engineVersion: ENGINE_VERSION, method: METHOD, inputs: spec.inputs },
    codes: spec.codes,
    change: spec.change,
    interpretationScale: spec.interpretationScale,
    ...(spec.explain === true ? { reasoning: { narrative: sentences.slice(0, 4).join(' '), generatedAt } } : {}),
  };
}

export function engineCode(code: string, display: string, mapsTo: string): TerminologyCode {
  return { system: TIDEMARK_SYSTEM, code, display, mapsTo };
}

export function loincCode(code: string, display: string, mapsTo: string): TerminologyCode {
  return { system: LOINC, code, display, mapsTo };
}

export function modelBlock(key: string) {
  return { key, version: null, source: 'default' as const };
}

/**
 * The fields every engine response opens with, in this order: object, clock, the echoed session
 * reference (only when supplied), model, disclaimer and the intelligence block.
 * Engines append their own fields with `Object.assign(responseHead(…), { … })` (same key order),
 * not `{ ...responseHead(…), … }`: on Node 20 (V8 11.3) each property written after a leading
 * object spread takes a slow runtime path, ~9 µs per response here (measured with --cpu-prof).
 */
export function responseHead<O extends string>(
  object: O,
  modelKey: string,
  req: { sessionRef?: string | undefined },
  intelligence: Intelligence,
) {
  return {
    object,
    // The injected clock, formatted once by buildIntelligence.
    generatedAt: intelligence.provenance.generatedAt,
    ...(req.sessionRef !== undefined ? { sessionRef: req.sessionRef } : {}),
    model: modelBlock(modelKey),
    disclaimer: DISCLAIMER,
    intelligence,
  };
}

/** One provenance input; its chart source (the newest of `sources[name]`) when the caller sent one. */
export function scalarInput(
  req: { sources?: Record<string, string[]> | undefined },
  name: string,
  value: number | string | boolean | null,
  contributed: boolean,
): ProvenanceInput {
  const ref = req.sources?.[name]?.at(-1);
  return ref !== undefined ? { name, value, observedAt: null, contributed, sourceRef: ref } : { name, value, observedAt: null, contributed };
}
