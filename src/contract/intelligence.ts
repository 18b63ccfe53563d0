// The unified `intelligence` block, identical on all five engines.
import { z } from 'zod';

export const engineName = z.enum(['dmse', 'medication', 'biomarker', 'outcome', 'relapse']);
export type EngineName = z.infer<typeof engineName>;

export const confidenceLevel = z.enum(['high', 'moderate', 'low']);
export type ConfidenceLevel = z.infer<typeof confidenceLevel>;

const score01 = z.number().min(0).max(1);
const timestamp = z.string();

export const provenanceInput = z.object({
  name: z.string(),
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  observedAt: timestamp.nullable(),
  contributed: z.boolean(),
  /** Tidemark extension: the chart resource this input came from, when known. */
  sourceRef: z.string().optional(),
});

export const terminologyCode = z.object({
  system: z.string(),
  code: z.string(),
  display: z.string(),
  mapsTo: z.string(),
});
export type TerminologyCode = z.infer<typeof terminologyCode>;

export const changeBlock = z.object({
  direction: z.enum(['improved', 'worsened', 'unchanged']),
  delta: z.number().nullable(),
  previousStatus: z.string().nullable(),
  currentStatus: z.string(),
  explanations: z.array(z.string()),
  previousComputedAt: timestamp.nullable(),
});
export type ChangeBlock = z.infer<typeof changeBlock>;

export const intelligenceBlock = z.object({
  schema: z.literal('attunio.intelligence/v1'),
  engine: engineName,
  summary: z.object({
    status: z.string(),
    headline: z.string(),
    flagged: z.array(z.string()),
    requiresClinicianReview: z.boolean(),
  }),
  confidence: z.object({ level: confidenceLevel, score: score01, reasons: z.array(z.string()) }),
  dataQuality: z.object({
    completeness: score01,
    missingInputs: z.array(z.string()),
    freshness: z.object({ newestInputAt: timestamp.nullable(), staleInputs: z.array(z.string()) }),
  }),
  provenance: z.object({
    generatedAt: timestamp,
    engineVersion: z.string(),
    method: z.string(),
    inputs: z.array(provenanceInput),
  }),
  codes: z.array(terminologyCode),
  change: changeBlock.nullable(),
  interpretationScale: z.record(z.string(), z.string()),
  reasoning: z.object({ narrative: z.string(), generatedAt: timestamp }).nullable().optional(),
});
export type Intelligence = z.infer<typeof intelligenceBlock>;
