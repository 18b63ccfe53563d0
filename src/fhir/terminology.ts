// Terminology tables (codes verified in research: ../shared/DESIGN.md "Terminology notes").
// One place for every code Tidemark reads or writes; mappers never hard-code a code elsewhere.
import type { EngineName } from '../contract/index.ts';

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

/** Our own code system: engine results and their inputs (no standard concept exists for most). */
export const TIDEMARK_ENGINE = 'urn:tidemark:engine';
/** Identifier system of every Observation Tidemark writes (value = stable hash, see write/identity). */
export const TIDEMARK_RESULT = 'urn:tidemark:result';

export const ENGINE_CODES = {
  relapse: { code: 'relapse_risk', display: 'Tidemark relapse risk score' },
  outcome: { code: 'outcome_score', display: 'Tidemark treatment outcome score' },
  medication: { code: 'medication_response', display: 'Tidemark medication response analysis' },
  biomarker: { code: 'biomarker_interpretation', display: 'Tidemark biomarker interpretation' },
  dmse: { code: 'dmse_signals', display: 'Tidemark digital mental status exam signals' },
} as const satisfies Record<EngineName, { code: string; display: string }>;

export function engineForCode(code: string): EngineName | undefined {
  for (const [engine, c] of Object.entries(ENGINE_CODES)) if (c.code === code) return engine as EngineName;
  return undefined;
}

/** Our code for a digital-MSE response latency reading charted as an Observation (seconds). */
export const DMSE_LATENCY_CODE = 'dmse_response_latency';
/** A saved voice sample (src/fhir/write/voice.ts); read back for the speech-rate history of the digital MSE. */
export const VOICE_SAMPLE_CODE = 'voice_sample';
/** Our codes for one flagged module signal written next to its engine result. */
export const SIGNAL_CODE = { biomarker: 'biomarker_signal', medication: 'medication_signal' } as const;
/** Component code of an engine input kept on a written result, e.g. "input.avgSleepHours". */
export const inputCode = (name: string): string => `input.${name}`;
export const inputNameFromCode = (code: string): string | undefined =>
  code.startsWith('input.') && code.length > 6 ? code.slice(6) : undefined;

// ---- Instruments -------------------------------------------------------------------------------

export interface InstrumentDef {
  instrumentId: string;
  instrumentName: string;
  maxScore: number;
  /** LOINC of the total score. */
  total: string;
  /** LOINC of the panel (an Observation with components / hasMember, or the questionnaire). */
  panel?: string;
  /** Item LOINC codes in order (item 1 first). */
  items: readonly string[];
  /** Highest answer of one item. */
  itemMax: number;
}

export const PHQ9: InstrumentDef = {
  instrumentId: 'phq9',
  instrumentName: 'PHQ-9',
  maxScore: 27,
  total: '44261-6',
  panel: '44249-1',
  items: ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'],
  itemMax: 3,
};
export const PHQ9_ITEM9 = '44260-8';

export const PHQ2: InstrumentDef = {
  instrumentId: 'phq2',
  instrumentName: 'PHQ-2',
  maxScore: 6,
  total: '55758-7',
  // PHQ-2 items are PHQ-9 items 1 and 2.
  items: ['44250-9', '44255-8'],
  itemMax: 3,
};

export const GAD7: InstrumentDef = {
  instrumentId: 'gad7',
  instrumentName: 'GAD-7',
  maxScore: 21,
  total: '70274-6',
  panel: '69737-5',
  // GAD-7 item codes are not in our verified table: items are read by position/linkId only.
  items: [],
  itemMax: 3,
};

export const INSTRUMENTS = [PHQ9, PHQ2, GAD7] as const;

export function instrumentForTotal(loinc: string): InstrumentDef | undefined {
  return INSTRUMENTS.find((i) => i.total === loinc);
}
export function instrumentForPanel(loinc: string): InstrumentDef | undefined {
  return INSTRUMENTS.find((i) => i.panel === loinc);
}

