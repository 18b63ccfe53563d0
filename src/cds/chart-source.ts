// The chart behind one hook call: prefetched Bundles per template key, and for any key the EHR did
// not prefetch, the same search on its FHIR server with the fhirAuthorization token it passed (held
// for this call only; never logged, cached or sent to any other host). Mapped by src/fhir's mapChart,
// the code the app uses.
import type { ChartData, ChartNote } from '../fhir/chart.ts';
import { mapChart } from '../fhir/read/map-chart.ts';
import { fetchAllPages, type FetchJson } from '../fhir/read/queries.ts';
import { queriesFor, type PrefetchKey } from './services.ts';

/** Keys without which no safety statement can be made: PHQ-9 in every charted form, and labs. */
export const REQUIRED_KEYS: readonly PrefetchKey[] = ['coded', 'questionnaires', 'labs'];

export class ChartUnavailable extends Error {
  override name = 'ChartUnavailable';
  constructor(
    message: string,
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

export interface FhirAccess {
  base: string;
  token: string;
}

export interface ChartSourceInput {
  patientId: string;
  prefetch?: Record<string, unknown>;
  fhir?: FhirAccess;
  /** Budget for every FHIR read of this call together. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface LoadedChart {
  chart: ChartData;
  prefetched: PrefetchKey[];
  fetched: PrefetchKey[];
}

interface KeyResult {
  key: PrefetchKey;
  resources: unknown[];
  note?: ChartNote;
  failed?: boolean;
}

export async function loadChart(input: ChartSourceInput): Promise<LoadedChart> {
  const queries = queriesFor(input.patientId);
  const fetchJson = input.fhir ? fhirFetcher(input.fhir, input.timeoutMs, input.fetch ?? fetch) : undefined;
  const prefetched: PrefetchKey[] = [];
  const fetched: PrefetchKey[] = [];
  const missing: PrefetchKey[] = [];
  const jobs: Promise<KeyResult>[] = [];

  for (const [key, q] of queries) {
    const value = input.prefetch?.[key];
    const given = value === null ? { resources: [] } : value !== undefined ? resourcesOf(value) : undefined;
    if (given && !given.failed) {
      prefetched.push(key);
      const next = given.next;
      if (next && fetchJson) jobs.push(fetchAllPages(fetchJson, next).then((p) => ({ key, resources: [...given.resources, ...p.resources] })));
      else {
        const note: ChartNote | undefined = next
          ? { kind: 'capped', sourceRef: q.resourceType, detail: `${key}: prefetch was paged and no FHIR access was given; later pages not read` }
          : undefined;
        jobs.push(Promise.resolve({ key, resources: given.resources, ...(note ? { note } : {}) }));
      }
    } else if (fetchJson) {
      fetched.push(key);
      jobs.push(
        fetchAllPages(fetchJson, q.url).then(
          (p) => ({ key, resources: p.resources }),
          (err: unknown) => ({ key, resources: [], failed: true, note: unreadable(key, q.resourceType, err) }),
        ),
      );
    } else missing.push(key);
  }

  const requiredMissing = missing.filter((k) => REQUIRED_KEYS.includes(k));
  if (requiredMissing.length > 0) {
    throw new ChartUnavailable(`Not prefetched and no FHIR access: ${requiredMissing.join(', ')}.`, requiredMissing);
  }
  const results = await Promise.all(jobs);
  const failedRequired = results.filter((r) => r.failed && REQUIRED_KEYS.includes(r.key)).map((r) => r.key);
  if (failedRequired.length > 0) {
    throw new ChartUnavailable(`The FHIR server did not return: ${failedRequired.join(', ')}.`, failedRequired);
  }

  const notes: ChartNote[] = missing.map((k) => ({
    kind: 'other',
    sourceRef: queries.get(k)!.resourceType,
    detail: `${k}: not prefetched and no FHIR access; not read`,
  }));
  const resources: unknown[] = [];
  for (const r of results) {
    if (r.note) notes.push(r.note);
    for (const res of r.resources) {
      if (belongsTo(res, input.patientId)) resources.push(res);
      else notes.push({ kind: 'other', sourceRef: refOf(res), detail: 'left out: charted for another patient than the one in context' });
    }
  }
  const chart = mapChart(input.patientId, resources);
  return { chart: { ...chart, notes: [...notes, ...(chart.notes ?? [])] }, prefetched, fetched };
}

/** A prefetch value: a searchset Bundle (entries + its next page), one resource, or an OperationOutcome (failed). */
function resourcesOf(value: unknown): { resources: unknown[]; next?: string; failed?: boolean } {
  const v = value as { resourceType?: string; entry?: Array<{ resource?: unknown; search?: { mode?: string } }>; link?: Array<{ relation?: string; url?: string }> };
  if (v.resourceType === 'OperationOutcome') return { resources: [], failed: true };
  if (v.resourceType !== 'Bundle') return { resources: [value] };
  const resources: unknown[] = [];
  for (const e of v.entry ?? []) {
    if (e.search?.mode === 'outcome' || e.resource === undefined) continue;
    resources.push(e.resource);
  }
  const next = v.link?.find((l) => l.relation === 'next')?.url;
  return { resources, ...(next ? { next } : {}) };
}

const SUBJECT_FIELDS = ['subject', 'patient'] as const;

/** True unless the resource names a different patient as its subject (defence against a mixed-up prefetch). */
function belongsTo(resource: unknown, patientId: string): boolean {
  const r = resource as Record<string, { reference?: string } | undefined>;
  for (const f of SUBJECT_FIELDS) {
    const ref = r?.[f]?.reference;
    if (typeof ref === 'string' && ref.length > 0) return ref === `Patient/${patientId}` || ref.endsWith(`/Patient/${patientId}`);
  }
  return true;
}

function refOf(resource: unknown): string {
  const r = resource as { resourceType?: string; id?: string };
  return `${r?.resourceType ?? '(unknown)'}/${r?.id ?? '(no id)'}`;
}

function unreadable(key: PrefetchKey, resourceType: string, err: unknown): ChartNote {
  return { kind: 'other', sourceRef: resourceType, detail: `${key}: could not be read (${err instanceof Error ? err.message : 'error'})` };
}

/**
 * GETs relative searches and `next` links under the EHR's FHIR base only: a link to another host
 * would carry the token away, so it is refused. One deadline for the whole call.
 */
function fhirFetcher(access: FhirAccess, timeoutMs: number, doFetch: typeof fetch): FetchJson {
  const base = access.base.replace(/\/+$/, '');
  const signal = AbortSignal.timeout(timeoutMs);
  return async (url: string) => {
    const absolute = /^https?:\/\//i.test(url) ? url : `${base}/${url.replace(/^\/+/, '')}`;
    if (!absolute.startsWith(`${base}/`) && !absolute.startsWith(`${base}?`)) {
      throw new Error('a paging link pointed outside the FHIR server');
    }
    const res = await doFetch(absolute, {
      headers: { accept: 'application/fhir+json, application/json', authorization: `Bearer ${access.token}` },
      signal,
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  };
}
