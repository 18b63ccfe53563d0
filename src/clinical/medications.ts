// Psychotropic medications by RxNorm ingredient, with their class, the brand and salt names that
// identify them in a product text, and the laboratory monitoring they need. The medication-response
// engine scores only the classes marked `scoredForResponse`; other drugs (atorvastatin …) never
// produce an "improved since X started" signal.
import type { DrugKey } from './analytes.ts';

export type PsychotropicClass =
  | 'ssri'
  | 'snri'
  | 'tricyclic'
  | 'maoi'
  | 'other antidepressant'
  | 'mood stabilizer'
  | 'antipsychotic'
  | 'anxiolytic or hypnotic'
  | 'stimulant';

/** Classes whose effect on depressive symptoms (PHQ-9) is read as a treatment response. */
export const RESPONSE_CLASSES: ReadonlySet<PsychotropicClass> = new Set([
  'ssri',
  'snri',
  'tricyclic',
  'maoi',
  'other antidepressant',
  'mood stabilizer',
  'antipsychotic',
]);

export interface Psychotropic {
  key: string;
  /** Ingredient name as shown ("Valproic acid"). */
  name: string;
  /** RxNorm ingredient (IN) code; null where no code could be verified offline (matched by name). */
  rxnorm: string | null;
  /** Other RxNorm codes that roll up to this ingredient (precise ingredients such as divalproex sodium). */
  otherCodes?: readonly string[];
  class: PsychotropicClass;
  /** Lower-case words or two-word phrases that name it in a product text (brands, salts). */
  aliases: readonly string[];
  /** Keys of its laboratory safety knowledge (analytes.ts drugNotes). */
  drugKeys: readonly DrugKey[];
  /** Mandatory laboratory monitoring, when the drug has it. */
  monitoring?: string;
}

const P = (
  key: string,
  name: string,
  rxnorm: string | null,
  cls: PsychotropicClass,
  aliases: string[] = [],
  drugKeys: DrugKey[] = [],
  extra: Partial<Psychotropic> = {},
): Psychotropic => ({ key, name, rxnorm, class: cls, aliases, drugKeys, ...extra });

const SER: DrugKey[] = ['serotonergic'];
const AP: DrugKey[] = ['antipsychotic'];

/**
 * Codes: ../shared/DESIGN.md terminology notes (verified) and the CPIC drug table (RxNorm ingredient
 * ids). rxnorm null: no code verified offline; such drugs are recognised by name only.
 */
