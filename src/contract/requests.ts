import { z } from 'zod';
import {
  assessments,
  commonRequestFields,
  labPanel,
  latencyPctChange,
  prescription,
} from './common.ts';

const signalHistory = z.array(z.number().finite()).max(500);

export const dmseRequest = z
  .strictObject({
    psychomotorFidgetEpisodes: z.number().min(0).max(1000).optional(),
    responseLatencySeconds: z.number().min(0).max(120).optional(),
    speechRateWpm: z.number().min(0).max(600).optional(),
    sustainedAttentionPct: z.number().min(0).max(100).optional(),
    sessionDurationSeconds: z.number().min(0).max(86_400).optional(),
    history: z
      .strictObject({
        psychomotor: signalHistory.optional(),
        response_latency: signalHistory.optional(),
        speech_rate: signalHistory.optional(),
        sustained_attention: signalHistory.optional(),
      })
      .optional(),
    ...commonRequestFields,
  })
  .refine(
    (r) =>
      [r.psychomotorFidgetEpisodes, r.responseLatencySeconds, r.speechRateWpm, r.sustainedAttentionPct].some(
        (v) => v !== undefined,
      ),
    { message: 'Provide at least one metric.' },
  );
export type DmseRequest = z.infer<typeof dmseRequest>;

export const medicationRequest = z.strictObject({
  prescriptions: z.array(prescription).max(100),
  assessments,
  dmseLatencyPctChange: latencyPctChange.optional(),
  ...commonRequestFields,
});
export type MedicationRequest = z.infer<typeof medicationRequest>;

export const biomarkerRequest = z.strictObject({
  labs: z.array(labPanel).min(1).max(100),
  /** Tidemark extension: active medications (names or RxNorm ingredient codes) for drug-aware notes. */
  medications: z.array(z.string().min(1).max(160)).max(100).optional(),
  /** Tidemark extension: benign ethnic neutropenia charted — the clozapine label's lower ANC thresholds apply. */
  benignEthnicNeutropenia: z.boolean().optional(),
  ...commonRequestFields,
});
export type BiomarkerRequest = z.infer<typeof biomarkerRequest>;

export const outcomeRequest = z.strictObject({
  assessments,
  dmseLatencyPctChange: latencyPctChange.optional(),
  activeMedications: z.int().min(0).max(100).default(0),
  biomarkerWatchCount: z.int().min(0).max(100).default(0),
  avgSleepHours: z.number().min(0).max(24).optional(),
  ...commonRequestFields,
});
export type OutcomeRequest = z.infer<typeof outcomeRequest>;
export type OutcomeRequestInput = z.input<typeof outcomeRequest>;

/** Tidemark extension: what the last medication change was (a refill is not a change). */
export const medChangeKind = z.enum(['start', 'restart', 'increase', 'decrease', 'dose change', 'stop', 'switch']);

export const relapseRequest = z.strictObject({
  assessments,
  dmseLatencyPctChange: latencyPctChange.optional(),
  avgSleepHours: z.number().min(0).max(24).optional(),
  daysSinceMedChange: z.int().min(0).max(3650).optional(),
  /** Tidemark extension: kind of that change; reductions and stops weigh more than starts and increases. */
  medChangeKind: medChangeKind.optional(),
  hasActiveMedication: z.boolean().default(false),
  daysSinceLastVisit: z.int().min(0).max(3650).optional(),
  ...commonRequestFields,
});
export type RelapseRequest = z.infer<typeof relapseRequest>;
export type RelapseRequestInput = z.input<typeof relapseRequest>;
