/**
 * In-memory store of launch contexts, authorization codes, access and refresh tokens, plus the
 * RS256 key that signs id_tokens (its public half is served at /auth/jwks). Tokens are opaque random
 * strings; restarting the sandbox revokes them, which is what a tester expects from a local EHR.
 * Refresh tokens belong to a family (one authorization): rotating one retires it, and presenting a
 * retired one revokes the family (OAuth 2.0 Security BCP, refresh token replay detection).
 */
import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWK } from 'jose';

export interface LaunchContext {
  /** Absent in a provider launch (`/ehr-launch` without `patient`) and for backend services. */
  patient?: string;
  encounter?: string;
  /** Simulated error a tester asked for at launch time (propagates to authorize/token). */
  sim?: string;
}

/** Who a token acts for: a signed-in user, a backend system, or a patient (patient-facing app). */
export type Actor = 'user' | 'system' | 'patient';

export interface AccessGrant {
  clientId: string;
  scope: string;
  context: LaunchContext;
  /** Subject: the user's id (e.g. practitioner-morgan) or the system client's id. */
  sub: string;
  actor: Actor;
  /** FHIR reference of the user (`Practitioner/x`), when the actor is a user or patient. */
  fhirUser?: string;
  expiresAt: number;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge?: string;
  context: LaunchContext;
  expiresAt: number;
}

export interface RefreshGrant extends Omit<AccessGrant, 'expiresAt'> {
  family: string;
  expiresAt: number;
  /** When it was last exchanged (Oracle Health throttles refreshes to one a minute). */
  lastUsedAt?: number;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

const CODE_LIFETIME_SECONDS = 60;

export class TokenStore {
  readonly launches = new Map<string, LaunchContext & { expiresAt: number }>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();
  /** Retired refresh tokens → their family, to detect replay. */
  private readonly retired = new Map<string, { family: string; expiresAt: number }>();
  private readonly revokedFamilies = new Set<string>();
  private signing: { key: CryptoKey; jwk: JWK } | undefined;
  private issued = 0;

  constructor(
    readonly lifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Creates the id_token signing key (RS256, 2048 bits). Called once at start. */
  async init(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    jwk.kid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
    this.signing = { key: privateKey, jwk: { ...jwk, alg: 'RS256', use: 'sig' } };
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.signing ? [this.signing.jwk] : [] };
  }

  async signIdToken(claims: Record<string, unknown>): Promise<string> {
    if (!this.signing) throw new Error('TokenStore.init() was not called');
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.signing.jwk.kid as string, typ: 'JWT' }).sign(this.signing.key);
  }

  issueLaunch(context: LaunchContext): string {
    const id = randomToken(12);
    this.launches.set(id, { ...context, expiresAt: this.nowSeconds() + 3600 });
    this.sweep();
    return id;
  }

  launch(id: string): LaunchContext | undefined {
    const found = this.launches.get(id);
    if (!found || found.expiresAt < this.nowSeconds()) return undefined;
    const { expiresAt: _, ...context } = found;
    return context;
  }

  issueCode(code: Omit<AuthCode, 'expiresAt'>): string {
    const id = randomToken();
    this.codes.set(id, { ...code, expiresAt: this.nowSeconds() + CODE_LIFETIME_SECONDS });
    return id;
  }

  /** Codes are single use: taking one removes it. */
  takeCode(id: string): AuthCode | undefined {
    const code = this.codes.get(id);
    this.codes.delete(id);
    if (!code || code.expiresAt < this.nowSeconds()) return undefined;
    return code;
  }

  issueAccess(grant: Omit<AccessGrant, 'expiresAt'>, lifetimeSeconds = this.lifetimeSeconds): { token: string; grant: AccessGrant } {
    const token = randomToken(32);
    const full = { ...grant, expiresAt: this.nowSeconds() + lifetimeSeconds };
    this.access.set(token, full);
    this.sweep();
    return { token, grant: full };
  }

  /** Ends an access token at once (the CDS client's per-call fhirAuthorization). */
  revokeAccess(token: string): void {
    this.access.delete(token);
  }

  /** Returns the grant, 'expired', or undefined for an unknown token. */
  lookupAccess(token: string): AccessGrant | 'expired' | undefined {
    const grant = this.access.get(token);
    if (!grant) return undefined;
    return grant.expiresAt <= this.nowSeconds() ? 'expired' : grant;
  }

  issueRefresh(grant: Omit<AccessGrant, 'expiresAt'>, lifetimeSeconds: number, family = randomToken(12)): string {
    const token = `r.${randomToken(32)}`;
    this.refresh.set(token, { ...grant, family, expiresAt: this.nowSeconds() + lifetimeSeconds });
    return token;
  }

  /**
   * The live grant of a refresh token presented by `clientId`, or why it is refused. A retired
   * (already rotated) token revokes its whole family.
   */
  findRefresh(token: string, clientId: string | undefined): { grant: RefreshGrant } | { error: string } {
    const retired = this.retired.get(token);
    if (retired) {
      this.revokeFamily(retired.family);
      return { error: 'This refresh token was already used; its authorization is revoked.' };
    }
    const grant = this.refresh.get(token);
    if (!grant || this.revokedFamilies.has(grant.family)) return { error: 'Unknown or revoked refresh token.' };
    if (grant.expiresAt <= this.nowSeconds()) return { error: 'The refresh token has expired.' };
    if (clientId !== undefined && clientId !== grant.clientId) return { error: 'The refresh token was issued to another client.' };
    return { grant };
  }

  /** Retires a refresh token after use (rotation). */
  retireRefresh(token: string): void {
    const grant = this.refresh.get(token);
    if (!grant) return;
    this.refresh.delete(token);
    this.retired.set(token, { family: grant.family, expiresAt: grant.expiresAt });
  }

  revokeFamily(family: string): void {
    this.revokedFamilies.add(family);
    for (const [token, grant] of this.refresh) if (grant.family === family) this.refresh.delete(token);
  }

  /** Drops expired entries now and then, so a long-running sandbox does not grow without bound. */
  private sweep(): void {
    if (++this.issued % 500 !== 0) return;
    const now = this.nowSeconds();
    for (const map of [this.codes, this.access, this.refresh, this.retired, this.launches] as Map<string, { expiresAt: number }>[]) {
      for (const [k, v] of map) if (v.expiresAt < now) map.delete(k);
    }
  }
}
