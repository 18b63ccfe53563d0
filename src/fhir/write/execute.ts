// Writes a plan to the FHIR server so that a second save adds nothing:
// - transaction: one Bundle of conditional creates (If-None-Exist on our identifier);
// - conditional-create: one POST per resource with If-None-Exist;
// - search (no server help): for each resource, search by patient + identifier, or patient +
//   code/type + date, and match our marker; only when nothing carries it, POST it. One resource per
//   request, in plan order (flowsheet values before the note that lists them).
// A refusal of one resource (400/403/409/422) does not stop the others; a lost session or network
// does. The outcome says, per resource, created / already in the chart / failed, with its link.
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { carriesMarker } from './marker.ts';
import type { PlannedWrite, WritePlan } from './plan.ts';

/** One request to the FHIR server. `url` is relative to the FHIR base ('' = the base itself) or absolute. */
export type FhirRequest = (url: string, init: FhirRequestInit) => Promise<Response>;

export interface FhirRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type WriteMode = 'transaction' | 'individual' | 'search';

export interface WrittenEntry {
  /** identifier value (urn:tidemark:result). */
  identifier: string;
  /** What the row shows. */
  display: string;
  /** Where it went, in words (the preview's "where"). */
  where: string;
  resourceType: string;
  id: string | null;
  /** `${serverUrl}/<Type>/<id>` when the server told us the id. */
  url: string | null;
  /** created (201), existed (already in the chart), failed, or unknown (the server did not say). */
  outcome: 'created' | 'existed' | 'failed' | 'unknown';
  httpStatus: number | null;
  /** Why it failed, in plain words. */
  error?: string;
}

export interface WriteOutcome {
  mode: WriteMode;
  entries: WrittenEntry[];
}

export type WriteErrorKind = 'no-scope' | 'unauthorized' | 'forbidden' | 'invalid' | 'conflict' | 'network' | 'server';

