// Laboratory analytes: LOINC sets, UCUM units with conversions to one canonical unit, reference limits
// and critical limits that hold when the lab sends no flag or range, and why each abnormality matters
// psychiatrically (with drug-aware notes for lithium, clozapine, valproate and carbamazepine).

export type LabTone = 'watch' | 'concern' | 'critical';
/** Drugs whose laboratory safety Tidemark knows (see medications.ts `monitoring`). */
export type DrugKey = 'lithium' | 'clozapine' | 'valproate' | 'carbamazepine' | 'oxcarbazepine' | 'serotonergic' | 'antipsychotic';

export interface Limit {
  value: number;
  /** true: "≥ value" / "≤ value"; false: "> value" / "< value". */
  inclusive: boolean;
}

/** A unit conversion to the analyte's canonical unit: a factor, or a function for offsets (HbA1c). */
export type Conversion = number | ((v: number) => number);

export interface PhaseTarget {
  phase: string;
  low: number;
  high: number;
  source: string;
}

export interface Analyte {
  key: string;
  /** Name sent to the biomarker engine (the reference's examples use "TSH", "Vitamin D"). */
  name: string;
  /** Label of a signal ("Thyroid (TSH)"). */
  label: string;
  loinc: readonly string[];
  /** Normalised aliases (lower-case alphanumerics). */
  names: readonly string[];
  /** Canonical UCUM code and how it is shown. */
  unit: string;
  unitDisplay: string;
  /** Normalised unit (see normUnit) → conversion to the canonical unit. */
  units: Readonly<Record<string, Conversion>>;
  /**
   * Without a unit: 'canonical' reads the value in the canonical unit; a number N reads values above
   * N as per-microlitre counts (cell counts are charted both as 10*3/uL and as /uL).
   */
  unitless: 'canonical' | { perMicrolitreAbove: number };
  /** Reference limits in the canonical unit, used when the lab sends no flag and no range. */
  reference: { low?: number; high?: number; source: string };
  /** Critical limits in the canonical unit: beyond them the value is critical whatever the lab says. */
  critical?: { low?: Limit; high?: Limit; source: string };
  /** Drug-specific therapeutic targets (drug levels). */
  targets?: readonly PhaseTarget[];
  high?: string;
  low?: string;
  highTone?: LabTone;
  lowTone?: LabTone;
  criticalHighText?: string;
  criticalLowText?: string;
  /** Finer wording below the critical low limit, lowest band first (e.g. severe vs moderate neutropenia). */
  criticalLowBands?: readonly { below: number; text: string }[];
  /** Extra sentence when the patient takes the drug (explicitly, or its level is charted). */
  drugNotes?: Partial<Record<DrugKey, { high?: string; low?: string }>>;
}

const COUNT_UNITS: Readonly<Record<string, Conversion>> = {
  '10*3/ul': 1,
  'k/ul': 1,
  '10*9/l': 1,
  'g/l': 1,
  '/ul': 0.001,
  'cells/ul': 0.001,
  '/mm3': 0.001,
  'cells/mm3': 0.001,
};

