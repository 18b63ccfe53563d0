// Where engine requests go: the embedded engines (default) or a remote API of the same contract.
import { ENDPOINTS, errorEnvelope, successEnvelope, type EngineName } from '../contract/index.ts';
import { runEngine } from '../engines/index.ts';
import { ApiError } from './errors.ts';
import { isTimeout } from './auth.ts';

export type BackendKind = 'embedded' | 'upstream';

export interface EngineBackend {
  readonly kind: BackendKind;
  /** `request` is already validated against ENDPOINTS[engine].request; resolves the response `data`. */
  run(engine: EngineName, request: unknown, requestId: string): Promise<unknown>;
}

export class EmbeddedBackend implements EngineBackend {
  readonly kind = 'embedded' as const;
  constructor(private readonly now: () => Date = () => new Date()) {}
  async run(engine: EngineName, request: unknown): Promise<unknown> {
    // The request was parsed with this engine's schema, so the cast is sound.
    return runEngine(engine, request as never, { now: this.now() });
  }
}

export interface UpstreamOptions {
  baseUrl: string;
  apiKey: string;
  /** Total budget per call, retries included. */
  timeoutMs: number;
  retries: number;
  /** First backoff step; doubles each attempt (with jitter). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** Retry-After: delta seconds or an HTTP date → ms (undefined when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export class UpstreamBackend implements EngineBackend {
  readonly kind = 'upstream' as const;
  readonly #opts: Required<Omit<UpstreamOptions, 'fetch'>>;
  readonly #fetch: typeof fetch;

  constructor(opts: UpstreamOptions) {
    this.#opts = { backoffMs: 100, ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
    delete (this.#opts as { fetch?: unknown }).fetch;
    this.#fetch = opts.fetch ?? fetch;
  }

  async run(engine: EngineName, request: unknown, requestId: string): Promise<unknown> {
    const endpoint = ENDPOINTS[engine];
    const url = `${this.#opts.baseUrl}${endpoint.path}`;
    const body = JSON.stringify(request);
    const deadline = Date.now() + this.#opts.timeoutMs;
    let lastFailure: ApiError = new ApiError('upstream_error', 'The engine service failed.');

    for (let attempt = 0; attempt <= this.#opts.retries; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timeoutError();
      let res: Response;
      let text: string;
      try {
        res = await this.#fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.#opts.apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'x-request-id': requestId,
          },
          body,
          signal: AbortSignal.timeout(remaining),
        });
        text = await res.text();
      } catch (err) {
        if (isTimeout(err) || Date.now() >= deadline) throw timeoutError();
        // Connection refused / reset: retry like a 5xx.
        lastFailure = new ApiError('upstream_error', 'The engine service could not be reached.');
        if (!(await this.#backoff(attempt, undefined, deadline))) break;
        continue;
      }

      if (res.ok) return this.#parseSuccess(engine, text);

      if (RETRYABLE(res.status)) {
        const wait = retryAfterMs(res.headers.get('retry-after'));
        lastFailure =
          res.status === 429
            ? new ApiError('rate_limited', 'The engine service is rate limiting this server; retry later.', {
                headers: { 'Retry-After': String(Math.max(1, Math.ceil((wait ?? 1000) / 1000))) },
              })
            : new ApiError('upstream_error', `The engine service failed (HTTP ${res.status}).`);
        if (!(await this.#backoff(attempt, wait, deadline))) break;
        continue;
      }

      if (res.status === 400) {
        // The remote engine judged the request invalid: pass its issues through (sanitized).
        const parsed = errorEnvelope.safeParse(safeJson(text));
        if (parsed.success && parsed.data.error.code === 'invalid_request') {
          throw new ApiError('invalid_request', parsed.data.error.message, { issues: parsed.data.error.issues ?? [] });
        }
      }
      if (res.status === 413) throw new ApiError('payload_too_large', 'The engine service refused the request size.');
      // 401/402/403/404/…: a server-side configuration problem; never expose details of the key.
      throw new ApiError('upstream_error', `The engine service refused the request (HTTP ${res.status}).`);
    }
    throw lastFailure;
  }

  /** Sleeps before the next attempt; false when no attempt is left or the wait would cross the deadline. */
  async #backoff(attempt: number, retryAfter: number | undefined, deadline: number): Promise<boolean> {
    if (attempt >= this.#opts.retries) return false;
    const exp = this.#opts.backoffMs * 2 ** attempt;
    const wait = Math.max(retryAfter ?? 0, exp * (0.5 + Math.random() / 2));
    // Keep at least a little time for the attempt itself.
    if (Date.now() + wait + 50 >= deadline) return false;
    await new Promise((r) => setTimeout(r, wait));
    return true;
  }

  #parseSuccess(engine: EngineName, text: string): unknown {
    const json = safeJson(text);
    const parsed = successEnvelope(ENDPOINTS[engine].response).safeParse(json);
    if (!parsed.success) throw new ApiError('upstream_error', 'The engine service answered off-contract.');
    return parsed.data.data;
  }
}

function timeoutError(): ApiError {
  return new ApiError('upstream_timeout', 'The engine service did not answer in time.');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
