// Digital MSE parameter table: one row per signal, thresholds as in the reference's reference ranges.

export type SignalKey = 'response_latency' | 'speech_rate' | 'psychomotor' | 'sustained_attention';

export interface SignalParams {
  key: SignalKey;
  label: string;
  unit: string;
  referenceRange: string;
  /** Request field carrying the current value. */
  field: 'responseLatencySeconds' | 'speechRateWpm' | 'psychomotorFidgetEpisodes' | 'sustainedAttentionPct';
}

export const DMSE_PARAMS = {
  /**
   * Response latency (s): <1.8 typical; 1.8–2.4 subclinical; ≥2.5 clinical attention. Prolonged
   * conversational latency is an objective marker of psychomotor retardation (Alpert 2001; Cannizzaro 2004).
   */
  latency: { subclinicalAt: 1.8, clinicalAt: 2.5 },
  /**
   * Speech rate (wpm): 110–180 typical conversational range; 100–109 / 181–200 subclinical;
   * <100 (slowed, depression) or >200 (rapid, activation) clinical attention.
   */
  speech: { typicalMin: 110, typicalMax: 180, clinicalBelow: 100, clinicalAbove: 200 },
  /**
   * Fidget episodes per minute of session (a count depends on session length): < 0.2/min typical,
   * 0.2–0.39/min subclinical, ≥ 0.4/min clinical attention — the reference's per-session cut points
   * (0–1, 2–3, ≥ 4 episodes) in a 10-minute session, so the documented examples keep their results.
   * Without a session length (or one under a minute) the count is read against a 10-minute session.
   */
  psychomotor: { subclinicalAt: 0.2, clinicalAt: 0.4, referenceSessionMinutes: 10, minSessionSeconds: 60 },
  /** Gaze on-screen (% of session): ≥80 typical; 70–79 subclinical; <70 clinical attention. */
  attention: { subclinicalBelow: 80, clinicalBelow: 70 },
  /** Session length giving full confidence (5 minutes of telemetry); shorter sessions are noisier. */
  fullConfidenceSessionSeconds: 300,
  /** Below 2 minutes a signal is read with low confidence. */
  lowConfidenceSessionSeconds: 120,
  /** Metrics coverage vs session length in the overall confidence; unknown session length counts half. */
  coverageWeight: 0.7,
  sessionWeight: 0.3,
  unknownSessionFactor: 0.5,
  /** History points giving high per-signal confidence when the session length is unknown. */
  historyForHighConfidence: 3,
  /** Trend vs personal baseline: a change of at least half an SD, and at least 5% of the mean. */
  trendSd: 0.5,
  trendRelative: 0.05,
} as const;

export const DMSE_SIGNALS: readonly SignalParams[] = [
  { key: 'response_latency', label: 'Response latency', unit: 's', field: 'responseLatencySeconds', referenceRange: '<1.8s typical; 1.8–2.4s subclinical; ≥2.5s clinical attention' },
  { key: 'psychomotor', label: 'Psychomotor activity', unit: 'episodes/min', field: 'psychomotorFidgetEpisodes', referenceRange: '<0.2/min typical; 0.2–0.39/min subclinical; ≥0.4/min clinical attention (in 10 minutes: 0–1, 2–3, ≥4 episodes)' },
  { key: 'speech_rate', label: 'Speech rate', unit: 'wpm', field: 'speechRateWpm', referenceRange: '110–180 wpm typical; 100–109 or 181–200 subclinical; <100 or >200 clinical attention' },
  { key: 'sustained_attention', label: 'Sustained attention', unit: '%', field: 'sustainedAttentionPct', referenceRange: '≥80% typical; 70–79% subclinical; <70% clinical attention' },
];

/** Order of the flagged list when interpretations tie (the reference's headline order). */
export const FLAG_ORDER: readonly SignalKey[] = ['response_latency', 'speech_rate', 'psychomotor', 'sustained_attention'];

export const DMSE_SCALE = {
  within_normal: 'Within typical range — no action suggested.',
  subclinical: 'Mildly outside typical range — worth noting, not urgent.',
  clinical_attention: 'Clearly outside typical range — flag for clinician review.',
} as const;