export const ANALYTES: readonly Analyte[] = [
  {
    key: 'tsh', name: 'TSH', label: 'Thyroid (TSH)', loinc: ['3016-3', '11579-0', '11580-8'],
    names: ['tsh', 'thyrotropin', 'thyroidstimulatinghormone'],
    unit: 'm[IU]/L', unitDisplay: 'mIU/L', units: { 'miu/l': 1, 'uiu/ml': 1, 'mu/l': 1, 'uu/ml': 1 }, unitless: 'canonical',
    reference: { low: 0.4, high: 4.0, source: 'common adult reference interval' },
    high: 'elevated TSH can present as depression, fatigue, and cognitive slowing — screen before escalating an antidepressant.',
    low: 'low TSH (hyperthyroid range) can present as anxiety, insomnia, and irritability, or mimic hypomania.',
    drugNotes: { lithium: { high: 'On lithium: lithium-induced hypothyroidism is common — thyroid function every 6 months (NICE CG185); it is usually treated rather than a reason to stop lithium.' } },
  },
  {
    key: 'free_t4', name: 'Free T4', label: 'Free T4', loinc: ['3024-7', '83122-2'],
    names: ['freet4', 'ft4', 'freethyroxine', 'thyroxinefree', 't4free'],
    unit: 'ng/dL', unitDisplay: 'ng/dL', units: { 'ng/dl': 1, 'pmol/l': 1 / 12.87 }, unitless: 'canonical',
    reference: { low: 0.8, high: 1.8, source: 'common adult reference interval' },
    high: 'high free T4 can drive anxiety, restlessness, and insomnia.',
    low: 'low free T4 can present as low mood, fatigue, and psychomotor slowing.',
    drugNotes: { lithium: { low: 'On lithium: consistent with lithium-induced hypothyroidism (NICE CG185).' } },
  },
  {
    key: 'vitamin_d', name: 'Vitamin D', label: 'Vitamin D (25-OH)', loinc: ['62292-8', '1989-3'],
    names: ['vitamind', 'vitd', '25ohvitamind', '25hydroxyvitamind', '25ohd', 'vitamind25oh', 'vitamind25hydroxy'],
    unit: 'ng/mL', unitDisplay: 'ng/mL', units: { 'ng/ml': 1, 'ug/l': 1, 'nmol/l': 1 / 2.496 }, unitless: 'canonical',
    reference: { low: 30, high: 100, source: 'Endocrine Society 2011 (insufficiency < 30 ng/mL)' },
    low: 'low vitamin D is associated with depressed mood and fatigue; deficiency is common and reversible.',
    high: 'very high vitamin D (usually supplement excess) can cause fatigue and confusion.',
  },
  {
    key: 'b12', name: 'Vitamin B12', label: 'Vitamin B12', loinc: ['2132-9'],
    names: ['b12', 'vitaminb12', 'cobalamin', 'cyanocobalamin'],
    unit: 'pg/mL', unitDisplay: 'pg/mL', units: { 'pg/ml': 1, 'ng/l': 1, 'pmol/l': 1.355 }, unitless: 'canonical',
    reference: { low: 200, high: 900, source: 'common adult reference interval' },
    low: 'low B12 can cause depression, fatigue, and cognitive impairment — a reversible contributor.',
  },
  {
    key: 'folate', name: 'Folate', label: 'Folate', loinc: ['2284-8'],
    names: ['folate', 'folicacid', 'serumfolate'],
    unit: 'ng/mL', unitDisplay: 'ng/mL', units: { 'ng/ml': 1, 'ug/l': 1, 'nmol/l': 1 / 2.266 }, unitless: 'canonical',
    reference: { low: 3, source: 'common adult reference interval' },
    low: 'low folate is linked to depression and poorer antidepressant response.',
    drugNotes: { valproate: { low: 'On valproate: valproate lowers folate (relevant before and during pregnancy).' }, carbamazepine: { low: 'On carbamazepine: enzyme induction lowers folate.' } },
  },
  {
    key: 'ferritin', name: 'Ferritin', label: 'Ferritin', loinc: ['2276-4'],
    names: ['ferritin', 'serumferritin'],
    unit: 'ng/mL', unitDisplay: 'ng/mL', units: { 'ng/ml': 1, 'ug/l': 1 }, unitless: 'canonical',
    reference: { low: 20, high: 250, source: 'common adult reference interval' },
    low: 'low ferritin (iron deficiency) can present as fatigue and poor concentration, and worsens restlessness and akathisia.',
    high: 'high ferritin can reflect inflammation or iron overload; fatigue is common.',
  },
  {
    key: 'hemoglobin', name: 'Hemoglobin', label: 'Hemoglobin', loinc: ['718-7'],
    names: ['hemoglobin', 'haemoglobin', 'hgb', 'hb'],
    unit: 'g/dL', unitDisplay: 'g/dL', units: { 'g/dl': 1, 'g/l': 0.1, 'mmol/l': 1.611 }, unitless: 'canonical',
    reference: { low: 12, high: 17.5, source: 'common adult reference interval (female lower, male upper limit)' },
    low: 'anemia can present as fatigue, low energy, and poor concentration that overlap with depression.',
  },
  {
    // 2947-0 (Sodium [Moles/volume] in Blood) is what Synthea charts; same analyte, same units.
    key: 'sodium', name: 'Sodium', label: 'Sodium', loinc: ['2951-2', '2947-0'],
    names: ['sodium', 'na', 'serumsodium'],
    unit: 'mmol/L', unitDisplay: 'mmol/L', units: { 'mmol/l': 1, 'meq/l': 1 }, unitless: 'canonical',
    reference: { low: 135, high: 145, source: 'common adult reference interval' },
    // Severe hyponatraemia (< 125: seizure and encephalopathy risk) and severe hypernatraemia (≥ 160).
    critical: { low: { value: 125, inclusive: false }, high: { value: 160, inclusive: true }, source: 'issue 9 clinical review; common laboratory critical limits' },
    low: 'low sodium (hyponatremia, a known SSRI/SNRI, carbamazepine and oxcarbazepine effect) can cause confusion, lethargy, and falls.',
    high: 'high sodium can reflect dehydration; lithium-induced nephrogenic diabetes insipidus is one cause.',
    lowTone: 'concern',
    criticalLowText: 'sodium below 125 mmol/L is severe hyponatremia (seizure and encephalopathy risk).',
    criticalHighText: 'sodium at or above 160 mmol/L is severe hypernatremia.',
    drugNotes: {
      lithium: {
        low: 'On lithium: hyponatremia reduces lithium clearance and raises the lithium level — check the level now (FDA label; NICE CG185).',
        high: 'On lithium: consider lithium-induced nephrogenic diabetes insipidus (polyuria, thirst).',
      },
      carbamazepine: { low: 'On carbamazepine: SIADH-type hyponatremia is a known effect (FDA label).' },
      oxcarbazepine: { low: 'On oxcarbazepine: hyponatremia is common (FDA label).' },
      serotonergic: { low: 'On an SSRI/SNRI: SIADH-type hyponatremia, more often in older adults.' },
    },
  },
  {
    key: 'lithium', name: 'Lithium', label: 'Lithium level', loinc: ['14334-7'],
    names: ['lithium', 'lithiumlevel', 'serumlithium', 'li'],
    unit: 'mmol/L', unitDisplay: 'mmol/L', units: { 'mmol/l': 1, 'meq/l': 1 }, unitless: 'canonical',
    reference: { low: 0.6, high: 1.2, source: 'NICE CG185 (maintenance from 0.6) and FDA label (acute up to 1.2)' },
    // > 1.5 mmol/L: toxic range (NICE CG185; FDA label boxed warning on toxicity).
    critical: { high: { value: 1.5, inclusive: false }, source: 'NICE CG185; FDA label' },
    targets: [
      { phase: 'maintenance', low: 0.6, high: 0.8, source: 'NICE CG185' },
      { phase: 'maintenance after a relapse on lower levels', low: 0.8, high: 1.0, source: 'NICE CG185' },
      { phase: 'acute mania', low: 0.8, high: 1.2, source: 'FDA label' },
    ],
    high: 'lithium above the therapeutic range raises the risk of toxicity (tremor, ataxia, confusion).',
    low: 'lithium below the therapeutic range may be subtherapeutic.',
    highTone: 'concern',
    criticalHighText: 'lithium above 1.5 mmol/L is in the toxic range — assess for toxicity today (hold the dose per local protocol, check renal function and sodium).',
  },
  {
    key: 'valproate', name: 'Valproate', label: 'Valproate level', loinc: ['4086-5'],
    names: ['valproate', 'valproicacid', 'valproicacidlevel', 'depakote', 'divalproex'],
    unit: 'ug/mL', unitDisplay: 'µg/mL', units: { 'ug/ml': 1, 'mg/l': 1, 'umol/l': 1 / 6.934 }, unitless: 'canonical',
    reference: { low: 50, high: 125, source: 'FDA label (mania: trough 50–125 µg/mL)' },
    critical: { high: { value: 151, inclusive: true }, source: 'common laboratory critical value (≥ 151 µg/mL)' },
    targets: [{ phase: 'mania', low: 50, high: 125, source: 'FDA label' }],
    high: 'valproate above the therapeutic range (50–125 µg/mL) raises the risk of sedation, tremor, thrombocytopenia, and hyperammonemia.',
    low: 'valproate below the therapeutic range (50–125 µg/mL) may be subtherapeutic.',
    highTone: 'concern',
    criticalHighText: 'valproate at or above 151 µg/mL is in the toxic range (sedation, hyperammonemia, thrombocytopenia).',
  },
  {
    key: 'carbamazepine', name: 'Carbamazepine', label: 'Carbamazepine level', loinc: ['3432-2'],
    names: ['carbamazepine', 'carbamazepinelevel', 'tegretol'],
    unit: 'ug/mL', unitDisplay: 'µg/mL', units: { 'ug/ml': 1, 'mg/l': 1, 'umol/l': 1 / 4.233 }, unitless: 'canonical',
    reference: { low: 4, high: 12, source: 'FDA label (4–12 µg/mL)' },
    critical: { high: { value: 15, inclusive: true }, source: 'common laboratory critical value (≥ 15 µg/mL)' },
    targets: [{ phase: 'maintenance', low: 4, high: 12, source: 'FDA label' }],
    high: 'carbamazepine above the therapeutic range (4–12 µg/mL) raises the risk of ataxia, diplopia, and sedation.',
    low: 'carbamazepine below the therapeutic range may be subtherapeutic (it induces its own metabolism).',
    highTone: 'concern',
    criticalHighText: 'carbamazepine at or above 15 µg/mL is in the toxic range (ataxia, nystagmus, cardiac conduction).',
  },
  {
    key: 'clozapine', name: 'Clozapine', label: 'Clozapine level', loinc: ['6896-5'],
    names: ['clozapine', 'clozapinelevel'],
    unit: 'ng/mL', unitDisplay: 'ng/mL', units: { 'ng/ml': 1, 'ug/l': 1, 'nmol/l': 1 / 3.06 }, unitless: 'canonical',
    reference: { low: 350, high: 600, source: 'AGNP consensus 2018 (350–600 ng/mL)' },
    critical: { high: { value: 1000, inclusive: false }, source: 'seizure and toxicity risk above 1000 ng/mL (clozapine label; AGNP 2018)' },
    targets: [{ phase: 'treatment-resistant schizophrenia', low: 350, high: 600, source: 'AGNP consensus 2018' }],
    high: 'clozapine above 600 ng/mL raises the risk of sedation, seizures, and other adverse effects.',
    low: 'clozapine below 350 ng/mL may be subtherapeutic.',
    highTone: 'concern',
    criticalHighText: 'clozapine above 1000 ng/mL carries a high seizure and toxicity risk.',
  },
  {
    key: 'anc', name: 'ANC', label: 'Absolute neutrophil count', loinc: ['751-8', '753-4', '26499-4'],
    names: ['anc', 'absoluteneutrophilcount', 'neutrophilsabsolute', 'absoluteneutrophils', 'neutrophils', 'neutrophilcount'],
    unit: '10*3/uL', unitDisplay: '×10³/µL', units: COUNT_UNITS, unitless: { perMicrolitreAbove: 100 },
    reference: { low: 1.5, high: 8.0, source: 'clozapine label ANC table (normal ≥ 1500/µL)' },
    // Clozapine label ANC table (REMS ended 2025): 1000–1499 mild, 500–999 moderate (interrupt), < 500 severe.
    critical: { low: { value: 1.0, inclusive: false }, source: 'clozapine label ANC table (interrupt therapy below 1000/µL)' },
    low: 'low ANC is the key clozapine and carbamazepine safety signal — neutropenia raises infection risk.',
    lowTone: 'concern',
    criticalLowText: 'ANC 0.5–0.99 ×10³/µL is moderate neutropenia — infection risk; clozapine is interrupted at this level (clozapine label).',
    criticalLowBands: [{ below: 0.5, text: 'ANC below 0.5 ×10³/µL is severe neutropenia — high infection risk; clozapine is interrupted (clozapine label).' }],
    drugNotes: { carbamazepine: { low: 'On carbamazepine: agranulocytosis and aplastic anemia are boxed warnings (FDA label).' } },
  },
  {
    key: 'neutrophils_pct', name: 'Neutrophils %', label: 'Neutrophils (% of white cells)', loinc: ['770-8', '26511-6'],
    names: ['neutrophilspercent', 'neutrophilpercent', 'neutrophils100leukocytes'],
    unit: '%', unitDisplay: '%', units: { '%': 1 }, unitless: 'canonical',
    reference: { low: 40, high: 75, source: 'common adult reference interval' },
    low: 'a low neutrophil percentage is not an absolute count — the absolute neutrophil count decides clozapine and carbamazepine action; check the ANC.',
    high: 'a high neutrophil percentage can reflect infection or stress; not an absolute count.',
  },
  {
    key: 'wbc', name: 'WBC', label: 'White blood cells', loinc: ['6690-2'],
    names: ['wbc', 'whitebloodcells', 'whitebloodcellcount', 'leukocytes', 'leukocytecount'],
    unit: '10*3/uL', unitDisplay: '×10³/µL', units: COUNT_UNITS, unitless: { perMicrolitreAbove: 100 },
    reference: { low: 4.0, high: 11.0, source: 'common adult reference interval' },
    low: 'low WBC matters on clozapine, carbamazepine, or mirtazapine (agranulocytosis risk).',
    high: 'high WBC can reflect infection or inflammation; lithium also raises WBC.',
    lowTone: 'concern',
  },
  {
    key: 'platelets', name: 'Platelets', label: 'Platelets', loinc: ['777-3', '26515-7'],
    names: ['platelets', 'plateletcount', 'plt', 'thrombocytes'],
    unit: '10*3/uL', unitDisplay: '×10³/µL', units: COUNT_UNITS, unitless: { perMicrolitreAbove: 1000 },
    reference: { low: 150, high: 400, source: 'common adult reference interval' },
    critical: { low: { value: 20, inclusive: false }, source: 'common laboratory critical value (< 20 ×10³/µL: bleeding risk)' },
    low: 'low platelets raise bleeding risk.',
    lowTone: 'concern',
    criticalLowText: 'platelets below 20 ×10³/µL carry a risk of spontaneous bleeding.',
    drugNotes: { valproate: { low: 'On valproate: dose-related thrombocytopenia — more likely with trough levels above 110 µg/mL (women) or 135 µg/mL (men) (FDA label).' }, carbamazepine: { low: 'On carbamazepine: consider marrow suppression (FDA boxed warning).' } },
  },
  {
    key: 'hba1c', name: 'HbA1c', label: 'HbA1c', loinc: ['4548-4'],
    names: ['hba1c', 'a1c', 'hemoglobina1c', 'glycatedhemoglobin', 'glycohemoglobin'],
    // IFCC mmol/mol → NGSP %: % = 0.09148 × mmol/mol + 2.152 (NGSP master equation).
    unit: '%', unitDisplay: '%', units: { '%': 1, 'mmol/mol': (v: number) => 0.09148 * v + 2.152 }, unitless: 'canonical',
    reference: { high: 5.6, source: 'ADA Standards of Care (5.7–6.4 % prediabetes)' },
    high: 'elevated HbA1c indicates dysglycemia — a metabolic risk of second-generation antipsychotics, and bidirectionally linked to depression.',
    drugNotes: { antipsychotic: { high: 'On an antipsychotic: part of metabolic monitoring (ADA/APA consensus).' } },
  },
  {
    // 2339-0 (Glucose [Mass/volume] in Blood) is what Synthea charts.
    key: 'glucose', name: 'Glucose', label: 'Glucose', loinc: ['2345-7', '2339-0'],
    names: ['glucose', 'fastingglucose', 'glucosefasting', 'bloodglucose', 'serumglucose'],
    unit: 'mg/dL', unitDisplay: 'mg/dL', units: { 'mg/dl': 1, 'mmol/l': 18.016 }, unitless: 'canonical',
    reference: { low: 70, high: 140, source: 'ADA level 1 hypoglycaemia below 70 mg/dL; 140 mg/dL upper limit of a non-fasting sample' },
    // ADA Standards of Care: level 2 hypoglycaemia < 54 mg/dL (3.0 mmol/L). Above 500 mg/dL: common laboratory critical value.
    critical: { low: { value: 54, inclusive: false }, high: { value: 500, inclusive: false }, source: 'ADA level 2 hypoglycaemia (< 54 mg/dL); common laboratory critical value (> 500 mg/dL)' },
    high: 'high glucose is a metabolic risk with second-generation antipsychotics.',
    low: 'low glucose (ADA level 1 hypoglycaemia) can cause anxiety, irritability, and confusion.',
    lowTone: 'concern',
    criticalLowText: 'glucose below 54 mg/dL is level 2 (clinically significant) hypoglycaemia (ADA).',
    criticalHighText: 'glucose above 500 mg/dL is a hyperglycaemic emergency range.',
  },
  {
    key: 'ldl', name: 'LDL cholesterol', label: 'LDL cholesterol', loinc: ['13457-7', '18262-6'],
    names: ['ldl', 'ldlcholesterol', 'ldlc', 'ldlcalculated'],
    unit: 'mg/dL', unitDisplay: 'mg/dL', units: { 'mg/dl': 1, 'mmol/l': 38.67 }, unitless: 'canonical',
    reference: { high: 130, source: 'NCEP ATP III (borderline high from 130 mg/dL)' },
    high: 'high LDL is part of antipsychotic metabolic monitoring.',
  },
  {
    key: 'triglycerides', name: 'Triglycerides', label: 'Triglycerides', loinc: ['2571-8'],
    names: ['triglycerides', 'triglyceride', 'tg', 'trig'],
    unit: 'mg/dL', unitDisplay: 'mg/dL', units: { 'mg/dl': 1, 'mmol/l': 88.57 }, unitless: 'canonical',
    reference: { high: 150, source: 'NCEP ATP III' },
    high: 'high triglycerides are part of antipsychotic metabolic monitoring (olanzapine, clozapine, quetiapine).',
  },
  {
    key: 'alt', name: 'ALT', label: 'ALT', loinc: ['1742-6'],
    names: ['alt', 'alanineaminotransferase', 'sgpt'],
    unit: 'U/L', unitDisplay: 'U/L', units: { 'u/l': 1, 'iu/l': 1, 'ukat/l': 60 }, unitless: 'canonical',
    reference: { high: 56, source: 'common adult reference interval' },
    high: 'raised ALT matters for valproate, duloxetine, and other hepatically cleared psychotropics; alcohol use is a common cause.',
    drugNotes: { valproate: { high: 'On valproate: hepatotoxicity is a boxed warning (FDA label).' } },
  },
  {
    key: 'ast', name: 'AST', label: 'AST', loinc: ['1920-8'],
    names: ['ast', 'aspartateaminotransferase', 'sgot'],
    unit: 'U/L', unitDisplay: 'U/L', units: { 'u/l': 1, 'iu/l': 1, 'ukat/l': 60 }, unitless: 'canonical',
    reference: { high: 40, source: 'common adult reference interval' },
    high: 'raised AST matters for hepatically cleared psychotropics; alcohol use is a common cause.',
  },
  {
    key: 'creatinine', name: 'Creatinine', label: 'Creatinine', loinc: ['2160-0'],
    names: ['creatinine', 'serumcreatinine', 'creat'],
    unit: 'mg/dL', unitDisplay: 'mg/dL', units: { 'mg/dl': 1, 'umol/l': 1 / 88.42 }, unitless: 'canonical',
    reference: { low: 0.6, high: 1.2, source: 'common adult reference interval' },
    high: 'raised creatinine reduces lithium clearance and is part of lithium renal monitoring.',
    drugNotes: { lithium: { high: 'On lithium: reduced clearance raises the lithium level — recheck the level and renal function (NICE CG185).' } },
  },
  {
    key: 'egfr', name: 'eGFR', label: 'eGFR', loinc: ['98979-8', '62238-1', '33914-3'],
    names: ['egfr', 'estimatedgfr', 'gfr', 'estimatedglomerularfiltrationrate'],
    unit: 'mL/min/{1.73_m2}', unitDisplay: 'mL/min/1.73 m²', units: { 'ml/min/1.73m2': 1, 'ml/min': 1 }, unitless: 'canonical',
    reference: { low: 60, source: 'KDIGO 2012 (below 60: CKD G3 or worse)' },
    low: 'reduced eGFR affects lithium safety and the dosing of renally cleared drugs.',
    drugNotes: { lithium: { low: 'On lithium: monitor renal function and levels more often; lithium is not recommended in severe renal impairment (FDA label; NICE CG185).' } },
  },
  {
    key: 'calcium', name: 'Calcium', label: 'Calcium', loinc: ['17861-6', '2000-8'],
    names: ['calcium', 'ca', 'serumcalcium', 'totalcalcium'],
    unit: 'mg/dL', unitDisplay: 'mg/dL', units: { 'mg/dl': 1, 'mmol/l': 4.008 }, unitless: 'canonical',
    reference: { low: 8.5, high: 10.5, source: 'common adult reference interval' },
    critical: { low: { value: 6, inclusive: false }, high: { value: 13, inclusive: false }, source: 'common laboratory critical values (< 6 or > 13 mg/dL)' },
    high: 'high calcium can cause low mood, fatigue, and confusion.',
    low: 'low calcium can cause anxiety, irritability, and paresthesia.',
    criticalLowText: 'calcium below 6 mg/dL risks tetany, seizures and arrhythmia.',
    criticalHighText: 'calcium above 13 mg/dL risks arrhythmia and confusion.',
    drugNotes: { lithium: { high: 'On lithium: lithium-associated hyperparathyroidism — calcium is part of lithium monitoring (NICE CG185).' } },
  },
  {
    key: 'ammonia', name: 'Ammonia', label: 'Ammonia', loinc: ['16362-6', '22763-7'],
    names: ['ammonia', 'nh3', 'plasmaammonia'],
    unit: 'umol/L', unitDisplay: 'µmol/L', units: { 'umol/l': 1, 'ug/dl': 0.5872 }, unitless: 'canonical',
    reference: { high: 45, source: 'common adult reference interval' },
    high: 'raised ammonia can cause lethargy, confusion, and encephalopathy.',
    highTone: 'concern',
    drugNotes: { valproate: { high: 'On valproate: valproate-induced hyperammonemic encephalopathy can occur with normal liver tests (FDA label).' } },
  },
  {
    key: 'prolactin', name: 'Prolactin', label: 'Prolactin', loinc: ['2842-3'],
    names: ['prolactin', 'prl'],
    unit: 'ng/mL', unitDisplay: 'ng/mL', units: { 'ng/ml': 1, 'ug/l': 1, 'miu/l': 1 / 21.2 }, unitless: 'canonical',
    reference: { high: 23, source: 'common adult reference interval' },
    high: 'raised prolactin is a known effect of risperidone and other antipsychotics (sexual dysfunction, amenorrhea, galactorrhea).',
  },
];

