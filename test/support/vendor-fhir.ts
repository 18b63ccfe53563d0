// An in-memory FHIR R4 server (msw) that keeps each vendor's documented rules, for the reading and
// write-strategy tests: `open` (everything, conditional create, transactions), `epic` (Observation
// create only as flowsheet vitals with valueString into rows the site built, no conditional create /
// transaction / identifier search, Observation search needs code or category, QuestionnaireResponse
// create only patient-entered, DocumentReference notes with one inline attachment, SMART v1 only) and
// `cerner` (Observation create only vital-signs/laboratory without identifier/derivedFrom, `_count`
// ≤ 200 with short later pages, no QuestionnaireResponse create, DocumentReference with one content,
// docStatus, a Practitioner author and context.period.end, wildcard scopes refused). The same facts as
// /work/shared/reference/ehr-vendor-notes.md and the sandbox's profiles; a refusal carries the status
// and OperationOutcome the vendor documents, never a 500. Servers that ignore If-None-Exist create a
// duplicate, as a real vendor would: only the client's own checks keep a second save from adding one.
import { http, HttpResponse, type HttpHandler } from 'msw';

export type VendorName = 'open' | 'epic' | 'cerner';
type Json = Record<string, unknown>;
type Res = Json & { resourceType: string; id?: string };

export const FLOWSHEET_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679';
/** Rows this model's Epic site has built: id → LOINC codes accepted for it. */
export const FLOWSHEET_ROWS: Record<string, { name: string; loinc: string[] }> = {
  '8': { name: 'Pulse', loinc: ['8867-4'] },
  '1570000101': { name: 'Tidemark PHQ-9 total', loinc: ['44261-6'] },
  '1570000102': { name: 'Tidemark relapse risk', loinc: [] },
};

interface Profile {
  types: Record<string, { params: string[]; create?: boolean; required?: string[][] }>;
  transaction: boolean;
  conditionalCreate: boolean;
  sort: boolean;
  count: { default: number; max: number; shortLaterPages: boolean };
  smart: string[];
  wildcards: boolean;
  software: string;
}

const P = ['_id', 'patient', 'subject'];
const PROFILES: Record<VendorName, Profile> = {
  open: {
    types: Object.fromEntries(
      ['Patient', 'Observation', 'QuestionnaireResponse', 'MedicationRequest', 'MedicationStatement', 'Encounter', 'DocumentReference', 'Practitioner'].map((t) => [
        t,
        { params: [...P, 'code', 'category', 'date', 'status', 'identifier', 'type'], create: true },
      ]),
    ),
    transaction: true,
    conditionalCreate: true,
    sort: true,
    count: { default: 50, max: 1000, shortLaterPages: false },
    smart: ['permission-v1', 'permission-v2', 'permission-online'],
    wildcards: true,
    software: 'Test FHIR server',
  },
  epic: {
    types: {
      Patient: { params: ['_id', 'identifier', 'name'] },
      Observation: { params: [...P, 'category', 'code', 'date', 'encounter', 'issued'], create: true, required: [['patient', 'code'], ['patient', 'category'], ['_id']] },
      QuestionnaireResponse: { params: [...P, 'questionnaire', 'status', 'authored'], create: true },
      DocumentReference: { params: [...P, 'category', 'type', 'date', 'encounter', 'status'], create: true },
      MedicationRequest: { params: [...P, 'status', 'intent', 'category', 'authoredon'] },
      MedicationStatement: { params: [...P, 'status'] },
      Encounter: { params: [...P, 'date', 'status', 'class', 'identifier'] },
      Practitioner: { params: ['_id', 'identifier', 'name'] },
    },
    transaction: false,
    conditionalCreate: false,
    sort: false,
    count: { default: 50, max: 1000, shortLaterPages: false },
    smart: ['permission-v1'],
    wildcards: true,
    software: 'Epic',
  },
  cerner: {
    types: {
      Patient: { params: ['_id', 'identifier', 'name'] },
      Observation: { params: [...P, 'code', 'date', 'category', '_lastUpdated'], create: true },
      QuestionnaireResponse: { params: ['_id', 'patient'] },
      DocumentReference: { params: [...P, 'category', 'date', 'encounter', 'period', 'type', '_lastUpdated'], create: true },
      MedicationRequest: { params: [...P, 'intent', 'status', '_lastUpdated'] },
      Encounter: { params: [...P, 'account', 'identifier', 'date', 'status', '_lastUpdated'] },
      Practitioner: { params: ['_id', 'identifier', 'name'] },
    },
    transaction: false,
    conditionalCreate: false,
    sort: false,
    count: { default: 50, max: 200, shortLaterPages: true },
    smart: ['permission-v1', 'permission-v2', 'permission-online'],
    wildcards: false,
    software: 'Oracle Health Millennium',
  },
};