export const PSYCHOTROPICS: readonly Psychotropic[] = [
  P('sertraline', 'Sertraline', '36437', 'ssri', ['zoloft', 'lustral'], SER),
  P('fluoxetine', 'Fluoxetine', '4493', 'ssri', ['prozac', 'sarafem'], SER),
  P('escitalopram', 'Escitalopram', '321988', 'ssri', ['lexapro', 'cipralex'], SER),
  P('citalopram', 'Citalopram', '2556', 'ssri', ['celexa', 'cipramil'], SER),
  P('paroxetine', 'Paroxetine', '32937', 'ssri', ['paxil', 'seroxat', 'pexeva'], SER),
  P('fluvoxamine', 'Fluvoxamine', '42355', 'ssri', ['luvox', 'faverin'], SER),
  P('venlafaxine', 'Venlafaxine', '39786', 'snri', ['effexor'], SER),
  // Desvenlafaxine is its own ingredient (734064), never venlafaxine: names match whole words only.
  P('desvenlafaxine', 'Desvenlafaxine', '734064', 'snri', ['pristiq', 'khedezla'], SER),
  P('duloxetine', 'Duloxetine', '72625', 'snri', ['cymbalta', 'drizalma'], SER),
  P('levomilnacipran', 'Levomilnacipran', null, 'snri', ['fetzima'], SER),
  P('amitriptyline', 'Amitriptyline', '704', 'tricyclic', ['elavil']),
  P('nortriptyline', 'Nortriptyline', '7531', 'tricyclic', ['pamelor', 'aventyl']),
  P('imipramine', 'Imipramine', '5691', 'tricyclic', ['tofranil']),
  P('clomipramine', 'Clomipramine', '2597', 'tricyclic', ['anafranil'], SER),
  P('desipramine', 'Desipramine', '3247', 'tricyclic', ['norpramin']),
  P('doxepin', 'Doxepin', '3638', 'tricyclic', ['sinequan', 'silenor']),
  P('protriptyline', 'Protriptyline', '8886', 'tricyclic', ['vivactil']),
  P('trimipramine', 'Trimipramine', '10834', 'tricyclic', ['surmontil']),
  P('phenelzine', 'Phenelzine', null, 'maoi', ['nardil']),
  P('tranylcypromine', 'Tranylcypromine', null, 'maoi', ['parnate']),
  P('bupropion', 'Bupropion', '42347', 'other antidepressant', ['wellbutrin', 'zyban', 'aplenzin']),
  P('mirtazapine', 'Mirtazapine', '15996', 'other antidepressant', ['remeron', 'zispin']),
  P('trazodone', 'Trazodone', '10737', 'other antidepressant', ['desyrel', 'oleptro'], SER),
  P('vortioxetine', 'Vortioxetine', '1455099', 'other antidepressant', ['trintellix', 'brintellix'], SER),
  P('vilazodone', 'Vilazodone', null, 'other antidepressant', ['viibryd'], SER),
  P('lithium', 'Lithium', '6448', 'mood stabilizer', ['lithobid', 'eskalith', 'priadel', 'camcolit', 'liskonum'], ['lithium'], {
    monitoring: 'serum lithium level, renal function (eGFR), thyroid function and calcium monitoring apply (narrow therapeutic index; NICE CG185: level every 3 months in the first year, then every 6 months; renal, thyroid and calcium every 6 months).',
  }),
  P('lamotrigine', 'Lamotrigine', '28439', 'mood stabilizer', ['lamictal']),
  P('valproate', 'Valproic acid', '11118', 'mood stabilizer', ['valproate', 'divalproex', 'depakote', 'depakene', 'epilim', 'depacon', 'depakine'], ['valproate'], {
    otherCodes: ['266856'],
    monitoring: 'valproate level, liver function, platelets and, if drowsy or confused, ammonia monitoring apply (FDA boxed warnings: hepatotoxicity, pancreatitis, teratogenicity).',
  }),
  P('carbamazepine', 'Carbamazepine', '2002', 'mood stabilizer', ['tegretol', 'equetro', 'carbatrol'], ['carbamazepine'], {
    monitoring: 'carbamazepine level, sodium, full blood count and liver function monitoring apply (FDA boxed warnings: aplastic anemia and agranulocytosis; HLA-B*1502 screening in at-risk ancestry).',
  }),
  P('oxcarbazepine', 'Oxcarbazepine', '32624', 'mood stabilizer', ['trileptal', 'oxtellar'], ['oxcarbazepine'], {
    monitoring: 'sodium monitoring applies (hyponatremia is common; FDA label).',
  }),
  P('aripiprazole', 'Aripiprazole', '89013', 'antipsychotic', ['abilify', 'aristada'], AP),
  P('brexpiprazole', 'Brexpiprazole', '1658314', 'antipsychotic', ['rexulti'], AP),
  P('cariprazine', 'Cariprazine', null, 'antipsychotic', ['vraylar', 'reagila'], AP),
  P('olanzapine', 'Olanzapine', '61381', 'antipsychotic', ['zyprexa'], AP),
  P('clozapine', 'Clozapine', '2626', 'antipsychotic', ['clozaril', 'fazaclo', 'versacloz', 'denzapine'], ['clozapine', 'antipsychotic'], {
    monitoring: 'absolute neutrophil count monitoring applies (clozapine label ANC table: weekly for 6 months, every 2 weeks to 12 months, then monthly), plus metabolic monitoring.',
  }),
  P('risperidone', 'Risperidone', '35636', 'antipsychotic', ['risperdal', 'perseris'], AP),
  P('paliperidone', 'Paliperidone', null, 'antipsychotic', ['invega', 'xeplion'], AP),
  P('quetiapine', 'Quetiapine', '51272', 'antipsychotic', ['seroquel'], AP),
  P('lurasidone', 'Lurasidone', null, 'antipsychotic', ['latuda'], AP),
  P('ziprasidone', 'Ziprasidone', null, 'antipsychotic', ['geodon'], AP),
  P('iloperidone', 'Iloperidone', '73178', 'antipsychotic', ['fanapt'], AP),
  P('haloperidol', 'Haloperidol', '5093', 'antipsychotic', ['haldol'], AP),
  P('perphenazine', 'Perphenazine', '8076', 'antipsychotic', ['trilafon'], AP),
  P('pimozide', 'Pimozide', '8331', 'antipsychotic', ['orap'], AP),
  P('thioridazine', 'Thioridazine', '10502', 'antipsychotic', [], AP),
  P('zuclopenthixol', 'Zuclopenthixol', '114176', 'antipsychotic', ['clopixol'], AP),
  P('diazepam', 'Diazepam', '3322', 'anxiolytic or hypnotic', ['valium']),
  P('oxazepam', 'Oxazepam', '7781', 'anxiolytic or hypnotic', ['serax']),
  P('clobazam', 'Clobazam', '21241', 'anxiolytic or hypnotic', ['onfi']),
  P('lorazepam', 'Lorazepam', null, 'anxiolytic or hypnotic', ['ativan']),
  P('clonazepam', 'Clonazepam', null, 'anxiolytic or hypnotic', ['klonopin', 'rivotril']),
  P('alprazolam', 'Alprazolam', null, 'anxiolytic or hypnotic', ['xanax']),
  P('buspirone', 'Buspirone', null, 'anxiolytic or hypnotic', ['buspar']),
  P('zolpidem', 'Zolpidem', null, 'anxiolytic or hypnotic', ['ambien', 'stilnoct']),
  P('methylphenidate', 'Methylphenidate', '6901', 'stimulant', ['ritalin', 'concerta']),
  P('atomoxetine', 'Atomoxetine', '38400', 'stimulant', ['strattera']),
  P('modafinil', 'Modafinil', '30125', 'stimulant', ['provigil']),
];

