/**
 * The `client_credentials` grant of SMART Backend Services: client authentication by a signed
 * assertion (private_key_jwt), `system/` scopes granted only as registered, a short-lived
 * access token with no refresh token. Errors per RFC 6749 §5.2 / RFC 7523 §3.2.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { SandboxApi } from '../extensions.ts';
import { allowedBy, parseScopes } from '../scopes.ts';
import type { ResourceScope, ScopePolicy } from '../scopes.ts';
import { ASSERTION_TYPE, verifyClientAssertion } from './assertion.ts';
import type { AssertionDeps } from './assertion.ts';

/** SMART: access tokens for backend services SHOULD NOT live longer than five minutes. */
export const SYSTEM_TOKEN_LIFETIME_S = 300;

export type ClientCredentialsDeps = Omit<AssertionDeps, 'nowSeconds' | 'tokenEndpoint'>;

export async function clientCredentialsGrant(c: Context, body: Record<string, string>, api: SandboxApi, deps: ClientCredentialsDeps): Promise<Response> {
  if (body.client_assertion_type !== ASSERTION_TYPE || !body.client_assertion) {
    return api.oauthError(c, 401, 'invalid_client', `client_credentials needs private_key_jwt: client_assertion_type=${ASSERTION_TYPE} and a client_assertion.`);
  }
  const verified = await verifyClientAssertion(body.client_assertion, remoteIsLoopback(c), {
    ...deps,
    tokenEndpoint: api.tokenEndpoint(),
    nowSeconds: () => api.tokens.nowSeconds(),
  });
  if (!verified.ok) return api.oauthError(c, 401, 'invalid_client', verified.description);
  const client = verified.client;
  if (body.client_id && body.client_id !== client.clientId) return api.oauthError(c, 401, 'invalid_client', 'client_id does not match the assertion.');
  const scope = grantableScope(body.scope ?? '', client.scope, api.profile.scopes);
  if (!scope.ok) return api.oauthError(c, 400, 'invalid_scope', scope.description);
  const lifetime = Math.min(SYSTEM_TOKEN_LIFETIME_S, api.options.tokenLifetimeSeconds ?? SYSTEM_TOKEN_LIFETIME_S);
  const issued = api.tokens.issueAccess({ clientId: client.clientId, scope: scope.scope, context: {}, sub: client.clientId, actor: 'system' }, lifetime);
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json({ access_token: issued.token, token_type: 'Bearer', expires_in: lifetime, scope: scope.scope });
}

/**
 * Every requested scope must be a `system/` scope that a registered scope covers, in a syntax the
 * vendor profile grants (Epic: v1 only; Oracle Health: no wildcards).
 */
export function grantableScope(requested: string, registered: string, policy: ScopePolicy): { ok: true; scope: string } | { ok: false; description: string } {
  const asked = requested.split(/\s+/).filter(Boolean);
  if (asked.length === 0) return { ok: false, description: 'scope is required (e.g. system/*.rs).' };
  const unsupported = asked.filter((s) => {
    const [one] = parseScopes(s);
    return one !== undefined && !allowedBy(one, policy);
  });
  if (unsupported.length > 0) return { ok: false, description: `This server does not grant ${unsupported.join(' ')} (scope syntax or wildcard).` };
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
  if (registered.query !== undefined && registered.query !== asked.query) return false; // granular stays granular
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
