/** The synthetic stories carry the facts the app's engines must find. */
import { describe, expect, it } from 'vitest';
import type { Encounter, MedicationRequest, Observation, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { generatePatients } from '../../src/sandbox/patients/index.ts';

const NOW = new Date('2025-03-10T15:00:00Z');
const all = generatePatients(NOW, 20240917);
const of = <T extends Resource>(patient: string, type: T['resourceType']) =>
  all.filter((r): r is T => r.resourceType === type && (r.id === patient || JSON.stringify(r).includes(`"Patient/${patient}"`)));
const obs = (patient: string, code: string) =>
  of<Observation>(patient, 'Observation')
    .filter((o) => o.code.coding?.some((c) => c.code === code))
    .sort((a, b) => (a.effectiveDateTime ?? '').localeCompare(b.effectiveDateTime ?? ''));
const daysAgo = (iso: string) => (Date.UTC(2025, 2, 10) - Date.parse(iso)) / 86_400_000;

describe('synthetic patients', () => {
  it('are deterministic for a given day and seed', () => {
    expect(JSON.stringify(generatePatients(new Date('2025-03-10T23:59:00Z'), 20240917))).toBe(JSON.stringify(all));
  });

  it('has the eight original stories and the five issue-9 edge stories, with unique ids', () => {
    const ids = all.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    const patients = all.filter((r) => r.resourceType === 'Patient').map((r) => r.id);
    expect(patients.sort()).toEqual([
      'clozapine', 'improving', 'item9', 'item9-in-progress', 'item9-observation', 'lithium', 'longterm', 'maintenance', 'messy', 'recurrence', 'relapse', 'sparse', 'thyroid',
    ]);
  });

  it('improving: sertraline, response then remission', () => {
    const phq = obs('improving', '44261-6').map((o) => o.valueInteger as number);
    expect(phq.at(-1)).toBeLessThan(5);
    expect(phq.some((v) => v <= (phq[0] as number) / 2)).toBe(true);
    expect(of<MedicationRequest>('improving', 'MedicationRequest').some((m) => m.medicationCodeableConcept?.coding?.[0]?.code === '36437')).toBe(true);
  });

  it('relapse: PHQ-9 rising to 19, short sleep, last finished visit 38 days ago', () => {
    expect(obs('relapse', '44261-6').at(-1)?.valueInteger).toBe(19);
    expect(obs('relapse', '93832-4').at(-1)?.valueQuantity?.value).toBeCloseTo(5.2, 0);
    const finished = of<Encounter>('relapse', 'Encounter').filter((e) => e.status === 'finished').map((e) => e.period?.start as string).sort();
    expect(Math.round(daysAgo(finished.at(-1) as string))).toBe(38);
  });

  it('thyroid and lithium labs are flagged', () => {
    const tsh = obs('thyroid', '3016-3').at(-1);
    expect(tsh?.valueQuantity?.value).toBe(6.8);
    expect(tsh?.interpretation?.[0]?.coding?.[0]?.code).toBe('H');
    expect(tsh?.referenceRange?.[0]?.high?.value).toBe(4);
    expect(obs('thyroid', '1989-3').at(-1)?.valueQuantity?.value).toBe(18);
    const li = obs('lithium', '14334-7').at(-1);
    expect(li?.valueQuantity).toMatchObject({ value: 1.8, unit: 'mmol/L' });
    expect(li?.interpretation?.[0]?.coding?.[0]?.code).toBe('HH');
    expect(obs('lithium', '2951-2').at(-1)?.valueQuantity?.value).toBe(129);
  });

  it('item9: latest PHQ-9 is a QuestionnaireResponse with item 9 = LA6570-1 and a matching total', () => {
    const qr = of<QuestionnaireResponse>('item9', 'QuestionnaireResponse')[0];
    const item9 = qr?.item?.find((i) => i.linkId === '44260-8');
    expect(item9?.answer?.[0]?.valueCoding?.code).toBe('LA6570-1');
    const total = obs('item9', '44261-6').at(-1);
    expect(total?.derivedFrom?.[0]?.reference).toBe(`QuestionnaireResponse/${qr?.id}`);
    expect(total?.valueInteger).toBe(qr?.item?.find((i) => i.linkId === '44261-6')?.answer?.[0]?.valueInteger);
  });

  it('sparse has one PHQ-9 only; longterm has five years of history', () => {
    expect(all.filter((r) => JSON.stringify(r).includes('"Patient/sparse"'))).toHaveLength(1);
    const scores = [...obs('longterm', '44261-6'), ...obs('longterm', '70274-6')];
    expect(scores.length).toBeGreaterThanOrEqual(300);
    expect(daysAgo(obs('longterm', '44261-6')[0]?.effectiveDateTime as string)).toBeGreaterThan(5 * 365 - 10);
    const labs = of<Observation>('longterm', 'Observation').filter((o) => o.category?.[0]?.coding?.[0]?.code === 'laboratory');
    expect(labs.length).toBeGreaterThanOrEqual(500);
    expect(of<MedicationRequest>('longterm', 'MedicationRequest').length).toBeGreaterThanOrEqual(40);
  });

  it('messy has strings, gaps, bad statuses and dates without timezone', () => {
    const phq = obs('messy', '44261-6');
    expect(phq.some((o) => o.valueString === 'moderate')).toBe(true);
    expect(phq.some((o) => o.dataAbsentReason && o.valueInteger === undefined)).toBe(true);
    expect(phq.some((o) => o.status === 'entered-in-error')).toBe(true);
    expect(phq.some((o) => /T\d\d:\d\d:\d\d$/.test(o.effectiveDateTime ?? ''))).toBe(true);
  });
});
