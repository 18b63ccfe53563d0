// Codes of Tidemark's own concepts (urn:tidemark:engine) and the relapse level cut-offs.

export type EngineKey = 'dmse' | 'medication' | 'biomarker' | 'outcome' | 'relapse';

/** One code per engine result (no SNOMED concept exists for "risk of depressive relapse"). */
export const ENGINE_CODES = {
  relapse: { code: 'relapse_risk', display: 'Tidemark relapse risk score' },
  outcome: { code: 'outcome_score', display: 'Tidemark treatment outcome score' },
  medication: { code: 'medication_response', display: 'Tidemark medication response analysis' },
  biomarker: { code: 'biomarker_interpretation', display: 'Tidemark biomarker interpretation' },
  dmse: { code: 'dmse_signals', display: 'Tidemark digital mental status exam signals' },
} as const satisfies Record<EngineKey, { code: string; display: string }>;

/** Codes of findings and signals written next to an engine result. */
export const FINDING_CODES = {
  item9: { code: 'safety_phq9_item9', display: 'PHQ-9 item 9 positive (thoughts of self-harm reported)' },
  criticalLab: { code: 'safety_critical_lab', display: 'Critical laboratory value' },
  biomarkerSignal: { code: 'biomarker_signal', display: 'Tidemark biomarker signal' },
  medicationSignal: { code: 'medication_signal', display: 'Tidemark medication signal' },
  /** Digital-MSE response latency charted as its own Observation (seconds). */
  dmseLatency: { code: 'dmse_response_latency', display: 'Digital MSE response latency' },
  /** Digital-MSE psychomotor restlessness rate (timing telemetry, not a SNOMED clinical finding). */
  dmsePsychomotorRate: { code: 'dmse_psychomotor_rate', display: 'Digital MSE fidget episodes per minute' },
  /** A measured voice sample (its features as components); read back as the dMSE speech-rate history. */
  voiceSample: { code: 'voice_sample', display: 'Tidemark voice sample analysis' },
} as const;

export type RelapseLevel = 'low' | 'moderate' | 'elevated' | 'high';

/**
 * Level bands on the 0–100 relapse score (lower bound inclusive). Agrees with the reference examples
 * (68 and 44 elevated, 38 moderate). The symptom rules in the engine may raise the level, never lower it.
 */
export const RELAPSE_LEVELS: Readonly<Record<Exclude<RelapseLevel, 'low'>, number>> = { moderate: 25, elevated: 40, high: 70 };
export const RELAPSE_LEVEL_ORDER: readonly RelapseLevel[] = ['low', 'moderate', 'elevated', 'high'];

export function relapseLevelOf(score: number): RelapseLevel {
  return score >= RELAPSE_LEVELS.high ? 'high' : score >= RELAPSE_LEVELS.elevated ? 'elevated' : score >= RELAPSE_LEVELS.moderate ? 'moderate' : 'low';
}

export function maxLevel(a: RelapseLevel, b: RelapseLevel): RelapseLevel {
  return RELAPSE_LEVEL_ORDER.indexOf(a) >= RELAPSE_LEVEL_ORDER.indexOf(b) ? a : b;
}
