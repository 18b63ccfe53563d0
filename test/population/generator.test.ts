/** SANDBOX_POPULATION generator: deterministic, and the clinical mix the engines find in it. */
import type { Observation, Patient, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engines/index.ts';
import { buildEngineRequests, mapChart } from '../../src/fhir/index.ts';
import { ARCHETYPES, archetypeOf, generatedPatient, generatePopulation } from '../../src/sandbox/patients/population.ts';
import type { Archetype } from '../../src/sandbox/patients/population.ts';

const ANCHOR = new Date('2025-03-10T00:00:00Z');
const NOW = new Date('2025-03-10T15:00:00Z');
const SEED = 20240917;
const N = 200;
const population = [...generatePopulation(N, ANCHOR, SEED)];
const byArchetype = new Map<Archetype, Resource[][]>();
for (const resources of population) {
  const archetype = archetypeOf(resources[0] as Patient) as Archetype;
  byArchetype.set(archetype, [...(byArchetype.get(archetype) ?? []), resources]);
}

const phq9 = (resources: Resource[]) =>
  resources
    .filter((r): r is Observation => r.resourceType === 'Observation' && r.code.coding?.[0]?.code === '44261-6')
    .sort((a, b) => (a.effectiveDateTime ?? '').localeCompare(b.effectiveDateTime ?? ''))
    .map((o) => o.valueInteger as number);
const flags = (resources: Resource[]) =>
  resources.flatMap((r) => (r.resourceType === 'Observation' && r.category?.[0]?.coding?.[0]?.code === 'laboratory' ? [r.interpretation?.[0]?.coding?.[0]?.code] : []));
const activeMeds = (resources: Resource[]) => resources.filter((r) => r.resourceType === 'MedicationRequest' && r.status === 'active');
const scored = (resources: Resource[]) => {
  const patient = resources[0] as Patient;
  const requests = buildEngineRequests(mapChart(patient.id as string, resources), NOW);
  return {
    relapse: requests.relapse && runEngine('relapse', requests.relapse, { now: NOW }),
    outcome: requests.outcome && runEngine('outcome', requests.outcome, { now: NOW }),
  };
};

describe('generated population', () => {
  it('is deterministic, and patient i does not depend on N', () => {
    expect(JSON.stringify([...generatePopulation(N, ANCHOR, SEED)])).toBe(JSON.stringify(population));
    expect(JSON.stringify([...generatePopulation(25, ANCHOR, SEED)])).toBe(JSON.stringify(population.slice(0, 25)));
    expect(JSON.stringify(generatedPatient(137, ANCHOR, SEED))).toBe(JSON.stringify(population[137]));
    expect(JSON.stringify(generatedPatient(0, ANCHOR, SEED + 1))).not.toBe(JSON.stringify(population[0]));
  });

  it('has unique ids, each resource referring to its own patient', () => {
    const ids = population.flat().map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const resources of population) {
      const own = `Patient/${resources[0]?.id}`;
      for (const r of resources.slice(1)) expect((r as { subject?: { reference?: string } }).subject?.reference).toBe(own);
    }
  });

  it('keeps the mix of archetypes close to their shares', () => {
    for (const [name, share] of Object.entries(ARCHETYPES)) {
      const count = byArchetype.get(name as Archetype)?.length ?? 0;
      expect(count, name).toBeGreaterThanOrEqual(Math.floor(share * N * 0.5));
      expect(count, name).toBeLessThanOrEqual(Math.ceil(share * N * 1.6));
    }
  });

  it('remission: from moderate-severe to under 5 on an active antidepressant; relapse engine not elevated', () => {
    for (const resources of byArchetype.get('remission') ?? []) {
      const series = phq9(resources);
      expect(series[0]).toBeGreaterThanOrEqual(13);
      expect(series.at(-1)).toBeLessThan(5);
      expect(activeMeds(resources).length).toBeGreaterThan(0);
      expect(['low', 'moderate']).toContain(scored(resources).relapse?.level);
    }
  });

  it('relapse: a rise from a remission nadir after a dose cut; the relapse engine rates it elevated or high', () => {
    for (const resources of byArchetype.get('relapse') ?? []) {
      const series = phq9(resources);
      const latest = series.at(-1) as number;
      expect(Math.min(...series.slice(1, -3))).toBeLessThan(5);
      expect(latest).toBeGreaterThanOrEqual(12);
      expect(activeMeds(resources).length).toBe(1);
      expect(['elevated', 'high']).toContain(scored(resources).relapse?.level);
    }
  });

  it('item 9: the latest PHQ-9 is a QuestionnaireResponse with item 9 > 0, which the engines report', () => {
    for (const resources of byArchetype.get('item9') ?? []) {
      const qr = resources.find((r): r is QuestionnaireResponse => r.resourceType === 'QuestionnaireResponse');
      const item9 = qr?.item?.find((i) => i.linkId === '44260-8')?.answer?.[0]?.valueCoding?.code;
      expect(item9).toMatch(/^LA65(69-3|70-1|71-9)$/);
      expect(scored(resources).outcome?.safety.some((f) => f.kind === 'phq9_item9')).toBe(true);
    }
  });

  it('labs: abnormal-labs patients have an H or L result, critical-lab patients an HH or LL', () => {
    for (const resources of byArchetype.get('abnormal-labs') ?? []) expect(flags(resources).some((f) => f === 'H' || f === 'L')).toBe(true);
    for (const resources of byArchetype.get('critical-lab') ?? []) expect(flags(resources).some((f) => f === 'HH' || f === 'LL')).toBe(true);
  });

  it('stable-meds: mild PHQ-9s on one or two active medications; sparse: one PHQ-9 and nothing else', () => {
    for (const resources of byArchetype.get('stable-meds') ?? []) {
      expect(phq9(resources).every((v) => v >= 5 && v <= 9)).toBe(true);
      expect(activeMeds(resources).length).toBeGreaterThanOrEqual(1);
    }
    for (const resources of byArchetype.get('sparse') ?? []) {
      expect(resources.map((r) => r.resourceType)).toEqual(['Patient', 'Observation']);
    }
  });
});