export function capabilityStatement(vendor: VendorName): Json {
  const p = PROFILES[vendor];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: p.software },
    rest: [
      {
        mode: 'server',
        ...(p.transaction ? { interaction: [{ code: 'transaction' }, { code: 'batch' }] } : {}),
        resource: Object.entries(p.types).map(([type, t]) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }, ...(t.create ? [{ code: 'create' }] : [])],
          conditionalCreate: !!t.create && p.conditionalCreate,
          searchParam: [
            ...t.params.map((name) => ({ name, type: 'token' })),
            { name: '_count', type: 'number', documentation: `Default ${p.count.default}, at most ${p.count.max}.` },
            ...(p.sort ? [{ name: '_sort', type: 'special' }] : []),
          ],
        })),
      },
    ],
  };
}

export function smartConfiguration(vendor: VendorName, base: string): Json {
  const p = PROFILES[vendor];
  const types = Object.keys(p.types);
  const scopes = ['openid', 'fhirUser', 'launch', 'launch/patient', 'online_access'];
  for (const t of p.wildcards ? ['*', ...types] : types) {
    scopes.push(`patient/${t}.read`, `patient/${t}.write`);
    if (p.smart.includes('permission-v2')) scopes.push(`patient/${t}.rs`, `patient/${t}.cruds`);
  }
  return {
    authorization_endpoint: `${base}/auth/authorize`,
    token_endpoint: `${base}/auth/token`,
    capabilities: ['launch-ehr', 'launch-standalone', 'client-public', 'context-ehr-patient', ...p.smart],
    scopes_supported: scopes,
    code_challenge_methods_supported: ['S256'],
  };
}

function outcome(status: number, code: string, text: string): Response {
  return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] }, { status });
}

