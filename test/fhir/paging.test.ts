import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { chartQueries, fetchAllPages, readChart } from '../../src/fhir/read/queries.ts';
import * as F from './fixtures.ts';
import { mswServer } from '../support/msw.ts';

const BASE = 'https://ehr.example/fhir';
const server = mswServer();

const fetchJson = async (url: string) => {
  const res = await fetch(url.startsWith('http') ? url : `${BASE}/${url}`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
};

/** Serves `resources` for one search, `size` per page, with `_offset` next links. */
function pagedHandler(resourceType: string, resources: Record<string, unknown>[], size: number, match: (u: URL) => boolean = () => true) {
  return http.get(`${BASE}/${resourceType}`, ({ request }) => {
    const url = new URL(request.url);
    if (!match(url)) return HttpResponse.json(F.searchsetPage([]));
    const offset = Number(url.searchParams.get('_offset') ?? 0);
    const page = resources.slice(offset, offset + size);
    let next: string | undefined;
    if (offset + size < resources.length) {
      const n = new URL(url);
      n.searchParams.set('_offset', String(offset + size));
      next = n.toString();
    }
    return HttpResponse.json(F.searchsetPage(page, next, url.toString()));
  });
}

describe('FHIR searches and paging', () => {
  it('builds every query with URLSearchParams (code=system|code encoded)', () => {
    const qs = chartQueries('pat 1');
    // six at most: a seventh would wait for a browser connection (HTTP/1.1 allows six per host)
    expect(qs.map((q) => q.key)).toEqual(['coded', 'labs', 'questionnaires', 'med-requests', 'med-statements', 'encounters']);
    const scales = qs[0]!;
    expect(scales.url).toContain('patient=pat+1');
    expect(scales.url).toContain('http%3A%2F%2Floinc.org%7C44261-6');
    expect(scales.params.get('_count')).toBe('1000');
    expect(qs.find((q) => q.key === 'encounters')!.params.get('status')).toBe('finished');
    expect(qs.find((q) => q.key === 'coded')!.params.get('code')).toContain('urn:tidemark:engine|relapse_risk');
    expect(qs.find((q) => q.key === 'coded')!.params.get('code')).toContain('http://loinc.org|14334-7'); // lithium, with or without a lab category
  });

  it('follows next links across pages (the five-year patient, 260 PHQ-9 over 6 pages)', async () => {
    const all = F.fiveYearHistory().filter((r) => (r.id as string).startsWith('phq'));
    server.use(pagedHandler('Observation', all, 50));
    const r = await fetchAllPages(fetchJson, 'Observation?patient=p1&_count=50');
    expect(r.pages).toBe(6);
    expect(r.resources).toHaveLength(260);
    expect(r.truncated).toBe(false);
  });

  it('stops at the page cap and says so', async () => {
    server.use(pagedHandler('Observation', F.fiveYearHistory(), 10));
    const r = await fetchAllPages(fetchJson, 'Observation?patient=p1', 3);
    expect(r).toMatchObject({ pages: 3, truncated: true });
    expect(r.resources).toHaveLength(30);
  });

  it('readChart runs all searches in parallel and maps them; a failing search becomes a note', async () => {
    const story = F.relapse();
    const of = (t: string) => story.filter((r) => r.resourceType === t);
    server.use(
      pagedHandler('Observation', of('Observation'), 4, (u) => u.searchParams.get('code')?.includes('44261-6') === true),
      pagedHandler('MedicationRequest', of('MedicationRequest'), 1),
      http.get(`${BASE}/MedicationStatement`, () => new HttpResponse(null, { status: 403 })),
      pagedHandler('Encounter', of('Encounter'), 1),
      pagedHandler('QuestionnaireResponse', [], 1),
    );
    const chart = await readChart(fetchJson, 'p1');
    expect(chart.assessments.map((a) => a.score)).toEqual([6, 5, 8, 12, 16, 19]);
    expect(chart.prescriptions.map((p) => p.id)).toEqual(['MedicationRequest/rx-esc']);
    expect(chart.notes).toContainEqual(expect.objectContaining({ sourceRef: 'MedicationStatement', detail: expect.stringContaining('refused the search (403') }));
  });

  it('readChart throws when every search fails (e.g. expired token)', async () => {
    server.use(http.get(`${BASE}/*`, () => new HttpResponse(null, { status: 401 })));
    await expect(readChart(fetchJson, 'p1')).rejects.toThrow('HTTP 401');
  });
});