export class WriteError extends Error {
  constructor(
    readonly kind: WriteErrorKind,
    message: string,
    readonly httpStatus: number | null = null,
    /** OperationOutcome text the server sent, when any. */
    readonly serverDetail: string | null = null,
    /** Resources that went through before the failure. */
    readonly partial: WrittenEntry[] = [],
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

const FHIR_JSON = 'application/fhir+json';

/** Absolute URL of `url` on the FHIR base (already absolute URLs pass through). */
export function fhirUrl(serverUrl: string, url: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  const base = serverUrl.replace(/\/+$/, '');
  return url === '' ? base : `${base}/${url.replace(/^\/+/, '')}`;
}

/** Issue texts of an OperationOutcome (details.text, diagnostics), joined; null when there are none. */
export function operationOutcomeText(body: unknown): string | null {
  const oo = body as { resourceType?: string; issue?: Array<{ code?: string; diagnostics?: string; details?: { text?: string }; expression?: string[] }> };
  if (!oo || oo.resourceType !== 'OperationOutcome' || !Array.isArray(oo.issue)) return null;
  const texts = oo.issue
    .map((i) => {
      const t = i.details?.text ?? i.diagnostics ?? i.code;
      if (!t) return null;
      const where = i.expression?.length ? ` (${i.expression.join(', ')})` : '';
      return `${t}${where}`;
    })
    .filter((t): t is string => !!t);
  return texts.length > 0 ? [...new Set(texts)].join('; ') : null;
}

async function readJson(res: Response): Promise<unknown> {
  try {
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Plain-language failure for an HTTP error answer. */
export function errorFromResponse(status: number, body: unknown, what = 'the results'): WriteError {
  const detail = operationOutcomeText(body);
  const said = detail ? ` The server said: “${detail}”` : '';
  if (status === 401)
    return new WriteError('unauthorized', `The EHR did not accept this session (401) — it may have expired. Relaunch Tidemark from the EHR, then save again.${said}`, status, detail);
  if (status === 403) return new WriteError('forbidden', `The EHR refused the write (403): this app or your account is not allowed to add ${what} to this chart.${said}`, status, detail);
  if (status === 400 || status === 422) return new WriteError('invalid', `The EHR rejected ${what} as invalid (${status}).${said || ' It gave no reason.'}`, status, detail);
  if (status === 409 || status === 412)
    return new WriteError('conflict', `The EHR reported a conflict (${status}) — the chart may already hold this result.${said}`, status, detail);
  return new WriteError('server', `The EHR answered ${status} and did not save ${what}.${said}`, status, detail);
}

function networkError(error: unknown): WriteError {
  const detail = error instanceof Error ? error.message : String(error);
  return new WriteError('network', `Could not reach the EHR to save (${detail}). Check the connection and retry — nothing was lost.`);
}

const ID = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/;

function idFrom(location: string | null | undefined, resource: unknown, type: string): string | null {
  const m = location ? ID.exec(location.split('?')[0]!) : null;
  if (m && m[1] === type) return m[2]!;
  const r = resource as { resourceType?: string; id?: string } | null | undefined;
  return r?.resourceType === type && typeof r.id === 'string' ? r.id : null;
}

function entry(serverUrl: string, w: PlannedWrite, outcome: WrittenEntry['outcome'], status: number | null, id: string | null, error?: string): WrittenEntry {
  return {
    identifier: w.identity,
    display: w.what,
    where: w.where,
    resourceType: w.resourceType,
    id,
    url: id ? fhirUrl(serverUrl, `${w.resourceType}/${id}`) : null,
    outcome,
    httpStatus: status,
    ...(error ? { error } : {}),
  };
}

function outcomeOf(status: number | null): WrittenEntry['outcome'] {
  if (status === 201) return 'created';
  if (status === 200) return 'existed';
  if (status !== null && status >= 400) return 'failed';
  return 'unknown';
}

/** Status code of a transaction-response entry ("201 Created" → 201). */
function entryStatus(e: BundleEntry | undefined): number | null {
  const m = /^\s*(\d{3})/.exec(e?.response?.status ?? '');
  return m ? Number(m[1]) : null;
}

/** Statuses meaning "this server does not do transactions" (then: one request per resource). */
const NO_TRANSACTION = new Set([404, 405, 501]);
/** Failures that concern the whole session, not one resource: stop. */
const FATAL = new Set([401]);

function saysNotSupported(body: unknown): boolean {
  const oo = body as { resourceType?: string; issue?: Array<{ code?: string }> } | null;
  return oo?.resourceType === 'OperationOutcome' && (oo.issue ?? []).some((i) => i.code === 'not-supported');
}

export interface ExecuteOptions {
  serverUrl: string;
  signal?: AbortSignal;
  /** Try the transaction first (default: the strategy says so). */
  transaction?: boolean;
}

async function send(request: FhirRequest, url: string, init: FhirRequestInit): Promise<Response> {
  try {
    return await request(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw networkError(error);
  }
}

async function asTransaction(request: FhirRequest, writes: readonly PlannedWrite[], opts: ExecuteOptions): Promise<WriteOutcome | null> {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: writes.map((w) => ({ resource: w.resource, request: { method: 'POST', url: w.resourceType, ...(w.ifNoneExist ? { ifNoneExist: w.ifNoneExist } : {}) } })),
  };
  const res = await send(request, '', {
    method: 'POST',
    headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, Prefer: 'return=representation' },
    body: JSON.stringify(bundle),
    signal: opts.signal,
  });
  const body = await readJson(res);
  if (res.ok) {
    const answers = (body as Bundle | null)?.resourceType === 'Bundle' ? ((body as Bundle).entry ?? []) : [];
    return {
      mode: 'transaction',
      entries: writes.map((w, i) => {
        const a = answers[i];
        const status = a ? entryStatus(a) : null;
        return entry(opts.serverUrl, w, outcomeOf(status), status, idFrom(a?.response?.location, a?.resource, w.resourceType));
      }),
    };
  }
  if (NO_TRANSACTION.has(res.status) || saysNotSupported(body)) return null;
  throw errorFromResponse(res.status, body);
}

/** The resources a search returns (first pages only: our marker is in today's few entries). */
async function searchAll(request: FhirRequest, url: string, signal: AbortSignal | undefined, maxPages = 5): Promise<Resource[]> {
  const out: Resource[] = [];
  let next: string | undefined = url;
  for (let page = 0; next && page < maxPages; page++) {
    const res = await send(request, next, { method: 'GET', headers: { Accept: FHIR_JSON }, signal });
    const body = (await readJson(res)) as Bundle | null;
    if (!res.ok) throw errorFromResponse(res.status, body, 'the search for what is already in the chart');
    for (const e of body?.entry ?? []) if (e.resource && e.search?.mode !== 'outcome') out.push(e.resource);
    next = body?.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

/** The resource already in the chart for each write (search strategies), by identity. */
export async function findExisting(request: FhirRequest, writes: readonly PlannedWrite[], signal?: AbortSignal): Promise<Map<string, Resource>> {
  const found = new Map<string, Resource>();
  const bySearch = new Map<string, PlannedWrite[]>();
  for (const w of writes) bySearch.set(w.search, [...(bySearch.get(w.search) ?? []), w]);
  for (const [url, ws] of bySearch) {
    const hits = await searchAll(request, url, signal);
    for (const w of ws) {
      const hit = hits.find((r) => r.resourceType === w.resourceType && carriesMarker(r, w.identity));
      if (hit) found.set(w.identity, hit);
    }
  }
  return found;
}

async function oneByOne(request: FhirRequest, writes: readonly PlannedWrite[], opts: ExecuteOptions, checkFirst: boolean): Promise<WriteOutcome> {
  const done: WrittenEntry[] = [];
  for (const w of writes) {
    try {
      if (checkFirst) {
        const existing = (await findExisting(request, [w], opts.signal)).get(w.identity);
        if (existing) {
          done.push(entry(opts.serverUrl, w, 'existed', 200, existing.id ?? null));
          continue;
        }
      }
      const res = await send(request, w.resourceType, {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, Prefer: 'return=representation', ...(w.ifNoneExist && !checkFirst ? { 'If-None-Exist': w.ifNoneExist } : {}) },
        body: JSON.stringify(w.resource),
        signal: opts.signal,
      });
      const body = await readJson(res);
      if (res.status === 409 && checkFirst) {
        // A vendor's own duplicate check (Epic's non-duplicable flowsheet rows): ours again, if it is there.
        const again = (await findExisting(request, [w], opts.signal)).get(w.identity);
        if (again) {
          done.push(entry(opts.serverUrl, w, 'existed', 409, again.id ?? null));
          continue;
        }
      }
      if (!res.ok) throw errorFromResponse(res.status, body, w.resourceType === 'DocumentReference' ? 'the note' : 'this result');
      done.push(entry(opts.serverUrl, w, outcomeOf(res.status), res.status, idFrom(res.headers.get('Location') ?? res.headers.get('Content-Location'), body, w.resourceType)));
    } catch (error) {
      const e = error instanceof WriteError ? error : networkError(error);
      if (e.kind === 'network' || (e.httpStatus !== null && FATAL.has(e.httpStatus))) throw new WriteError(e.kind, e.message, e.httpStatus, e.serverDetail, done);
      done.push(entry(opts.serverUrl, w, 'failed', e.httpStatus, null, e.message));
    }
  }
  // Nothing went through and every write failed the same way: one clear error, not a list of failures.
  if (done.length > 0 && done.every((d) => d.outcome === 'failed')) {
    const first = done[0]!;
    throw new WriteError(kindOf(first.httpStatus), first.error ?? 'The EHR did not save anything.', first.httpStatus, null, []);
  }
  return { mode: checkFirst ? 'search' : 'individual', entries: done };
}

function kindOf(status: number | null): WriteErrorKind {
  if (status === 403) return 'forbidden';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 409 || status === 412) return 'conflict';
  return 'server';
}

/** Writes every planned resource once (see the header for how duplicates are avoided). */
export async function executePlan(request: FhirRequest, plan: Pick<WritePlan, 'strategy' | 'writes'>, opts: ExecuteOptions): Promise<WriteOutcome> {
  const { writes, strategy } = plan;
  if (writes.length === 0) return { mode: 'individual', entries: [] };
  const serverChecks = writes.every((w) => w.ifNoneExist);
  if (serverChecks && (opts.transaction ?? strategy.idempotence === 'transaction')) {
    const out = await asTransaction(request, writes, opts);
    if (out) return out;
  }
  return oneByOne(request, writes, opts, !serverChecks);
}
