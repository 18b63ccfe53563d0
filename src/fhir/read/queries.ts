// The FHIR searches Tidemark makes, paging, and readChart (all searches in parallel → ChartData).
// Independent of fhirclient: the app passes `fetchJson`, e.g. (url) => client.request(url).
import type { ChartData, ChartNote } from '../chart.ts';
import { chartQueries, MAX_PAGES } from './chart-queries.ts';
import { mapChart } from './map-chart.ts';
import { bundle } from './schemas.ts';

export { chartQueries, MAX_PAGES, PAGE_SIZE, type ChartQuery } from './chart-queries.ts';
export type FetchJson = (url: string) => Promise<unknown>;

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
  globalThis.performance?.mark?.('tm:chart-fetched');
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
