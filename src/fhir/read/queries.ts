// The FHIR searches Tidemark makes, paging, and readChart (all searches in parallel → ChartData).
// Independent of fhirclient: the app passes `fetchJson`, e.g. (url) => client.request(url).
import type { ChartData, ChartNote } from '../chart.ts';
import {
  ANALYTE_LOINCS,
  DMSE_LATENCY_CODE,
  ENGINE_CODES,
  GAD7,
  LOINC,
  PHQ2,
  PHQ9,
  SLEEP_DURATION,
  TIDEMARK_ENGINE,
} from '../terminology.ts';
import { mapChart } from './map-chart.ts';
import { bundle } from './schemas.ts';

export type FetchJson = (url: string) => Promise<unknown>;

export interface ChartQuery {
  /** Stable key for react-query and error messages, e.g. "scales". */
  key: 'scales' | 'labs' | 'lab-codes' | 'tidemark' | 'questionnaires' | 'med-requests' | 'med-statements' | 'encounters';
  resourceType: 'Observation' | 'QuestionnaireResponse' | 'MedicationRequest' | 'MedicationStatement' | 'Encounter';
  params: URLSearchParams;
  /** Relative search URL (`Observation?patient=...`), query string encoded by URLSearchParams. */
  url: string;
}

export const PAGE_SIZE = 200;
export const MAX_PAGES = 100;

const loinc = (codes: readonly string[]) => codes.map((c) => `${LOINC}|${c}`).join(',');

/** Every search the app makes for one patient. */
export function chartQueries(patientId: string): ChartQuery[] {
  const q = (key: ChartQuery['key'], resourceType: ChartQuery['resourceType'], extra: Record<string, string>): ChartQuery => {
    const params = new URLSearchParams({ patient: patientId, ...extra, _count: String(PAGE_SIZE) });
    return { key, resourceType, params, url: `${resourceType}?${params.toString()}` };
  };
  const scaleCodes = [
    PHQ9.total,
    PHQ9.panel!,
    ...PHQ9.items,
    PHQ2.total,
    GAD7.total,
    GAD7.panel!,
    SLEEP_DURATION,
  ];
  const ours = [...Object.values(ENGINE_CODES).map((c) => c.code), DMSE_LATENCY_CODE].map((c) => `${TIDEMARK_ENGINE}|${c}`);
  return [
    q('scales', 'Observation', { code: loinc(scaleCodes), _sort: 'date' }),
    q('labs', 'Observation', { category: 'laboratory', _sort: 'date' }),
    // Analytes charted without a laboratory category (duplicates with 'labs' are dropped by id).
    q('lab-codes', 'Observation', { code: loinc(ANALYTE_LOINCS), _sort: 'date' }),
    q('tidemark', 'Observation', { code: ours.join(','), _sort: 'date' }),
    q('questionnaires', 'QuestionnaireResponse', {}),
    q('med-requests', 'MedicationRequest', {}),
    q('med-statements', 'MedicationStatement', {}),
    q('encounters', 'Encounter', { status: 'finished', _sort: '-date' }),
  ];
}

export interface PagedResult {
  resources: unknown[];
  pages: number;
  /** True when the page cap stopped the walk before the last page. */
  truncated: boolean;
}

/** Follows Bundle `link[relation=next]` until the last page (or `maxPages`), returning every entry's resource. */
export async function fetchAllPages(fetchJson: FetchJson, url: string, maxPages = MAX_PAGES): Promise<PagedResult> {
  const resources: unknown[] = [];
  const visited = new Set<string>();
  let next: string | undefined = url;
  let pages = 0;
  while (next !== undefined && pages < maxPages && !visited.has(next)) {
    visited.add(next);
    const parsed = bundle.safeParse(await fetchJson(next));
    if (!parsed.success) throw new Error(`FHIR search ${next.split('?')[0]} did not return a Bundle`);
    pages += 1;
    for (const e of parsed.data.entry ?? []) {
      if (e.search?.mode === 'outcome' || e.resource === undefined) continue;
      resources.push(e.resource);
    }
    next = parsed.data.link?.find((l) => l.relation === 'next')?.url;
  }
  return { resources, pages, truncated: next !== undefined && !visited.has(next) };
}

/**
 * Runs every chart search in parallel and maps the result. A search that fails (e.g. a resource type
 * outside the granted scopes) becomes a note; if every search fails the error is thrown.
 */
export async function readChart(fetchJson: FetchJson, patientId: string, options: { maxPages?: number } = {}): Promise<ChartData> {
  const queries = chartQueries(patientId);
  const settled = await Promise.allSettled(queries.map((q) => fetchAllPages(fetchJson, q.url, options.maxPages)));
  const resources: unknown[] = [];
  const notes: ChartNote[] = [];
  settled.forEach((s, i) => {
    const q = queries[i]!;
    if (s.status === 'fulfilled') {
      resources.push(...s.value.resources);
      if (s.value.truncated)
        notes.push({ kind: 'capped', sourceRef: q.resourceType, detail: `${q.key}: stopped after ${s.value.pages} pages; older entries not read` });
    } else {
      notes.push({ kind: 'other', sourceRef: q.resourceType, detail: `${q.key}: could not be read (${errorMessage(s.reason)})` });
    }
  });
  if (settled.every((s) => s.status === 'rejected')) {
    const first = settled[0] as PromiseRejectedResult;
    throw first.reason instanceof Error ? first.reason : new Error(errorMessage(first.reason));
  }
  const chart = mapChart(patientId, resources);
  return { ...chart, notes: [...notes, ...(chart.notes ?? [])] };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
