// Parameters of the CDS card rules that are not clinical knowledge of src/clinical: how many cards a
// chart-open may show, and how old a monitoring result may be before an order card calls it stale.
// (Limits, bands, classes and critical values are src/clinical's and imported from there.)

export const CDS_PARAMS = {
  /** Cards per patient-view response: a chart-open interruption shows the few that matter (alert fatigue). */
  maxPatientViewCards: 3,
  /**
   * Monitoring intervals as numbers (the wording is src/clinical's `monitoring` text): NICE CG185
   * §1.10 — serum lithium every 3 months in the first year, renal function every 6 months.
   */
  lithiumLevelMaxAgeDays: 92,
  renalMaxAgeDays: 183,
  /** Clozapine label ANC table: weekly in the first 6 months, so a reading older than 7 days is not current. */
  ancMaxAgeDays: 7,
} as const;
