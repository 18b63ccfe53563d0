// Clinical constants of the CDS card rules that have no home yet in src/clinical (being created by
// the `clinical` branch): each moves there once it lands. Every value carries its source.
import { RX_INGREDIENTS } from '../fhir/terminology.ts';

export type PsychotropicClass = 'antidepressant' | 'lithium' | 'antipsychotic';

/** RxNorm ingredient → class, for the ingredients of src/fhir/terminology (matched whole-word there). */
export const PSYCHOTROPIC_CLASS: Readonly<Record<string, PsychotropicClass>> = {
  '36437': 'antidepressant', // sertraline
  '4493': 'antidepressant', // fluoxetine
  '321988': 'antidepressant', // escitalopram
  '2556': 'antidepressant', // citalopram
  '32937': 'antidepressant', // paroxetine
  '39786': 'antidepressant', // venlafaxine
  '72625': 'antidepressant', // duloxetine
  '42347': 'antidepressant', // bupropion
  '15996': 'antidepressant', // mirtazapine
  '1455099': 'antidepressant', // vortioxetine
  '10737': 'antidepressant', // trazodone
  '6448': 'lithium',
  '89013': 'antipsychotic', // aripiprazole
  '61381': 'antipsychotic', // olanzapine
  '2626': 'antipsychotic', // clozapine
  '35636': 'antipsychotic', // risperidone
  '51272': 'antipsychotic', // quetiapine
};
export const CLOZAPINE_RXNORM = '2626';

// Every classified ingredient must exist in the terminology table (checked once at load).
for (const code of Object.keys(PSYCHOTROPIC_CLASS)) {
  if (!RX_INGREDIENTS[code]) throw new Error(`PSYCHOTROPIC_CLASS: ${code} is not in RX_INGREDIENTS`);
}

export const CDS_PARAMS = {
  /** Cards per patient-view response: a chart-open interruption shows the few that matter (alert fatigue). */
  maxPatientViewCards: 3,
  /**
   * Lithium monitoring (NICE CG185 §1.10.15–1.10.16, BAP 2016): serum lithium every 3 months in the
   * first year, renal function (creatinine/eGFR) every 6 months; check both before starting.
   */
  lithiumLevelMaxAgeDays: 92,
  renalMaxAgeDays: 183,
  /** eGFR below 60 mL/min/1.73 m² (CKD stage 3, KDIGO 2012): lithium clearance falls; review dose and need. */
  lithiumEgfrBelow: 60,
  /**
   * Clozapine ANC monitoring (clozapine prescribing information, ANC table for the general population):
   * ≥1.5 ×10⁹/L normal; 1.0–1.49 mild neutropenia (monitor 3×/week); 0.5–0.99 moderate (interrupt);
   * <0.5 severe (interrupt). Weekly ANC in the first 6 months, so a reading older than 7 days is stale.
   */
  ancMild: 1.5,
  ancModerate: 1.0,
  ancSevere: 0.5,
  ancMaxAgeDays: 7,
} as const;
