/**
 * Verifies a `private_key_jwt` client assertion (RFC 7523 §3, SMART Backend Services): RS384 or
 * ES384, signed by a key of the client's registered JWKS, iss = sub = client_id, aud = the token
 * endpoint, exp at most five minutes ahead, jti never seen before. Every failure is `invalid_client`
 * with a description that says which check failed (and never echoes the assertion).
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { ClientRegistry, RegisteredClient } from './clients.ts';
import type { KeySets } from './key-sets.ts';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGS = ['RS384', 'ES384'] as const;
/** SMART: the assertion's exp SHALL be no more than five minutes in the future. */
const MAX_LIFETIME_S = 300;
/** Clock skew allowed between client and sandbox. */
const SKEW_S = 30;

export type AssertionResult = { ok: true; client: RegisteredClient } | { ok: false; description: string };

export interface AssertionDeps {
  clients: ClientRegistry;
  keys: KeySets;
  replay: JtiReplayCache;
  tokenEndpoint: string;
  nowSeconds: () => number;
}

export async function verifyClientAssertion(assertion: string, remoteIsLoopback: boolean, deps: AssertionDeps): Promise<AssertionResult> {
  const fail = (description: string): AssertionResult => ({ ok: false, description });
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    return fail('client_assertion is not a signed JWT.');
  }
  if (!ASSERTION_ALGS.includes(header.alg as (typeof ASSERTION_ALGS)[number])) return fail(`alg ${String(header.alg)} is not allowed; use RS384 or ES384.`);
  if (typeof header.kid !== 'string' || header.kid === '') return fail('The assertion header needs a kid.');
  const clientId = typeof claims.iss === 'string' ? claims.iss : '';
  const client = clientId ? deps.clients.find(clientId) : undefined;
  if (!client) return fail('Unknown client: iss is not a registered client_id.');
  if (client.loopbackOnly && !remoteIsLoopback) return fail('This development client is accepted from loopback addresses only.');
  // SMART: a jku header SHALL match the JWKS URL registered for the client (it is never fetched as given).
  if (header.jku !== undefined && (client.jwks.kind !== 'uri' || header.jku !== client.jwks.url)) return fail('jku does not match the JWKS URL registered for this client.');
  let keySet: ReturnType<KeySets['forClient']>;
  try {
    keySet = deps.keys.forClient(client);
  } catch {
    return fail("The client's registered JWKS could not be read.");
  }
  if (!keySet) return fail('The client has no public keys registered yet.');
  const now = deps.nowSeconds();
  let exp: number;
  let jti: unknown;
  try {
    const verified = await jwtVerify(assertion, keySet, {
      algorithms: [...ASSERTION_ALGS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: deps.tokenEndpoint,
      currentDate: new Date(now * 1000),
      clockTolerance: SKEW_S,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
    });
    exp = verified.payload.exp as number;
    jti = verified.payload.jti;
  } catch (err) {
    return fail(describeJoseError(err, deps.tokenEndpoint));
  }
  if (exp > now + MAX_LIFETIME_S + SKEW_S) return fail('exp is more than five minutes in the future.');
  if (typeof jti !== 'string' || jti === '') return fail('jti must be a non-empty string.');
  if (!deps.replay.remember(client.clientId, jti, exp, now)) return fail('This jti was already used: assertions are single use.');
  return { ok: true, client };
}

function describeJoseError(err: unknown, tokenEndpoint: string): string {
  if (err instanceof errors.JWKSNoMatchingKey) return 'No registered key matches the assertion kid (and alg).';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The assertion signature does not verify.';
  if (err instanceof errors.JWTExpired) return 'The assertion has expired.';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The assertion alg is not allowed.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `aud must be the token endpoint ${tokenEndpoint}.`;
    if (err.claim === 'iss' || err.claim === 'sub') return 'iss and sub must both be the client_id.';
    return `Claim ${err.claim} is invalid: ${err.reason}.`;
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) return "The client's key set could not be used.";
  return 'The assertion could not be verified.';
}

/**
 * Remembers (client, jti) until the assertion's exp, so a captured assertion cannot be replayed.
 * Bounded: expired entries are pruned when it is full; if it is still full, assertions are refused.
 */
export class JtiReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /** False when this (client, jti) was seen and has not expired yet. */
  remember(clientId: string, jti: string, exp: number, now: number): boolean {
    const key = `${clientId}\u0000${jti}`;
    const known = this.seen.get(key);
    if (known !== undefined && known + SKEW_S >= now) return false;
    if (this.seen.size >= this.maxEntries) this.prune(now);
    if (this.seen.size >= this.maxEntries) return false; // flooded: refuse rather than forget
    this.seen.set(key, exp);
    return true;
  }

  private prune(now: number): void {
    for (const [key, exp] of this.seen) if (exp + SKEW_S < now) this.seen.delete(key);
  }
}
