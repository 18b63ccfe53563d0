// Shared objects of the Clinical Intelligence API contract
// (../shared/reference/clinical-intelligence-api.txt): written once, used by engines, server,
// app, OpenAPI document and tests. Types are inferred, never written by hand.
import { z } from 'zod';

export const isoDate = z.iso.datetime({ offset: true, local: true }).or(z.iso.date());
export type IsoDate = z.infer<typeof isoDate>;

const sessionRef = z.string().min(1).max(128).optional();

/** A single item answer (e.g. PHQ-9 item 9). Tidemark extension: the reference carries totals only. */
export const assessmentItem = z.strictObject({
  /** LOINC code or linkId of the item, e.g. "44260-8" for PHQ-9 item 9. */
  id: z.string().min(1).max(64),
  /** 1-based position in the instrument (item 9 = 9). */
  index: z.int().min(1).max(100).optional(),
  score: z.number().min(0).max(10),
});

export const assessment = z.strictObject({
  instrumentId: z.string().min(1).max(64),
  instrumentName: z.string().min(1).max(120),
  score: z.number().min(0).max(1000),
  maxScore: z.number().min(1).max(1000),
  severity: z.string().min(1).max(64).optional(),
  createdAt: isoDate,
  /** Tidemark extension: item answers, so a positive PHQ-9 item 9 is never hidden. */
  items: z.array(assessmentItem).max(50).optional(),
  /** Tidemark extension: chart reference (e.g. "Observation/123") so every number can be traced. */
  sourceRef: z.string().min(1).max(256).optional(),
});
export type Assessment = z.infer<typeof assessment>;

export const prescription = z.strictObject({
  id: z.string().min(1).max(256),
  medicationName: z.string().min(1).max(160),
  dosage: z.string().max(120).optional(),
  frequency: z.string().max(120).optional(),
  status: z.string().min(1).max(40),
  prescribedAt: isoDate.optional(),
  /** Tidemark extensions: when it stopped and its RxNorm ingredient code. */
  stoppedAt: isoDate.optional(),
  rxnorm: z.string().min(1).max(20).optional(),
});
export type Prescription = z.infer<typeof prescription>;

export const biomarkerFlag = z.enum(['high', 'low', 'critical', 'normal']);
export const biomarker = z.strictObject({
  name: z.string().min(1).max(120),
  value: z.union([z.number(), z.string().max(120), z.null()]),
  unit: z.string().max(40).optional(),
  flag: biomarkerFlag.optional(),
  referenceRange: z.string().max(80).optional(),
  note: z.string().max(240).optional(),
  /** Tidemark extension: LOINC code of the analyte, so matching never depends on a display name. */
  loinc: z.string().min(1).max(20).optional(),
  /** Tidemark extension: chart reference of this reading. */
  sourceRef: z.string().min(1).max(256).optional(),
});
export type Biomarker = z.infer<typeof biomarker>;

export const labPanel = z.strictObject({
  id: z.string().min(1).max(256),
  labName: z.string().min(1).max(160),
  observedAt: isoDate.optional(),
  results: z.strictObject({ biomarkers: z.array(biomarker).max(200) }),
});
export type LabPanel = z.infer<typeof labPanel>;

export const previousInputValue = z.union([z.number(), z.string().max(200), z.boolean(), z.null()]);
export const previousResult = z.strictObject({
  score: z.number().min(-1000).max(1000).optional(),
  status: z.string().min(1).max(64).optional(),
  computedAt: isoDate.optional(),
  inputs: z.record(z.string().max(64), previousInputValue).optional(),
});
export type PreviousResult = z.infer<typeof previousResult>;

/**
 * Tidemark extension: a safety finding — a positive PHQ-9 item 9 (never hidden) or a critical lab value.
 * Engines return them in `safety`; callers may also send the ones they found in the chart (item-9
 * answers outside a scored administration, critical labs), so every engine's advice respects them.
 */
export const item9Finding = z.object({
  kind: z.literal('phq9_item9'),
  answer: z.number().finite().min(0).max(10),
  /** ISO date-time of the answer; '' when the chart gives none. */
  at: z.string().max(40),
  sourceRef: z.string().min(1).max(256).optional(),
  message: z.string().max(400),
  answerText: z.string().max(80).optional(),
  /** true (or absent): the latest item-9 answer; false: an older positive answer. */
  current: z.boolean().optional(),
  /** Status of the charted resource when not final (e.g. "in-progress"). */
  status: z.string().max(40).optional(),
});
export const criticalLabFinding = z.object({
  kind: z.literal('critical_lab'),
  analyte: z.string().min(1).max(64),
  label: z.string().min(1).max(120),
  /** As charted; null when the lab sent a non-numeric value it flagged critical. */
  value: z.number().finite().nullable(),
  unit: z.string().max(40),
  loinc: z.string().max(20).optional(),
  at: z.string().max(40),
  sourceRef: z.string().min(1).max(256).optional(),
  direction: z.enum(['high', 'low', 'critical']),
  limit: z.string().max(80),
  source: z.string().max(200),
  message: z.string().max(600),
});
export const safetyFinding = z.discriminatedUnion('kind', [item9Finding, criticalLabFinding]);
export type SafetyFinding = z.infer<typeof safetyFinding>;

/** Fields every intelligence request may carry. */
export const commonRequestFields = {
  sessionRef,
  previous: previousResult.optional(),
  explain: z.boolean().optional(),
  /** Tidemark extension: safety findings the caller already knows from the chart (see safetyFinding). */
  safety: z.array(safetyFinding).max(100).optional(),
  /**
   * Tidemark extension: chart references behind each scalar input, keyed by request field
   * (e.g. avgSleepHours → the sleep Observations averaged), so every number traces to the chart.
   */
  sources: z.record(z.string().max(64), z.array(z.string().min(1).max(256)).max(200)).optional(),
};

export const latencyPctChange = z.number().min(-100).max(1000);
export const assessments = z.array(assessment).max(500);
