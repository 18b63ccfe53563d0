// The FHIR searches Tidemark makes for one patient (no zod, no mapping: main.tsx imports this to start
// the chart reads right after the token exchange, before the app bundle has loaded).
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

export interface ChartQuery {
  /** Stable key for react-query and error messages, e.g. "scales". */
  key: 'scales' | 'labs' | 'lab-codes' | 'tidemark' | 'questionnaires' | 'med-requests' | 'med-statements' | 'encounters';
  resourceType: 'Observation' | 'QuestionnaireResponse' | 'MedicationRequest' | 'MedicationStatement' | 'Encounter';
  params: URLSearchParams;
  /** Relative search URL (`Observation?patient=...`), query string encoded by URLSearchParams. */
  url: string;
}

/**
 * Large pages: most patients need one page per search (the five-year patient too), so paging adds no
 * sequential round trips. Servers that allow fewer clamp `_count` and return `next` links, which are followed.
 */
export const PAGE_SIZE = 1000;
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
  const ours = [...Object.values(ENGINE_CODES).map((c) => c.code), DMSE_LATENCY_CODE, VOICE_SAMPLE_CODE].map((c) => `${TIDEMARK_ENGINE}|${c}`);
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
