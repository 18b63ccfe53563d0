// The voice-biomarker job (../shared/reference/voice-biomarker-api.md, v2) as zod schemas: what
// /api/v1/voice/* returns inside our envelope, what upstream mode validates, what the app parses.
// Objects are not strict: the service may add fields. Tidemark extensions are marked.
import { z } from 'zod';

export const VOICE_USE_CASES = [
  'behavioral-health',
  'substance-use',
  'womens-health',
  'wellness',
  'athletics-occupational',
  'cognitive',
  'cardiometabolic',
  'respiratory',
] as const;
export const voiceUseCase = z.enum(VOICE_USE_CASES);
export type VoiceUseCase = z.infer<typeof voiceUseCase>;

export const VOICE_CONDITIONS = [
  'acute-stress',
  'adhd',
  'alcohol-use',
  'allergy',
  'anemia',
  'anxiety',
  'anxiety-female',
  'cognitive-impairment',
  'copd',
  'dehydration',
  'depression',
  'depression-female',
  'dry-mouth',
  'elevated-blood-pressure',
  'fatigue',
  'hyperandrogenism',
  'overweight-obesity',
  'ptsd',
  'substance-use',
  'traumatic-brain-injury',
] as const;
export const voiceCondition = z.enum(VOICE_CONDITIONS);
export type VoiceCondition = z.infer<typeof voiceCondition>;

export const voiceJobStatus = z.enum(['pending', 'running', 'done', 'failed']);
export type VoiceJobStatus = z.infer<typeof voiceJobStatus>;
export const voiceLevel = z.enum(['none', 'low', 'consider', 'moderate', 'elevated', 'inconclusive']);
export type VoiceLevel = z.infer<typeof voiceLevel>;
export const voiceAction = z.enum(['none', 'monitor', 'consider', 'review', 'escalate', 'inconclusive']);
export const voiceIssue = z.enum(['poor_voice_quality', 'insufficient_speech', 'high_background_noise', 'invalid_speaker']);
export type VoiceIssue = z.infer<typeof voiceIssue>;
export const valueInterpretation = z.enum(['within range', 'slightly elevated', 'high', 'reduced', 'low']);
export type ValueInterpretation = z.infer<typeof valueInterpretation>;

export const vocalFeature = z.looseObject({
  feature: z.string(),
  label: z.string(),
  value: z.number(),
  unit: z.string(),
  value_interpretation: valueInterpretation,
  /** Tidemark extension (embedded mode): the published range the value was read against, and its source. */
  reference_range: z.string().optional(),
  source: z.string().optional(),
  /** Tidemark extension: why the value should be read with caution (e.g. noise affects jitter). */
  caution: z.string().optional(),
});
export type VocalFeature = z.infer<typeof vocalFeature>;

export const voiceDescription = z.looseObject({ summary: z.string(), vocal_features: z.array(vocalFeature) });

export const audioQuality = z.looseObject({
  issues: z.array(voiceIssue),
  voice_percentage: z.number().min(0).max(100).nullable(),
  audio_clarity: z.number().min(0).max(100).nullable(),
  /** Tidemark extensions (embedded mode): the measurements behind the verdict. */
  snr_db: z.number().nullable().optional(),
  speech_seconds: z.number().min(0).optional(),
  clipped_percentage: z.number().min(0).max(100).optional(),
});
export type AudioQuality = z.infer<typeof audioQuality>;

export const voiceSignal = z.looseObject({
  model_id: z.string(),
  label: z.string(),
  /** The reference: 0–1. Tidemark extension: null when no validated model produced a score (embedded mode). */
  score: z.number().min(0).max(1).nullable(),
  level: voiceLevel,
  flagged: z.boolean(),
  /** Tidemark extension: why the level is inconclusive. */
  reason: z.string().optional(),
});
export type VoiceSignal = z.infer<typeof voiceSignal>;

export const extendedMetric = z.looseObject({
  metric_id: z.string(),
  label: z.string(),
  score_mean: z.number(),
  score_std: z.number(),
  low_anchor: z.string(),
  high_anchor: z.string(),
});

export const useCaseResult = z.looseObject({
  summary: z.looseObject({
    overall_level: voiceLevel,
    recommended_action: voiceAction,
    flagged_count: z.int().min(0),
    primary_signals: z.array(z.string()),
    description: voiceDescription,
  }),
  signals: z.array(voiceSignal),
  audio_quality: audioQuality,
  extended_metrics: z.array(extendedMetric),
});
export type UseCaseResult = z.infer<typeof useCaseResult>;

export const conditionResult = z.looseObject({
  signal: voiceSignal.extend({ recommended_action: voiceAction, description: voiceDescription }),
  audio_quality: audioQuality,
  extended_metrics: z.array(extendedMetric),
});
export type ConditionResult = z.infer<typeof conditionResult>;

const jobCommon = {
  job_id: z.string().min(1).max(128),
  status: voiceJobStatus,
  created_at: z.string(),
  completed_at: z.string().nullable(),
  api_version: z.string(),
  audio_content_type: z.string(),
  audio_size_bytes: z.int().min(0),
  audio_duration_seconds: z.number().min(0),
  audio_sample_rate: z.int().nullable(),
  /** Tidemark extension: which backend analysed it (embedded signal processing or the upstream service). */
  analysed_by: z.enum(['embedded', 'upstream']).optional(),
  /** Tidemark extension: 0–100 while running (embedded mode measures it; upstream does not say). */
  progress: z.number().min(0).max(100).nullable().optional(),
};

export const useCaseJob = z.looseObject({
  ...jobCommon,
  job_type: z.literal('use_case'),
  use_case: z.string(),
  condition: z.null(),
  result: useCaseResult.nullable(),
});
export const conditionJob = z.looseObject({
  ...jobCommon,
  job_type: z.literal('condition'),
  use_case: z.null(),
  condition: z.string(),
  result: conditionResult.nullable(),
});
export const voiceJob = z.discriminatedUnion('job_type', [useCaseJob, conditionJob]);
export type VoiceJob = z.infer<typeof voiceJob>;
export type VoiceResult = UseCaseResult | ConditionResult;

/** The reference's error body ({code, message, status}). */
export const voiceServiceError = z.looseObject({ code: z.string(), message: z.string(), status: z.int() });

/** The multipart fields of POST /api/v1/voice/analyze besides `audio` (exactly one of the two). */
export const voiceAnalyzeFields = z
  .strictObject({ use_case: voiceUseCase.optional(), condition: voiceCondition.optional() })
  .refine((f) => (f.use_case === undefined) !== (f.condition === undefined), {
    message: 'Send exactly one of use_case or condition.',
  });
export type VoiceAnalyzeFields = z.infer<typeof voiceAnalyzeFields>;

/** Limits from the reference (and the upload cap of the voice routes). */
export const VOICE_LIMITS = { maxBytes: 32 * 1024 * 1024, minSeconds: 15, maxSeconds: 1200 } as const;
