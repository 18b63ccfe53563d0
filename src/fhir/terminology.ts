// FHIR terminology: the code systems of FHIR structures, our result identifier, and the clinical codes
// re-exported from src/clinical (their one home) in the shapes the FHIR mappers use. Mappers never
// hard-code a code elsewhere.
import type { EngineName } from '../contract/index.ts';
import * as C from '../clinical/index.ts';

export { LOINC, RXNORM, SNOMED, TIDEMARK_ENGINE, UCUM } from '../clinical/index.ts';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
/** Identifier system of every Observation Tidemark writes (value = stable hash, see write/identity). */
export const TIDEMARK_RESULT = 'urn:tidemark:result';

export const ENGINE_CODES: Readonly<Record<EngineName, { code: string; display: string }>> = C.ENGINE_CODES;

export function engineForCode(code: string): EngineName | undefined {
  for (const [engine, c] of Object.entries(ENGINE_CODES)) if (c.code === code) return engine as EngineName;
  return undefined;
}

/** Our code for a digital-MSE response latency reading charted as an Observation (seconds). */
export const DMSE_LATENCY_CODE = C.FINDING_CODES.dmseLatency.code;
/** A saved voice sample (src/fhir/write/voice.ts); read back for the speech-rate history of the digital MSE. */
export const VOICE_SAMPLE_CODE = C.FINDING_CODES.voiceSample.code;
/** Our codes for one flagged module signal written next to its engine result. */
export const SIGNAL_CODE = { biomarker: C.FINDING_CODES.biomarkerSignal.code, medication: C.FINDING_CODES.medicationSignal.code } as const;
/** Component code of an engine input kept on a written result, e.g. "input.avgSleepHours". */
export const inputCode = (name: string): string => `input.${name}`;
export const inputNameFromCode = (code: string): string | undefined =>
  code.startsWith('input.') && code.length > 6 ? code.slice(6) : undefined;

// ---- Instruments (src/clinical/instruments.ts, in the mappers' shape) ----------------------------

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
  /** The clinical definition (bands, remission, response …). */
  clinical: C.Instrument;
}

const def = (i: C.Instrument): InstrumentDef => ({
  instrumentId: i.key,
  instrumentName: i.name,
  maxScore: i.maxScore,
  total: i.total,
  ...(i.panel ? { panel: i.panel } : {}),
  items: i.items,
  itemMax: i.itemMax,
  clinical: i,
});

export const PHQ9: InstrumentDef = def(C.PHQ9);
export const PHQ2: InstrumentDef = def(C.PHQ2);
export const GAD7: InstrumentDef = def(C.GAD7);
export const PHQ9_ITEM9 = C.ITEM9.loinc;
export const INSTRUMENTS = [PHQ9, PHQ2, GAD7] as const;

export function instrumentForTotal(loinc: string): InstrumentDef | undefined {
  return INSTRUMENTS.find((i) => i.total === loinc);
}
export function instrumentForPanel(loinc: string): InstrumentDef | undefined {
  return INSTRUMENTS.find((i) => i.panel === loinc);
}

export const FREQUENCY_ANSWERS = C.FREQUENCY_ANSWERS;

export type Phq9Band = 'minimal' | 'mild' | 'moderate' | 'moderately severe' | 'severe';
export const phq9Band = (score: number): Phq9Band => C.phq9Band(score) as Phq9Band;

export const DEPRESSION_SEVERITY = { system: C.LOINC, code: '94023-9', display: 'Depression severity' } as const;
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

// ---- Labs (src/clinical/analytes.ts) -------------------------------------------------------------

export interface AnalyteDef {
  /** Canonical name sent to the biomarker engine (matches the reference's examples: "TSH"). */
  name: string;
  loinc: readonly string[];
  /** Normalised units we can read (src/clinical normUnit form). */
  units: readonly string[];
  clinical: C.Analyte;
}

const analyteDefs = new Map<C.Analyte, AnalyteDef>(C.ANALYTES.map((a) => [a, { name: a.name, loinc: a.loinc, units: Object.keys(a.units), clinical: a }]));
export const ANALYTES: readonly AnalyteDef[] = [...analyteDefs.values()];
export function analyteForLoinc(code: string): AnalyteDef | undefined {
  const a = C.analyteForLoinc(code);
  return a ? analyteDefs.get(a) : undefined;
}
export const ANALYTE_LOINCS = C.ANALYTE_LOINCS;

// ---- Medications (src/clinical/medications.ts) -------------------------------------------------

/** RxNorm ingredient code → name, for the psychotropics whose code is verified. */
export const RX_INGREDIENTS: Readonly<Record<string, string>> = Object.fromEntries(
  C.PSYCHOTROPICS.filter((p) => p.rxnorm).map((p) => [p.rxnorm!, p.name]),
);

/**
 * Rolls a medication up to a psychotropic ingredient: an ingredient RxNorm code, else a whole-word name
 * in any coding display or the text. `rxnorm` is empty for the few ingredients matched by name only.
 */
export function ingredientFor(codes: readonly string[], texts: readonly string[]): { rxnorm: string; name: string } | undefined {
  const p = C.psychotropicOf(codes, texts);
  return p ? { rxnorm: p.rxnorm ?? '', name: p.name } : undefined;
}

// ---- Known-wrong codes (never written back) ----------------------------------------------------

/** Codes the reference uses wrongly: 48767010 is not a concept id; 225444004 is suicide risk, not relapse. */
export function isWrongCode(system: string, code: string, display: string): boolean {
  if (system !== C.SNOMED) return false;
  if (code === '48767010') return true;
  if (code === '225444004' && !/suicid/i.test(display)) return true;
  return false;
}
