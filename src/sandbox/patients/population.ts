/**
 * `SANDBOX_POPULATION=N`: N generated patients with the stories' clinical mix (remission, relapse,
 * item 9 positive, abnormal and critical labs, medications, sparse), deterministic from the seed and
 * produced one patient at a time, so 10,000 patients never exist twice in memory.
 * Patient i depends only on (seed, i): growing N never changes the patients already generated.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import { Story } from './builders.ts';
import { DRUGS, LABS } from './codes.ts';
import type { Drug, LabDef } from './codes.ts';
import { Rng, storySeed } from './prng.ts';

/** The clinical shapes a generated patient can take, with their share of the population. */
export const ARCHETYPES = {
  remission: 0.22, // responder: PHQ-9 from moderate-severe to < 5 on an antidepressant
  relapse: 0.14, // remission, then a rise from the nadir, short sleep, dose cut, visit gap
  'abnormal-labs': 0.14, // persistent moderate symptoms with an out-of-range thyroid/vitamin/iron lab
  item9: 0.08, // latest PHQ-9 is a QuestionnaireResponse with item 9 > 0
  'critical-lab': 0.06, // lithium above the critical limit or sodium at/below it
  'stable-meds': 0.21, // mild, stable, on one or two medications
  sparse: 0.15, // a single PHQ-9, nothing else
} as const;

export type Archetype = keyof typeof ARCHETYPES;

/** Tag system and code marking a generated patient (the stories use code `story`). */
export const GENERATED_TAG = { system: 'urn:tidemark:sandbox', code: 'generated' } as const;

export function populationPatientId(index: number): string {
  return `pop-${String(index + 1).padStart(5, '0')}`;
}

/** Yields each generated patient's resources (Patient first), for indexes 0..count-1. */
export function* generatePopulation(count: number, anchor: Date, seed: number): Generator<Resource[]> {
  for (let i = 0; i < count; i++) yield generatedPatient(i, anchor, seed);
}

export function generatedPatient(index: number, anchor: Date, seed: number): Resource[] {
  const id = populationPatientId(index);
  const story = new Story(id, anchor, new Rng(storySeed(seed, id)));
  const archetype = pickArchetype(story.rng.next());
  const patient = demographics(story, archetype);
  patient.meta = { tag: [{ ...GENERATED_TAG, display: `Generated: ${archetype}` }] };
  TELL[archetype](story);
  return story.resources;
}

/** The archetype recorded on a generated Patient's tag, if any. */
export function archetypeOf(patient: Patient): Archetype | undefined {
  const tag = patient.meta?.tag?.find((t) => t.system === GENERATED_TAG.system && t.code === GENERATED_TAG.code);
  const name = tag?.display?.replace(/^Generated: /, '');
  return name && name in ARCHETYPES ? (name as Archetype) : undefined;
}

function pickArchetype(u: number): Archetype {
  let acc = 0;
  for (const [name, share] of Object.entries(ARCHETYPES)) {
    acc += share;
    if (u < acc) return name as Archetype;
  }
  return 'sparse';
}

const GIVEN = {
  female: ['Amara', 'Beatriz', 'Chloe', 'Dana', 'Elif', 'Fatima', 'Grace', 'Hana', 'Ines', 'Julia', 'Keiko', 'Lena', 'Mei', 'Nadia', 'Olivia', 'Rosa'],
  male: ['Aaron', 'Bilal', 'Carlos', 'David', 'Emeka', 'Felix', 'George', 'Hiro', 'Ivan', 'Jamal', 'Kofi', 'Luca', 'Mateo', 'Noah', 'Omar', 'Pavel'],
} as const;
const FAMILY = ['Abbott', 'Bauer', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Laine', 'Moreau', 'Nguyen', 'Okoye', 'Petrov', 'Quinn', 'Rossi', 'Sato', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Yilmaz', 'Zhou'];

function demographics(s: Story, archetype: Archetype): Patient {
  const gender = s.rng.next() < 0.55 ? 'female' : 'male';
  const given = pick(s.rng, GIVEN[gender]);
  const family = pick(s.rng, FAMILY);
  const year = s.anchor.getUTCFullYear() - s.rng.int(19, 84);
  const birthDate = `${year}-${pad(s.rng.int(1, 12))}-${pad(s.rng.int(1, 28))}`;
  return s.patient(given, family, gender, birthDate, `Generated: ${archetype}`);
}

const ANTIDEPRESSANTS: Drug[] = [DRUGS.sertraline, DRUGS.escitalopram, DRUGS.fluoxetine, DRUGS.venlafaxine, DRUGS.bupropion, DRUGS.mirtazapine];
const DOSES: Record<string, [number, number]> = {
  [DRUGS.sertraline.code]: [50, 100],
  [DRUGS.escitalopram.code]: [10, 20],
  [DRUGS.fluoxetine.code]: [20, 40],
  [DRUGS.venlafaxine.code]: [75, 150],
  [DRUGS.bupropion.code]: [150, 300],
  [DRUGS.mirtazapine.code]: [15, 30],
};

/** A PHQ-9 series at the given days (oldest first), with GAD-7 at some visits. */
function phq9Series(s: Story, points: [days: number, score: number][], withVisits = true): void {
  for (const [days, score] of points) {
    if (withVisits) s.encounter(days);
    s.score('phq9', clamp(Math.round(score), 0, 27), days);
    if (s.rng.next() < 0.4) s.score('gad7', clamp(Math.round(score * 0.7 + s.rng.normal(0, 1.5)), 0, 21), days);
  }
}

/** `n` visits spread from `fromDays` to `toDays` before the anchor, with a little jitter. */
function visitDays(s: Story, n: number, fromDays: number, toDays: number): number[] {
  const step = n > 1 ? (fromDays - toDays) / (n - 1) : 0;
  return Array.from({ length: n }, (_, i) => Math.max(toDays, Math.round(fromDays - i * step - s.rng.int(0, 3))));
}

