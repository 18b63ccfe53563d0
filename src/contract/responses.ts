// Endpoint-specific response fields. Objects are not strict: a remote engine of the same contract
// may add fields (the contract promises additive changes only), and we keep what we know.
import { z } from 'zod';
import { safetyFinding } from './common.ts';
import { confidenceLevel, intelligenceBlock } from './intelligence.ts';

const finite = z.number().finite();

export const modelBlock = z.object({
  key: z.string(),
  version: z.int().nullable(),
  source: z.enum(['default', 'calibrated']),
});

/** Tidemark extension: the standard reading of a symptom scale (PHQ-9 bands, response, remission). */
export const clinicalMeasure = z.object({
  instrumentId: z.string(),
  instrumentName: z.string(),
  maxScore: finite,
  points: z.int().min(0),
  latest: z.object({ score: finite, at: z.string(), sourceRef: z.string().optional() }),
  baseline: z.object({ score: finite, at: z.string(), sourceRef: z.string().optional() }),
  severityBand: z.string().nullable(),
  changeFromBaseline: finite,
  response: z.boolean().nullable(),
  remission: z.boolean().nullable(),
  clinicallyImportantChange: z.boolean(),
  explanation: z.string(),
  /**
   * Tidemark extensions. responseStatus: response (≥50 % drop), partial response (25–49 %), no
   * response, or worsening, from an episode baseline at or above the case threshold (null below it).
   * recurrence: the current episode began after a score in the remission range (its baseline is the
   * index score of the new episode).
   */
  responseStatus: z.enum(['response', 'partial_response', 'non_response', 'worsening']).nullable().optional(),
  recurrence: z.object({ remissionScore: finite, remissionAt: z.string(), sourceRef: z.string().optional() }).nullable().optional(),
});
export type ClinicalMeasure = z.infer<typeof clinicalMeasure>;


const baseResponse = {
  generatedAt: z.string(),
  sessionRef: z.string().optional(),
  model: modelBlock,
  disclaimer: z.string(),
  intelligence: intelligenceBlock,
  safety: z.array(safetyFinding).default([]),
};

export const moduleSignal = z.object({
  module: z.enum(['medication', 'biomarker']),
  signalKey: z.string(),
  label: z.string(),
  detail: z.string(),
  tone: z.enum(['positive', 'neutral', 'watch', 'concern', 'critical']),
  metricValue: finite.nullable(),
  metricUnit: z.string().nullable(),
  confidence: confidenceLevel,
  summaryLine: z.string(),
  sourceRef: z.string().nullable(),
  observedAt: z.string().nullable(),
  /** Tidemark extension: the chart readings this signal compared (assessments before/after, the lab reading). */
  evidenceRefs: z.array(z.string()).optional(),
  /** Tidemark extension: response reading of a medication signal (from a baseline ≥ the case threshold). */
  responseStatus: z.enum(['response', 'partial_response', 'non_response', 'worsening', 'too_early']).optional(),
});
export type ModuleSignal = z.infer<typeof moduleSignal>;

export const dmseInterpretation = z.enum(['within_normal', 'subclinical', 'clinical_attention']);
export const dmseSignal = z.object({
  signalKey: z.enum(['response_latency', 'speech_rate', 'psychomotor', 'sustained_attention']),
  label: z.string(),
  present: z.boolean(),
  metricValue: finite.nullable(),
  metricUnit: z.string(),
  interpretation: dmseInterpretation.nullable(),
  referenceRange: z.string(),
  detail: z.string(),
  confidence: confidenceLevel,
  trendDir: z.enum(['up', 'down', 'flat']).nullable(),
  mseLine: z.string().nullable(),
  baseline: z.object({ mean: finite, sd: finite, n: z.int() }).nullable(),
});
export type DmseSignal = z.infer<typeof dmseSignal>;

export const dmseResponse = z.object({
  object: z.literal('dmse.analysis'),
  ...baseResponse,
  summary: intelligenceBlock.shape.summary,
  signalsPresent: z.int(),
  overallConfidence: confidenceLevel,
  signals: z.array(dmseSignal),
  mseNarrative: z.array(z.string()),
  interpretationScale: z.record(z.string(), z.string()),
});
export type DmseResponse = z.infer<typeof dmseResponse>;

export const medicationResponse = z.object({
  object: z.literal('medication.analysis'),
  ...baseResponse,
  signalsPresent: z.int(),
  signals: z.array(moduleSignal),
  measures: z.array(clinicalMeasure).default([]),
});
export type MedicationResponse = z.infer<typeof medicationResponse>;

export const biomarkerResponse = z.object({
  object: z.literal('biomarker.analysis'),
  ...baseResponse,
  signalsPresent: z.int(),
  signals: z.array(moduleSignal),
});
export type BiomarkerResponse = z.infer<typeof biomarkerResponse>;

export const outcomeComponent = z.object({
  key: z.enum(['symptoms', 'dmse', 'medication', 'biomarker', 'sleep']),
  label: z.string(),
  contribution: finite,
  detail: z.string(),
  available: z.boolean(),
});
export const outcomeResponse = z.object({
  object: z.literal('outcome.score'),
  ...baseResponse,
  score: finite.min(-100).max(100),
  direction: z.enum(['improving', 'stable', 'worsening', 'insufficient_data']),
  confidence: confidenceLevel,
  components: z.array(outcomeComponent),
  summaryLine: z.string(),
  sourceCount: z.int().min(0),
  measures: z.array(clinicalMeasure).default([]),
});
export type OutcomeResponse = z.infer<typeof outcomeResponse>;

export const relapseLevel = z.enum(['low', 'moderate', 'elevated', 'high']);
export const relapseFactor = z.object({
  key: z.enum(['symptoms', 'sleep', 'dmse', 'medication', 'cadence']),
  label: z.string(),
  points: finite.min(0),
  maxPoints: finite.min(0),
  tone: z.enum(['low', 'moderate', 'elevated', 'high', 'none']),
  available: z.boolean(),
  detail: z.string(),
});
export type RelapseFactor = z.infer<typeof relapseFactor>;
export const relapseResponse = z.object({
  object: z.literal('relapse.prediction'),
  ...baseResponse,
  score: finite.min(0).max(100),
  level: relapseLevel,
  trend: z.enum(['rising', 'stable', 'falling', 'unknown']),
  confidence: confidenceLevel,
  topDriver: z.string().nullable(),
  factors: z.array(relapseFactor),
  summaryLine: z.string(),
  recommendation: z.string(),
  sourceCount: z.int().min(0),
  measures: z.array(clinicalMeasure).default([]),
  /**
   * Tidemark extensions. symptomStatus: where the symptoms stand beside the score ("in remission",
   * "recurrence after remission", "not in remission — non-response …"). levelReason: why the level
   * differs from the score's band (a symptom rule sets a floor or a ceiling), else null.
   */
  symptomStatus: z.string().optional(),
  levelReason: z.string().nullable().optional(),
});
export type RelapseResponse = z.infer<typeof relapseResponse>;
