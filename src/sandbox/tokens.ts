/**
 * In-memory store of authorization codes, launch contexts, access and refresh tokens, plus the
 * HS256 id_token signer. Tokens are opaque random strings; restarting the sandbox revokes them,
 * which is what a tester expects from a local EHR.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface LaunchContext {
  patient?: string;
  encounter?: string;
  /** Simulated error a tester asked for at launch time (propagates to authorize/token). */
  sim?: string;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string;
  context: LaunchContext;
  expiresAt: number;
}

export interface AccessGrant {
  clientId: string;
  scope: string;
  context: LaunchContext;
  sub: string;
  expiresAt: number;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class TokenStore {
  readonly launches = new Map<string, LaunchContext>();
  readonly codes = new Map<string, AuthCode>();
  readonly access = new Map<string, AccessGrant>();
  readonly refresh = new Map<string, Omit<AccessGrant, 'expiresAt'>>();
  /** Signing key for id_tokens; random per process (clients only decode them). */
  readonly jwtSecret = randomBytes(32);

  constructor(
    readonly lifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  issueLaunch(context: LaunchContext): string {
    const id = randomToken(12);
    this.launches.set(id, context);
    return id;
  }

  issueCode(code: Omit<AuthCode, 'expiresAt'>): string {
    const id = randomToken();
    this.codes.set(id, { ...code, expiresAt: this.nowSeconds() + 300 });
    return id;
  }

  /** Codes are single use: taking one removes it. */
  takeCode(id: string): AuthCode | undefined {
    const code = this.codes.get(id);
    this.codes.delete(id);
    if (!code || code.expiresAt < this.nowSeconds()) return undefined;
    return code;
  }

  issueAccess(grant: Omit<AccessGrant, 'expiresAt'>): { token: string; grant: AccessGrant } {
    const token = randomToken(32);
    const full = { ...grant, expiresAt: this.nowSeconds() + this.lifetimeSeconds };
    this.access.set(token, full);
    return { token, grant: full };
  }

  /** Returns the grant, 'expired', or undefined for an unknown token. */
  lookupAccess(token: string): AccessGrant | 'expired' | undefined {
    const grant = this.access.get(token);
    if (!grant) return undefined;
    return grant.expiresAt <= this.nowSeconds() ? 'expired' : grant;
  }

  signJwt(claims: Record<string, unknown>): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
    return `${body}.${createHmac('sha256', this.jwtSecret).update(body).digest('base64url')}`;
  }
}
