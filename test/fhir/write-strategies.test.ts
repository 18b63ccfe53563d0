// Write-back strategies against a faithful model of each vendor's rules (test/support/vendor-fhir.ts):
// the right strategy is chosen from what the server publishes, something useful lands in the chart,
// and a second save adds nothing — also where the server offers no conditional create, transaction
// or identifier search. A clinician-entered PHQ-9 lands where the vendor allows it.
import type { DocumentReference, Observation, QuestionnaireResponse } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { EngineName } from '../../src/contract/index.ts';
import { runEngine } from '../../src/engines/index.ts';
import { parseCapabilities, UNKNOWN_CAPABILITIES } from '../../src/fhir/ehr/capabilities.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';
import { buildEngineRequests } from '../../src/fhir/requests.ts';
import { executePlan, type FhirRequest, findExisting } from '../../src/fhir/write/execute.ts';
import { carriesMarker, fromBase64 } from '../../src/fhir/write/marker.ts';
import type { EngineResult } from '../../src/fhir/write/observations.ts';
import type { EnteredPhq9 } from '../../src/fhir/write/phq9-entry.ts';
import { buildWritePlan, type PlanInput } from '../../src/fhir/write/plan.ts';
import { siteServerConfig } from '../../src/fhir/write/site-config.ts';
import { chooseWriteStrategy } from '../../src/fhir/write/strategy.ts';
import { capabilityStatement, FLOWSHEET_SYSTEM, smartConfiguration, vendorServer, type VendorName } from '../support/vendor-fhir.ts';
import * as F from './fixtures.ts';
import { mswServer } from '../support/msw.ts';

const BASE = 'https://ehr.example/fhir';
const server = mswServer();

const request: FhirRequest = (url, init) => fetch(/^https?:/.test(url) ? url : url === '' ? BASE : `${BASE}/${url}`, init);
const caps = (vendor: VendorName) => parseCapabilities(capabilityStatement(vendor), smartConfiguration(vendor, BASE));
const EPIC_ROWS = siteServerConfig.parse({
  fhirBase: BASE,
  flowsheetRows: {
    'phq9-total': { system: FLOWSHEET_SYSTEM, code: '1570000101', display: 'Tidemark PHQ-9 total' },
    'relapse-risk': { system: FLOWSHEET_SYSTEM, code: '1570000102', display: 'Tidemark relapse risk' },
  },
});

/** Real engine results for the relapse story (the engines are pure: same input, same result). */
function relapseResults(): EngineResult[] {
  const requests = buildEngineRequests(mapChart('p1', F.relapse()), F.NOW);
  return (Object.keys(requests) as EngineName[]).map(
    (engine) => ({ patientId: 'p1', engine, request: requests[engine], response: runEngine(engine, requests[engine] as never, { now: F.NOW }) }) as EngineResult,
  );
}

const ITEM9_POSITIVE: EnteredPhq9 = { patientId: 'p1', answers: [2, 2, 1, 2, 1, 2, 1, 1, 2], at: '2026-06-30T11:40:00.000Z' };

/** `site`: the site's settings for the server (null: none). */
function input(vendor: VendorName, over: Partial<PlanInput> = {}, site: typeof EPIC_ROWS | null = null): PlanInput {
  return {
    strategy: chooseWriteStrategy(caps(vendor), site ?? undefined),
    patientId: 'p1',
    results: relapseResults(),
    entered: [],
    chartPhq9: { score: 19, at: F.daysAgo(10), band: 'moderately severe', item9: 0, entered: false, sourceRef: 'Observation/phq-5' },
    safety: [],
    author: 'Practitioner/dr-1',
    now: F.NOW,
    ...over,
  };
}

/** Save twice, the second time from a fresh plan built later (a relaunch: no client memory). */
async function saveTwice(vendor: VendorName, over: Partial<PlanInput> = {}, site: typeof EPIC_ROWS | null = null) {
  const vs = vendorServer(vendor, { base: BASE });
  server.use(...vs.handlers);
  const first = await executePlan(request, await buildWritePlan(input(vendor, over, site)), { serverUrl: BASE });
  const stored = new Map(vs.store);
  const later = new Date(F.NOW.getTime() + 10 * 60_000);
  const second = await executePlan(request, await buildWritePlan({ ...input(vendor, over, site), now: later }), { serverUrl: BASE });
  return { vs, first, second, stored };
}

