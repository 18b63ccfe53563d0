// Request examples from the reference, and one contract-valid relapse response (for the fake engine).
import type { EngineName } from '../../src/contract/index.ts';

export const EXAMPLE_REQUESTS: Record<EngineName, unknown> = {
  dmse: {
    responseLatencySeconds: 2.6,
    speechRateWpm: 98,
    psychomotorFidgetEpisodes: 4,
    sustainedAttentionPct: 66,
    sessionDurationSeconds: 540,
    history: { response_latency: [3.1, 2.9, 2.7] },
    sessionRef: 'visit_8841',
  },
  medication: {
    prescriptions: [
      { id: 'rx_001', medicationName: 'Sertraline', dosage: '50mg', frequency: 'daily', status: 'active', prescribedAt: '2026-03-01T00:00:00Z' },
    ],
    assessments: [
      { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 18, maxScore: 27, createdAt: '2026-02-20T00:00:00Z' },
      { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 11, maxScore: 27, createdAt: '2026-05-15T00:00:00Z' },
    ],
    dmseLatencyPctChange: -14,
  },
  biomarker: {
    labs: [
      {
        id: 'lab_88',
        labName: 'Quest Diagnostics',
        observedAt: '2026-06-01T00:00:00Z',
        results: {
          biomarkers: [
            { name: 'TSH', value: 6.8, unit: 'mIU/L', flag: 'high', referenceRange: '0.4-4.0' },
            { name: 'Vitamin D', value: 18, unit: 'ng/mL', flag: 'low', referenceRange: '30-100' },
          ],
        },
      },
    ],
  },
  outcome: {
    assessments: [
      { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 18, maxScore: 27, createdAt: '2026-02-20T00:00:00Z' },
      { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 9, maxScore: 27, createdAt: '2026-05-15T00:00:00Z' },
    ],
    dmseLatencyPctChange: -12,
    activeMedications: 1,
    biomarkerWatchCount: 0,
    avgSleepHours: 7.5,
  },
  relapse: {
    assessments: [
      { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 12, maxScore: 27, createdAt: '2026-05-01T00:00:00Z' },
      {
        instrumentId: 'phq9',
        instrumentName: 'PHQ-9',
        score: 19,
        maxScore: 27,
        severity: 'moderately severe',
        createdAt: '2026-06-15T00:00:00Z',
      },
    ],
    dmseLatencyPctChange: 16,
    avgSleepHours: 5.2,
    daysSinceMedChange: 12,
    hasActiveMedication: true,
    daysSinceLastVisit: 38,
  },
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
