/** Stories 1–5: improving, relapse, thyroid, item 9 positive, sparse. */
import { DRUGS, LABS } from './codes.ts';
import type { Story } from './builders.ts';

/** (1) Sertraline responder, then remission. */
export function improving(s: Story): void {
  s.patient('Maya', 'Okafor', 'female', '1988-04-12', 'Improving on sertraline: response, then remission');
  s.prescribe(DRUGS.sertraline, 50, 182, 'stopped');
  s.prescribe(DRUGS.sertraline, 100, 154);
  s.statement(DRUGS.sertraline, 100, 154);
  const course = [21, 19, 17, 14, 12, 10, 9, 7, 5, 4, 3, 3];
  course.forEach((score, i) => {
    const days = 182 - i * 15 - s.rng.int(0, 2);
    s.encounter(days);
    s.score('phq9', score, days);
    s.score('gad7', Math.max(1, Math.round(score * 0.7) - s.rng.int(0, 2)), days);
  });
  s.lab(LABS.tsh, 1.9, 190);
  s.lab(LABS.vitD, 41, 190);
  s.lab(LABS.sodium, 140, 120);
}

/** (2) Remission for months, then PHQ-9 rising to 19, short sleep, dose cut, 38-day visit gap. */
export function relapse(s: Story): void {
  s.patient('Daniel', 'Reyes', 'male', '1979-09-30', 'Relapse after remission: rising PHQ-9, short sleep, dose change');
  s.prescribe(DRUGS.escitalopram, 10, 400, 'stopped');
  // 20 mg until the dose cut 52 days ago (the order's validity ends there): one course, reduced to 10 mg.
  s.prescribe(DRUGS.escitalopram, 20, 360, 'stopped', { dispenseRequest: { validityPeriod: { start: s.at(360), end: s.at(52) } } });
  s.prescribe(DRUGS.escitalopram, 10, 52, 'active', { note: [{ text: 'Dose reduced at patient request (side effects).' }] });
  s.statement(DRUGS.escitalopram, 10, 52);
  const remission = [17, 14, 10, 7, 4, 3, 4, 3, 2, 4, 3];
  remission.forEach((score, i) => {
    const days = 400 - i * 30;
    s.encounter(days);
    s.score('phq9', score, days);
    s.score('gad7', Math.max(2, score - 3), days);
  });
  s.encounter(70);
  s.score('phq9', 4, 70);
  s.encounter(38); // last finished visit
  s.score('phq9', 6, 38);
  // Home PHQ-9s via the patient portal after the last visit: no encounter.
  for (const [days, score] of [[26, 10], [15, 14], [8, 17], [2, 19]] as const) s.score('phq9', score, days);
  s.score('gad7', 13, 2);
  for (let d = 120; d >= 1; d -= 3) {
    const hours = d > 40 ? s.rng.normal(7.2, 0.3) : d > 14 ? s.rng.normal(6.1, 0.3) : s.rng.normal(5.2, 0.15);
    s.sleep(hours, d);
  }
  s.encounter(-7, 'planned');
}

/** (3) TSH high and vitamin D low while PHQ-9 stays around 14. */
export function thyroid(s: Story): void {
  s.patient('Helen', 'Brandt', 'female', '1969-02-03', 'Persistent symptoms with high TSH and low vitamin D');
  s.prescribe(DRUGS.fluoxetine, 20, 220, 'stopped');
  s.prescribe(DRUGS.fluoxetine, 40, 160);
  [16, 15, 14, 15, 14, 13, 14, 15, 14].forEach((score, i) => {
    const days = 220 - i * 25;
    s.encounter(days);
    s.score('phq9', score, days);
  });
  s.lab(LABS.tsh, 5.9, 200);
  s.lab(LABS.tsh, 6.8, 12);
  s.lab(LABS.freeT4, 0.9, 12);
  s.lab(LABS.vitD, 18, 12);
  s.lab(LABS.b12, 410, 12);
  s.lab(LABS.hemoglobin, 13.1, 12);
}

/** (4) Latest PHQ-9 is a QuestionnaireResponse with item 9 = 2 ("more than half the days"). */
export function item9(s: Story): void {
  s.patient('Jonah', 'Whitfield', 'male', '1996-07-21', 'PHQ-9 item 9 positive at the latest visit');
  s.prescribe(DRUGS.sertraline, 50, 90);
  [[120, 15], [90, 16], [60, 14], [30, 16]].forEach(([days, score]) => {
    s.encounter(days as number);
    s.score('phq9', score as number, days as number);
  });
  s.encounter(3);
  s.phq9Response([2, 2, 3, 2, 1, 2, 1, 1, 2], 3); // total 16, item 9 = 2
  s.score('gad7', 12, 3);
}

/** (5) One PHQ-9 and nothing else. */
export function sparse(s: Story): void {
  s.patient('Priya', 'Nair', 'female', '2001-11-05', 'A single PHQ-9; no labs, no medications');
  s.score('phq9', 11, 6);
}
