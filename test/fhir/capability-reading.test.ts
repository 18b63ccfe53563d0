// Reading driven by what the server says (CapabilityStatement, SMART configuration) and what the
// token was granted: searches a server does not offer are left out and named; a refused search never
// fails the chart; paging follows link[next] only, within the server's _count limits.
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { parseCapabilities, smartScopeVersion, UNKNOWN_CAPABILITIES } from '../../src/fhir/ehr/capabilities.ts';
import { planChartReads, readChart } from '../../src/fhir/read/queries.ts';
import { capabilityStatement, smartConfiguration, vendorServer, type VendorName } from '../support/vendor-fhir.ts';
import * as F from './fixtures.ts';
import { mswServer } from '../support/msw.ts';

const BASE = 'https://ehr.example/fhir';
const server = mswServer();

const fetchJson = async (url: string) => {
  const res = await fetch(url.startsWith('http') ? url : `${BASE}/${url}`, { headers: { accept: 'application/fhir+json' } });
  if (!res.ok) throw Object.assign(new Error(`${res.status} ${res.statusText}\n${await res.text()}`), { status: res.status });
  return res.json();
};

const caps = (vendor: VendorName) => parseCapabilities(capabilityStatement(vendor), smartConfiguration(vendor, BASE));

describe('what the server says', () => {
  it('reads types, create, conditional create, transaction, search parameters and the largest page', () => {
    const open = caps('open');
    expect(open).toMatchObject({ statement: true, transaction: true });
    expect(open.types.get('Observation')).toMatchObject({ conditionalCreate: true, maxCount: 1000, sortListed: true });
    const cerner = caps('cerner');
    expect(cerner).toMatchObject({ statement: true, transaction: false, software: 'Oracle Health Millennium' });
    expect(cerner.types.get('Observation')).toMatchObject({ conditionalCreate: false, maxCount: 200, sortListed: false });
    expect(cerner.types.get('Observation')!.searchParams.has('identifier')).toBe(false);
    expect(cerner.types.has('MedicationStatement')).toBe(false);
  });

  it('SMART v2 scopes only where permission-v2 is advertised', () => {
    expect(smartScopeVersion(caps('open').smart)).toBe('v2');
    expect(smartScopeVersion(caps('cerner').smart)).toBe('v2');
    expect(smartScopeVersion(caps('epic').smart)).toBe('v1');
    expect(smartScopeVersion(UNKNOWN_CAPABILITIES.smart)).toBe('v1');
  });

  it('anything that is not a CapabilityStatement leaves everything unknown (never "refused")', () => {
    const unknown = parseCapabilities({ resourceType: 'OperationOutcome' });
    expect(unknown.statement).toBe(false);
    expect(planChartReads('p1', { capabilities: unknown }).skipped).toEqual([]);
  });
});

describe('planning the reads', () => {
  it('Cerner: no MedicationStatement search, pages of 200, no _sort', () => {
    const plan = planChartReads('p1', { capabilities: caps('cerner') });
    expect(plan.skipped).toEqual([{ key: 'med-statements', resourceType: 'MedicationStatement', reason: expect.stringContaining('does not offer MedicationStatement') }]);
    for (const q of plan.queries) {
      expect(q.params.get('_count'), q.key).toBe('200');
      expect(q.params.has('_sort'), q.key).toBe(false);
    }
  });

  it('Epic: every Observation search carries a code or a category, as Epic requires', () => {
    const plan = planChartReads('p1', { capabilities: caps('epic') });
    expect(plan.skipped).toEqual([]);
    for (const q of plan.queries.filter((x) => x.resourceType === 'Observation')) expect(q.params.has('code') || q.params.has('category'), q.key).toBe(true);
  });

  it('a type the token was not granted is not searched, and says so', () => {
    const plan = planChartReads('p1', { grantedScope: 'launch openid patient/Observation.rs patient/Patient.rs patient/Encounter.rs' });
    expect(plan.skipped.map((s) => s.key)).toEqual(['questionnaires', 'med-requests', 'med-statements']);
    expect(plan.skipped[0]!.reason).toBe('this launch was not granted QuestionnaireResponse read access');
    // v1 wildcards grant everything
    expect(planChartReads('p1', { grantedScope: 'patient/*.read' }).skipped).toEqual([]);
  });
});

