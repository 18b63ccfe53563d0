// Writes a Tidemark transaction Bundle (src/fhir/write buildWriteBundle) to the FHIR server:
// one transaction when the server takes it, else one conditional create per Observation.
// Every entry carries If-None-Exist on its identifier, so a retry never duplicates.
import type { Bundle, BundleEntry, Observation } from '@medplum/fhirtypes';
import { individualCreates } from '../../../../fhir/write/index.ts';
import { fhirUrl, type FhirRequest } from './fhir-writer.ts';

export type WriteMode = 'transaction' | 'individual';

export interface WrittenEntry {
  /** identifier value (urn:tidemark:result). */
  identifier: string;
  /** What the row shows (the Observation's code text). */
  display: string;
  id: string | null;
  /** `${serverUrl}/Observation/<id>` when the server told us the id. */
  url: string | null;
  /** created (201), existed (200: If-None-Exist matched), failed, or unknown (server did not say). */
  outcome: 'created' | 'existed' | 'failed' | 'unknown';
  httpStatus: number | null;
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
    /** Individual creates that went through before the failure (individual mode). */
    readonly partial: WrittenEntry[] = [],
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

const FHIR_JSON = 'application/fhir+json';

/** Issue texts of an OperationOutcome (details.text, diagnostics), joined; null when there are none. */
export function operationOutcomeText(body: unknown): string | null {
  const oo = body as { resourceType?: string; issue?: Array<{ severity?: string; code?: string; diagnostics?: string; details?: { text?: string }; expression?: string[] }> };
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
export function errorFromResponse(status: number, body: unknown): WriteError {
  const detail = operationOutcomeText(body);
  const said = detail ? ` The server said: “${detail}”` : '';
  if (status === 401)
    return new WriteError('unauthorized', `The EHR did not accept this session (401) — it may have expired. Relaunch Tidemark from the EHR, then save again.${said}`, status, detail);
  if (status === 403)
    return new WriteError('forbidden', `The EHR refused the write (403): this app or your account is not allowed to add Observations to this chart.${said}`, status, detail);
  if (status === 400 || status === 422)
    return new WriteError('invalid', `The EHR rejected the Observations as invalid (${status}).${said || ' It gave no reason.'}`, status, detail);
  if (status === 409 || status === 412)
    return new WriteError('conflict', `The EHR reported a conflict (${status}) — the chart may already hold more than one copy of this result.${said}`, status, detail);
  return new WriteError('server', `The EHR answered ${status} and did not save the results.${said}`, status, detail);
}

function networkError(error: unknown): WriteError {
  const detail = error instanceof Error ? error.message : String(error);
  return new WriteError('network', `Could not reach the EHR to save (${detail}). Check the connection and retry — nothing was lost.`, null, null);
}

const ID = /Observation\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/;

function idFrom(location: string | null | undefined, resource: unknown): string | null {
  const m = location ? ID.exec(location.split('?')[0]!) : null;
  if (m) return m[1]!;
  const r = resource as { resourceType?: string; id?: string } | null | undefined;
  return r?.resourceType === 'Observation' && typeof r.id === 'string' ? r.id : null;
}

function outcomeOf(status: number | null): WrittenEntry['outcome'] {
  if (status === 201) return 'created';
  if (status === 200) return 'existed';
  if (status !== null && status >= 400) return 'failed';
  return 'unknown';
}

function identifierOf(o: Observation): string {
  return o.identifier?.[0]?.value ?? '';
}

export function displayOf(o: Observation): string {
  return o.code.text ?? o.code.coding?.find((c) => c.display)?.display ?? 'Observation';
}

function written(serverUrl: string, o: Observation, status: number | null, location: string | null | undefined, resource: unknown): WrittenEntry {
  const id = idFrom(location, resource);
  return {
    identifier: identifierOf(o),
    display: displayOf(o),
    id,
    url: id ? fhirUrl(serverUrl, `Observation/${id}`) : null,
    outcome: outcomeOf(status),
    httpStatus: status,
  };
}

/** Status code of a transaction-response entry ("201 Created" → 201). */
function entryStatus(e: BundleEntry | undefined): number | null {
  const m = /^\s*(\d{3})/.exec(e?.response?.status ?? '');
  return m ? Number(m[1]) : null;
}

/** Statuses meaning "this server does not do transactions" (then: individual creates). */
const NO_TRANSACTION = new Set([404, 405, 501]);

function saysNotSupported(body: unknown): boolean {
  const oo = body as { resourceType?: string; issue?: Array<{ code?: string }> } | null;
  return oo?.resourceType === 'OperationOutcome' && (oo.issue ?? []).some((i) => i.code === 'not-supported');
}

/** false when the CapabilityStatement lists system interactions and transaction is not one of them. */
export function capabilityAllowsTransaction(capability: unknown): boolean {
  const cs = capability as { resourceType?: string; rest?: Array<{ mode?: string; interaction?: Array<{ code?: string }> }> } | null;
  if (cs?.resourceType !== 'CapabilityStatement') return true;
  const server = cs.rest?.find((r) => r.mode === 'server') ?? cs.rest?.[0];
  if (!server?.interaction || server.interaction.length === 0) return true;
  return server.interaction.some((i) => i.code === 'transaction');
}

export interface WriteOptions {
  serverUrl: string;
  /** Skip the transaction (e.g. the CapabilityStatement says there is none). */
  transaction?: boolean;
  signal?: AbortSignal;
}

/** POST the Bundle as one transaction; on 404/405/501 (or not-supported), individual conditional creates. */
export async function writeBundle(request: FhirRequest, bundle: Bundle<Observation>, opts: WriteOptions): Promise<WriteOutcome> {
  const entries = bundle.entry ?? [];
  if (entries.length === 0) return { mode: 'transaction', entries: [] };
  if (opts.transaction !== false) {
    let res: Response;
    try {
      res = await request('', {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, Prefer: 'return=representation' },
        body: JSON.stringify(bundle),
        signal: opts.signal,
      });
    } catch (error) {
      throw networkError(error);
    }
    const body = await readJson(res);
    if (res.ok) {
      const out = body as Bundle | null;
      const answers = out?.resourceType === 'Bundle' ? (out.entry ?? []) : [];
      return {
        mode: 'transaction',
        entries: entries.map((e, i) => {
          const a = answers[i];
          return written(opts.serverUrl, e.resource!, a ? entryStatus(a) : null, a?.response?.location, a?.resource);
        }),
      };
    }
    if (!NO_TRANSACTION.has(res.status) && !saysNotSupported(body)) throw errorFromResponse(res.status, body);
  }
  return writeIndividually(request, bundle, opts);
}

async function writeIndividually(request: FhirRequest, bundle: Bundle<Observation>, opts: WriteOptions): Promise<WriteOutcome> {
  const done: WrittenEntry[] = [];
  for (const { resource, ifNoneExist } of individualCreates(bundle)) {
    let res: Response;
    try {
      res = await request('Observation', {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, 'If-None-Exist': ifNoneExist, Prefer: 'return=representation' },
        body: JSON.stringify(resource),
        signal: opts.signal,
      });
    } catch (error) {
      const e = networkError(error);
      throw new WriteError(e.kind, e.message, null, null, done);
    }
    const body = await readJson(res);
    if (!res.ok) {
      const e = errorFromResponse(res.status, body);
      throw new WriteError(e.kind, e.message, e.httpStatus, e.serverDetail, done);
    }
    done.push(written(opts.serverUrl, resource, res.status, res.headers.get('Location') ?? res.headers.get('Content-Location'), body));
  }
  return { mode: 'individual', entries: done };
}

/** GET metadata once; true when transactions look supported (or the statement could not be read). */
export async function serverTakesTransactions(request: FhirRequest, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await request('metadata', { method: 'GET', headers: { Accept: FHIR_JSON }, signal });
    if (!res.ok) return true;
    return capabilityAllowsTransaction(await readJson(res));
  } catch {
    return true;
  }
}
