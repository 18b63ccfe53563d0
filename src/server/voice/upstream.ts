// Client of the voice-biomarker service (reference v2): its headers, its per-account rate limits
// (kept locally so we do not spend requests we know will be refused), its retry guidance (429:
// Retry-After; 500: 1 s doubling, at most 5 retries) and its error codes mapped to ours.
// The account id and key stay here: never in a response, a log line or an error message.
import { z } from 'zod';
import { voiceJob, voiceServiceError, type VoiceAnalyzeFields, type VoiceJob } from '../../contract/voice.ts';
import { isTimeout } from '../auth.ts';
import { ApiError } from '../errors.ts';

export interface UpstreamOptions {
  baseUrl: string;
  accountId: string;
  apiKey: string;
  ratePerMinute: { general: number; analyze: number };
  /** Per-request webhook (our public /api/v1/voice/webhook) and its secret; absent → we poll. */
  webhook?: { url: string; secret: string };
  /** First retry delay (the reference: 1 s); tests shorten it. */
  retryBaseMs?: number;
  maxRetries?: number;
  /** Total time one call may take, retries included. */
  budgetMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Sliding 60-second window, as the reference counts. */
export class SlidingWindow {
  readonly #hits: number[] = [];
  constructor(
    readonly limit: number,
    private readonly now: () => number,
    readonly windowMs = 60_000,
  ) {}
  /** ms until a request may be sent (0 = now). */
  wait(): number {
    const t = this.now();
    while (this.#hits.length > 0 && this.#hits[0]! <= t - this.windowMs) this.#hits.shift();
    return this.#hits.length < this.limit ? 0 : this.#hits[0]! + this.windowMs - t;
  }
  take(): void {
    this.#hits.push(this.now());
  }
}

const CODE_MAP: Record<string, ConstructorParameters<typeof ApiError>[0]> = {
  AUDIO_TOO_SHORT: 'audio_too_short',
  AUDIO_TOO_LONG: 'audio_too_long',
  UNSUPPORTED_FORMAT: 'unsupported_format',
  AUDIO_POOR_QUALITY: 'audio_poor_quality',
  INSUFFICIENT_CREDITS: 'payment_required',
  NOT_FOUND: 'not_found',
  INVALID_USE_CASE: 'invalid_request',
  RATE_LIMIT_EXCEEDED: 'rate_limited',
};

const MESSAGES: Partial<Record<ConstructorParameters<typeof ApiError>[0], string>> = {
  audio_too_short: 'The voice service found the recording shorter than 15 seconds.',
  audio_too_long: 'The voice service found the recording longer than 20 minutes.',
  unsupported_format: 'The voice service could not read the audio (WAV, FLAC or MP3 only).',
  audio_poor_quality: 'The voice service judged the recording conditions below what analysis needs. Record again in a quieter room.',
  payment_required: 'The voice service account has no credits left; ask an administrator to add credits.',
  not_found: 'No such voice job.',
  invalid_request: 'The voice service refused the request.',
};

export class VoiceUpstream {
  readonly #general: SlidingWindow;
  readonly #analyze: SlidingWindow;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Calls made, for tests and diagnostics. */
  readonly stats = { calls: 0, retries: 0, locallyLimited: 0 };

  constructor(private readonly o: UpstreamOptions) {
    this.#now = o.now ?? Date.now;
    this.#fetch = o.fetch ?? fetch;
    this.#sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#general = new SlidingWindow(o.ratePerMinute.general, this.#now);
    this.#analyze = new SlidingWindow(o.ratePerMinute.analyze, this.#now);
  }

  get webhookConfigured(): boolean {
    return !!this.o.webhook;
  }

