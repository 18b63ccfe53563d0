// The shared safety path over a mapped chart: every item-9 answer in any form reaches it, latest first;
// critical labs are found with or without a lab flag.
import { describe, expect, it } from 'vitest';
import { chartSafety, safetyAdvice } from '../../src/clinical/index.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';

const LOINC = 'http://loinc.org';
const subject = { reference: 'Patient/p1' };
const code = (c: string) => ({ coding: [{ system: LOINC, code: c }] });
const la = (n: number) => ({ coding: [{ system: LOINC, code: ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'][n] }] });
const ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];

const item9Observation = (id: string, at: string, answer: number, status = 'final') => ({
  resourceType: 'Observation', id, status, subject, code: code('44260-8'), effectiveDateTime: at, valueCodeableConcept: la(answer),
});
const total = (id: string, at: string, score: number) => ({ resourceType: 'Observation', id, status: 'final', subject, code: code('44261-6'), effectiveDateTime: at, valueInteger: score });
const qr = (id: string, at: string, status: string, answers: (number | null)[]) => ({
  resourceType: 'QuestionnaireResponse', id, status, authored: at, questionnaire: 'http://loinc.org/q/44249-1',
  item: ITEMS.map((c, i) => ({ linkId: c, ...(answers[i] === null || answers[i] === undefined ? {} : { answer: [{ valueCoding: la(answers[i]!).coding[0] }] }) })),
});
const lab = (id: string, loinc: string, value: number, unit: string, at = '2026-06-20T08:00:00Z', extra: object = {}) => ({
  resourceType: 'Observation', id, status: 'final', subject, category: [{ coding: [{ code: 'laboratory' }] }], code: code(loinc), effectiveDateTime: at,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit }, ...extra,
});

describe('item 9 reaches the safety path in every form', () => {
  it('a standalone item-9 Observation without any total', () => {
    const chart = mapChart('p1', [total('t1', '2026-05-01T09:00:00Z', 12), item9Observation('i9', '2026-06-20T09:00:00Z', 2)]);
    expect(chart.excluded.some((e) => e.sourceRef === 'Observation/i9')).toBe(true); // not scored …
    const s = chartSafety(chart);
    expect(s.item9?.latest).toMatchObject({ answer: 2, sourceRef: 'Observation/i9', form: 'observation' }); // … but surfaced
    expect(s.findings[0]).toMatchObject({ kind: 'phq9_item9', answer: 2, current: true, answerText: 'More than half the days' });
  });

  it('an in-progress QuestionnaireResponse', () => {
    const chart = mapChart('p1', [qr('q1', '2026-06-21T09:00:00Z', 'in-progress', [2, 2, 1, null, null, null, null, null, 3])]);
    expect(chart.assessments).toHaveLength(0);
    const s = chartSafety(chart);
    expect(s.findings[0]).toMatchObject({ answer: 3, status: 'in-progress', sourceRef: 'QuestionnaireResponse/q1' });
  });

  it('a PHQ-9 panel with one item skipped (prorated, and item 9 still surfaced)', () => {
    const comps = ITEMS.map((c, i) => (i === 3 ? null : { code: code(c), valueCodeableConcept: la(i === 8 ? 1 : 2) })).filter(Boolean);
    const chart = mapChart('p1', [{ resourceType: 'Observation', id: 'panel', status: 'final', subject, code: code('44249-1'), effectiveDateTime: '2026-06-22T09:00:00Z', component: comps }]);
    expect(chart.assessments[0]).toMatchObject({ score: 17 }); // 15 over 8 items → 15 × 9 / 8 = 16.9 → 17
    expect(chartSafety(chart).item9?.latest).toMatchObject({ answer: 1, form: 'panel-component' });
  });

  it('entered-in-error is the only status left out', () => {
    const chart = mapChart('p1', [item9Observation('bad', '2026-06-20T09:00:00Z', 3, 'entered-in-error'), item9Observation('pre', '2026-06-19T09:00:00Z', 1, 'preliminary')]);
    expect(chartSafety(chart).findings.map((f) => f.sourceRef)).toEqual(['Observation/pre']);
  });

  it('leads with the latest answer; an older positive is kept, not current', () => {
    const chart = mapChart('p1', [item9Observation('old', '2025-12-01T09:00:00Z', 2), item9Observation('new', '2026-06-20T09:00:00Z', 0)]);
    const s = chartSafety(chart);
    expect(s.item9?.latest.answer).toBe(0);
    expect(s.findings).toEqual([expect.objectContaining({ sourceRef: 'Observation/old', current: false })]);
    expect(safetyAdvice(s.findings)).toMatch(/^Earlier positive PHQ-9 item 9 \(answer 2 on 2025-12-01; the latest answer is 0\)/);
  });
});

describe('critical labs on the safety path', () => {
  it('severe neutropenia with no flag and no range is critical', () => {
    const s = chartSafety(mapChart('p1', [lab('anc', '751-8', 0.4, '10*3/uL')]));
    expect(s.criticalLabs[0]).toMatchObject({ analyte: 'anc', direction: 'low', limit: '< 1 ×10³/µL' });
  });

  it('a neutrophil percentage is never read as a count', () => {
    const s = chartSafety(mapChart('p1', [lab('pct', '770-8', 0.4, '%')]));
    expect(s.criticalLabs).toHaveLength(0);
  });

  it('glucose in mmol/L is converted before the ADA level-2 limit', () => {
    const s = chartSafety(mapChart('p1', [lab('g', '2345-7', 2.5, 'mmol/L')]));
    expect(s.criticalLabs[0]).toMatchObject({ analyte: 'glucose', direction: 'low', value: 2.5, unit: 'mmol/L' });
    expect(safetyAdvice(s.findings)).toMatch(/Critical lab: Glucose 2.5 mmol\/L on 2026-06-20 \(< 54 mg\/dL\) — act on it today/);
  });
});
