// Generators for the UI tests: a tiny in-memory FHIR server (search with code/category filters and
// paging, read by id) and contract-valid engine responses, both served by msw.
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { EngineName, EngineRequest, EngineResponse } from '../../src/contract/index.ts';
import { ENDPOINTS, API_PREFIX } from '../../src/contract/index.ts';
import { runEngine } from '../../src/engines/index.ts';

export const FHIR_BASE = 'http://fhir.test/fhir';
export const LOINC = 'http://loinc.org';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const PATIENT_ID = 'pat-1';

type Resource = { resourceType: string; id: string; [k: string]: unknown };

// ---------------------------------------------------------------- FHIR resources

export function patient(over: Partial<Resource> = {}): Resource {
  return {
    resourceType: 'Patient',
    id: PATIENT_ID,
    name: [{ use: 'official', given: ['Alex'], family: 'Rivera' }],
    birthDate: '1984-03-12',
    gender: 'female',
    ...over,
  };
}

const PHQ9_ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
const ANSWERS = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];

/** A PHQ-9 total Observation (44261-6) carrying its nine item answers as components. */
export function phq9(id: string, date: string, total: number, opts: { item9?: number; status?: string; items?: boolean } = {}): Resource {
  const item9 = opts.item9 ?? 0;
  // Spread the rest of the total over items 1–8 (each 0–3).
  let rest = total - item9;
  const scores = PHQ9_ITEMS.slice(0, 8).map(() => {
    const s = Math.max(0, Math.min(3, rest));
    rest -= s;
    return s;
  });
  scores.push(item9);
  return {
    resourceType: 'Observation',
    id,
    status: opts.status ?? 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
    code: { coding: [{ system: LOINC, code: '44261-6', display: 'PHQ-9 total score' }], text: 'PHQ-9' },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: date,
    valueInteger: total,
    ...(opts.items === false
      ? {}
      : {
          component: PHQ9_ITEMS.map((code, i) => ({
            code: { coding: [{ system: LOINC, code }] },
            valueCodeableConcept: { coding: [{ system: LOINC, code: ANSWERS[scores[i]!] }] },
          })),
        }),
  };
}

export function medicationRequest(id: string, opts: { rxnorm: string; name: string; authoredOn: string; status?: string; dose?: string }): Resource {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: opts.status ?? 'active',
    intent: 'order',
    subject: { reference: `Patient/${PATIENT_ID}` },
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: opts.rxnorm, display: opts.name }], text: opts.name },
    authoredOn: opts.authoredOn,
    dosageInstruction: [{ text: opts.dose ?? '50 mg daily' }],
  };
}

export function lab(id: string, opts: { loinc: string; display: string; value: number; unit: string; date: string; low?: number; high?: number; status?: string }): Resource {
  return {
    resourceType: 'Observation',
    id,
    status: opts.status ?? 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: opts.loinc, display: opts.display }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: opts.date,
    valueQuantity: { value: opts.value, unit: opts.unit, system: 'http://unitsofmeasure.org', code: opts.unit },
    ...(opts.low !== undefined || opts.high !== undefined
      ? { referenceRange: [{ ...(opts.low !== undefined ? { low: { value: opts.low, unit: opts.unit } } : {}), ...(opts.high !== undefined ? { high: { value: opts.high, unit: opts.unit } } : {}) }] }
      : {}),
  };
}

export function encounter(id: string, end: string): Resource {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${PATIENT_ID}` },
    period: { start: end, end },
  };
}

// ---------------------------------------------------------------- FHIR server (msw)

function codesOf(r: Resource): string[] {
  const cc = r.code as { coding?: { system?: string; code?: string }[] } | undefined;
  return (cc?.coding ?? []).map((c) => `${c.system}|${c.code}`);
}
function categoriesOf(r: Resource): string[] {
  const cats = (r.category as { coding?: { code?: string }[] }[] | undefined) ?? [];
  return cats.flatMap((c) => (c.coding ?? []).map((x) => x.code ?? ''));
}

export interface FhirServerLog {
  searches: string[];
}

/** Search (patient, code, category, status filters; `_count` paging with `next` links) and read. */
export function fhirHandlers(resources: Resource[], opts: { pageSize?: number; log?: FhirServerLog } = {}): HttpHandler[] {
  const pageSize = opts.pageSize;
  return [
    http.get(`${FHIR_BASE}/:type/:id`, ({ params }) => {
      const r = resources.find((x) => x.resourceType === params.type && x.id === params.id);
      return r ? HttpResponse.json(r) : HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 404 });
    }),
    http.get(`${FHIR_BASE}/:type`, ({ params, request }) => {
      const url = new URL(request.url);
      opts.log?.searches.push(`${params.type}?${url.searchParams.toString()}`);
      const q = url.searchParams;
      let hits = resources.filter((r) => r.resourceType === params.type);
      const pid = q.get('patient') ?? q.get('subject');
      if (pid) {
        const ref = pid.startsWith('Patient/') ? pid : `Patient/${pid}`;
        hits = hits.filter((r) => ((r.subject ?? r.patient) as { reference?: string } | undefined)?.reference === ref);
      }
      const code = q.get('code');
      if (code) {
        const wanted = code.split(',');
        hits = hits.filter((r) => codesOf(r).some((c) => wanted.includes(c) || wanted.includes(c.split('|')[1]!)));
      }
      const category = q.get('category');
      if (category) hits = hits.filter((r) => categoriesOf(r).includes(category));
      const status = q.get('status');
      if (status) hits = hits.filter((r) => r.status === status);
      const count = pageSize ?? Number(q.get('_count') ?? 1000);
      const offset = Number(q.get('_offset') ?? 0);
      const page = hits.slice(offset, offset + count);
      const link: { relation: string; url: string }[] = [{ relation: 'self', url: url.toString() }];
      if (offset + count < hits.length) {
        const next = new URL(url);
        next.searchParams.set('_offset', String(offset + count));
        link.push({ relation: 'next', url: next.toString() });
      }
      return HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        total: hits.length,
        link,
        entry: page.map((resource) => ({ fullUrl: `${FHIR_BASE}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
      });
    }),
  ];
}