  async submit(audio: Uint8Array, contentType: string, fields: VoiceAnalyzeFields): Promise<VoiceJob> {
    const path = fields.use_case ? '/v2/use-case/analyze' : '/v2/condition/analyze';
    const body = () => {
      const form = new FormData();
      form.set('audio', new Blob([audio as Uint8Array<ArrayBuffer>], { type: contentType }), `recording.${contentType.split('/')[1] ?? 'bin'}`);
      if (fields.use_case) form.set('use_case', fields.use_case);
      if (fields.condition) form.set('condition', fields.condition);
      if (this.o.webhook) {
        form.set('webhook_url', this.o.webhook.url);
        form.set('webhook_secret_key', this.o.webhook.secret);
      }
      return form;
    };
    return this.#call('POST', path, this.#analyze, body, voiceJob);
  }

  /** The job, or undefined when our local window says the account's general budget is spent. */
  async poll(jobId: string): Promise<VoiceJob | undefined> {
    if (this.#general.wait() > 0) {
      this.stats.locallyLimited++;
      return undefined;
    }
    return this.#call('GET', `/v2/jobs/${encodeURIComponent(jobId)}`, this.#general, undefined, voiceJob);
  }

  async credits(): Promise<number> {
    return (await this.#call('GET', '/v2/account/credits', this.#general, undefined, z.looseObject({ credits: z.number() }))).credits;
  }

  async #call<T>(method: string, path: string, window: SlidingWindow, body: (() => FormData) | undefined, schema: z.ZodType<T>): Promise<T> {
    const deadline = this.#now() + (this.o.budgetMs ?? 25_000);
    const maxRetries = this.o.maxRetries ?? 5;
    let delay = this.o.retryBaseMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      const wait = window.wait();
      if (wait > 0) {
        this.stats.locallyLimited++;
        throw rateLimited(wait);
      }
      window.take();
      this.stats.calls++;
      let res: Response;
      try {
        res = await this.#fetch(`${this.o.baseUrl}${path}`, {
          method,
          headers: { 'X-Account-ID': this.o.accountId, 'X-API-Key': this.o.apiKey, Accept: 'application/json' },
          body: body?.(),
          signal: AbortSignal.timeout(Math.max(1000, deadline - this.#now())),
        });
      } catch (err) {
        if (isTimeout(err)) throw new ApiError('upstream_timeout', 'The voice service did not answer in time.');
        if (attempt < maxRetries && this.#now() + delay < deadline) {
          await this.#backoff(delay);
          delay *= 2;
          continue;
        }
        throw new ApiError('upstream_error', 'The voice service could not be reached.');
      }
      if (res.ok) {
        const parsed = schema.safeParse(await res.json().catch(() => null));
        if (!parsed.success) throw new ApiError('upstream_error', 'The voice service answered off-contract.');
        return parsed.data;
      }
      const err = voiceServiceError.safeParse(await res.json().catch(() => null));
      const code = err.success ? err.data.code : '';
      if (res.status === 429 || res.status >= 500) {
        const retryAfter = res.status === 429 ? retryAfterMs(res.headers.get('retry-after'), this.#now()) : undefined;
        const wait = Math.max(delay, retryAfter ?? 0);
        if (attempt < maxRetries && this.#now() + wait < deadline) {
          await this.#backoff(wait);
          delay *= 2;
          continue;
        }
        if (res.status === 429) throw rateLimited(retryAfter ?? delay);
        throw new ApiError('upstream_error', 'The voice service failed to process the request; try again later.');
      }
      if (res.status === 401) throw new ApiError('upstream_error', 'The voice service refused this deployment’s credentials.');
      const mapped = CODE_MAP[code] ?? (res.status === 402 ? 'payment_required' : res.status === 404 ? 'not_found' : res.status === 422 ? 'audio_poor_quality' : 'invalid_request');
      throw new ApiError(mapped, MESSAGES[mapped] ?? 'The voice service refused the request.');
    }
  }

  async #backoff(ms: number): Promise<void> {
    this.stats.retries++;
    await this.#sleep(ms);
  }
}

function rateLimited(waitMs: number): ApiError {
  const s = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError('rate_limited', 'The voice service’s rate limit is reached; retry after the time given in Retry-After.', {
    headers: { 'Retry-After': String(s) },
  });
}

/** Retry-After in seconds or as an HTTP date → ms from now. */
export function retryAfterMs(v: string | null, now: number): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
