/** Codes used by the synthetic patients (see DESIGN.md terminology notes). */
// Code systems, instrument codes and item codes come from the app's own terminology tables, so the
// sandbox charts exactly what the app reads.
import { GAD7, PHQ2, PHQ9 } from '../../fhir/terminology.ts';

export const SCORES = {
  phq9: { code: PHQ9.total, display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]' },
  gad7: { code: GAD7.total, display: 'Generalized anxiety disorder 7 item (GAD-7) total score [Reported]' },
  phq2: { code: PHQ2.total, display: 'Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]' },
} as const;

const PHQ9_ITEM_TEXTS = [
  'Little interest or pleasure in doing things',
  'Feeling down, depressed, or hopeless',
  'Trouble falling or staying asleep, or sleeping too much',
  'Feeling tired or having little energy',
  'Poor appetite or overeating',
  'Feeling bad about yourself',
  'Trouble concentrating on things',
  'Moving or speaking so slowly, or being fidgety or restless',
  'Thoughts that you would be better off dead, or of hurting yourself',
] as const;

/** PHQ-9 items in order (item 1 first): LOINC linkId and question text. */
export const PHQ9_ITEMS = PHQ9.items.map((linkId, i) => ({ linkId, text: PHQ9_ITEM_TEXTS[i]! }));

export const ANSWERS = [
  { code: 'LA6568-5', display: 'Not at all' },
  { code: 'LA6569-3', display: 'Several days' },
  { code: 'LA6570-1', display: 'More than half the days' },
  { code: 'LA6571-9', display: 'Nearly every day' },
] as const;

export interface LabDef {
  code: string;
  display: string;
  unit: string;
  low?: number;
  high?: number;
  criticalLow?: number;
  criticalHigh?: number;
  decimals: number;
}

export const LABS = {
  tsh: { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma', unit: 'm[IU]/L', low: 0.4, high: 4.0, decimals: 2 },
  freeT4: { code: '3024-7', display: 'Thyroxine (T4) free [Mass/volume] in Serum or Plasma', unit: 'ng/dL', low: 0.8, high: 1.8, decimals: 2 },
  vitD: { code: '1989-3', display: '25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma', unit: 'ng/mL', low: 30, high: 100, decimals: 0 },
  b12: { code: '2132-9', display: 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma', unit: 'pg/mL', low: 200, high: 900, decimals: 0 },
  folate: { code: '2284-8', display: 'Folate [Mass/volume] in Serum or Plasma', unit: 'ng/mL', low: 3, high: 20, decimals: 1 },
  ferritin: { code: '2276-4', display: 'Ferritin [Mass/volume] in Serum or Plasma', unit: 'ng/mL', low: 20, high: 250, decimals: 0 },
  hemoglobin: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/dL', low: 12, high: 16, decimals: 1 },
  sodium: { code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 135, high: 145, criticalLow: 120, criticalHigh: 160, decimals: 0 },
  lithium: { code: '14334-7', display: 'Lithium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 0.6, high: 1.2, criticalHigh: 1.5, decimals: 2 },
  creatinine: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 0.6, high: 1.2, decimals: 2 },
  egfr: { code: '98979-8', display: 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)', unit: 'mL/min/{1.73_m2}', low: 60, decimals: 0 },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', low: 4, high: 5.6, decimals: 1 },
  glucose: { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 70, high: 99, decimals: 0 },
  ldl: { code: '13457-7', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation', unit: 'mg/dL', high: 130, decimals: 0 },
  triglycerides: { code: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', unit: 'mg/dL', high: 150, decimals: 0 },
  alt: { code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', unit: 'U/L', low: 7, high: 56, decimals: 0 },
  prolactin: { code: '2842-3', display: 'Prolactin [Mass/volume] in Serum or Plasma', unit: 'ng/mL', low: 4, high: 23, decimals: 1 },
} satisfies Record<string, LabDef>;

export const DRUGS = {
  sertraline: { code: '36437', display: 'sertraline' },
  fluoxetine: { code: '4493', display: 'fluoxetine' },
  escitalopram: { code: '321988', display: 'escitalopram' },
  venlafaxine: { code: '39786', display: 'venlafaxine' },
  bupropion: { code: '42347', display: 'bupropion' },
  aripiprazole: { code: '89013', display: 'aripiprazole' },
  trazodone: { code: '10737', display: 'trazodone' },
  lithium: { code: '6448', display: 'lithium carbonate' },
  mirtazapine: { code: '15996', display: 'mirtazapine' },
} as const;

export type Drug = (typeof DRUGS)[keyof typeof DRUGS];
