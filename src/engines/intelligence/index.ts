// Builder of the unified `intelligence` block, identical on all five engines.
import type {
  ChangeBlock,
  EngineName,
  Intelligence,
  SafetyFinding,
  TerminologyCode,
} from '../../contract/index.ts';
import { DAY_MS, clamp, round, toEpoch, toIso } from '../common/util.ts';
import { ITEM9_FLAG } from '../measures/index.ts';
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

/** Summary with the safety finding surfaced first; never hidden by a benign status. */
export function safetySummary(
  flagged: string[],
  requires: boolean,
  safety: SafetyFinding[],
): { flagged: string[]; requiresClinicianReview: boolean } {
  if (safety.length === 0) return { flagged, requiresClinicianReview: requires };
  return { flagged: [ITEM9_FLAG, ...flagged.filter((f) => f !== ITEM9_FLAG)], requiresClinicianReview: true };
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
  if (spec.safety.length) sentences.unshift('A positive PHQ-9 item 9 answer is present and is surfaced for clinician review regardless of the score.');
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