describe('reading a chart', () => {
  it('Cerner model: five years of PHQ-9 read through short later pages, MedicationStatement named as not read', async () => {
    const history = F.fiveYearHistory();
    const vs = vendorServer('cerner', { base: BASE, resources: history as never });
    server.use(...vs.handlers);
    const chart = await readChart(fetchJson, 'p1', { capabilities: caps('cerner'), base: BASE });
    expect(chart.assessments).toHaveLength(260);
    // 260 PHQ-9 and 60 sodium by code: one page of 200, then short pages of 100 (each by its next link)
    expect(vs.log.filter((l) => /^GET Observation\?_page=p\d+&_at=(200|300)$/.test(l))).toHaveLength(2);
    expect(vs.log.some((l) => l.includes('_count=1000'))).toBe(false);
    expect(chart.notes).toContainEqual(expect.objectContaining({ sourceRef: 'MedicationStatement', detail: expect.stringMatching(/^med-statements: not read — this EHR does not offer/) }));
  });

  it('without the statement the same server is still read: its refusals become notes, not a failed chart', async () => {
    const vs = vendorServer('cerner', { base: BASE, resources: F.relapse() as never });
    server.use(...vs.handlers);
    const chart = await readChart(fetchJson, 'p1', { base: BASE });
    expect(chart.assessments.map((a) => a.score)).toEqual([6, 5, 8, 12, 16, 19]);
    // MedicationStatement is not served (404): named. The _sort it ignores and _count it clamps are fine.
    expect(chart.notes).toContainEqual(expect.objectContaining({ sourceRef: 'MedicationStatement', detail: expect.stringContaining('could not be read') }));
  });

  it('a 403 on one search names it and reads the rest', async () => {
    const vs = vendorServer('open', { base: BASE, resources: F.relapse() as never });
    server.use(http.get(`${BASE}/MedicationRequest`, () => new HttpResponse(null, { status: 403 })), ...vs.handlers);
    const chart = await readChart(fetchJson, 'p1', { capabilities: caps('open'), base: BASE });
    expect(chart.assessments).toHaveLength(6);
    expect(chart.notes).toContainEqual({ kind: 'other', sourceRef: 'MedicationRequest', detail: 'med-requests: could not be read — the EHR refused the search (403: not allowed for this app or user)' });
  });

  it('a search refused for a parameter the statement did not mention is retried once in its minimal form', async () => {
    const vs = vendorServer('open', { base: BASE, resources: F.relapse() as never });
    const refusedSort: string[] = [];
    server.use(
      http.get(`${BASE}/Observation`, ({ request }) => {
        if (!new URL(request.url).searchParams.has('_sort')) return undefined;
        refusedSort.push(request.url);
        return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: '_sort is not supported' }] }, { status: 400 });
      }),
      ...vs.handlers,
    );
    const chart = await readChart(fetchJson, 'p1', { base: BASE });
    expect(refusedSort.length).toBe(2); // the code search and the laboratory search
    expect(chart.assessments).toHaveLength(6);
    expect(chart.notes?.filter((n) => n.sourceRef === 'Observation')).toEqual([]);
  });

  it('a next link that leaves the FHIR server is not followed (the token would go with it)', async () => {
    const first = F.searchsetPage([F.phq9Total('a', 12, F.daysAgo(3))], 'https://evil.example/fhir/Observation?page=2');
    server.use(
      http.get(`${BASE}/Observation`, ({ request }) => HttpResponse.json(new URL(request.url).searchParams.get('code')?.includes('44261-6') ? first : F.searchsetPage([]))),
      http.get(`${BASE}/*`, () => HttpResponse.json(F.searchsetPage([]))),
      http.get('https://evil.example/*', () => {
        throw new Error('followed a next link to another server');
      }),
    );
    const chart = await readChart(fetchJson, 'p1', { base: BASE });
    expect(chart.assessments).toHaveLength(1);
    expect(chart.notes).toContainEqual(expect.objectContaining({ kind: 'capped', detail: expect.stringContaining('outside the FHIR server (https://evil.example/fhir/Observation)') }));
  });
});
