/** Codes used by the synthetic patients (see DESIGN.md terminology notes). */
// Instrument, item, answer, analyte and drug codes come from src/clinical, so the sandbox charts
// exactly what the app reads; only the LOINC long names shown in the sandbox are written here.
import { ANALYTES, ANSWER_CODES, ANSWER_LABELS, GAD7, ITEM9, PHQ2, PHQ9, PSYCHOTROPICS, type Analyte } from '../../clinical/index.ts';

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
  ITEM9.question,
] as const;

/** PHQ-9 items in order (item 1 first): LOINC linkId and question text. */
export const PHQ9_ITEMS = PHQ9.items.map((linkId, i) => ({ linkId, text: PHQ9_ITEM_TEXTS[i]! }));

export const ANSWERS = ANSWER_CODES.map((code, i) => ({ code, display: ANSWER_LABELS[i]! }));

/** A lab the stories chart: its analyte (units, reference and critical limits from src/clinical), LOINC and display. */
export interface LabDef {
  analyte: Analyte;
  code: string;
  display: string;
  decimals: number;
}

const lab = (key: string, code: string, display: string, decimals: number): LabDef => {
  const analyte = ANALYTES.find((a) => a.key === key);
  if (!analyte || !analyte.loinc.includes(code)) throw new Error(`sandbox lab ${key}/${code} is not a src/clinical analyte`);
  return { analyte, code, display, decimals };
};

export const LABS = {
  tsh: lab('tsh', '3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 2),
  freeT4: lab('free_t4', '3024-7', 'Thyroxine (T4) free [Mass/volume] in Serum or Plasma', 2),
  vitD: lab('vitamin_d', '1989-3', '25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma', 0),
  b12: lab('b12', '2132-9', 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma', 0),
  folate: lab('folate', '2284-8', 'Folate [Mass/volume] in Serum or Plasma', 1),
  ferritin: lab('ferritin', '2276-4', 'Ferritin [Mass/volume] in Serum or Plasma', 0),
  hemoglobin: lab('hemoglobin', '718-7', 'Hemoglobin [Mass/volume] in Blood', 1),
  sodium: lab('sodium', '2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 0),
  lithium: lab('lithium', '14334-7', 'Lithium [Moles/volume] in Serum or Plasma', 2),
  creatinine: lab('creatinine', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 2),
  egfr: lab('egfr', '98979-8', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)', 0),
  hba1c: lab('hba1c', '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 1),
  glucose: lab('glucose', '2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 0),
  ldl: lab('ldl', '13457-7', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation', 0),
  triglycerides: lab('triglycerides', '2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma', 0),
  alt: lab('alt', '1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 0),
  prolactin: lab('prolactin', '2842-3', 'Prolactin [Mass/volume] in Serum or Plasma', 1),
  anc: lab('anc', '751-8', 'Neutrophils [#/volume] in Blood by Automated count', 2),
  wbc: lab('wbc', '6690-2', 'Leukocytes [#/volume] in Blood by Automated count', 1),
  neutrophilsPct: lab('neutrophils_pct', '770-8', 'Neutrophils/100 leukocytes in Blood by Automated count', 0),
  clozapine: lab('clozapine', '6896-5', 'Clozapine [Mass/volume] in Serum or Plasma', 0),
} satisfies Record<string, LabDef>;

const drug = (key: string, display = key) => {
  const p = PSYCHOTROPICS.find((x) => x.key === key);
  if (!p?.rxnorm) throw new Error(`sandbox drug ${key} has no verified RxNorm code in src/clinical`);
  return { code: p.rxnorm, display };
};

export const DRUGS = {
  sertraline: drug('sertraline'),
  fluoxetine: drug('fluoxetine'),
  escitalopram: drug('escitalopram'),
  venlafaxine: drug('venlafaxine'),
  bupropion: drug('bupropion'),
  aripiprazole: drug('aripiprazole'),
  trazodone: drug('trazodone'),
  lithium: drug('lithium', 'lithium carbonate'),
  mirtazapine: drug('mirtazapine'),
  clozapine: drug('clozapine'),
};

/** A non-psychiatric drug (RxNorm ingredient 83367, CPIC drug table): never scored as a treatment response. */
export const ATORVASTATIN = { code: '83367', display: 'atorvastatin' };

export type Drug = { code: string; display: string };