const BY_LOINC = new Map<string, Analyte>();
const BY_NAME = new Map<string, Analyte>();
for (const a of ANALYTES) {
  for (const c of a.loinc) BY_LOINC.set(c, a);
  for (const n of a.names) BY_NAME.set(n, a);
  BY_NAME.set(normName(a.label), a);
  BY_NAME.set(normName(a.name), a);
}

/** Every LOINC code of every analyte (the chart search asks for these). */
export const ANALYTE_LOINCS: readonly string[] = ANALYTES.flatMap((a) => a.loinc);

export function normName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const unitForms = new Map<string, string>();

/** Unit spelling → one comparable form: "µg/mL" → "ug/ml", "x10^3/uL" → "10*3/ul", "m[IU]/L" → "miu/l". */
export function normUnit(u: string): string {
  // Units repeat across thousands of readings: each spelling is normalised once (bounded cache).
  let form = unitForms.get(u);
  if (form === undefined) {
    if (unitForms.size >= 512) unitForms.clear();
    form = unitForm(u);
    unitForms.set(u, form);
  }
  return form;
}

function unitForm(u: string): string {
  return u
    .trim()
    .toLowerCase()
    .replace(/[µμ]/g, 'u')
    .replace(/\s+/g, '')
    .replace(/×/g, 'x')
    .replace(/10³/g, '10*3')
    .replace(/10⁹/g, '10*9')
    .replace(/\{1\.73_m2\}|1\.73m\^?2|1\.73sqm/g, '1.73m2')
    .replace(/[[\]]/g, '')
    .replace(/\^/g, '*')
    .replace(/^x(?=10)/, '');
}

