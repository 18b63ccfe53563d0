// Biomarker parameter table: every recognised analyte, its LOINC codes (verified, ../shared/DESIGN.md),
// name aliases, and why an abnormal value matters psychiatrically. Only abnormal readings signal.

export type Tone = 'watch' | 'concern' | 'critical';

export interface Analyte {
  key: string;
  label: string;
  loinc: readonly string[];
  /** Normalised aliases (lower-case alphanumerics). */
  names: readonly string[];
  high?: string;
  low?: string;
  /** Tone when high / low (default "watch"); "concern" where the abnormality is a drug-safety signal. */
  highTone?: Tone;
  lowTone?: Tone;
  /** Numeric values beyond these are critical whatever the lab flag says. */
  criticalAbove?: number;
  criticalBelow?: number;
  criticalText?: string;
}

export const BIOMARKER_PARAMS = {
  /** Readings older than this are listed as stale in dataQuality (labs drift; yearly monitoring is the norm). */
  staleAfterDays: 365,
} as const;

export const ANALYTES: readonly Analyte[] = [
  {
    key: 'tsh', label: 'Thyroid (TSH)', loinc: ['3016-3', '11579-0', '11580-8'], names: ['tsh', 'thyrotropin', 'thyroidstimulatinghormone'],
    high: 'elevated TSH can present as depression, fatigue, and cognitive slowing — screen before escalating an antidepressant.',
    low: 'low TSH (hyperthyroid range) can present as anxiety, insomnia, and irritability, or mimic hypomania.',
  },
  {
    key: 'free_t4', label: 'Free T4', loinc: ['3024-7', '83122-2'], names: ['freet4', 'ft4', 'freethyroxine', 'thyroxinefree', 't4free'],
    high: 'high free T4 can drive anxiety, restlessness, and insomnia.',
    low: 'low free T4 can present as low mood, fatigue, and psychomotor slowing.',
  },
  {
    key: 'vitamin_d', label: 'Vitamin D (25-OH)', loinc: ['62292-8', '1989-3'], names: ['vitamind', 'vitd', '25ohvitamind', '25hydroxyvitamind', '25ohd', 'vitamind25oh', 'vitamind25hydroxy'],
    low: 'low vitamin D is associated with depressed mood and fatigue; deficiency is common and reversible.',
    high: 'very high vitamin D (usually supplement excess) can cause fatigue and confusion.',
  },
  {
    key: 'b12', label: 'Vitamin B12', loinc: ['2132-9'], names: ['b12', 'vitaminb12', 'cobalamin', 'cyanocobalamin'],
    low: 'low B12 can cause depression, fatigue, and cognitive impairment — a reversible contributor.',
  },
  {
    key: 'folate', label: 'Folate', loinc: ['2284-8'], names: ['folate', 'folicacid', 'serumfolate'],
    low: 'low folate is linked to depression and poorer antidepressant response.',
  },
  {
    key: 'ferritin', label: 'Ferritin', loinc: ['2276-4'], names: ['ferritin', 'serumferritin'],
    low: 'low ferritin (iron deficiency) can present as fatigue and poor concentration, and worsens restlessness and akathisia.',
    high: 'high ferritin can reflect inflammation or iron overload; fatigue is common.',
  },
  {
    key: 'hemoglobin', label: 'Hemoglobin', loinc: ['718-7'], names: ['hemoglobin', 'haemoglobin', 'hgb', 'hb'],
    low: 'anemia can present as fatigue, low energy, and poor concentration that overlap with depression.',
  },
  {
    key: 'sodium', label: 'Sodium', loinc: ['2951-2'], names: ['sodium', 'na', 'serumsodium'],
    low: 'low sodium (hyponatremia, a known SSRI/SNRI, carbamazepine and oxcarbazepine effect) can cause confusion, lethargy, and falls.',
    high: 'high sodium can reflect dehydration; lithium-induced nephrogenic diabetes insipidus is one cause.',
    lowTone: 'concern',
    // <125 mmol/L: severe hyponatremia (seizure and encephalopathy risk).
    criticalBelow: 125, criticalText: 'sodium below 125 mmol/L is severe hyponatremia.',
  },
  {
    key: 'lithium', label: 'Lithium level', loinc: ['14334-7'], names: ['lithium', 'lithiumlevel', 'serumlithium', 'li'],
    high: 'lithium above the 0.6–1.2 mmol/L maintenance range raises the risk of toxicity (tremor, ataxia, confusion).',
    low: 'lithium below the 0.6–1.2 mmol/L maintenance range may be subtherapeutic.',
    highTone: 'concern',
    // >1.5 mmol/L: toxic range (NICE CG185; BAP guidelines).
    criticalAbove: 1.5, criticalText: 'lithium above 1.5 mmol/L is in the toxic range.',
  },
  {
    key: 'valproate', label: 'Valproate level', loinc: ['4086-5'], names: ['valproate', 'valproicacid', 'valproicacidlevel', 'depakote', 'divalproex'],
    high: 'valproate above the therapeutic range (about 50–125 µg/mL) raises the risk of sedation, tremor, and hyperammonemia.',
    low: 'valproate below the therapeutic range (about 50–125 µg/mL) may be subtherapeutic.',
    highTone: 'concern',
  },
  {
    key: 'carbamazepine', label: 'Carbamazepine level', loinc: ['3432-2'], names: ['carbamazepine', 'carbamazepinelevel', 'tegretol'],
    high: 'carbamazepine above the therapeutic range (about 4–12 µg/mL) raises the risk of ataxia, diplopia, and sedation.',
    low: 'carbamazepine below the therapeutic range may be subtherapeutic (it induces its own metabolism).',
    highTone: 'concern',
  },
  {
    key: 'clozapine', label: 'Clozapine level', loinc: ['6896-5'], names: ['clozapine', 'clozapinelevel'],
    high: 'clozapine above about 1000 ng/mL raises seizure and toxicity risk.',
    low: 'clozapine below about 350 ng/mL may be subtherapeutic.',
    highTone: 'concern',
  },
  {
    key: 'anc', label: 'Absolute neutrophil count', loinc: ['751-8', '26499-4'], names: ['anc', 'absoluteneutrophilcount', 'neutrophilsabsolute', 'neutrophils', 'neutrophilcount'],
    low: 'low ANC is the key clozapine and carbamazepine safety signal — neutropenia raises infection risk.',
    lowTone: 'concern',
  },
  {
    key: 'wbc', label: 'White blood cells', loinc: ['6690-2'], names: ['wbc', 'whitebloodcells', 'whitebloodcellcount', 'leukocytes', 'leukocytecount'],
    low: 'low WBC matters on clozapine, carbamazepine, or mirtazapine (agranulocytosis risk).',
    high: 'high WBC can reflect infection or inflammation; lithium also raises WBC.',
    lowTone: 'concern',
  },
  {
    key: 'hba1c', label: 'HbA1c', loinc: ['4548-4'], names: ['hba1c', 'a1c', 'hemoglobina1c', 'glycatedhemoglobin', 'glycohemoglobin'],
    high: 'elevated HbA1c indicates dysglycemia — a metabolic risk of second-generation antipsychotics, and bidirectionally linked to depression.',
  },
  {
    key: 'glucose', label: 'Glucose', loinc: ['2345-7'], names: ['glucose', 'fastingglucose', 'glucosefasting', 'bloodglucose', 'serumglucose'],
    high: 'high glucose is a metabolic risk with second-generation antipsychotics.',
    low: 'low glucose can cause anxiety, irritability, and confusion.',
  },
  {
    key: 'ldl', label: 'LDL cholesterol', loinc: ['13457-7', '18262-6'], names: ['ldl', 'ldlcholesterol', 'ldlc', 'ldlcalculated'],
    high: 'high LDL is part of antipsychotic metabolic monitoring.',
  },
  {
    key: 'triglycerides', label: 'Triglycerides', loinc: ['2571-8'], names: ['triglycerides', 'triglyceride', 'tg', 'trig'],
    high: 'high triglycerides are part of antipsychotic metabolic monitoring (olanzapine, clozapine, quetiapine).',
  },
  {
    key: 'alt', label: 'ALT', loinc: ['1742-6'], names: ['alt', 'alanineaminotransferase', 'sgpt'],
    high: 'raised ALT matters for valproate, duloxetine, and other hepatically cleared psychotropics; alcohol use is a common cause.',
  },
  {
    key: 'ast', label: 'AST', loinc: ['1920-8'], names: ['ast', 'aspartateaminotransferase', 'sgot'],
    high: 'raised AST matters for hepatically cleared psychotropics; alcohol use is a common cause.',
  },
  {
    key: 'creatinine', label: 'Creatinine', loinc: ['2160-0'], names: ['creatinine', 'serumcreatinine', 'creat'],
    high: 'raised creatinine reduces lithium clearance and is part of lithium renal monitoring.',
  },
  {
    key: 'egfr', label: 'eGFR', loinc: ['98979-8', '33914-3'], names: ['egfr', 'estimatedgfr', 'gfr', 'estimatedglomerularfiltrationrate'],
    low: 'reduced eGFR affects lithium safety and the dosing of renally cleared drugs.',
  },
  {
    key: 'prolactin', label: 'Prolactin', loinc: ['2842-3'], names: ['prolactin', 'prl'],
    high: 'raised prolactin is a known effect of risperidone and other antipsychotics (sexual dysfunction, amenorrhea, galactorrhea).',
  },
];
