// summary.status / signal tone → HL7 v3 ObservationInterpretation (the original string stays in .text).
// A v3 code only where its meaning holds: a risk band is not a reference range, so "low" relapse risk
// is never written as v3 "Normal", and nothing is written as "Normal" beside a safety finding.
import { V3_INTERPRETATION } from '../terminology.ts';

const CODES = {
  N: { code: 'N', display: 'Normal' },
  A: { code: 'A', display: 'Abnormal' },
  AA: { code: 'AA', display: 'Critical abnormal' },
  HH: { code: 'HH', display: 'Critical high' },
  LL: { code: 'LL', display: 'Critical low' },
  H: { code: 'H', display: 'High' },
  W: { code: 'W', display: 'Worse' },
  B: { code: 'B', display: 'Better' },
  POS: { code: 'POS', display: 'Positive' },
} as const;
type V3 = keyof typeof CODES;

/**
 * Risk levels (relapse): elevated/high → H; low/moderate carry text only (a risk band is not "Normal").
 * Categorical findings: clinical_attention/concern/watch → A, critical → AA; within_normal/normal and
 * the biomarker "no_signals" (nothing abnormal) → N. Direction: worsening → W, improving → B.
 * Anything else (positive, neutral, subclinical, stable, insufficient_data …) carries text only.
 */
const STATUS_TO_CODE: Record<string, V3> = {
  normal: 'N',
  within_normal: 'N',
  no_signals: 'N',
  elevated: 'H',
  high: 'H',
  clinical_attention: 'A',
  watch: 'A',
  concern: 'A',
  abnormal: 'A',
  critical: 'AA',
  worsening: 'W',
  improving: 'B',
};

export interface InterpretationOptions {
  /** A safety finding (positive item 9, critical lab) exists: never "Normal". */
  safety?: boolean;
}

export function interpretationFor(status: string, options: InterpretationOptions = {}): { coding?: Array<{ system: string; code: string; display: string }>; text: string } {
  const key = STATUS_TO_CODE[status.trim().toLowerCase().replace(/[\s-]+/g, '_')];
  if (!key || (key === 'N' && options.safety)) return { text: status };
  return v3(key, status);
}

export function v3(key: V3, text: string): { coding: Array<{ system: string; code: string; display: string }>; text: string } {
  return { coding: [{ system: V3_INTERPRETATION, ...CODES[key] }], text };
}
