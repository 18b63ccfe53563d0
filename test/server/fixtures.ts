// Request examples from the reference (kept once, in ../engines/fixtures.ts), and one contract-valid
// relapse response (for the fake engine).
import type { EngineName } from '../../src/contract/index.ts';
import { BIOMARKER_EXAMPLE, DMSE_EXAMPLE, MEDICATION_EXAMPLE, OUTCOME_EXAMPLE, RELAPSE_EXAMPLE } from '../engines/fixtures.ts';

export const EXAMPLE_REQUESTS: Record<EngineName, unknown> = {
  dmse: DMSE_EXAMPLE,
  medication: MEDICATION_EXAMPLE,
  biomarker: BIOMARKER_EXAMPLE,
  outcome: OUTCOME_EXAMPLE,
  relapse: RELAPSE_EXAMPLE,
};

export const RELAPSE_RESPONSE = {
  object: 'relapse.prediction',
  generatedAt: '2026-06-28T15:04:05.000Z',
  model: { key: 'relapse_risk', version: null, source: 'default' },
  disclaimer: 'Decision support for clinician review only.',
  intelligence: {
    schema: 'attunio.intelligence/v1',
    engine: 'relapse',
    summary: { status: 'elevated', headline: 'Relapse risk 68/100 (elevated).', flagged: ['Symptom trajectory'], requiresClinicianReview: true },
    confidence: { level: 'high', score: 0.9, reasons: ['6 of 6 inputs supplied'] },
    dataQuality: { completeness: 1, missingInputs: [], freshness: { newestInputAt: '2026-06-15T00:00:00Z', staleInputs: [] } },
    provenance: { generatedAt: '2026-06-28T15:04:05.000Z', engineVersion: 'default', method: 'deterministic_rules', inputs: [] },
    codes: [],
    change: null,
    interpretationScale: { low: 'Low risk.' },
  },
  safety: [],
  score: 68,
  level: 'elevated',
  trend: 'rising',
  confidence: 'high',
  topDriver: 'Symptom trajectory',
  factors: [],
  summaryLine: 'Elevated relapse risk (68/100).',
  recommendation: 'Flag for closer monitoring.',
  sourceCount: 5,
  measures: [],
};