function remission(s: Story): void {
  const drug = pick(s.rng, ANTIDEPRESSANTS);
  const [low, high] = DOSES[drug.code] ?? [10, 20];
  const start = s.rng.int(150, 300);
  s.prescribe(drug, low, start, 'stopped');
  s.prescribe(drug, high, start - 28);
  if (s.rng.next() < 0.5) s.statement(drug, high, start - 28);
  const baseline = s.rng.int(15, 23);
  const days = visitDays(s, s.rng.int(6, 10), start, s.rng.int(3, 25));
  const last = days.length - 1;
  phq9Series(s, days.map((d, i) => [d, i === last ? s.rng.int(1, 4) : baseline - (baseline - 3) * (i / last) + s.rng.normal(0, 1)]));
  if (s.rng.next() < 0.5) s.lab(LABS.tsh, s.rng.normal(2, 0.5), start + 5);
}

function relapse(s: Story): void {
  const drug = pick(s.rng, ANTIDEPRESSANTS);
  const [low, high] = DOSES[drug.code] ?? [10, 20];
  s.prescribe(drug, high, 380, 'stopped');
  const cut = s.rng.int(30, 70);
  s.prescribe(drug, low, cut, 'active', { note: [{ text: 'Dose reduced.' }] });
  const lastVisit = s.rng.int(30, 50);
  const well = visitDays(s, s.rng.int(5, 8), 360, lastVisit).map((d, i): [number, number] => [d, i === 0 ? s.rng.int(14, 19) : s.rng.int(2, 4)]);
  phq9Series(s, well);
  // Home PHQ-9s after the last visit: a rise from the remission nadir to moderate-severe.
  const peak = s.rng.int(14, 21);
  const home = visitDays(s, 3, lastVisit - 8, s.rng.int(1, 5)).map((d, i): [number, number] => [d, 6 + ((peak - 6) * (i + 1)) / 3]);
  phq9Series(s, home, false);
  for (let d = 60; d >= 2; d -= s.rng.int(4, 7)) s.sleep(d > 25 ? s.rng.normal(7.1, 0.3) : s.rng.normal(5.3, 0.3), d);
  s.encounter(-s.rng.int(3, 14), 'planned');
}

const ABNORMAL: [LabDef, number][] = [
  [LABS.tsh, 6.5], // high
  [LABS.vitD, 16], // low
  [LABS.b12, 170], // low
  [LABS.folate, 2.4], // low
  [LABS.ferritin, 12], // low
];

function abnormalLabs(s: Story): void {
  s.prescribe(pick(s.rng, ANTIDEPRESSANTS), 20, s.rng.int(120, 240));
  const level = s.rng.int(11, 16);
  phq9Series(s, visitDays(s, s.rng.int(4, 8), 220, s.rng.int(5, 30)).map((d): [number, number] => [d, level + s.rng.normal(0, 1)]));
  const [def, value] = pick(s.rng, ABNORMAL);
  s.lab(def, value * (0.9 + 0.2 * s.rng.next()), s.rng.int(5, 40));
  s.lab(LABS.hemoglobin, s.rng.normal(13.5, 0.6), s.rng.int(5, 40));
}

function item9(s: Story): void {
  s.prescribe(pick(s.rng, ANTIDEPRESSANTS), 50, s.rng.int(60, 150));
  phq9Series(s, visitDays(s, s.rng.int(2, 5), 150, 30).map((d): [number, number] => [d, s.rng.int(12, 18)]));
  const latest = s.rng.int(1, 14);
  s.encounter(latest);
  const answers = Array.from({ length: 8 }, () => s.rng.int(1, 3));
  s.phq9Response([...answers, s.rng.int(1, 3)], latest);
}

function criticalLab(s: Story): void {
  if (s.rng.next() < 0.6) {
    s.prescribe(DRUGS.lithium, 900, s.rng.int(90, 200));
    s.lab(LABS.lithium, 0.8, s.rng.int(60, 90));
    s.lab(LABS.lithium, 1.5 + 0.5 * s.rng.next(), s.rng.int(1, 10)); // ≥ critical high 1.5
  } else {
    s.prescribe(DRUGS.sertraline, 100, s.rng.int(90, 200));
    s.lab(LABS.sodium, s.rng.int(114, 120), s.rng.int(1, 10)); // ≤ critical low 120
  }
  phq9Series(s, visitDays(s, s.rng.int(3, 5), 180, s.rng.int(2, 20)).map((d): [number, number] => [d, s.rng.int(7, 14)]));
}

function stableMeds(s: Story): void {
  const drugs = s.rng.next() < 0.4 ? [pick(s.rng, ANTIDEPRESSANTS), DRUGS.trazodone] : [pick(s.rng, ANTIDEPRESSANTS)];
  for (const drug of drugs) s.prescribe(drug, DOSES[drug.code]?.[0] ?? 50, s.rng.int(100, 400));
  phq9Series(s, visitDays(s, s.rng.int(3, 7), 300, s.rng.int(5, 60)).map((d): [number, number] => [d, s.rng.int(5, 9)]));
  if (s.rng.next() < 0.3) s.lab(LABS.sodium, s.rng.normal(140, 2), s.rng.int(30, 200));
}

function sparse(s: Story): void {
  s.score('phq9', s.rng.int(3, 20), s.rng.int(1, 120));
}

const TELL: Record<Archetype, (s: Story) => void> = {
  remission,
  relapse,
  'abnormal-labs': abnormalLabs,
  item9,
  'critical-lab': criticalLab,
  'stable-meds': stableMeds,
  sparse,
};

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(0, list.length - 1)] as T;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
