// Tidemark's two CDS services and their prefetch templates. The templates ARE the app's chart
// searches (src/fhir/read chartQueries) with the patient id as a prefetch token, so a prefetched
// chart and a chart the app reads itself are the same data, mapped by the same code.
import { chartQueries, type ChartQuery } from '../fhir/read/chart-queries.ts';
import type { CdsService } from './schemas.ts';

export const PATIENT_VIEW_ID = 'tidemark-patient-view';
export const ORDER_SELECT_ID = 'tidemark-order-select';
export type ServiceId = typeof PATIENT_VIEW_ID | typeof ORDER_SELECT_ID;

export const PATIENT_TOKEN = '{{context.patientId}}';
// An id that URLSearchParams leaves as is, swapped for the token after encoding.
const SENTINEL = 'TIDEMARKPATIENT0';

export type PrefetchKey = ChartQuery['key'];

/** Prefetch key → template, e.g. "coded" → "Observation?patient={{context.patientId}}&code=…". */
export function prefetchTemplates(): Record<PrefetchKey, string> {
  const out = {} as Record<PrefetchKey, string>;
  for (const q of chartQueries(SENTINEL)) out[q.key] = q.url.replace(SENTINEL, PATIENT_TOKEN);
  return out;
}

/** The chart searches for one patient, keyed like the templates (what to read when a key is missing). */
export function queriesFor(patientId: string): Map<PrefetchKey, ChartQuery> {
  return new Map(chartQueries(patientId).map((q) => [q.key, q]));
}

const PREFETCH = prefetchTemplates();

export const SERVICES: readonly CdsService[] = [
  {
    id: PATIENT_VIEW_ID,
    hook: 'patient-view',
    title: 'Tidemark: safety and relapse findings',
    description:
      'When a chart opens: a positive PHQ-9 item 9 or a critical psychotropic lab (critical), an elevated or high ' +
      'relapse risk or a clinically important PHQ-9 worsening (warning), each with a link that opens Tidemark on ' +
      'this patient. No card when nothing needs attention.',
    prefetch: PREFETCH,
    usageRequirements:
      'Prefetch (or fhirServer + fhirAuthorization with patient read scopes) for Observation, QuestionnaireResponse, ' +
      'MedicationRequest, MedicationStatement and Encounter.',
  },
  {
    id: ORDER_SELECT_ID,
    hook: 'order-select',
    title: 'Tidemark: what matters for a psychotropic order',
    description:
      'When an antidepressant, lithium or an antipsychotic is selected: the current PHQ-9 and its trend, a recent ' +
      'positive PHQ-9 item 9, lithium level and renal function, ANC for clozapine, with suggestions only where a ' +
      'monitoring guideline supports them.',
    prefetch: PREFETCH,
    usageRequirements: 'Same data as tidemark-patient-view; draftOrders carries R4 MedicationRequests.',
  },
];

export function serviceById(id: string): CdsService | undefined {
  return SERVICES.find((s) => s.id === id);
}
