// Paging and readChart: every planned search in parallel → ChartData. A search the server refuses
// never fails the chart: it is retried once in its minimal form when the refusal is about the query
// (400/422), otherwise named in the notes, and the rest is read. Independent of fhirclient: the app
// passes `fetchJson`, e.g. (url) => client.request(url).
import type { ChartData, ChartNote } from '../chart.ts';
import { type ChartQuery, MAX_PAGES, type PlanOptions, planChartReads } from './chart-queries.ts';
import { mapChart } from './map-chart.ts';
import { bundle } from './schemas.ts';

export { chartQueries, MAX_PAGES, PAGE_SIZE, planChartReads, type ChartQuery, type ChartReadPlan, type SkippedQuery } from './chart-queries.ts';
export type FetchJson = (url: string) => Promise<unknown>;

export interface PagedResult {
  resources: unknown[];
  pages: number;
  /** True when the page cap stopped the walk before the last page. */
  truncated: boolean;
  /** A `next` link that left the FHIR server was not followed (its URL, without the query). */
  refusedNext?: string;
}

export interface PagingOptions {
  maxPages?: number;
  /**
   * The FHIR base: `next` links are followed only when they stay under it (the token goes with every
   * request, so a link elsewhere is never followed). Relative links always stay.
   */
  base?: string;
}

function underBase(next: string, base: string | undefined): boolean {
  if (!base || !/^https?:\/\//i.test(next)) return true;
  try {
    const n = new URL(next);
    const b = new URL(base.replace(/\/+$/, ''));
    return n.origin === b.origin && (n.pathname === b.pathname || n.pathname.startsWith(`${b.pathname.replace(/\/+$/, '')}/`));
  } catch {
    return false;
  }
}

/** Follows Bundle `link[relation=next]` (only) until the last page (or the cap), returning every entry's resource. */
export async function fetchAllPages(fetchJson: FetchJson, url: string, options: number | PagingOptions = {}): Promise<PagedResult> {
  const { maxPages = MAX_PAGES, base } = typeof options === 'number' ? { maxPages: options } : options;
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
    if (next !== undefined && !underBase(next, base)) return { resources, pages, truncated: true, refusedNext: next.split('?')[0] };
  }
  return { resources, pages, truncated: next !== undefined && !visited.has(next) };
}

export interface ReadChartOptions extends PlanOptions {
  maxPages?: number;
  /** FHIR base URL (next links must stay under it). */
  base?: string;
}

/** HTTP status of a failed read (fhirclient's HttpError has `status`; plain errors start with it). */
export function statusOf(error: unknown): number | null {
  const e = error as { status?: unknown; statusCode?: unknown; message?: unknown } | null;
  const s = e?.status ?? e?.statusCode;
  if (typeof s === 'number') return s;
  const m = typeof e?.message === 'string' ? /\b([45]\d\d)\b/.exec(e.message) : null;
  return m ? Number(m[1]) : null;
}

/** A refusal about the query itself (a parameter the server does not take): worth one minimal retry. */
const QUERY_REFUSED = new Set([400, 422]);

async function readQuery(fetchJson: FetchJson, q: ChartQuery, paging: PagingOptions): Promise<PagedResult & { minimal: boolean }> {
  try {
    return { ...(await fetchAllPages(fetchJson, q.url, paging)), minimal: false };
  } catch (error) {
    const status = statusOf(error);
    if (q.minimalUrl === q.url || status === null || !QUERY_REFUSED.has(status)) throw error;
    return { ...(await fetchAllPages(fetchJson, q.minimalUrl, paging)), minimal: true };
  }
}

function refusal(error: unknown): string {
  const status = statusOf(error);
  const message = errorMessage(error).split('\n')[0]!;
  if (status === 403) return `the EHR refused the search (403: not allowed for this app or user)`;
  if (status === 401) return `the EHR did not accept the session (401)`;
  if (status !== null && status < 500) return `the EHR refused the search (${message})`;
  return `the EHR could not answer (${message})`;
}

/**
 * Runs every planned search in parallel and maps the result. A search left out by the plan (not
 * offered, not granted) or refused by the server becomes a note naming what was not read; only when
 * every search made fails is the error thrown (e.g. an expired token).
 */
export async function readChart(fetchJson: FetchJson, patientId: string, options: ReadChartOptions = {}): Promise<ChartData> {
  const plan = planChartReads(patientId, options);
  const paging: PagingOptions = { maxPages: options.maxPages, base: options.base };
  const settled = await Promise.allSettled(plan.queries.map((q) => readQuery(fetchJson, q, paging)));
  globalThis.performance?.mark?.('tm:chart-fetched');
  const resources: unknown[] = [];
  const notes: ChartNote[] = plan.skipped.map((s) => ({ kind: 'other', sourceRef: s.resourceType, detail: `${s.key}: not read — ${s.reason}` }));
  settled.forEach((s, i) => {
    const q = plan.queries[i]!;
    if (s.status === 'rejected') {
      notes.push({ kind: 'other', sourceRef: q.resourceType, detail: `${q.key}: could not be read — ${refusal(s.reason)}` });
      return;
    }
    resources.push(...s.value.resources);
    if (s.value.refusedNext)
      notes.push({ kind: 'capped', sourceRef: q.resourceType, detail: `${q.key}: the next page pointed outside the FHIR server (${s.value.refusedNext}) and was not read` });
    else if (s.value.truncated) notes.push({ kind: 'capped', sourceRef: q.resourceType, detail: `${q.key}: stopped after ${s.value.pages} pages; older entries not read` });
  });
  if (plan.queries.length > 0 && settled.every((s) => s.status === 'rejected')) {
    const first = settled[0] as PromiseRejectedResult;
    throw first.reason instanceof Error ? first.reason : new Error(errorMessage(first.reason));
  }
  const chart = mapChart(patientId, resources);
  return { ...chart, notes: [...notes, ...(chart.notes ?? [])] };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