const BY_CODE = new Map<string, Psychotropic>();
const BY_WORD = new Map<string, Psychotropic>();
for (const p of PSYCHOTROPICS) {
  if (p.rxnorm) BY_CODE.set(p.rxnorm, p);
  for (const c of p.otherCodes ?? []) BY_CODE.set(c, p);
  BY_WORD.set(p.key, p);
  BY_WORD.set(p.name.toLowerCase(), p);
  for (const a of p.aliases) BY_WORD.set(a, p);
}

export function psychotropicByCode(rxnorm: string): Psychotropic | undefined {
  return BY_CODE.get(rxnorm.trim());
}

const WORD = /[a-z0-9]+/g;

/**
 * The ingredient named in a product text, by whole words ("Escitalopram 10 MG Oral Tablet" is not
 * citalopram; "desvenlafaxine" is not venlafaxine), two-word names first ("valproic acid").
 */
export function psychotropicInText(text: string): Psychotropic | undefined {
  const words = text.toLowerCase().match(WORD);
  if (!words) return undefined;
  for (let i = 0; i < words.length; i++) {
    if (i + 1 < words.length) {
      const two = BY_WORD.get(`${words[i]} ${words[i + 1]}`);
      if (two) return two;
    }
    const one = BY_WORD.get(words[i]!);
    if (one) return one;
  }
  return undefined;
}

/**
 * Rolls a medication up to a psychotropic ingredient: an ingredient RxNorm code wins (a code we know is
 * checked, never overridden by the name); else whole-word names in the texts. Clinical-drug codes
 * (SCD, e.g. "sertraline 50 MG Oral Tablet") are not in the table, so their display names decide.
 */
export function psychotropicOf(codes: readonly string[], texts: readonly string[]): Psychotropic | undefined {
  for (const c of codes) {
    const p = BY_CODE.get(c.trim());
    if (p) return p;
  }
  for (const t of texts) {
    const p = psychotropicInText(t);
    if (p) return p;
  }
  return undefined;
}

export function isScoredForResponse(p: Psychotropic | undefined): boolean {
  return p !== undefined && RESPONSE_CLASSES.has(p.class);
}

/** Drug keys of a list of active medications (names or RxNorm codes), for drug-aware lab notes. */
export function drugKeysOf(medications: readonly string[]): Set<DrugKey> {
  const out = new Set<DrugKey>();
  for (const m of medications) {
    const p = BY_CODE.get(m.trim()) ?? psychotropicInText(m);
    if (p) for (const k of p.drugKeys) out.add(k);
  }
  return out;
}

const DOSE = /^\s*(\d+(?:[.,]\d+)?)\s*(mg|mcg|µg|ug|g|ml|mmol|iu|units?)(?:\s*\/\s*(?:day|d|ml))?(?![a-z])/i;

/** Strength at the start of a dosage text ("10 mg by mouth once daily" → "10 mg"); else the text as given. */
export function doseOf(dosage: string | undefined): string {
  if (!dosage) return '';
  const m = DOSE.exec(dosage);
  return m ? m[0].trim() : dosage.trim();
}

/** Numeric strength and unit of a dosage text, for comparing doses; null when it has none. */
export function doseAmount(dosage: string | undefined): { value: number; unit: string } | null {
  if (!dosage) return null;
  const m = DOSE.exec(dosage);
  if (!m) return null;
  const unit = m[2]!.toLowerCase().replace('µg', 'mcg').replace('ug', 'mcg');
  const value = Number(m[1]!.replace(',', '.'));
  return Number.isFinite(value) ? { value: unit === 'g' ? value * 1000 : value, unit: unit === 'g' ? 'mg' : unit } : null;
}
