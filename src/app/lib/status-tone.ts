// One severity scale for every engine's status, so the summary can put the worst first.
// Known words first; otherwise the status's position in the engine's own interpretationScale
// (which lists statuses from least to most concerning).

export type Tone = 'critical' | 'concern' | 'watch' | 'ok' | 'unknown';

export const TONE_RANK: Record<Tone, number> = { critical: 4, concern: 3, watch: 2, ok: 1, unknown: 0 };

const WORDS: Record<string, Tone> = {
  high: 'critical',
  critical: 'critical',
  clinical_attention: 'critical',
  severe: 'critical',
  elevated: 'concern',
  worsening: 'concern',
  worsened: 'concern',
  concern: 'concern',
  moderately_severe: 'concern',
  non_response: 'concern',
  moderate: 'watch',
  subclinical: 'watch',
  watch: 'watch',
  partial_response: 'watch',
  mild: 'watch',
  low: 'ok',
  stable: 'ok',
  improving: 'ok',
  improved: 'ok',
  within_normal: 'ok',
  normal: 'ok',
  positive: 'ok',
  neutral: 'ok',
  minimal: 'ok',
  response: 'ok',
  remission: 'ok',
  insufficient_data: 'unknown',
  // Medication: nothing computable; biomarker: nothing abnormal. Neither alarming nor a reassurance.
  no_signals: 'unknown',
  unknown: 'unknown',
  no_data: 'unknown',
  none: 'unknown',
};

function key(status: string): string {
  return status.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export function toneOf(status: string, interpretationScale?: Record<string, string>): Tone {
  const k = key(status);
  const known = WORDS[k];
  if (known) return known;
  const scale = interpretationScale ? Object.keys(interpretationScale).map(key) : [];
  const at = scale.indexOf(k);
  if (at >= 0 && scale.length > 1) {
    const f = at / (scale.length - 1);
    return f >= 0.99 ? 'critical' : f >= 0.66 ? 'concern' : f >= 0.33 ? 'watch' : 'ok';
  }
  return 'unknown';
}

export const TONE_LABEL: Record<Tone, string> = {
  critical: 'Needs prompt review',
  concern: 'Concerning',
  watch: 'Watch',
  ok: 'Reassuring',
  unknown: 'Not enough data',
};