// ---------------------------------------------------------------- engine responses

const NOW = '2026-06-28T12:00:00.000Z';

export function intelligence(engine: EngineName, o: { status: string; headline: string; review?: boolean; scale?: Record<string, string> }) {
  return {
    schema: 'attunio.intelligence/v1' as const,
    engine,
    summary: { status: o.status, headline: o.headline, flagged: [], requiresClinicianReview: o.review ?? false },
    confidence: { level: 'moderate' as const, score: 0.62, reasons: ['3 of 5 inputs supplied'] },
    dataQuality: { completeness: 0.6, missingInputs: ['dmseLatencyPctChange'], freshness: { newestInputAt: '2026-06-01T00:00:00Z', staleInputs: [] } },
    provenance: {
      generatedAt: NOW,
      engineVersion: 'test',
      method: 'deterministic_rules',
      inputs: [{ name: 'assessments', value: '3 PHQ-9 points', observedAt: '2026-06-01T00:00:00Z', contributed: true, sourceRef: 'Observation/phq-3' }],
    },
    codes: [],
    change: null,
    interpretationScale: o.scale ?? {},
  };
}

const base = (engine: EngineName, o: Parameters<typeof intelligence>[1]) => ({
  generatedAt: NOW,
  model: { key: engine, version: null, source: 'default' as const },
  disclaimer: 'For clinician review only.',
  intelligence: intelligence(engine, o),
  safety: [],
});

export const RELAPSE_SCALE = { low: 'Low', moderate: 'Moderate', elevated: 'Elevated', high: 'High' };

export function relapseResponse(over: Partial<EngineResponse<'relapse'>> = {}, summary = { status: 'elevated', headline: 'Elevated relapse risk (68/100), rising.', review: true }): EngineResponse<'relapse'> {
  return {
    object: 'relapse.prediction',
    ...base('relapse', { ...summary, scale: RELAPSE_SCALE }),
    score: 68,
    level: 'elevated',
    trend: 'rising',
    confidence: 'high',
    topDriver: 'Symptom trajectory',
    factors: [
      { key: 'symptoms', label: 'Symptom trajectory', points: 34.4, maxPoints: 38, tone: 'elevated', available: true, detail: 'PHQ-9 rising 12→19/27.' },
      { key: 'sleep', label: 'Sleep (wearable)', points: 12, maxPoints: 18, tone: 'elevated', available: true, detail: 'Averaging 5.2h/night.' },
      { key: 'dmse', label: 'Digital MSE', points: 0, maxPoints: 14, tone: 'none', available: false, detail: 'No digital-MSE data.' },
      { key: 'medication', label: 'Medication change', points: 9, maxPoints: 15, tone: 'moderate', available: true, detail: 'Dose changed 12 days ago.' },
      { key: 'cadence', label: 'Follow-up gap', points: 12.6, maxPoints: 15, tone: 'high', available: true, detail: '38 days since last visit.' },
    ],
    summaryLine: 'Elevated relapse risk (68/100).',
    recommendation: 'Consider a check-in before the next scheduled visit.',
    sourceCount: 5,
    measures: [],
    ...over,
  };
}

export function outcomeResponse(summary = { status: 'improving', headline: 'Outcome improving (+22).', review: false }): EngineResponse<'outcome'> {
  return {
    object: 'outcome.score',
    ...base('outcome', summary),
    score: 22,
    direction: 'improving',
    confidence: 'moderate',
    components: [{ key: 'symptoms', label: 'Symptoms', contribution: 22, detail: 'PHQ-9 down 6 points.', available: true }],
    summaryLine: 'Improving.',
    sourceCount: 3,
    measures: [],
  };
}

