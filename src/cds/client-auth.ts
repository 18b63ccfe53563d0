// Trusting CDS clients (CDS Hooks 2.0 "Trusting CDS Clients"): every call carries a JWT signed by a
// trusted EHR. Checked here, in this order: Bearer present; header alg on the allow-list (asymmetric
// only: never `none`, never HS*); `iss` configured; `jku`, if sent, is that issuer's configured JWKS
// (an attacker's URL is never fetched); signature against the issuer's JWKS (jose, cached, refetched
// on an unknown kid with a cool-down); `aud` = the URL of the endpoint called; `exp`, `iat` sane;
// `jti` never seen before (until its `exp`). Any failure → CdsAuthError (401).
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { hashKey } from '../server/ids.ts';
import type { ReplayStore } from './replay-store.ts';

/** RFC 7518 asymmetric signature algorithms (the spec recommends ES384 and RS384). */
export const ALLOWED_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

export interface TrustedIssuer {
  iss: string;
  jwksUrl: string;
  /** Base URL this issuer addresses us by in `aud`, when not the service's own base URL (e.g. behind a gateway). */
  audBase?: string;
}

export interface ClientAuthOptions {
  issuers: readonly TrustedIssuer[];
  replay: ReplayStore;
  now?: () => number;
  /** Clock skew tolerated on exp/iat, seconds. */
  clockSkewSeconds?: number;
  /** Longest lifetime accepted (exp − now), seconds: bounds how long a jti must be remembered. */
  maxLifetimeSeconds?: number;
  /** Oldest iat accepted, seconds. */
  maxAgeSeconds?: number;
  jwksTimeoutMs?: number;
  /** Least time between two JWKS fetches of one issuer (an unknown kid refetches after it). */
  jwksCooldownMs?: number;
  fetch?: typeof fetch;
}

export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'untrusted-issuer'
  | 'jku'
  | 'signature'
  | 'audience'
  | 'expired'
  | 'lifetime'
  | 'issued-at'
  | 'claims'
  | 'replay'
  | 'jwks-unavailable';

export class CdsAuthError extends Error {
  override name = 'CdsAuthError';
  constructor(
    readonly reason: AuthFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedClient {
  iss: string;
  tenant?: string;
}

const BEARER_RE = /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*) *$/i;

export class ClientAuth {
  readonly #issuers: Map<string, { issuer: TrustedIssuer; jwks: ReturnType<typeof createRemoteJWKSet> }>;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #maxLifetime: number;
  readonly #maxAge: number;

  constructor(private readonly opts: ClientAuthOptions) {
    this.#now = opts.now ?? Date.now;
    this.#skew = opts.clockSkewSeconds ?? 60;
    this.#maxLifetime = opts.maxLifetimeSeconds ?? 3600;
    this.#maxAge = opts.maxAgeSeconds ?? 3600;
    this.#issuers = new Map(
      opts.issuers.map((issuer) => [
        issuer.iss,
        {
          issuer,
          jwks: createRemoteJWKSet(new URL(issuer.jwksUrl), {
            timeoutDuration: opts.jwksTimeoutMs ?? 5_000,
            // A kid we do not know triggers a refetch, at most every 30 s (key rotation without a flood).
            cooldownDuration: opts.jwksCooldownMs ?? 30_000,
            cacheMaxAge: 10 * 60_000,
            ...(opts.fetch ? { [customFetch]: opts.fetch } : {}),
          }),
        },
      ]),
    );
  }

  /**
   * Verifies the Authorization header of a call to `endpointPath` (e.g. "/cds-services/x").
   * `baseUrl` is the service's public base URL (aud = base + path unless the issuer has its own audBase).
   */
  async verify(authorization: string | undefined, endpointPath: string, baseUrl: string): Promise<VerifiedClient> {
    const m = authorization && authorization.length <= 16_384 ? BEARER_RE.exec(authorization) : null;
    if (!m) throw new CdsAuthError('missing', 'Send Authorization: Bearer <JWT signed by the EHR>.');
    const jwt = m[1]!;

    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(jwt);
      claims = decodeJwt(jwt);
    } catch {
      throw new CdsAuthError('malformed', 'The bearer token is not a JWT.');
    }
    if (typeof header.alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(header.alg)) {
      throw new CdsAuthError('algorithm', 'The JWT algorithm is not accepted (asymmetric signatures only).');
    }
    if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT') {
      throw new CdsAuthError('malformed', 'The JWT typ must be JWT.');
    }
    const trusted = typeof claims.iss === 'string' ? this.#issuers.get(claims.iss) : undefined;
    if (!trusted) throw new CdsAuthError('untrusted-issuer', 'The JWT issuer is not a trusted CDS client.');
    if (header.jku !== undefined && header.jku !== trusted.issuer.jwksUrl) {
      throw new CdsAuthError('jku', 'The JWT jku is not the JWKS configured for its issuer.');
    }
    const audience = `${(trusted.issuer.audBase ?? baseUrl).replace(/\/+$/, '')}${endpointPath}`;

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, trusted.jwks, {
        algorithms: [...ALLOWED_ALGS],
        issuer: trusted.issuer.iss,
        audience,
        clockTolerance: this.#skew,
        maxTokenAge: this.#maxAge,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        currentDate: new Date(this.#now()),
      }));
    } catch (err) {
      throw mapJoseError(err);
    }

    const nowSec = Math.floor(this.#now() / 1000);
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (iat > nowSec + this.#skew) throw new CdsAuthError('issued-at', 'The JWT was issued in the future.');
    if (exp - nowSec > this.#maxLifetime) throw new CdsAuthError('lifetime', `The JWT lives longer than ${this.#maxLifetime} s.`);
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
      throw new CdsAuthError('claims', 'The JWT jti must be a non-empty string.');
    }
    // Remembered until the token could no longer pass the exp check anyway.
    const fresh = await this.opts.replay.claim(hashKey(trusted.issuer.iss, payload.jti), (exp + this.#skew) * 1000);
    if (!fresh) throw new CdsAuthError('replay', 'This JWT (jti) was already used.');
    return { iss: trusted.issuer.iss, ...(typeof payload.tenant === 'string' ? { tenant: payload.tenant } : {}) };
  }
}

function mapJoseError(err: unknown): CdsAuthError {
  if (err instanceof errors.JWTExpired) return new CdsAuthError('expired', 'The JWT has expired.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return new CdsAuthError('audience', 'The JWT aud is not the URL of this endpoint.');
    if (err.claim === 'iat') return new CdsAuthError('issued-at', 'The JWT iat is missing or too old.');
    return new CdsAuthError('claims', `The JWT claim ${err.claim} is missing or invalid.`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new CdsAuthError('signature', 'The JWT signature does not verify.');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new CdsAuthError('signature', 'No key of the issuer matches the JWT.');
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new CdsAuthError('algorithm', 'The JWT algorithm is not accepted.');
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return new CdsAuthError('malformed', 'The JWT is malformed.');
  // Timeouts, unreachable or invalid JWKS: still a 401 for the caller, but named apart in our counters.
  return new CdsAuthError('jwks-unavailable', "The issuer's keys could not be read.");
}