export function analyteForLoinc(code: string): Analyte | undefined {
  return BY_LOINC.get(code);
}

export function analyteForName(name: string): Analyte | undefined {
  return BY_NAME.get(normName(name));
}

const ANC = BY_NAME.get('anc')!;
const NEUTROPHILS_PCT = BY_NAME.get('neutrophilspercent')!;

/**
 * The analyte of a reading: by LOINC first (never a display name), then by name. A neutrophil reading
 * in percent is never an absolute count ("Neutrophils 35 %" is the differential, not the ANC).
 */
export function recognizeAnalyte(loinc: string | undefined, name: string, unit: string | undefined): Analyte | undefined {
  const a = (loinc !== undefined ? BY_LOINC.get(loinc.trim()) : undefined) ?? BY_NAME.get(normName(name));
  if (a === ANC && unit !== undefined && normUnit(unit) === '%') return NEUTROPHILS_PCT;
  return a;
}

/**
 * A value in the analyte's canonical unit. null when the unit is one we cannot convert (the value is
 * then read only through the lab's own flag and range). `assumed`: no unit was given.
 */
export function toCanonical(a: Analyte, value: number, unit: string | undefined): { value: number; assumed: boolean } | null {
  if (!Number.isFinite(value)) return null;
  if (unit === undefined || unit.trim() === '') {
    if (a.unitless === 'canonical') return { value, assumed: true };
    return { value: value > a.unitless.perMicrolitreAbove ? value / 1000 : value, assumed: true };
  }
  const c = a.units[normUnit(unit)];
  if (c === undefined) return null;
  return { value: typeof c === 'number' ? value * c : c(value), assumed: false };
}