export function medicationResponse(summary = { status: 'watch', headline: 'Sertraline: partial response so far.', review: false }): EngineResponse<'medication'> {
  return {
    object: 'medication.analysis',
    ...base('medication', summary),
    signalsPresent: 1,
    signals: [
      {
        module: 'medication',
        signalKey: 'med_response_sertraline',
        label: 'Sertraline — symptom response',
        detail: 'PHQ-9 improved 18→11 (39% reduction) since Sertraline started.',
        tone: 'watch',
        metricValue: 11,
        metricUnit: 'score',
        confidence: 'moderate',
        summaryLine: 'On Sertraline, PHQ-9 improved 18→11.',
        sourceRef: 'MedicationRequest/rx-1',
        observedAt: '2026-05-15T00:00:00.000Z',
      },
    ],
    measures: [],
  };
}

export function biomarkerResponse(summary = { status: 'concern', headline: 'TSH high (6.2 mIU/L).', review: true }): EngineResponse<'biomarker'> {
  return {
    object: 'biomarker.analysis',
    ...base('biomarker', summary),
    signalsPresent: 1,
    signals: [
      {
        module: 'biomarker',
        signalKey: 'tsh_high',
        label: 'TSH high',
        detail: 'TSH 6.2 mIU/L above 4.0 — thyroid dysfunction can mimic depression.',
        tone: 'concern',
        metricValue: 6.2,
        metricUnit: 'mIU/L',
        confidence: 'high',
        summaryLine: 'TSH 6.2 mIU/L (high).',
        sourceRef: 'Observation/lab-tsh',
        observedAt: '2026-05-03T00:00:00.000Z',
      },
    ],
  };
}

// ---------------------------------------------------------------- proxy (msw)

export type EngineMock<E extends EngineName> = (req: EngineRequest<E>) => EngineResponse<E> | Response;
export type EngineMocks = { [E in EngineName]?: EngineMock<E> };

export interface ProxyLog {
  calls: { engine: EngineName; body: unknown; headers: Headers }[];
}

export function errorResponse(status: number, code: string, message: string): Response {
  return HttpResponse.json({ ok: false, requestId: 'req_test', error: { code, message } }, { status });
}

export function proxyHandlers(mocks: EngineMocks, log?: ProxyLog): HttpHandler[] {
  return (Object.keys(ENDPOINTS) as EngineName[]).map((engine) =>
    http.post(`*${API_PREFIX}${ENDPOINTS[engine].path}`, async ({ request }) => {
      const body = (await request.json()) as EngineRequest<typeof engine>;
      log?.calls.push({ engine, body, headers: request.headers });
      const mock = mocks[engine] as EngineMock<typeof engine> | undefined;
      if (!mock) return errorResponse(500, 'server_error', `no mock for ${engine}`);
      const out = mock(body);
      if (out instanceof Response) return out;
      return HttpResponse.json({ ok: true, requestId: `req_${engine}`, data: out });
    }),
  );
}

/** The proxy with the real embedded engines behind it: the same numbers the server would return. */
export function realEngineHandlers(now: Date, log?: ProxyLog): HttpHandler[] {
  return (Object.keys(ENDPOINTS) as EngineName[]).map((engine) =>
    http.post(`*${API_PREFIX}${ENDPOINTS[engine].path}`, async ({ request }) => {
      const body = await request.json();
      log?.calls.push({ engine, body, headers: request.headers });
      const parsed = ENDPOINTS[engine].request.safeParse(body);
      if (!parsed.success) return errorResponse(400, 'invalid_request', parsed.error.message);
      const data = runEngine(engine, parsed.data as EngineRequest<typeof engine>, { now });
      return HttpResponse.json({ ok: true, requestId: `req_${engine}`, data });
    }),
  );
}

// ---------------------------------------------------------------- stories

export const TYPICAL_CHART: Resource[] = [
  patient(),
  phq9('phq-1', '2026-02-20T09:00:00Z', 18),
  phq9('phq-2', '2026-04-01T09:00:00Z', 14),
  phq9('phq-3', '2026-05-15T09:00:00Z', 11),
  medicationRequest('rx-1', { rxnorm: '36437', name: 'sertraline', authoredOn: '2026-03-01' }),
  lab('lab-tsh', { loinc: '3016-3', display: 'TSH', value: 6.2, unit: 'mIU/L', date: '2026-05-03T08:00:00Z', low: 0.4, high: 4.0 }),
  encounter('enc-1', '2026-05-20T10:00:00Z'),
];

export const ALL_ENGINES_OK: EngineMocks = {
  relapse: () => relapseResponse(),
  outcome: () => outcomeResponse(),
  medication: () => medicationResponse(),
  biomarker: () => biomarkerResponse(),
};
