/**
 * The `client_credentials` grant of SMART Backend Services: client authentication by a signed
 * assertion (private_key_jwt), `system/` scopes granted only as registered, a short-lived
 * access token with no refresh token. Errors per RFC 6749 §5.2 / RFC 7523 §3.2.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { parseScopes } from '../scopes.ts';
import type { ResourceScope } from '../scopes.ts';
import type { AccessGrant, TokenStore } from '../tokens.ts';
import { ASSERTION_TYPE, verifyClientAssertion } from './assertion.ts';
import type { AssertionDeps } from './assertion.ts';

/** SMART: access tokens for backend services SHOULD NOT live longer than five minutes. */
export const SYSTEM_TOKEN_LIFETIME_S = 300;

/** Grants issued by this grant type: the only ones whose system/ scopes act for a system. */
const systemGrants = new WeakSet<AccessGrant>();

export function isSystemGrant(grant: AccessGrant): boolean {
  return systemGrants.has(grant);
}

export interface ClientCredentialsDeps extends Omit<AssertionDeps, 'nowSeconds'> {
  tokens: TokenStore;
}

export async function clientCredentialsGrant(c: Context, body: Record<string, string>, deps: ClientCredentialsDeps): Promise<Response> {
  if (body.client_assertion_type !== ASSERTION_TYPE || !body.client_assertion) {
    return oauthError(c, 401, 'invalid_client', `client_credentials needs private_key_jwt: client_assertion_type=${ASSERTION_TYPE} and a client_assertion.`);
  }
  const verified = await verifyClientAssertion(body.client_assertion, remoteIsLoopback(c), { ...deps, nowSeconds: () => deps.tokens.nowSeconds() });
  if (!verified.ok) return oauthError(c, 401, 'invalid_client', verified.description);
  const client = verified.client;
  if (body.client_id && body.client_id !== client.clientId) return oauthError(c, 401, 'invalid_client', 'client_id does not match the assertion.');
  const scope = grantableScope(body.scope ?? '', client.scope);
  if (!scope.ok) return oauthError(c, 400, 'invalid_scope', scope.description);
  const issued = deps.tokens.issueAccess({ clientId: client.clientId, scope: scope.scope, context: {}, sub: client.clientId });
  systemGrants.add(issued.grant);
  issued.grant.expiresAt = Math.min(issued.grant.expiresAt, deps.tokens.nowSeconds() + SYSTEM_TOKEN_LIFETIME_S);
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json({
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.grant.expiresAt - deps.tokens.nowSeconds(),
    scope: scope.scope,
  });
}

/** Every requested scope must be a `system/` scope that a registered scope covers. */
export function grantableScope(requested: string, registered: string): { ok: true; scope: string } | { ok: false; description: string } {
  const asked = requested.split(/\s+/).filter(Boolean);
  if (asked.length === 0) return { ok: false, description: 'scope is required (e.g. system/*.rs).' };
  const allowed = parseScopes(registered).filter((s) => s.context === 'system');
  const refused = asked.filter((s) => {
    const [one] = parseScopes(s);
    return !one || one.context !== 'system' || !allowed.some((r) => covers(r, one));
  });
  if (refused.length > 0) return { ok: false, description: `Not registered for this client: ${refused.join(' ')}.` };
  return { ok: true, scope: asked.join(' ') };
}

function covers(registered: ResourceScope, asked: ResourceScope): boolean {
  if (registered.resourceType !== '*' && registered.resourceType !== asked.resourceType) return false;
  for (const p of asked.permissions) if (!registered.permissions.has(p)) return false;
  return true;
}

function remoteIsLoopback(c: Context): boolean {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return false;
  }
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

function oauthError(c: Context, status: 400 | 401, error: string, description: string): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, error_description: description }, status);
}