/** LOINC answer codes of the PHQ-9/GAD-7 frequency scale → item score. */
export const FREQUENCY_ANSWERS: Readonly<Record<string, number>> = {
  'LA6568-5': 0, // Not at all
  'LA6569-3': 1, // Several days
  'LA6570-1': 2, // More than half the days
  'LA6571-9': 3, // Nearly every day
};

/** PHQ-9 severity bands (Kroenke 2001). */
export type Phq9Band = 'minimal' | 'mild' | 'moderate' | 'moderately severe' | 'severe';
export function phq9Band(score: number): Phq9Band {
  if (score <= 4) return 'minimal';
  if (score <= 9) return 'mild';
  if (score <= 14) return 'moderate';
  if (score <= 19) return 'moderately severe';
  return 'severe';
}

export const DEPRESSION_SEVERITY = { system: LOINC, code: '94023-9', display: 'Depression severity' } as const;
/**
 * LOINC answers for 94023-9. Verified: LA6752-5 Mild, LA6751-7 Moderate (US Core example
 * "simple-observation-disability-status"), LA6750-9 Severe. "Minimal" and "Moderately severe"
 * answer codes could not be verified offline: those bands carry text + our own code only.
 */
export const DEPRESSION_SEVERITY_ANSWERS: Readonly<Record<Phq9Band, { code: string; display: string } | null>> = {
  minimal: null,
  mild: { code: 'LA6752-5', display: 'Mild' },
  moderate: { code: 'LA6751-7', display: 'Moderate' },
  'moderately severe': null,
  severe: { code: 'LA6750-9', display: 'Severe' },
};

export const SLEEP_DURATION = '93832-4';

// ---- Labs --------------------------------------------------------------------------------------

export interface AnalyteDef {
  /** Canonical name sent to the biomarker engine (matches the reference's examples: "TSH"). */
  name: string;
  loinc: readonly string[];
  /** UCUM/common units we accept as is (lowercased comparison). Empty = any unit. */
  units: readonly string[];
}

export const ANALYTES: readonly AnalyteDef[] = [
  { name: 'TSH', loinc: ['3016-3', '11579-0', '11580-8'], units: ['miu/l', 'uiu/ml', 'µiu/ml', 'mu/l', 'm[iu]/l', 'u[iu]/ml'] },
  { name: 'Free T4', loinc: ['3024-7', '83122-2'], units: ['ng/dl', 'pmol/l'] },
  { name: 'Vitamin D', loinc: ['62292-8', '1989-3'], units: ['ng/ml', 'nmol/l'] },
  { name: 'Vitamin B12', loinc: ['2132-9'], units: ['pg/ml', 'pmol/l', 'ng/l'] },
  { name: 'Folate', loinc: ['2284-8'], units: ['ng/ml', 'nmol/l'] },
  { name: 'Ferritin', loinc: ['2276-4'], units: ['ng/ml', 'ug/l', 'µg/l'] },
  { name: 'Hemoglobin', loinc: ['718-7'], units: ['g/dl', 'g/l'] },
  // 2947-0 (Sodium [Moles/volume] in Blood) is what Synthea charts; same analyte, same units.
  { name: 'Sodium', loinc: ['2951-2', '2947-0'], units: ['mmol/l', 'meq/l'] },
  { name: 'Lithium', loinc: ['14334-7'], units: ['mmol/l', 'meq/l'] },
  { name: 'Valproate', loinc: ['4086-5'], units: ['ug/ml', 'µg/ml', 'mg/l'] },
  { name: 'Carbamazepine', loinc: ['3432-2'], units: ['ug/ml', 'µg/ml', 'mg/l'] },
  { name: 'Clozapine', loinc: ['6896-5'], units: ['ng/ml', 'ug/l', 'µg/l'] },
  { name: 'ANC', loinc: ['751-8', '26499-4'], units: ['10*3/ul', '10^3/ul', 'k/ul', '10*9/l', '/ul', 'cells/ul'] },
  { name: 'WBC', loinc: ['6690-2'], units: ['10*3/ul', '10^3/ul', 'k/ul', '10*9/l'] },
  { name: 'HbA1c', loinc: ['4548-4'], units: ['%'] },
  // 2339-0 (Glucose [Mass/volume] in Blood) is what Synthea charts.
  { name: 'Glucose', loinc: ['2345-7', '2339-0'], units: ['mg/dl', 'mmol/l'] },
  { name: 'LDL cholesterol', loinc: ['13457-7', '18262-6'], units: ['mg/dl', 'mmol/l'] },
  { name: 'Triglycerides', loinc: ['2571-8'], units: ['mg/dl', 'mmol/l'] },
  { name: 'ALT', loinc: ['1742-6'], units: ['u/l', 'iu/l'] },
  { name: 'AST', loinc: ['1920-8'], units: ['u/l', 'iu/l'] },
  { name: 'Creatinine', loinc: ['2160-0'], units: ['mg/dl', 'umol/l', 'µmol/l'] },
  { name: 'eGFR', loinc: ['98979-8', '33914-3'], units: ['ml/min/{1.73_m2}', 'ml/min/1.73m2', 'ml/min/1.73 m2', 'ml/min'] },
  { name: 'Prolactin', loinc: ['2842-3'], units: ['ng/ml', 'ug/l', 'µg/l', 'miu/l'] },
];

