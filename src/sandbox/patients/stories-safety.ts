/** Stories 9–13: the edges of issue 9 — item 9 charted outside a scored PHQ-9, recurrence, neutropenia on clozapine, maintenance. */
import { ATORVASTATIN, DRUGS, LABS } from './codes.ts';
import type { Story } from './builders.ts';

/** (9) Item 9 = 2 charted only as a standalone Observation (a nurse's screening call): no PHQ-9 total that day. */
export function item9Observation(s: Story): void {
  s.patient('Lena', 'Marsh', 'female', '1991-08-14', 'Item 9 positive, charted only as a standalone Observation');
  s.prescribe(DRUGS.escitalopram, 10, 150);
  for (const [days, score] of [[150, 13], [110, 11], [70, 9], [30, 8]] as const) {
    s.encounter(days);
    s.score('phq9', score, days);
  }
  s.item9Observation(2, 2);
}

/** (10) Item 9 = 1 only in an in-progress PHQ-9 questionnaire, saved half-way (never scored). */
export function item9InProgress(s: Story): void {
  s.patient('Samuel', 'Osei', 'male', '1983-02-27', 'Item 9 positive in an in-progress PHQ-9 questionnaire');
  s.prescribe(DRUGS.sertraline, 100, 200);
  for (const [days, score] of [[200, 17], [140, 12], [80, 10], [20, 9]] as const) {
    s.encounter(days);
    s.score('phq9', score, days);
  }
  s.phq9Questionnaire([2, 1, 2, null, null, null, null, null, 1], 1, 'in-progress');
}

/** (11) Months in remission on sertraline (refills every 90 days), then PHQ-9 3 → 27 within four weeks. */
export function recurrence(s: Story): void {
  s.patient('Grace', 'Liu', 'female', '1975-06-02', 'Recurrence: PHQ-9 3 to 27 in four weeks after months in remission');
  for (let d = 420; d >= 60; d -= 90) s.prescribe(DRUGS.sertraline, 100, d, d - 90 < 60 ? 'active' : 'completed');
  for (const [days, score] of [[330, 16], [270, 9], [210, 4], [150, 3], [90, 3], [58, 2], [30, 3]] as const) {
    s.encounter(days);
    s.score('phq9', score, days);
    s.score('gad7', Math.max(1, score - 2), days);
  }
  // Portal PHQ-9 two days ago: a total of 27 (every item "nearly every day", item 9 included).
  s.score('phq9', 27, 2);
  s.score('gad7', 17, 2);
  for (let d = 20; d >= 1; d -= 2) s.sleep(d > 8 ? 7.1 : 4.6, d);
}

/** (12) Clozapine with severe neutropenia: ANC 0.4 ×10³/µL sent with no flag and no reference range. */
export function clozapine(s: Story): void {
  s.patient('Marcus', 'Bell', 'male', '1990-11-19', 'Clozapine: severe neutropenia (ANC 0.4) with no lab flag or range');
  for (let d = 360; d >= 0; d -= 90) s.prescribe(DRUGS.clozapine, 300, d, d - 90 < 0 ? 'active' : 'completed');
  for (const [days, anc] of [[180, 3.8], [120, 3.1], [60, 2.2], [30, 1.6]] as const) s.lab(LABS.anc, anc, days);
  s.lab(LABS.anc, 0.4, 3, { interpretation: undefined, referenceRange: undefined });
  s.lab(LABS.wbc, 2.1, 3, { interpretation: undefined, referenceRange: undefined });
  s.lab(LABS.neutrophilsPct, 19, 3);
  s.lab(LABS.clozapine, 420, 30);
  for (const [days, score] of [[180, 8], [90, 7], [30, 6], [3, 7]] as const) {
    s.encounter(days);
    s.score('phq9', score, days);
  }
}

/**
 * (13) Maintenance: venlafaxine for three years (refills every 90 days, never a change), atorvastatin
 * (not a psychotropic), a positive item 9 two and a half years ago, item 9 = 0 since, long sleep.
 */
export function maintenance(s: Story): void {
  s.patient('Ruth', 'Adeyemi', 'female', '1962-04-09', 'Three years on venlafaxine: refills, atorvastatin, an old positive item 9, long sleep');
  for (let d = 3 * 365; d >= 20; d -= 90) s.prescribe(DRUGS.venlafaxine, 150, d, d - 90 < 20 ? 'active' : 'completed');
  for (let d = 2 * 365; d >= 20; d -= 90) s.prescribe(ATORVASTATIN, 20, d, d - 90 < 20 ? 'active' : 'completed');
  s.score('phq9', 19, 1100); // before venlafaxine
  s.phq9Response([2, 2, 3, 2, 2, 2, 2, 1, 2], 920); // 18, item 9 = 2
  s.phq9Response([2, 1, 2, 1, 1, 1, 1, 0, 0], 860); // 9
  for (let d = 800; d >= 45; d -= 75) {
    s.encounter(d);
    s.phq9Response(d > 600 ? [1, 1, 1, 1, 0, 1, 0, 0, 0] : [1, 0, 1, 1, 0, 0, 0, 0, 0], d);
    s.score('gad7', d > 600 ? 6 : 3, d);
  }
  for (let d = 14; d >= 1; d -= 2) s.sleep(s.rng.normal(10.4, 0.2), d);
}