const codesOf = (cc: unknown): { system?: string; code?: string }[] => ((cc as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []);
const categoriesOf = (r: Res): string[] => ((r.category as unknown[] | undefined) ?? []).flatMap((c) => codesOf(c).map((x) => x.code ?? ''));
const patientOf = (r: Res): string | undefined =>
  ((r.subject ?? r.patient) as { reference?: string } | undefined)?.reference?.replace(/^.*Patient\//, '') ?? (r.resourceType === 'Patient' ? r.id : undefined);
const dateOf = (r: Res): string | undefined =>
  (r.effectiveDateTime ?? r.authored ?? r.date ?? (r.period as { end?: string } | undefined)?.end ?? r.authoredOn) as string | undefined;

/** FHIR date search on the day/instant given with an optional prefix (eq, ge, gt, le, lt). */
function dateMatches(value: string | undefined, query: string): boolean {
  if (!value) return false;
  const m = /^(eq|ge|gt|le|lt)?(.+)$/.exec(query)!;
  const prefix = m[1] ?? 'eq';
  const q = m[2]!;
  const v = Date.parse(value);
  const start = Date.parse(q.length === 10 ? `${q}T00:00:00Z` : q);
  const end = q.length === 10 ? start + 86_400_000 : start + 1;
  if (prefix === 'eq') return v >= start && v < end;
  if (prefix === 'ge') return v >= start;
  if (prefix === 'gt') return v >= end;
  if (prefix === 'le') return v < end;
  return v < start;
}

function matches(r: Res, key: string, value: string): boolean {
  const anyOf = value.split(',');
  switch (key) {
    case 'patient':
    case 'subject':
      return anyOf.some((v) => patientOf(r) === v.replace(/^Patient\//, ''));
    case '_id':
      return anyOf.includes(r.id ?? '');
    case 'code':
    case 'type':
      return codesOf(key === 'code' ? r.code : r.type).some((c) => anyOf.includes(`${c.system}|${c.code}`) || anyOf.includes(c.code ?? ''));
    case 'category':
      return categoriesOf(r).some((c) => anyOf.includes(c) || anyOf.some((v) => v.endsWith(`|${c}`)));
    case 'status':
      return anyOf.includes(String(r.status));
    case 'date':
      return dateMatches(dateOf(r), value);
    case 'identifier': {
      const ids = Array.isArray(r.identifier) ? (r.identifier as Json[]) : r.identifier ? [r.identifier as Json] : [];
      return anyOf.some((v) => ids.some((i) => `${i.system}|${i.value}` === v || i.value === v));
    }
    default:
      return true;
  }
}

export interface VendorServer {
  handlers: HttpHandler[];
  /** Everything the server holds, by "Type/id". */
  store: Map<string, Res>;
  /** Every request, "GET Observation?…" / "POST DocumentReference" (query strings decoded). */
  log: string[];
  /** Resources of a type in the store. */
  all(type: string): Res[];
}

export interface VendorServerOptions {
  base: string;
  resources?: Res[];
}

/** The model server for one vendor at `base`, holding `resources`. */
export function vendorServer(vendor: VendorName, opts: VendorServerOptions): VendorServer {
  const p = PROFILES[vendor];
  const base = opts.base.replace(/\/+$/, '');
  const store = new Map<string, Res>();
  for (const r of opts.resources ?? []) store.set(`${r.resourceType}/${r.id}`, r);
  const log: string[] = [];
  let nextId = 1;
  const pages = new Map<string, { hits: Res[]; size: number }>();

  function search(type: string, url: URL): Response {
    const rules = p.types[type];
    if (!rules) return outcome(404, 'not-supported', `${type} is not supported`);
    const q = url.searchParams;
    const token = q.get('_page');
    if (token) {
      const saved = pages.get(token);
      if (!saved) return outcome(410, 'not-found', 'page expired');
      return page(type, saved.hits, saved.size, Number(q.get('_at') ?? 0), token);
    }
    const filters = [...q.entries()].filter(([k]) => !k.startsWith('_') || k === '_id' || k === '_lastUpdated');
    for (const [k] of filters) if (!rules.params.includes(k)) return outcome(400, vendor === 'epic' ? 'invalid' : 'not-supported', `search parameter ${k} is not supported for ${type}`);
    if (!filters.some(([k]) => k === 'patient' || k === 'subject' || k === '_id')) return outcome(400, 'required', 'patient is required');
    const required = rules.required;
    if (required && !required.some((set) => set.every((k) => q.has(k)))) return outcome(400, 'required', `${type} search needs ${required.map((s) => s.join('+')).join(' or ')}`);
    if (q.has('_sort') && !p.sort) q.delete('_sort'); // lenient: ignored
    let hits = [...store.values()].filter((r) => r.resourceType === type && filters.every(([k, v]) => matches(r, k, v)));
    if (q.get('_sort') === 'date') hits = hits.sort((a, b) => Date.parse(dateOf(a) ?? '') - Date.parse(dateOf(b) ?? ''));
    const asked = Number(q.get('_count') ?? p.count.default);
    const size = Math.min(Number.isFinite(asked) && asked > 0 ? asked : p.count.default, p.count.max);
    const pageToken = `p${pages.size + 1}`;
    pages.set(pageToken, { hits, size });
    return page(type, hits, size, 0, pageToken);
  }

  function page(type: string, hits: Res[], size: number, at: number, token: string): Response {
    // Cerner: pages after the first may hold fewer entries than _count.
    const take = at > 0 && p.count.shortLaterPages ? Math.max(1, Math.floor(size / 2)) : size;
    const slice = hits.slice(at, at + take);
    const more = at + take < hits.length;
    return HttpResponse.json({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: `${base}/${type}?_page=${token}&_at=${at}` },
        ...(more ? [{ relation: 'next', url: `${base}/${type}?_page=${token}&_at=${at + take}` }] : []),
      ],
      entry: slice.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
    });
  }

  function create(type: string, body: Res, ifNoneExist: string | null): Response {
    const rules = p.types[type];
    if (!rules) return outcome(404, 'not-supported', `${type} is not supported`);
    if (!rules.create) return outcome(405, 'not-supported', `${type} create is not supported`);
    if (body.resourceType !== type) return outcome(400, 'invalid', 'resourceType does not match the URL');
    const refused = vendor === 'open' ? undefined : vendor === 'epic' ? epicCreate(type, body, store) : cernerCreate(type, body);
    if (refused) return refused;
    if (ifNoneExist && p.conditionalCreate) {
      const q = new URLSearchParams(ifNoneExist);
      const found = [...store.values()].filter((r) => r.resourceType === type && [...q.entries()].every(([k, v]) => matches(r, k, v)));
      if (found.length === 1) return HttpResponse.json(found[0], { status: 200, headers: { Location: `${base}/${type}/${found[0]!.id}/_history/1` } });
      if (found.length > 1) return outcome(412, 'duplicate', 'more than one match');
    }
    const id = `${type.toLowerCase().slice(0, 3)}-${nextId++}`;
    const stored = { ...(vendor === 'epic' && type === 'Observation' ? fileUnderRow(body) : body), id, meta: { versionId: '1' } } as Res;
    store.set(`${type}/${id}`, stored);
    return HttpResponse.json(stored, { status: 201, headers: { Location: `${base}/${type}/${id}/_history/1` } });
  }

  function transaction(body: Res): Response {
    if (!p.transaction) return outcome(vendor === 'epic' ? 404 : 405, 'not-supported', 'batch and transaction are not supported');
    const entries = (body.entry as { resource: Res; request: { method: string; url: string; ifNoneExist?: string } }[]) ?? [];
    const out = entries.map((e) => {
      const r = create(e.request.url, e.resource, e.request.ifNoneExist ?? null);
      return r;
    });
    return HttpResponse.json({
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: out.map((r) => ({ response: { status: r.status === 201 ? '201 Created' : '200 OK', location: r.headers.get('Location') ?? undefined } })),
    });
  }

  const path = (request: Request) => {
    const u = new URL(request.url);
    return `${request.method} ${u.pathname.slice(new URL(base).pathname.length + 1)}${u.search ? `?${decodeURIComponent(u.search.slice(1))}` : ''}`;
  };

  const handlers: HttpHandler[] = [
    http.get(`${base}/metadata`, ({ request }) => {
      log.push(path(request));
      return HttpResponse.json(capabilityStatement(vendor));
    }),
    http.get(`${base}/.well-known/smart-configuration`, ({ request }) => {
      log.push(path(request));
      return HttpResponse.json(smartConfiguration(vendor, base));
    }),
    http.get(`${base}/:type/:id`, ({ params, request }) => {
      log.push(path(request));
      const r = store.get(`${params.type}/${params.id}`);
      return r ? HttpResponse.json(r) : outcome(404, 'not-found', 'not found');
    }),
    http.get(`${base}/:type`, ({ params, request }) => {
      log.push(path(request));
      return search(String(params.type), new URL(request.url));
    }),
    http.post(`${base}/:type`, async ({ params, request }) => {
      log.push(path(request));
      return create(String(params.type), (await request.json()) as Res, request.headers.get('if-none-exist'));
    }),
    http.post(base, async ({ request }) => {
      log.push(path(request));
      return transaction((await request.json()) as Res);
    }),
  ];
  return { handlers, store, log, all: (type) => [...store.values()].filter((r) => r.resourceType === type) };
}

function rowOf(codes: { system?: string; code?: string }[]): string | undefined {
  for (const c of codes) {
    if (c.system === FLOWSHEET_SYSTEM && c.code && FLOWSHEET_ROWS[c.code]) return c.code;
    if (c.system === 'http://loinc.org') {
      const hit = Object.entries(FLOWSHEET_ROWS).find(([, row]) => row.loinc.includes(c.code ?? ''));
      if (hit) return hit[0];
    }
  }
  return undefined;
}

function fileUnderRow(o: Res): Res {
  const row = rowOf(codesOf(o.code))!;
  const have = codesOf(o.code);
  const extra = [{ system: FLOWSHEET_SYSTEM, code: row, display: FLOWSHEET_ROWS[row]!.name }, ...FLOWSHEET_ROWS[row]!.loinc.map((code) => ({ system: 'http://loinc.org', code }))].filter(
    (c) => !have.some((h) => h.system === c.system && h.code === c.code),
  );
  return { ...o, code: { ...(o.code as Json), coding: [...have, ...extra] } };
}

const business = (text: string) => outcome(422, 'business-rule', text);

function epicCreate(type: string, r: Res, store: Map<string, Res>): Response | undefined {
  if (type === 'Observation') {
    const cats = categoriesOf(r);
    if (cats.length !== 1 || cats[0] !== 'vital-signs') return business(`Observation.Create (Vitals) only: category '${cats.join(',')}' has no create API`);
    if (r.status !== 'final') return business("status must be 'final'");
    const row = rowOf(codesOf(r.code));
    if (!row) return business('code is not a flowsheet row built at this site');
    if (Object.keys(r).filter((k) => k.startsWith('value')).join() !== 'valueString') return business('Observation.Create (Vitals) takes the reading as valueString');
    if (r.component || r.hasMember) return business('one reading per request');
    if (!r.effectiveDateTime) return business('effectiveDateTime is required');
    const dup = [...store.values()].some(
      (o) => o.resourceType === 'Observation' && patientOf(o) === patientOf(r) && rowOf(codesOf(o.code)) === row && o.effectiveDateTime === r.effectiveDateTime,
    );
    if (dup) return outcome(409, 'duplicate', `flowsheet row ${row} already holds a value at ${String(r.effectiveDateTime)}`);
    return undefined;
  }
  if (type === 'QuestionnaireResponse') {
    const refs = [(r.author as { reference?: string } | undefined)?.reference, (r.source as { reference?: string } | undefined)?.reference].filter(Boolean) as string[];
    if (refs.length === 0 || !refs.every((x) => /(^|\/)(Patient|RelatedPerson)\//.test(x))) return business('QuestionnaireResponse.Create is for patient-entered questionnaires');
    return undefined;
  }
  if (type === 'DocumentReference') return noteRules(r, false);
  return undefined;
}

const CERNER_OBSERVATION_FIELDS = new Set([
  'resourceType', 'meta', 'text', 'status', 'category', 'code', 'subject', 'encounter', 'effectiveDateTime', 'issued', 'performer',
  'valueQuantity', 'valueCodeableConcept', 'valueString', 'valueBoolean', 'valueInteger', 'interpretation', 'note', 'referenceRange', 'component',
]);
const CERNER_DOCUMENT_FIELDS = new Set(['resourceType', 'meta', 'text', 'status', 'docStatus', 'type', 'category', 'subject', 'author', 'authenticator', 'date', 'description', 'content', 'context']);

function unsupportedFields(r: Res, allowed: ReadonlySet<string>): Response | undefined {
  const extra = Object.keys(r).filter((k) => !allowed.has(k));
  return extra.length > 0 ? business(`Body contained unsupported fields: ${extra.join(', ')}.`) : undefined;
}

function cernerCreate(type: string, r: Res): Response | undefined {
  if (type === 'Observation') {
    const fields = unsupportedFields(r, CERNER_OBSERVATION_FIELDS);
    if (fields) return fields;
    const cats = categoriesOf(r);
    if (cats.length !== 1) return business('Only one category may be supplied on create.');
    if (cats[0] !== 'vital-signs' && cats[0] !== 'laboratory') return business(`Vital Signs and Laboratory categories are supported; not '${cats[0]}'.`);
    return undefined;
  }
  if (type === 'DocumentReference') return unsupportedFields(r, CERNER_DOCUMENT_FIELDS) ?? noteRules(r, true);
  return undefined;
}

function noteRules(d: Res, cerner: boolean): Response | undefined {
  if (d.status !== 'current') return business("A clinical note is created with status 'current'.");
  if (codesOf(d.type).length === 0) return business('DocumentReference.type must carry a note type coding.');
  if (!/(^|\/)Patient\/[^/]+$/.test((d.subject as { reference?: string } | undefined)?.reference ?? '')) return business('subject must be the patient');
  const content = (d.content as { attachment?: { contentType?: string; data?: string } }[] | undefined) ?? [];
  if (content.length !== 1 || !content[0]?.attachment?.data || !/^text\/(plain|html)|^application\/xhtml\+xml/.test(content[0].attachment.contentType ?? ''))
    return business('A clinical note has exactly one inline attachment (data) of type text/plain or text/html.');
  if (cerner) {
    if (d.docStatus !== 'final') return business('docStatus must be final.');
    const author = d.author as { reference?: string }[] | undefined;
    if (author?.length !== 1 || !/(^|\/)Practitioner\/[^/]+$/.test(author[0]?.reference ?? '')) return business('For provider access a single author, the authorized Practitioner, must be provided.');
    if (!(d.context as { period?: { end?: string } } | undefined)?.period?.end) return business('context.period.end is required.');
  }
  return undefined;
}
