// An in-memory FHIR write server for the write-back tests (msw): conditional create with
// If-None-Exist (identifier=system|value), transaction Bundles, and switchable failures.
import { http, HttpResponse, type HttpHandler } from 'msw';
import { FHIR_BASE } from './fixtures.ts';

export type Obs = { resourceType: string; id?: string; identifier?: { system?: string; value?: string }[]; [k: string]: unknown };

export interface WriteServer {
  handlers: HttpHandler[];
  /** Stored Observations by id. */
  store: Map<string, Obs>;
  /** Every POST: 'transaction' or 'create'. */
  posts: { kind: 'transaction' | 'create'; ifNoneExist: string[]; authorization: string | null }[];
  /** Number of stored Observations per identifier value. */
  countByIdentifier(): Map<string, number>;
}

export interface WriteServerOptions {
  /** How the base answers a transaction: 'ok', or an HTTP status meaning "not supported". */
  transaction?: 'ok' | 404 | 405 | 501;
  /** CapabilityStatement lists transaction (default true). */
  capabilityTransaction?: boolean;
  /** Answer every POST with this failure. */
  fail?: () => Response;
}

export function writeServer(opts: WriteServerOptions = {}): WriteServer {
  const store = new Map<string, Obs>();
  const posts: WriteServer['posts'] = [];
  let next = 1;

  function conditionalCreate(resource: Obs, ifNoneExist: string | null): { status: number; resource: Obs } {
    if (ifNoneExist) {
      const q = new URLSearchParams(ifNoneExist);
      const wanted = q.get('identifier');
      if (wanted) {
        const [system, value] = wanted.split('|');
        const match = [...store.values()].filter((o) => (o.identifier ?? []).some((i) => i.system === system && i.value === value));
        if (match.length === 1) return { status: 200, resource: match[0]! };
        if (match.length > 1) return { status: 412, resource: match[0]! };
      }
    }
    const id = resource.resourceType === 'Observation' ? `obs-${next++}` : `${resource.resourceType.slice(0, 2).toLowerCase()}-${next++}`;
    const stored = { ...resource, id, meta: { versionId: '1' } } as Obs;
    store.set(id, stored);
    return { status: 201, resource: stored };
  }

  const handlers: HttpHandler[] = [
    http.get(`${FHIR_BASE}/metadata`, () =>
      HttpResponse.json({
        resourceType: 'CapabilityStatement',
        status: 'active',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        rest: [
          {
            mode: 'server',
            interaction: opts.capabilityTransaction === false ? [{ code: 'batch' }, { code: 'search-system' }] : [{ code: 'transaction' }, { code: 'batch' }],
          },
        ],
      }),
    ),
    http.post(FHIR_BASE, async ({ request }) => {
      const bundle = (await request.json()) as { resourceType: string; type: string; entry: { resource: Obs; request: { ifNoneExist?: string } }[] };
      posts.push({ kind: 'transaction', ifNoneExist: bundle.entry.map((e) => e.request.ifNoneExist ?? ''), authorization: request.headers.get('authorization') });
      if (opts.fail) return opts.fail();
      if (opts.transaction && opts.transaction !== 'ok')
        return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] }, { status: opts.transaction });
      const entry = bundle.entry.map((e) => {
        const r = conditionalCreate(e.resource, e.request.ifNoneExist ?? null);
        return {
          response: { status: r.status === 201 ? '201 Created' : '200 OK', location: `${r.resource.resourceType}/${r.resource.id}/_history/1` },
        };
      });
      return HttpResponse.json({ resourceType: 'Bundle', type: 'transaction-response', entry });
    }),
    http.post(`${FHIR_BASE}/Observation`, async ({ request }) => {
      const ifNoneExist = request.headers.get('if-none-exist');
      posts.push({ kind: 'create', ifNoneExist: [ifNoneExist ?? ''], authorization: request.headers.get('authorization') });
      if (opts.fail) return opts.fail();
      const r = conditionalCreate((await request.json()) as Obs, ifNoneExist);
      if (r.status === 412) return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'duplicate' }] }, { status: 412 });
      return HttpResponse.json(r.resource, { status: r.status, headers: { Location: `${FHIR_BASE}/Observation/${r.resource.id}/_history/1` } });
    }),
  ];

  return {
    handlers,
    store,
    posts,
    countByIdentifier() {
      const m = new Map<string, number>();
      for (const o of store.values()) for (const i of o.identifier ?? []) if (i.value) m.set(i.value, (m.get(i.value) ?? 0) + 1);
      return m;
    },
  };
}
