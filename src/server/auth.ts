// SMART access-token check against the FHIR server the token was issued for.
// 1. discovery: GET {fhirBase}/.well-known/smart-configuration (cached per server)
// 2. introspection_endpoint offered → POST token=… (RFC 7662); active:false → rejected. On a loopback
//    endpoint the proxy authenticates as the resource server the local sandbox registers by default
//    (HTTP Basic); elsewhere it presents the token itself, which several servers accept
//    otherwise (or when introspection refuses us) → authenticated read GET {fhirBase}/Patient?_count=1;
//    401/403 → rejected
// Verdicts are cached in a bounded LRU keyed by SHA-256(fhirBase, token): positive until `exp`
// (max 5 min), negative for 30 s. Raw tokens are never stored or logged.
import { z } from 'zod';
import { ApiError } from './errors.ts';
import { hashKey } from './ids.ts';
import { LruCache } from './lru.ts';
import { DEFAULT_RESOURCE_SERVER } from '../sandbox/options.ts';

export type Verdict = 'valid' | 'invalid';

export interface TokenVerifierOptions {
  cacheSize?: number;
  positiveTtlMs?: number;
  negativeTtlMs?: number;
  discoveryTtlMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const smartConfig = z.looseObject({ introspection_endpoint: z.string().optional() });
const introspection = z.looseObject({ active: z.boolean(), exp: z.number().optional(), patient: z.string().min(1).max(256).optional() });

class VerifyUnavailable extends Error {}

export class TokenVerifier {
  readonly #verdicts: LruCache<Verdict>;
  /** Patient in context of a valid token, when introspection said (SMART: `patient`); same key and lifetime. */
  readonly #patients: LruCache<string>;
  readonly #discovery: LruCache<{ introspection?: string }>;
  readonly #inflight = new Map<string, Promise<Verdict>>();
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #positiveTtl: number;
  readonly #negativeTtl: number;
  readonly #discoveryTtl: number;
  readonly #timeout: number;
  /** Counters for tests and diagnostics. */
  readonly stats = { cacheHits: 0, checks: 0 };

  constructor(opts: TokenVerifierOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#verdicts = new LruCache(opts.cacheSize ?? 10_000, this.#now);
    this.#patients = new LruCache(opts.cacheSize ?? 10_000, this.#now);
    this.#discovery = new LruCache(100, this.#now);
    this.#fetch = opts.fetch ?? fetch;
    this.#positiveTtl = opts.positiveTtlMs ?? 5 * 60_000;
    this.#negativeTtl = opts.negativeTtlMs ?? 30_000;
    this.#discoveryTtl = opts.discoveryTtlMs ?? 10 * 60_000;
    this.#timeout = opts.timeoutMs ?? 5_000;
  }

  /** Cache key of a (server, token) pair; also the rate-limit identity of the token. */
  static keyOf(fhirBase: string, token: string): string {
    return hashKey(fhirBase, token);
  }

  /** The patient a valid token was issued for, when its introspection said (no network). */
  patientOf(key: string): string | undefined {
    return this.#verdicts.get(key) === 'valid' ? this.#patients.get(key) : undefined;
  }

  /** The cached verdict, if any (no network). */
  cached(key: string): Verdict | undefined {
    return this.#verdicts.get(key);
  }

  /** Resolves 'valid' | 'invalid'; throws ApiError(upstream_error/upstream_timeout) when the server can't tell. */
  async verify(fhirBase: string, token: string, key = TokenVerifier.keyOf(fhirBase, token)): Promise<Verdict> {
    const hit = this.#verdicts.get(key);
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#check(fhirBase, token, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p;
  }

  async #check(fhirBase: string, token: string, key: string): Promise<Verdict> {
    this.stats.checks++;
    try {
      const disc = await this.#discover(fhirBase);
      let result: { verdict: Verdict; exp?: number; patient?: string } | undefined;
      if (disc.introspection) result = await this.#introspect(disc.introspection, token);
      result ??= await this.#read(fhirBase, token);
      const now = this.#now();
      if (result.verdict === 'valid') {
        const ttl = result.exp !== undefined ? Math.min(result.exp * 1000 - now, this.#positiveTtl) : this.#positiveTtl;
        if (ttl <= 0) {
          this.#verdicts.set(key, 'invalid', this.#negativeTtl);
          return 'invalid';
        }
        this.#verdicts.set(key, 'valid', ttl);
        if (result.patient) this.#patients.set(key, result.patient, ttl);
      } else {
        this.#verdicts.set(key, 'invalid', this.#negativeTtl);
      }
      return result.verdict;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (isTimeout(err)) throw new ApiError('upstream_timeout', 'The FHIR server did not answer the token check in time.');
      throw new ApiError('upstream_error', 'The access token could not be checked with its FHIR server.');
    }
  }

  async #discover(fhirBase: string): Promise<{ introspection?: string }> {
    const hit = this.#discovery.get(fhirBase);
    if (hit) return hit;
    const res = await this.#fetch(`${fhirBase}/.well-known/smart-configuration`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.#timeout),
    });
    let found: { introspection?: string } = {};
    if (res.ok) {
      const parsed = smartConfig.safeParse(await res.json().catch(() => null));
      const ep = parsed.success ? parsed.data.introspection_endpoint : undefined;
      if (ep && /^https?:\/\//i.test(ep)) found = { introspection: ep };
    } else {
      await res.body?.cancel();
      if (res.status >= 500) throw new VerifyUnavailable('discovery failed');
    }
    this.#discovery.set(fhirBase, found, this.#discoveryTtl);
    return found;
  }

  /** undefined → the endpoint would not answer for us: fall back to an authenticated read. */
  async #introspect(endpoint: string, token: string): Promise<{ verdict: Verdict; exp?: number; patient?: string } | undefined> {
    const res = await this.#fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: introspectionAuthorization(endpoint, token),
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      signal: AbortSignal.timeout(this.#timeout),
    });
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new VerifyUnavailable('introspection failed');
    }
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const parsed = introspection.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw new VerifyUnavailable('introspection answer unreadable');
    if (!parsed.data.active) return { verdict: 'invalid' };
    return { verdict: 'valid', exp: parsed.data.exp, patient: parsed.data.patient };
  }

  async #read(fhirBase: string, token: string): Promise<{ verdict: Verdict }> {
    const res = await this.#fetch(`${fhirBase}/Patient?_count=1`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      signal: AbortSignal.timeout(this.#timeout),
    });
    await res.body?.cancel();
    if (res.ok) return { verdict: 'valid' };
    if (res.status === 401 || res.status === 403) return { verdict: 'invalid' };
    throw new VerifyUnavailable(`read failed: ${res.status}`);
  }
}

/** The local sandbox's built-in resource server on loopback; the token itself anywhere else. */
function introspectionAuthorization(endpoint: string, token: string): string {
  const host = new URL(endpoint).hostname;
  if (host === 'localhost' || host === '[::1]' || /^127\./.test(host)) {
    return `Basic ${Buffer.from(`${DEFAULT_RESOURCE_SERVER.id}:${DEFAULT_RESOURCE_SERVER.secret}`).toString('base64')}`;
  }
  return `Bearer ${token}`;
}

export function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}
