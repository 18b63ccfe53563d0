// summary.status / signal tone → HL7 v3 ObservationInterpretation (the original string stays in .text).
import { V3_INTERPRETATION } from '../terminology.ts';

const CODES: Record<string, { code: string; display: string }> = {
  N: { code: 'N', display: 'Normal' },
  A: { code: 'A', display: 'Abnormal' },
  AA: { code: 'AA', display: 'Critical abnormal' },
  H: { code: 'H', display: 'High' },
  W: { code: 'W', display: 'Worse' },
  B: { code: 'B', display: 'Better' },
};

/**
 * Risk levels (relapse): low/moderate → N (as the reference's own FHIR example), elevated/high → H.
 * Categorical findings: clinical_attention/concern/watch → A, critical → AA, within_normal/normal/
 * positive/neutral/subclinical → N. Direction: worsening → W, improving → B. Anything else
 * (insufficient_data, stable, unknown) carries text only.
 */
const STATUS_TO_CODE: Record<string, keyof typeof CODES> = {
  low: 'N',
  moderate: 'N',
  normal: 'N',
  within_normal: 'N',
  subclinical: 'N',
  positive: 'N',
  neutral: 'N',
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

export function interpretationFor(status: string): { coding?: Array<{ system: string; code: string; display: string }>; text: string } {
  const key = STATUS_TO_CODE[status.trim().toLowerCase().replace(/[\s-]+/g, '_')];
  const c = key ? CODES[key] : undefined;
  return c ? { coding: [{ system: V3_INTERPRETATION, ...c }], text: status } : { text: status };
}
