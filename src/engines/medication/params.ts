// Medication response parameter table (the calibration unit of this engine).

export const MEDICATION_PARAMS = {
  /** ≥25% reduction = at least partial response (25–49% partial, ≥50% response; Nierenberg & DeCecco 2001). */
  positiveReductionPct: 25,
  /** Adequate antidepressant trial before calling non-response: 6 weeks (APA 2010 practice guideline). */
  adequateTrialDays: 42,
  /** Worsening by at least one clinically important change (PHQ-9 5 points) since the start is a concern. */
  worseningInImportantChanges: 1,
  /**
   * A percent change is only shown for an improvement from a baseline at or above the instrument's
   * mild threshold (PHQ-9 and GAD-7: 5; other scales: 5/27 of their maximum). From a small baseline a
   * percent is misleading (4→19 would read "375% increase"), and a rise is read in points against the
   * clinically important change, so worsening and small baselines are expressed in points.
   */
  percentBaseline: { phq9: 5, gad7: 5 } as Record<string, number>,
  genericPercentBaselineFraction: 5 / 27,
  /** Signal confidence: before + after administrations needed for "high" (≥4), else "moderate". */
  highConfidencePoints: 4,
  latency: {
    /** |latency change| ≥10% is beyond session-to-session noise: faster = corroborates improvement. */
    meaningfulPct: 10,
  },
  /** Prescription statuses read as active (FHIR MedicationRequest.status "active"). */
  activeStatuses: ['active'],
  staleAfterDays: 90,
} as const;

/** RxNorm ingredient codes (verified, ../shared/DESIGN.md). Matched against the normalised name. */
export const RXNORM_INGREDIENTS: ReadonlyArray<readonly [name: string, code: string]> = [
  ['sertraline', '36437'],
  ['fluoxetine', '4493'],
  ['escitalopram', '321988'],
  ['citalopram', '2556'],
  ['paroxetine', '32937'],
  ['venlafaxine', '39786'],
  ['duloxetine', '72625'],
  ['bupropion', '42347'],
  ['mirtazapine', '15996'],
  ['lamotrigine', '28439'],
  ['valproicacid', '11118'],
  ['valproate', '11118'],
  ['aripiprazole', '89013'],
  ['olanzapine', '61381'],
  ['clozapine', '2626'],
  ['risperidone', '35636'],
  ['carbamazepine', '2002'],
  ['vortioxetine', '1455099'],
  ['lithium', '6448'],
  ['quetiapine', '51272'],
  ['trazodone', '10737'],
];

/** Drugs with mandatory laboratory monitoring (narrow therapeutic index or haematological risk). */
export const MONITORED_DRUGS: ReadonlyArray<readonly [name: string, text: string]> = [
  ['lithium', 'serum lithium level, renal and thyroid monitoring apply (narrow therapeutic index).'],
  ['clozapine', 'absolute neutrophil count monitoring applies (neutropenia risk), plus metabolic monitoring.'],
  ['valpro', 'valproate level, liver function and platelet monitoring apply.'],
  ['carbamazepine', 'carbamazepine level, sodium, blood count and liver function monitoring apply.'],
];
