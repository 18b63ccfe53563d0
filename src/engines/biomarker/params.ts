// Biomarker parameter table. The analytes themselves (LOINC sets, units, reference and critical
// limits, psychiatric relevance, drug-aware notes) live in src/clinical/analytes.ts.

export const BIOMARKER_PARAMS = {
  /** Readings older than this are listed as stale in dataQuality (labs drift; yearly monitoring is the norm). */
  staleAfterDays: 365,
} as const;
