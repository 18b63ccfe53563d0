// Embedded measures → the reference's `result` object (use-case or condition shape). Condition
// levels are `inconclusive` with the reason: without a validated model no level is invented.
import type { ConditionResult, UseCaseResult, VocalFeature, VoiceCondition, VoiceIssue, VoiceSignal, VoiceUseCase } from '../contract/voice.ts';
import { NO_MODEL_REASON, USE_CASE_MODELS } from './params.ts';
import type { VoiceMeasures } from './summarize.ts';

const ISSUE_TEXT: Record<VoiceIssue, string> = {
  insufficient_speech: 'too little speech was detected',
  high_background_noise: 'background noise is high',
  poor_voice_quality: 'the recording itself is distorted, too quiet or too narrow-band',
  invalid_speaker: 'the voice is outside the range of an adult speaking voice',
};

const ACRONYMS = new Set(['adhd', 'ptsd', 'copd']);

/** Label of a condition model id ("cognitive-impairment" → "Cognitive impairment", "ptsd" → "PTSD"). */
export function conditionLabel(id: string): string {
  const t = id
    .split('-')
    .map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w))
    .join(' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function inconclusive(model: VoiceCondition): VoiceSignal {
  return { model_id: model, label: conditionLabel(model), score: null, level: 'inconclusive', flagged: false, reason: NO_MODEL_REASON };
}

/** Deterministic plain-text description of what was measured (never a condition statement). */
export function describe(m: VoiceMeasures): string {
  const q = m.quality;
  const parts: string[] = [];
  parts.push(
    q.issues.length === 0
      ? 'Recording quality is adequate for acoustic measurement.'
      : `Recording quality limits interpretation: ${q.issues.map((i) => ISSUE_TEXT[i]).join('; ')}.`,
  );
  const outside = m.features.filter((f) => f.value_interpretation !== 'within range');
  if (m.features.length === 0) parts.push('No vocal features were measured.');
  else if (outside.length === 0) parts.push(`All ${m.features.length} measured vocal features are within their published ranges.`);
  else parts.push(`Outside their published ranges: ${outside.map((f) => `${f.label.toLowerCase()} (${f.value_interpretation})`).join(', ')}.`);
  parts.push('Acoustic measures only; no condition model was applied.');
  return parts.join(' ');
}

export function embeddedUseCaseResult(useCase: VoiceUseCase, m: VoiceMeasures): UseCaseResult {
  const vocal: VocalFeature[] = m.features;
  return {
    summary: {
      overall_level: 'inconclusive',
      recommended_action: 'inconclusive',
      flagged_count: 0,
      primary_signals: [],
      description: { summary: describe(m), vocal_features: vocal },
    },
    signals: USE_CASE_MODELS[useCase].map(inconclusive),
    audio_quality: m.quality,
    extended_metrics: [],
  };
}

export function embeddedConditionResult(condition: VoiceCondition, m: VoiceMeasures): ConditionResult {
  return {
    signal: { ...inconclusive(condition), recommended_action: 'inconclusive', description: { summary: describe(m), vocal_features: m.features } },
    audio_quality: m.quality,
    extended_metrics: [],
  };
}