describe('choosing the strategy from what the server publishes', () => {
  it.each([
    ['open', undefined, 'observations', 'transaction'],
    ['epic', undefined, 'note', 'search-marker'],
    ['epic', EPIC_ROWS, 'flowsheet-and-note', 'search-marker'],
    ['cerner', undefined, 'note', 'search-marker'],
  ] as const)('%s (site rows: %s) → %s, idempotence %s', (vendor, site, kind, idempotence) => {
    const s = chooseWriteStrategy(caps(vendor), site);
    expect(s.kind).toBe(kind);
    expect(s.idempotence).toBe(idempotence);
    expect(s.reasons.length).toBeGreaterThan(0);
  });

  it('Epic: the scopes follow what is written (Observation create only with mapped rows; the note always)', () => {
    expect(chooseWriteStrategy(caps('epic')).creates).toEqual(['DocumentReference']);
    expect(chooseWriteStrategy(caps('epic'), EPIC_ROWS).creates).toEqual(['Observation', 'DocumentReference']);
    expect(chooseWriteStrategy(caps('cerner')).creates).toEqual(['DocumentReference']);
    expect(chooseWriteStrategy(caps('open')).creates).toEqual(['Observation', 'QuestionnaireResponse']);
  });

  it('an open server without conditional create or identifier search: coded Observations, found again by code, date and marker', () => {
    const cs = capabilityStatement('open') as { rest: { interaction?: unknown; resource: { conditionalCreate: boolean; searchParam: { name: string }[] }[] }[] };
    delete cs.rest[0]!.interaction;
    for (const r of cs.rest[0]!.resource) {
      r.conditionalCreate = false;
      r.searchParam = r.searchParam.filter((p) => p.name !== 'identifier');
    }
    expect(chooseWriteStrategy(parseCapabilities(cs))).toMatchObject({ kind: 'observations', idempotence: 'search-marker' });
  });

  it('no statement at all: today’s behaviour (coded Observations with conditional create)', () => {
    expect(chooseWriteStrategy(UNKNOWN_CAPABILITIES)).toMatchObject({ kind: 'observations', idempotence: 'transaction' });
  });

  it('a server that takes neither our Observations nor notes: download only; a site may force a strategy', () => {
    const cs = capabilityStatement('cerner') as { rest: { resource: { type: string }[] }[] };
    cs.rest[0]!.resource = cs.rest[0]!.resource.filter((r) => r.type !== 'DocumentReference');
    expect(chooseWriteStrategy(parseCapabilities(cs)).kind).toBe('download-only');
    expect(chooseWriteStrategy(caps('open'), siteServerConfig.parse({ fhirBase: BASE, strategy: 'cerner' })).kind).toBe('note');
    expect(chooseWriteStrategy(caps('open'), siteServerConfig.parse({ fhirBase: BASE, strategy: 'none' })).kind).toBe('download-only');
  });
});

describe('saving, and saving again', () => {
  it('open: coded Observations in one transaction; a second save adds nothing', async () => {
    const { vs, first, second } = await saveTwice('open');
    expect(first.mode).toBe('transaction');
    expect(first.entries.every((e) => e.outcome === 'created')).toBe(true);
    expect(second.entries.every((e) => e.outcome === 'existed')).toBe(true);
    expect(vs.all('Observation')).toHaveLength(first.entries.length);
  });

  it('Epic without mapped rows: one clinical note, found again by type, date and marker (Epic has no conditional create)', async () => {
    const { vs, first, second } = await saveTwice('epic', {}, null);
    expect(first.entries.map((e) => [e.resourceType, e.outcome])).toEqual([['DocumentReference', 'created']]);
    expect(second.entries.map((e) => e.outcome)).toEqual(['existed']);
    expect(second.entries[0]!.url).toBe(`${BASE}/DocumentReference/${vs.all('DocumentReference')[0]!.id}`);
    expect(vs.all('DocumentReference')).toHaveLength(1);
    expect(vs.all('Observation')).toHaveLength(0);
    // the second save searched before it wrote, and wrote nothing
    const secondHalf = vs.log.slice(vs.log.indexOf('POST DocumentReference') + 1);
    expect(secondHalf.some((l) => /^GET DocumentReference\?patient=p1&type=http:\/\/loinc.org\|11506-3&date=ge2026-06-30/.test(l))).toBe(true);
    expect(secondHalf).not.toContain('POST DocumentReference');
  });

  it('Epic with mapped rows: the relapse score as a flowsheet vital (valueString), everything in the note; twice adds nothing', async () => {
    const { vs, first, second } = await saveTwice('epic', {}, EPIC_ROWS);
    expect(first.entries.map((e) => [e.where, e.outcome])).toEqual([
      ['Flowsheet row Tidemark relapse risk (1570000102)', 'created'],
      ['Clinical note — Progress note (DocumentReference)', 'created'],
    ]);
    expect(second.entries.map((e) => e.outcome)).toEqual(['existed', 'existed']);
    const [vital] = vs.all('Observation') as unknown as Observation[];
    expect(vital).toMatchObject({ status: 'final', valueString: expect.stringMatching(/^\d+$/), category: [{ coding: [{ code: 'vital-signs' }] }] });
    expect(vs.all('DocumentReference')).toHaveLength(1);
  });

  it('Cerner: the clinical note, with a Practitioner author, docStatus and period; twice adds nothing', async () => {
    const { vs, first, second } = await saveTwice('cerner');
    expect(first.entries.map((e) => e.outcome)).toEqual(['created']);
    expect(second.entries.map((e) => e.outcome)).toEqual(['existed']);
    const [note] = vs.all('DocumentReference') as unknown as DocumentReference[];
    expect(note).toMatchObject({ status: 'current', docStatus: 'final', author: [{ reference: 'Practitioner/dr-1' }], type: { coding: [{ code: '11506-3' }] } });
    const text = fromBase64(note!.content[0]!.attachment.data!);
    // every result with its confidence and sources, the PHQ-9 and item 9, the date, our identities
    for (const title of ['Relapse risk: ', 'Outcome: ', 'Medication response: ', 'Digital MSE: ']) expect(text).toContain(title);
    expect(text).toMatch(/Confidence: (high|moderate|low) \(\d\.\d\d\)/);
    expect(text).toContain('Sources: Observation/phq-');
    expect(text).toContain('PHQ-9 total 19 of 27 (moderately severe)');
    expect(text).toContain('Item 9 (thoughts that you would be better off dead, or of hurting yourself): Not at all (0).');
    expect(text).toContain('Date: 2026-06-30T12:00:00.000Z');
    expect(new Set(text.match(/urn:tidemark:result\|[0-9a-f]{64}/g)).size).toBe(relapseResults().length + 1); // each result, and the note itself
  });

  it('Cerner refuses a note without its author: said plainly, nothing half-written', async () => {
    const vs = vendorServer('cerner', { base: BASE });
    server.use(...vs.handlers);
    const plan = await buildWritePlan(input('cerner', { author: undefined }));
    await expect(executePlan(request, plan, { serverUrl: BASE })).rejects.toThrow(/rejected the note as invalid \(422\).*single author/);
    expect(vs.all('DocumentReference')).toHaveLength(0);
  });
});

