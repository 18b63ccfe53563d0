import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS, type EngineName } from '../../src/contract/index.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';
import { buildEngineRequests } from '../../src/fhir/requests.ts';

// The five outside patients vendored in test/data/synthea-phq (Apache-2.0, see its NOTICE.md); required, never skipped.
const DIR = process.env.SANDBOX_TEST_SYNTHEA ?? resolve(import.meta.dirname, '../data/synthea-phq');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('real-shaped Synthea bundles', () => {
  it('finds all five', () => expect(files).toHaveLength(5));

  it.each(files)('%s maps with the documented counts', (file) => {
    const bundle = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as { entry: Array<{ resource: { resourceType: string; id: string } }> };
    const resources = bundle.entry.map((e) => e.resource);
    const patient = resources.find((r) => r.resourceType === 'Patient')!;
    const chart = mapChart(patient.id, resources);
    const count = (id: string) => chart.assessments.filter((a) => a.instrumentId === id).length;
    expect(count('phq9')).toBe(16);
    expect(count('phq2')).toBe(5);
    expect(count('gad7')).toBe(6);
    expect(chart.prescriptions.some((p) => p.rxnorm === '36437' && p.medicationName === 'Sertraline')).toBe(true);
    expect(chart.labs.length).toBeGreaterThan(5);
    expect(chart.lastVisit).not.toBeNull();
    expect(chart.excluded.filter((e) => e.reason === 'malformed')).toEqual([]);
    const reqs = buildEngineRequests(chart, new Date('2021-06-01T00:00:00Z'));
    for (const [engine, req] of Object.entries(reqs)) expect(ENDPOINTS[engine as EngineName].request.safeParse(req).success).toBe(true);
    // Every scale goes to the engines (GAD-7 is scored beside the PHQ-9); they pick the PHQ-9 as primary.
    const sent = reqs.relapse!.assessments.map((a) => a.instrumentId);
    expect(sent.filter((i) => i === 'phq9')).toHaveLength(16);
    expect(sent.filter((i) => i === 'gad7')).toHaveLength(6);
  });
});
