/**
 * FHIR Bulk Data (v2) client: kick-off (`Group/<id>/$export` or `Patient/$export`), polling that
 * honours `Retry-After` (429 too), the manifest, and NDJSON downloads streamed line by line, so a
 * population of any size never sits in memory. Aborting (or finishing) sends DELETE to the status
 * URL, which cancels a running export or tells the server its files may go.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { FetchLike, TokenSource } from './backend-auth.ts';

const manifestSchema = z.looseObject({
  transactionTime: z.string(),
  request: z.string(),
  requiresAccessToken: z.boolean(),
  output: z.array(z.looseObject({ type: z.string(), url: z.url(), count: z.number().int().nonnegative().optional() })),
  error: z.array(z.looseObject({ type: z.string(), url: z.url() })).default([]),
});

export type BulkManifest = z.infer<typeof manifestSchema>;

export interface NdjsonLine {
  /** The resource type of the file the line came from. */
  type: string;
  /** One resource as JSON text (parse it where it is used). */
  line: string;
}

export interface BulkExportOptions {
  fhirBase: string;
  auth: TokenSource;
  /** Group id to export; undefined exports `Patient/$export`. */
  group?: string;
  /** `_type`: export only these resource types. */
  types?: string[];
  /** `_since`: an instant; only resources changed since then (e.g. the last run's transactionTime). */
  since?: string;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Called on each in-progress poll with the server's X-Progress text. */
  onProgress?: (progress: string | undefined) => void;
  /** Called once with the manifest, before the first line is yielded. */
  onManifest?: (manifest: BulkManifest) => void;
  /** Poll delay when the server gives no Retry-After (doubles up to maxPollMs). */
  minPollMs?: number;
  maxPollMs?: number;
  /** Give up (and cancel) after this long waiting for the manifest. Default one hour. */
  timeoutMs?: number;
}

export class BulkExportError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BulkExportError';
  }
}

/** Runs an export to completion and yields every NDJSON line of every output file, in manifest order. */
export async function* bulkExport(options: BulkExportOptions): AsyncGenerator<NdjsonLine, BulkManifest> {
  const http = new AuthorizedFetch(options.auth, options.fetch ?? fetch, options.signal);
  const statusUrl = await kickoff(http, options);
  try {
    const manifest = await waitForManifest(http, statusUrl, options);
    options.onManifest?.(manifest);
    for (const file of manifest.output) {
      yield* downloadLines(http, file.url, file.type, manifest.requiresAccessToken);
    }
    return manifest;
  } finally {
    // Cancels a running export after an abort or early exit; after success it releases the files.
    // Sent even when the caller's signal has fired, with a short timeout of its own.
    await http.send(statusUrl, { method: 'DELETE', signal: AbortSignal.timeout(5000) }, true).catch(() => undefined);
  }
}

async function kickoff(http: AuthorizedFetch, o: BulkExportOptions): Promise<string> {
  const base = o.fhirBase.replace(/\/+$/, '');
  const url = new URL(o.group === undefined ? `${base}/Patient/$export` : `${base}/Group/${encodeURIComponent(o.group)}/$export`);
  url.searchParams.set('_outputFormat', 'application/fhir+ndjson');
  if (o.types?.length) url.searchParams.set('_type', o.types.join(','));
  if (o.since) url.searchParams.set('_since', o.since);
  const res = await http.send(url.toString(), { headers: { accept: 'application/fhir+json', prefer: 'respond-async' } }, true);
  if (res.status !== 202) throw new BulkExportError(`Bulk kick-off refused: ${await describe(res)}`, res.status);
  const location = res.headers.get('content-location');
  if (!location) throw new BulkExportError('Bulk kick-off answered 202 without Content-Location');
  await res.body?.cancel();
  return new URL(location, url).toString();
}

async function waitForManifest(http: AuthorizedFetch, statusUrl: string, o: BulkExportOptions): Promise<BulkManifest> {
  const minPoll = o.minPollMs ?? 1000;
  const maxPoll = o.maxPollMs ?? 60_000;
  const deadline = Date.now() + (o.timeoutMs ?? 3_600_000);
  let backoff = minPoll;
  for (;;) {
    const res = await http.send(statusUrl, { headers: { accept: 'application/json' } }, true);
    if (res.status === 200) {
      const parsed = manifestSchema.safeParse(await res.json());
      if (!parsed.success) throw new BulkExportError('The export manifest is not valid');
      return parsed.data;
    }
    if (res.status !== 202 && res.status !== 429) throw new BulkExportError(`Bulk export failed: ${await describe(res)}`, res.status);
    if (res.status === 202) o.onProgress?.(res.headers.get('x-progress') ?? undefined);
    await res.body?.cancel();
    const wait = retryAfterMs(res.headers.get('retry-after')) ?? backoff;
    backoff = Math.min(maxPoll, backoff * 2);
    if (Date.now() + wait > deadline) throw new BulkExportError('Bulk export did not finish in time');
    await sleep(Math.min(wait, maxPoll * 10), undefined, { signal: o.signal });
  }
}

/** `Retry-After` as delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

async function* downloadLines(http: AuthorizedFetch, url: string, type: string, withToken: boolean): AsyncGenerator<NdjsonLine> {
  const res = await http.send(url, { headers: { accept: 'application/fhir+ndjson' } }, withToken);
  if (!res.ok || !res.body) throw new BulkExportError(`Download of ${type} failed: ${await describe(res)}`, res.status);
  // Cut at newline bytes and each line decoded on its own (a UTF-8 newline byte is never part of
  // another character): a line without non-ASCII text stays a one-byte string, which every later
  // step (sharding, the scoring threads' JSON.parse) handles faster than the two-byte text a whole
  // decoded chunk becomes when it holds one accented name.
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const bytes = rest.length > 0 ? Buffer.concat([rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let newline = bytes.indexOf(NEWLINE); newline >= 0; newline = bytes.indexOf(NEWLINE, start)) {
      const line = bytes.toString('utf8', start, newline).trim();
      if (line) yield { type, line };
      start = newline + 1;
    }
    rest = bytes.subarray(start);
  }
  const last = rest.toString('utf8').trim();
  if (last) yield { type, line: last };
}

const NEWLINE = 0x0a;

/** fetch with the Bearer token; on a 401 the token is renewed once and the request repeated. */
class AuthorizedFetch {
  constructor(
    private readonly auth: TokenSource,
    private readonly fetchImpl: FetchLike,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async send(url: string, init: RequestInit, withToken: boolean): Promise<Response> {
    const attempt = async () => {
      const headers = new Headers(init.headers);
      if (withToken) headers.set('authorization', `Bearer ${await this.auth.token()}`);
      return this.fetchImpl(url, { ...init, headers, signal: init.signal ?? this.signal });
    };
    const res = await attempt();
    if (res.status !== 401 || !withToken) return res;
    await res.body?.cancel();
    this.auth.invalidate();
    return attempt();
  }
}

async function describe(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const oo = JSON.parse(text) as { issue?: { diagnostics?: string; details?: { text?: string } }[] };
    const message = oo.issue?.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join('; ');
    if (message) return `${res.status} ${message}`;
  } catch {
    // not JSON: fall through
  }
  return `${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`;
}