export function isConvertibleUnit(a: Analyte, unit: string): boolean {
  return a.units[normUnit(unit)] !== undefined;
}

const beyond = (v: number, l: Limit, dir: 'high' | 'low') =>
  dir === 'high' ? (l.inclusive ? v >= l.value : v > l.value) : l.inclusive ? v <= l.value : v < l.value;

export function formatLimit(l: Limit, dir: 'high' | 'low', unit: string): string {
  return `${dir === 'high' ? (l.inclusive ? '≥' : '>') : l.inclusive ? '≤' : '<'} ${l.value} ${unit}`;
}

export interface CriticalReading {
  direction: 'high' | 'low';
  /** The limit crossed, e.g. "> 1.5 mmol/L". */
  limit: string;
  text: string;
  source: string;
}

/** Benign ethnic neutropenia: the clozapine label's lower ANC thresholds (severe below 500/µL). */
export const BEN_ANC_CRITICAL: Limit = { value: 0.5, inclusive: false };

/** Critical reading of a canonical value (null when within the critical limits). */
export function criticalOf(a: Analyte, value: number, ctx: { benignEthnicNeutropenia?: boolean } = {}): CriticalReading | null {
  const c = a.critical;
  if (!c) return null;
  if (c.high && beyond(value, c.high, 'high'))
    return { direction: 'high', limit: formatLimit(c.high, 'high', a.unitDisplay), text: a.criticalHighText ?? `${a.label} critically high.`, source: c.source };
  const low = a === ANC && ctx.benignEthnicNeutropenia ? BEN_ANC_CRITICAL : c.low;
  if (low && beyond(value, low, 'low')) {
    const ben = a === ANC && ctx.benignEthnicNeutropenia;
    return {
      direction: 'low',
      limit: formatLimit(low, 'low', a.unitDisplay),
      text: ben
        ? 'ANC below 0.5 ×10³/µL is severe neutropenia even with benign ethnic neutropenia (clozapine label BEN table).'
        : (a.criticalLowBands?.find((b) => value < b.below)?.text ?? a.criticalLowText ?? `${a.label} critically low.`),
      source: ben ? 'clozapine label ANC table (benign ethnic neutropenia)' : c.source,
    };
  }
  return null;
}

