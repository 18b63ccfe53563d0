// The FHIR searches Tidemark makes for one patient, planned from what the server says it serves
// (CapabilityStatement) and what the token was granted (scopes). No zod, no mapping: main.tsx imports
// this to start the chart reads right after the token exchange, before the app bundle has loaded.
import {
  canSearchType,
  pageSizeFor,
  type ServerCapabilities,
  supportsSearchParam,
  supportsSort,
  UNKNOWN_CAPABILITIES,
} from '../ehr/capabilities.ts';
import { scopeAllows } from '../ehr/scopes.ts';
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
  VOICE_SAMPLE_CODE,
} from '../terminology.ts';

export type ChartQueryKey = 'coded' | 'labs' | 'questionnaires' | 'med-requests' | 'med-statements' | 'encounters';
export type ChartResourceType = 'Observation' | 'QuestionnaireResponse' | 'MedicationRequest' | 'MedicationStatement' | 'Encounter';

export interface ChartQuery {
  /** Stable key for react-query and error messages, e.g. "coded". */
  key: ChartQueryKey;
  resourceType: ChartResourceType;
  params: URLSearchParams;
  /** Relative search URL (`Observation?patient=...`), query string encoded by URLSearchParams. */
  url: string;
  /** The same search with only what the server must understand (patient + code/category), for one retry. */
  minimalUrl: string;
}

/** A search Tidemark did not make, and why (shown in the data-quality note: never silently missing). */
export interface SkippedQuery {
  key: ChartQueryKey;
  resourceType: ChartResourceType;
  reason: string;
}

export interface ChartReadPlan {
  queries: ChartQuery[];
  skipped: SkippedQuery[];
}

export interface PlanOptions {
  /** What the server serves (default: unknown, so every search is tried). */
  capabilities?: ServerCapabilities;
  /** The granted SMART scope string (default: unknown, so the server decides). */
  grantedScope?: string | null;
}

/**
 * Large pages: most patients need one page per search (the five-year patient too), so paging adds no
 * sequential round trips. A server that documents a lower maximum (Cerner: 200) is asked for that;
 * servers that clamp `_count` anyway return `next` links, which are followed.
 */
export const PAGE_SIZE = 1000;
export const MAX_PAGES = 100;

const loinc = (codes: readonly string[]) => codes.map((c) => `${LOINC}|${c}`).join(',');

interface SearchSpec {
  key: ChartQueryKey;
  resourceType: ChartResourceType;
  /** Filters the server must apply (Epic requires code or category with an Observation search). */
  required: Record<string, string>;
  /** Filters that only narrow (dropped where the server does not list them; the mapper filters again). */
  optional?: Record<string, string>;
  sort?: string;
}

/**
 * Six searches, no more: browsers open at most six connections to one host over HTTP/1.1, so a
 * seventh request would wait for a first one to finish — a whole extra round trip to the EHR before
 * the summary. Everything Tidemark finds by code (scales, analytes charted without a laboratory
 * category, its own earlier results) is therefore one search.
 */
function specs(): SearchSpec[] {
  const scaleCodes = [PHQ9.total, PHQ9.panel!, ...PHQ9.items, PHQ2.total, GAD7.total, GAD7.panel!, SLEEP_DURATION];
  const ours = [...Object.values(ENGINE_CODES).map((c) => c.code), DMSE_LATENCY_CODE, VOICE_SAMPLE_CODE].map((c) => `${TIDEMARK_ENGINE}|${c}`);
  return [
    // Scales, analytes (also when charted without a laboratory category) and Tidemark's own results.
    { key: 'coded', resourceType: 'Observation', required: { code: [loinc(scaleCodes), loinc(ANALYTE_LOINCS), ...ours].join(',') }, sort: 'date' },
    // Every laboratory result (duplicates with 'coded' are dropped by id).
    { key: 'labs', resourceType: 'Observation', required: { category: 'laboratory' }, sort: 'date' },
    { key: 'questionnaires', resourceType: 'QuestionnaireResponse', required: {} },
    { key: 'med-requests', resourceType: 'MedicationRequest', required: {} },
    { key: 'med-statements', resourceType: 'MedicationStatement', required: {} },
    { key: 'encounters', resourceType: 'Encounter', required: {}, optional: { status: 'finished' }, sort: '-date' },
  ];
}

/** Why a search is not made, or null: the server does not serve it, or the token may not read it. */
function skipReason(spec: SearchSpec, caps: ServerCapabilities, granted: string | null | undefined): string | null {
  if (!canSearchType(caps, spec.resourceType)) return `this EHR does not offer ${spec.resourceType} search (CapabilityStatement)`;
  const missing = Object.keys(spec.required).find((p) => !supportsSearchParam(caps, spec.resourceType, p));
  if (missing) return `this EHR does not search ${spec.resourceType} by "${missing}"`;
  if (scopeAllows(granted, spec.resourceType, 's') === false && scopeAllows(granted, spec.resourceType, 'r') === false)
    return `this launch was not granted ${spec.resourceType} read access`;
  return null;
}

/** Every search the app makes for one patient, and the ones it leaves out with the reason. */
export function planChartReads(patientId: string, options: PlanOptions = {}): ChartReadPlan {
  const caps = options.capabilities ?? UNKNOWN_CAPABILITIES;
  const queries: ChartQuery[] = [];
  const skipped: SkippedQuery[] = [];
  for (const spec of specs()) {
    const reason = skipReason(spec, caps, options.grantedScope);
    if (reason) {
      skipped.push({ key: spec.key, resourceType: spec.resourceType, reason });
      continue;
    }
    const count = String(pageSizeFor(caps, spec.resourceType, PAGE_SIZE));
    const minimal = new URLSearchParams({ patient: patientId, ...spec.required, _count: count });
    const params = new URLSearchParams({ patient: patientId, ...spec.required });
    for (const [k, v] of Object.entries(spec.optional ?? {})) if (supportsSearchParam(caps, spec.resourceType, k)) params.set(k, v);
    if (spec.sort && supportsSort(caps, spec.resourceType)) params.set('_sort', spec.sort);
    params.set('_count', count);
    queries.push({
      key: spec.key,
      resourceType: spec.resourceType,
      params,
      url: `${spec.resourceType}?${params.toString()}`,
      minimalUrl: `${spec.resourceType}?${minimal.toString()}`,
    });
  }
  return { queries, skipped };
}

/** Every search the app makes for one patient (see planChartReads for what is left out and why). */
export function chartQueries(patientId: string, options: PlanOptions = {}): ChartQuery[] {
  return planChartReads(patientId, options).queries;
}
