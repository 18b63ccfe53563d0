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

/** Fields every intelligence request may carry. */
export const commonRequestFields = {
  sessionRef,
  previous: previousResult.optional(),
  explain: z.boolean().optional(),
};

export const latencyPctChange = z.number().min(-100).max(1000);
export const assessments = z.array(assessment).max(500);