/** Flag from the built-in reference limits (used only when the lab gives no flag and no range). */
export function referenceFlagOf(a: Analyte, value: number, ctx: { benignEthnicNeutropenia?: boolean } = {}): 'high' | 'low' | 'normal' {
  const low = a === ANC && ctx.benignEthnicNeutropenia ? 1.0 : a.reference.low;
  if (a.reference.high !== undefined && value > a.reference.high) return 'high';
  if (low !== undefined && value < low) return 'low';
  return 'normal';
}

export function referenceText(a: Analyte): string {
  const { low, high } = a.reference;
  if (low !== undefined && high !== undefined) return `${low}–${high} ${a.unitDisplay}`;
  if (low !== undefined) return `≥ ${low} ${a.unitDisplay}`;
  return `≤ ${high} ${a.unitDisplay}`;
}

/** Where a drug level stands against each phase target ("above the maintenance target 0.6–0.8 (NICE CG185)"). */
export function targetText(a: Analyte, value: number): string | null {
  if (!a.targets?.length) return null;
  const parts = a.targets.map((t) => {
    const where = value < t.low ? 'below' : value > t.high ? 'above' : 'within';
    return `${where} the ${t.phase} target ${t.low}–${t.high} ${a.unitDisplay} (${t.source})`;
  });
  return `${parts.join('; ')}.`;
}

/** Clozapine label ANC table: what the count means for clozapine (general population or BEN). */
export function clozapineAncAction(ancThousands: number, ben = false): string {
  if (ben) {
    if (ancThousands >= 1.0) return 'within the benign-ethnic-neutropenia range: continue clozapine (clozapine label BEN table).';
    if (ancThousands >= 0.5) return 'BEN neutropenia 500–999/µL: continue clozapine, haematology consultation, ANC three times weekly (clozapine label BEN table).';
    return 'severe neutropenia below 500/µL: interrupt clozapine, haematology consultation (clozapine label BEN table).';
  }
  if (ancThousands >= 1.5) return 'within the normal range for clozapine (≥ 1500/µL).';
  if (ancThousands >= 1.0) return 'mild neutropenia 1000–1499/µL: continue clozapine, ANC three times weekly until ≥ 1500 (clozapine label).';
  if (ancThousands >= 0.5) return 'moderate neutropenia 500–999/µL: interrupt clozapine, ANC daily until ≥ 1000, then resume (clozapine label).';
  return 'severe neutropenia below 500/µL: interrupt clozapine, haematology consultation; do not rechallenge unless the benefit outweighs the risk (clozapine label).';
}
