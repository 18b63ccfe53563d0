// What Tidemark reads from one patient's chart, already mapped and validated: the single input of
// `buildEngineRequests`. Owned by src/fhir; the app renders it (sources, data-quality notes).
import type { Item9Answer } from '../clinical/index.ts';
import type { Assessment, EngineName, LabPanel, Prescription } from '../contract/index.ts';

export interface DatedValue {
  value: number;
  at: string; // ISO date-time
  sourceRef: string; // e.g. "Observation/123"
}

/** A chart entry Tidemark left out, and why (shown in the data-quality note, never silently dropped). */
export interface ExcludedEntry {
  sourceRef: string;
  reason:
    | 'entered-in-error'
    | 'cancelled'
    | 'malformed'
    | 'unknown-unit'
    | 'no-value'
    | 'duplicate'
    | 'other'
    // Added by src/fhir (compatible extension):
    | 'non-numeric'
    | 'no-date'
    | 'out-of-range';
  detail: string;
}

/** Something the reader accepted but the clinician may want to know (e.g. a date without timezone). */
export interface ChartNote {
  kind: 'no-timezone' | 'merged' | 'unit-converted' | 'capped' | 'other' | 'prorated';
  sourceRef: string;
  detail: string;
}

/** A result Tidemark wrote earlier (read back from the chart), used as `previous`. */
export interface StoredResult {
  engine: EngineName;
  score: number | null;
  status: string;
  computedAt: string;
  inputs: Record<string, number | string | boolean | null>;
  sourceRef: string;
  /**
   * Write identity of the result (identifier value in system urn:tidemark:result: a stable hash of
   * patient, engine, inputs and engine version). Absent when the Observation carries none.
   */
  identifier?: string;
}

export interface ChartData {
  patientId: string;
  /** PHQ-9, PHQ-2, GAD-7 … oldest first, duplicates merged, items attached where charted. */
  assessments: Assessment[];
  /**
   * Every PHQ-9 item-9 answer in the chart, in any form (standalone Observation, panel component,
   * QuestionnaireResponse item) and any status but entered-in-error, collected before completeness
   * checks. The safety path (src/clinical chartSafety) reads it. Optional only for charts built by hand.
   */
  item9Answers?: Item9Answer[];
  /** Lab readings grouped into panels by draw time; each biomarker carries loinc + sourceRef. */
  labs: LabPanel[];
  prescriptions: Prescription[];
  sleep: DatedValue[];
  /** Digital-MSE response latency (seconds) when charted; oldest first. */
  dmseLatency: DatedValue[];
  /** Speech rate (words/min) of saved voice samples with adequate quality; oldest first. */
  speechRate?: DatedValue[];
  lastVisit: { at: string; sourceRef: string } | null;
  /** Earlier Tidemark results per engine, oldest first (the relapse trend uses all of them). */
  history: Partial<Record<EngineName, StoredResult[]>>;
  excluded: ExcludedEntry[];
  /** Accepted-with-a-caveat notes (dates without timezone, duplicates merged, units converted). */
  notes?: ChartNote[];
}