const analyteByLoinc = new Map<string, AnalyteDef>(ANALYTES.flatMap((a) => a.loinc.map((c) => [c, a] as const)));
export function analyteForLoinc(code: string): AnalyteDef | undefined {
  return analyteByLoinc.get(code);
}
export const ANALYTE_LOINCS: readonly string[] = ANALYTES.flatMap((a) => a.loinc);

// ---- Medications (RxNorm ingredients) ----------------------------------------------------------

export const RX_INGREDIENTS: Readonly<Record<string, string>> = {
  '36437': 'Sertraline',
  '4493': 'Fluoxetine',
  '321988': 'Escitalopram',
  '2556': 'Citalopram',
  '32937': 'Paroxetine',
  '39786': 'Venlafaxine',
  '72625': 'Duloxetine',
  '42347': 'Bupropion',
  '15996': 'Mirtazapine',
  '28439': 'Lamotrigine',
  '11118': 'Valproic acid',
  '89013': 'Aripiprazole',
  '61381': 'Olanzapine',
  '2626': 'Clozapine',
  '35636': 'Risperidone',
  '2002': 'Carbamazepine',
  '1455099': 'Vortioxetine',
  '6448': 'Lithium',
  '51272': 'Quetiapine',
  '10737': 'Trazodone',
};

/** Extra name stems that identify an ingredient in a product display (e.g. "Divalproex", "Lithium Carbonate"). */
const INGREDIENT_ALIASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bdivalproex\b|\bvalproate\b/i, '11118'],
];

/**
 * Rolls a medication up to one of our ingredients: an ingredient RxNorm code, else a name match in
 * any coding display or the text (clinical drugs like "Sertraline 50 MG Oral Tablet" have their own
 * RxNorm code; matching their name needs no RxNorm service).
 */
export function ingredientFor(codes: readonly string[], texts: readonly string[]): { rxnorm: string; name: string } | undefined {
  for (const c of codes) {
    const name = RX_INGREDIENTS[c];
    if (name) return { rxnorm: c, name };
  }
  for (const t of texts) {
    for (const [code, name] of Object.entries(RX_INGREDIENTS)) {
      const stem = name.split(' ')[0]!;
      if (new RegExp(`\\b${stem}\\b`, 'i').test(t)) return { rxnorm: code, name };
    }
    for (const [re, code] of INGREDIENT_ALIASES) if (re.test(t)) return { rxnorm: code, name: RX_INGREDIENTS[code]! };
  }
  return undefined;
}

// ---- Known-wrong codes (never written back) ----------------------------------------------------

/** Codes the reference uses wrongly: 48767010 is not a concept id; 225444004 is suicide risk, not relapse. */
export function isWrongCode(system: string, code: string, display: string): boolean {
  if (system !== SNOMED) return false;
  if (code === '48767010') return true;
  if (code === '225444004' && !/suicid/i.test(display)) return true;
  return false;
}