describe('a clinician-entered PHQ-9 with item 9 positive is saved where the vendor allows it', () => {
  it('open: as a QuestionnaireResponse, read back as a PHQ-9 with item 9 = 2', async () => {
    const { vs, second } = await saveTwice('open', { entered: [ITEM9_POSITIVE] });
    const [qr] = vs.all('QuestionnaireResponse') as unknown as QuestionnaireResponse[];
    expect(qr).toBeDefined();
    expect(second.entries.every((e) => e.outcome === 'existed')).toBe(true);
    const chart = mapChart('p1', [qr]);
    expect(chart.assessments).toEqual([expect.objectContaining({ instrumentId: 'phq9', score: 14, sourceRef: `QuestionnaireResponse/${qr!.id}` })]);
    expect(chart.assessments[0]!.items?.find((i) => i.index === 9)?.score).toBe(2);
  });

  it('Epic: the total on its flowsheet row, the nine answers and the positive item 9 in the note (no clinician QuestionnaireResponse create)', async () => {
    const { vs } = await saveTwice('epic', { entered: [ITEM9_POSITIVE], safety: ['PHQ-9 item 9 positive: “More than half the days” (2 of 3) on 2026-06-30.'] }, EPIC_ROWS);
    expect(vs.all('QuestionnaireResponse')).toHaveLength(0);
    const phqRow = (vs.all('Observation') as unknown as Observation[]).find((o) => o.code.coding?.some((c) => c.code === '1570000101'));
    expect(phqRow?.valueString).toBe('14');
    const note = fromBase64((vs.all('DocumentReference')[0] as unknown as DocumentReference).content[0]!.attachment.data!);
    expect(note).toContain('PHQ-9 item 9 positive');
    expect(note).toContain('Item 9 (thoughts that you would be better off dead, or of hurting yourself): More than half the days (2) — POSITIVE.');
    expect(note).toContain('9. Thoughts that you would be better off dead, or of hurting yourself in some way: More than half the days (2)');
  });

  it('Cerner: in the note (no QuestionnaireResponse create, no survey Observations)', async () => {
    const { vs } = await saveTwice('cerner', { entered: [ITEM9_POSITIVE] });
    expect(vs.all('QuestionnaireResponse')).toHaveLength(0);
    expect(vs.all('Observation')).toHaveLength(0);
    const note = fromBase64((vs.all('DocumentReference')[0] as unknown as DocumentReference).content[0]!.attachment.data!);
    expect(note).toContain('PHQ-9 total 14 of 27 (moderate) on 2026-06-30, entered by the clinician in Tidemark');
  });
});

describe('finding what is already there', () => {
  it('matches our marker only: another note of the same type and day is not ours', async () => {
    const other = { resourceType: 'DocumentReference', id: 'other', status: 'current', type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] }, subject: { reference: 'Patient/p1' }, date: F.NOW.toISOString(), description: 'Psychiatry follow-up', content: [] };
    const vs = vendorServer('cerner', { base: BASE, resources: [other as never] });
    server.use(...vs.handlers);
    const plan = await buildWritePlan(input('cerner'));
    expect((await findExisting(request, plan.writes)).size).toBe(0);
    expect(carriesMarker(plan.note.resource, plan.note.identity)).toBe(true);
    const out = await executePlan(request, plan, { serverUrl: BASE });
    expect(out.entries[0]!.outcome).toBe('created');
    expect(vs.all('DocumentReference')).toHaveLength(2);
  });
});
