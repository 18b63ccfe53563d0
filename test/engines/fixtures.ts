// Documented examples (../shared/reference/clinical-intelligence-api.txt) and request helpers.
import { ENDPOINTS, type EngineName, type EngineRequest } from '../../src/contract/index.ts';

export const NOW = new Date('2026-06-28T15:04:05.000Z');

export const phq = (score: number, createdAt: string, extra: Record<string, unknown> = {}) => ({
  instrumentId: 'phq9',
  instrumentName: 'PHQ-9',
  score,
  maxScore: 27,
  createdAt,
  ...extra,
});

export function parse<E extends EngineName>(engine: E, input: unknown): EngineRequest<E> {
  return ENDPOINTS[engine].request.parse(input) as EngineRequest<E>;
}

export const RELAPSE_EXAMPLE = {
  assessments: [phq(12, '2026-05-01T00:00:00Z'), phq(19, '2026-06-15T00:00:00Z', { severity: 'moderately severe' })],
  dmseLatencyPctChange: 16,
  avgSleepHours: 5.2,
  daysSinceMedChange: 12,
  hasActiveMedication: true,
  daysSinceLastVisit: 38,
};

/**
 * The change example's current request (the reference elides its assessments). Designed to score 38:
 * PHQ-9 stable at 15 → symptoms 26 (level saturated at 15, no rise); sleep 7.5 h → 0; last visit
 * 12 days ago → 0; medication changed 4 days ago → 14 × 24/28 = 12; Digital MSE not supplied.
 */
export const CHANGE_EXAMPLE = {
  assessments: [phq(15, '2026-05-20T00:00:00Z'), phq(15, '2026-06-01T00:00:00Z')],
  avgSleepHours: 7.5,
  daysSinceLastVisit: 12,
  daysSinceMedChange: 4,
  hasActiveMedication: true,
  previous: {
    score: 44,
    status: 'elevated',
    computedAt: '2026-05-01T00:00:00Z',
    inputs: { avgSleepHours: 5.1, daysSinceLastVisit: 30 },
  },
};

export const OUTCOME_EXAMPLE = {
  assessments: [phq(18, '2026-02-20T00:00:00Z'), phq(9, '2026-05-15T00:00:00Z')],
  dmseLatencyPctChange: -12,
  activeMedications: 1,
  biomarkerWatchCount: 0,
  avgSleepHours: 7.5,
};

export const MEDICATION_EXAMPLE = {
  prescriptions: [
    { id: 'rx_001', medicationName: 'Sertraline', dosage: '50mg', frequency: 'daily', status: 'active', prescribedAt: '2026-03-01T00:00:00Z' },
  ],
  assessments: [phq(18, '2026-02-20T00:00:00Z'), phq(11, '2026-05-15T00:00:00Z')],
  dmseLatencyPctChange: -14,
};

export const BIOMARKER_EXAMPLE = {
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
};

export const DMSE_EXAMPLE = {
  responseLatencySeconds: 2.6,
  speechRateWpm: 98,
  psychomotorFidgetEpisodes: 4,
  sustainedAttentionPct: 66,
  sessionDurationSeconds: 540,
  history: { response_latency: [3.1, 2.9, 2.7] },
  sessionRef: 'visit_8841',
};
