/**
 * SMART Backend Services client side: discovers the token endpoint, signs a `private_key_jwt`
 * client assertion with jose (RS384/ES384, 5-minute exp, fresh jti) and exchanges it for a
 * `client_credentials` access token, cached until shortly before it expires. Works against any
 * server that implements the SMART spec (the sandbox, Epic, Oracle Health).
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { z } from 'zod';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Renew this long before the token's expiry, so a request never leaves with a dying token. */
const RENEW_EARLY_S = 30;

const smartConfiguration = z.looseObject({ token_endpoint: z.url() });
const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'token_type must be Bearer'),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});
const oauthErrorBody = z.looseObject({ error: z.string(), error_description: z.string().optional() });

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The SMART configuration document of a FHIR base (its URL and JSON); throws naming the URL when unreadable. */
export async function readSmartConfiguration(fhirBase: string, fetchImpl: FetchLike = fetch): Promise<{ url: string; json: unknown }> {
  const url = `${fhirBase.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  const res = await fetchImpl(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`SMART discovery failed: ${url} answered ${res.status}`);
  return { url, json: await res.json() };
}

/** The token endpoint a SMART configuration names. */
export function tokenEndpointOf(doc: { url: string; json: unknown }): string {
  const parsed = smartConfiguration.safeParse(doc.json);
  if (!parsed.success) throw new Error(`SMART discovery: ${doc.url} has no valid token_endpoint`);
  return parsed.data.token_endpoint;
}

/** Reads `<fhirBase>/.well-known/smart-configuration` and returns its token endpoint. */
export async function discoverTokenEndpoint(fhirBase: string, fetchImpl: FetchLike = fetch): Promise<string> {
  return tokenEndpointOf(await readSmartConfiguration(fhirBase, fetchImpl));
}

export interface BackendAuthOptions {
  tokenEndpoint: string;
  clientId: string;
  /** Private JWK with `kid` and `alg` RS384 or ES384 (the public half is registered with the server). */
  privateJwk: JWK;
  /** e.g. `system/Patient.rs system/Observation.rs`. */
  scope: string;
  /** The JWKS URL registered with the server, sent as the `jku` header (Epic's JKU registrations). */
  jku?: string;
  fetch?: FetchLike;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Something that yields a current access token (and forgets it after a 401). */
export interface TokenSource {
  token(): Promise<string>;
  invalidate(): void;
}

export class BackendServicesAuth implements TokenSource {
  private cached: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;

  constructor(private readonly options: BackendAuthOptions) {
    const alg = options.privateJwk.alg;
    if (alg !== 'RS384' && alg !== 'ES384') throw new Error('The private JWK needs alg RS384 or ES384');
    if (!options.privateJwk.kid) throw new Error('The private JWK needs a kid');
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt - RENEW_EARLY_S * 1000 > this.now()) return this.cached.token;
    // One request at a time: concurrent callers share it.
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** A signed client assertion, single use (fresh jti), valid for at most five minutes. */
  async assertion(): Promise<string> {
    const { privateJwk, clientId, tokenEndpoint } = this.options;
    const alg = privateJwk.alg as string;
    const key = await importJWK(privateJwk, alg);
    const nowS = Math.floor(this.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, kid: privateJwk.kid as string, typ: 'JWT', ...(this.options.jku ? { jku: this.options.jku } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 240)
      .setJti(randomUUID())
      .sign(key);
  }

  private async request(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.options.scope,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await this.assertion(),
    });
    const res = await this.fetchImpl(this.options.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const err = oauthErrorBody.safeParse(json);
      const detail = err.success ? `${err.data.error}${err.data.error_description ? `: ${err.data.error_description}` : ''}` : `HTTP ${res.status}`;
      throw new Error(`Token request refused (${detail})`);
    }
    const parsed = tokenResponse.safeParse(json);
    if (!parsed.success) throw new Error('Token response is not a valid Bearer token response');
    const lifetime = parsed.data.expires_in ?? 300;
    this.cached = { token: parsed.data.access_token, expiresAt: this.now() + lifetime * 1000 };
    return parsed.data.access_token;
  }
}
