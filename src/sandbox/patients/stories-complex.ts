/** Stories 6–8: five-year history, messy data, lithium toxicity. */
import type { Observation } from '@medplum/fhirtypes';
import { LOINC, OBSERVATION_CATEGORY } from '../../fhir/terminology.ts';
import { DRUGS, LABS, SCORES } from './codes.ts';
import type { Drug, LabDef } from './codes.ts';
import type { Story } from './builders.ts';

const YEAR = 365;

/** (6) Five years: ~370 PHQ-9/GAD-7 scores, ~540 labs, several treatment changes. */
export function longterm(s: Story): void {
  s.patient('Margaret', 'Lindqvist', 'female', '1958-05-17', 'Five years of history (paging and performance)');
  const regimens: [Drug, number, number, number][] = [
    [DRUGS.sertraline, 100, 5 * YEAR, 4 * YEAR],
    [DRUGS.escitalopram, 20, 4 * YEAR, 3 * YEAR],
    [DRUGS.venlafaxine, 150, 3 * YEAR, 0],
    [DRUGS.aripiprazole, 5, 2 * YEAR, 1 * YEAR],
    [DRUGS.bupropion, 300, 1 * YEAR, 0],
    [DRUGS.trazodone, 50, 4 * YEAR, 0],
  ];
  for (const [drug, dose, from, to] of regimens) {
    for (let d = from; d > to; d -= 90) {
      // Refills every 90 days; the last order of a regimen is active (ongoing) or stopped (switched).
      const last = d - 90 <= to;
      s.prescribe(drug, dose, d, !last ? 'completed' : to === 0 ? 'active' : 'stopped');
    }
  }
  for (let d = 5 * YEAR; d >= 3; d -= 10) {
    const wave = 11 + 6 * Math.sin(d / 140) + s.rng.normal(0, 1.5);
    s.score('phq9', clamp(Math.round(wave), 0, 27), d);
    s.score('gad7', clamp(Math.round(wave * 0.75 + s.rng.normal(0, 1)), 0, 21), d);
  }
  const panel: [LabDef, number, number][] = [
    [LABS.tsh, 2.1, 0.6], [LABS.sodium, 139, 2], [LABS.creatinine, 0.9, 0.1], [LABS.glucose, 96, 8],
    [LABS.hba1c, 5.6, 0.3], [LABS.ldl, 118, 15], [LABS.triglycerides, 140, 25], [LABS.alt, 24, 6], [LABS.vitD, 29, 6],
  ];
  for (let d = 5 * YEAR - 5; d >= 5; d -= 30) {
    for (const [def, mean, sd] of panel) s.lab(def, Math.max(0.1, s.rng.normal(mean, sd)), d);
  }
  for (let d = 5 * YEAR; d >= 10; d -= 45) s.encounter(d);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** (7) The data an EHR really returns: gaps, strings, odd units, bad statuses, duplicates. */
export function messy(s: Story): void {
  s.patient('Tomas', 'Ferreira', 'male', '1984-01-09', 'Messy data: missing values, strings, unknown units, duplicates');
  s.prescribe(DRUGS.mirtazapine, 15, 200, 'active');
  s.prescribe(DRUGS.mirtazapine, 15, 200, 'entered-in-error');
  s.prescribe(DRUGS.sertraline, 50, 150, 'cancelled');
  s.prescribe(DRUGS.escitalopram, 10, 100, 'unknown', { dosageInstruction: [{ text: 'as directed' }] });
  s.score('phq9', 18, 180);
  s.score('phq9', 18, 180); // exact duplicate, different id
  const missing = s.score('phq9', 0, 150, { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'asked-declined' }] } });
  delete missing.valueInteger;
  stringScore(s, s.score('phq9', 0, 120), '15');
  stringScore(s, s.score('phq9', 0, 100), 'moderate');
  s.score('phq9', 12, 90, { valueInteger: undefined, valueQuantity: { value: 12, unit: '{score}' } });
  s.score('phq9', 14, 75, { status: 'entered-in-error' });
  s.score('phq9', 9, 60, { status: 'cancelled' });
  s.score('phq9', 11, 45, { status: 'preliminary' });
  s.score('phq9', 13, 30, { effectiveDateTime: s.at(30).slice(0, 19) }); // no timezone
  s.score('phq9', 12, 20, { effectiveDateTime: s.date(20) }); // date only
  s.score('phq9', 31, 15); // out of range
  s.score('phq9', 10, 8, { status: 'amended' });
  s.score('gad7', 9, 8, { effectivePeriod: { start: s.at(9), end: s.at(8) }, effectiveDateTime: undefined });
  phq9WithoutSystem(s, 10, 4);
  s.lab(LABS.tsh, 2.4, 60, { valueQuantity: { value: 2.4, unit: 'uIU/mL' } }); // different unit spelling, no system
  s.lab(LABS.sodium, 137, 60, { valueQuantity: { value: 137, unit: 'mEq/L' } });
  s.lab(LABS.vitD, 52, 60, { valueQuantity: { value: 52, unit: 'nmol/L', system: 'http://unitsofmeasure.org', code: 'nmol/L' }, interpretation: undefined, referenceRange: undefined });
  s.lab(LABS.ferritin, 40, 60, { valueQuantity: { value: 40, unit: 'bananas' } }); // unknown unit
  s.lab(LABS.b12, 0, 60, { valueQuantity: undefined, valueString: '>2000', interpretation: undefined });
  s.lab(LABS.hemoglobin, 13.5, 40, { status: 'entered-in-error' });
  s.encounter(180);
  s.encounter(90, 'cancelled');
  s.encounter(30, 'in-progress');
}

function stringScore(_s: Story, o: Observation, text: string): void {
  delete o.valueInteger;
  o.valueString = text;
}

function phq9WithoutSystem(s: Story, value: number, days: number): void {
  const o = s.score('phq9', value, days);
  o.code = { coding: [{ system: LOINC, code: SCORES.phq9.code }], text: 'PHQ9' };
  o.category = [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'survey' }] }, { text: 'Behavioral health' }];
}

/** (8) Lithium: toxic level 1.8 mmol/L (critical) and sodium 129. */
export function lithium(s: Story): void {
  s.patient('Robert', 'Achterberg', 'male', '1972-12-28', 'On lithium: toxic level and low sodium');
  // 600 mg until the increase to 900 mg 120 days ago (one course).
  s.prescribe(DRUGS.lithium, 600, 400, 'stopped', { dispenseRequest: { validityPeriod: { start: s.at(400), end: s.at(120) } } });
  s.prescribe(DRUGS.lithium, 900, 120);
  s.statement(DRUGS.lithium, 900, 120);
  [[380, 0.62], [300, 0.78], [200, 0.84], [110, 0.95], [60, 1.1], [4, 1.8]].forEach(([days, level]) => {
    s.lab(LABS.lithium, level as number, days as number);
    s.lab(LABS.sodium, (days as number) < 10 ? 129 : 138, days as number);
    s.lab(LABS.creatinine, (days as number) < 10 ? 1.4 : 1.0, days as number);
  });
  s.lab(LABS.tsh, 4.6, 60);
  [[180, 12], [120, 10], [60, 9], [4, 11]].forEach(([days, score]) => {
    s.encounter(days as number);
    s.score('phq9', score as number, days as number);
  });
}
