/**
 * SMART App Launch 2 authorization server: EHR launch (with a patient, or a provider launch without
 * one), authorize (code + PKCE S256), token (authorization_code, refresh_token and grant types added by
 * extensions), introspection (RFC 7662, for authenticated resource servers), JWKS of the id_token key.
 * Auto-approves by default so a script can run the whole flow; `consent` shows a page approved only by
 * POST with a CSRF token. The vendor profile decides PKCE, scopes, token lifetime and refresh rules.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { GrantHandler, SandboxApi } from './extensions.ts';
import { consentPage, errorPage, pageSecurityHeaders, pickerPage } from './pages.ts';
import type { PatientSummary } from './pages.ts';
import type { VendorProfile } from './profiles/index.ts';
import { grantableScope, parseScope } from './scopes.ts';
import { randomToken, s256 } from './tokens.ts';
import type { AccessGrant, LaunchContext, TokenStore } from './tokens.ts';

export interface AuthDeps {
  tokens: TokenStore;
  profile: VendorProfile;
  origin: () => string;
  fhirBase: () => string;
  appLaunchUrl: string;
  consent: boolean;
  /** invalid_client | access_denied | expired_token, applied to every authorization. */
  simulate: string | undefined;
  patients: () => PatientSummary[];
  latestEncounter: (patientId: string) => string | undefined;
  practitionerId: string;
  /** SANDBOX_TOKEN_LIFETIME when set; else the profile's, else 3600 s. */
  accessLifetimeSeconds: number | undefined;
  /** Overrides the profile's refresh-token lifetimes (tests). */
  refreshLifetimeSeconds: number | undefined;
  /** Resource servers allowed to introspect: client id → secret. */
  resourceServers: ReadonlyMap<string, string>;
  /** Grant types added by extensions. */
  grants: ReadonlyMap<string, GrantHandler>;
  api: () => SandboxApi;
}

interface PendingConsent {
  query: URLSearchParams;
  context: LaunchContext;
  scope: string;
  csrf: string;
  expiresAt: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackRedirect(uri: string | undefined | null): boolean {
  if (!uri) return false;
  try {
    const url = new URL(uri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.has(url.hostname);
  } catch {
    return false;
  }
}

export function registerAuthRoutes(app: Hono, deps: AuthDeps): void {
  const pending = new Map<string, PendingConsent>();
  app.get('/ehr-launch', (c) => ehrLaunch(c, deps));
  app.get('/auth/authorize', (c) => authorize(c, deps, new URL(c.req.url).searchParams, pending));
  app.post('/auth/authorize', async (c) => authorize(c, deps, new URLSearchParams(await c.req.text()), pending));
  app.post('/auth/authorize/consent', (c) => consentDecision(c, deps, pending));
  app.post('/auth/token', (c) => token(c, deps));
  app.post('/auth/introspect', (c) => introspect(c, deps));
  app.get('/auth/jwks', (c) => c.json(deps.tokens.jwks()));
}

function html(c: Context, body: string, status: 200 | 400 | 403 | 404 = 200, formAction: string[] = []): Response {
  for (const [k, v] of Object.entries(pageSecurityHeaders(formAction))) c.header(k, v);
  return c.html(body, status);
}

/** `/ehr-launch?patient=<id>`: an EHR launch for that patient; without `patient`: a provider launch. */
function ehrLaunch(c: Context, deps: AuthDeps): Response {
  const patient = c.req.query('patient');
  if (patient !== undefined && !deps.patients().some((p) => p.id === patient)) {
    return html(c, errorPage('Unknown patient', 'Pass ?patient=<id> of a sandbox patient, or no patient for a provider launch.'), 404);
  }
  const context: LaunchContext = patient ? { patient, encounter: c.req.query('encounter') ?? deps.latestEncounter(patient) } : {};
  const sim = c.req.query('sim');
  if (sim) context.sim = sim;
  const target = new URL(`${deps.appLaunchUrl}/launch/`);
  target.searchParams.set('iss', deps.fhirBase());
  target.searchParams.set('launch', deps.tokens.issueLaunch(context));
  return c.redirect(target.toString(), 302);
}

function redirectWith(c: Context, redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return c.redirect(url.toString(), 302);
}

function authorize(c: Context, deps: AuthDeps, q: URLSearchParams, pending: Map<string, PendingConsent>): Response {
  const redirectUri = q.get('redirect_uri');
  // Never redirect to an unchecked URI: show the error to the user instead.
  if (!isLoopbackRedirect(redirectUri)) {
    return html(c, errorPage('Invalid redirect_uri', 'The sandbox accepts loopback redirect URIs only (http://127.0.0.1:<port>/...).'), 400);
  }
  const state = q.get('state') ?? undefined;
  const fail = (error: string, description: string) => redirectWith(c, redirectUri as string, { error, error_description: description, state });
  const launchId = q.get('launch');
  const launch = launchId ? deps.tokens.launch(launchId) : undefined;
  const sim = q.get('sim') ?? launch?.sim ?? deps.simulate;
  const problem = requestProblem(q, deps, launchId, launch);
  if (problem) return fail(problem.error, problem.description);
  if (sim === 'access_denied') return fail('access_denied', 'Simulated: the user denied access.');
  const { scope, refused } = grantableScope(q.get('scope') ?? '', deps.profile.scopes);
  const refusedResource = refused.filter((s) => parseScope(s) !== undefined);
  if (refusedResource.length > 0) return fail('invalid_scope', `Not granted by this server (${deps.profile.name} profile): ${refusedResource.join(' ')}`);
  const context: LaunchContext = { ...(launch ?? {}) };
  if (sim) context.sim = sim;
  // picked_patient comes from the standalone picker: a launch's context is never overridden.
  const picked = q.get('picked_patient');
  if (!launch && picked && deps.patients().some((p) => p.id === picked)) context.patient = picked;
  if (!launch && !context.patient && scope.split(' ').includes('launch/patient')) return html(c, pickerPage(deps.patients(), q));
  if (deps.consent) {
    const id = randomToken(16);
    const csrf = randomToken(24);
    pending.set(id, { query: q, context, scope, csrf, expiresAt: deps.tokens.nowSeconds() + 600 });
    setCookie(c, `sandbox_csrf_${id}`, csrf, { httpOnly: true, sameSite: 'Strict', path: '/auth', maxAge: 600 });
    return html(c, consentPage(q.get('client_id') ?? '', scope, id, csrf), 200, [new URL(redirectUri as string).origin]);
  }
  return issueCode(c, deps, q, context, scope);
}

function issueCode(c: Context, deps: AuthDeps, q: URLSearchParams, context: LaunchContext, scope: string): Response {
  const challenge = q.get('code_challenge');
  const code = deps.tokens.issueCode({
    clientId: q.get('client_id') as string,
    redirectUri: q.get('redirect_uri') as string,
    scope,
    ...(challenge ? { codeChallenge: challenge } : {}),
    context,
  });
  return redirectWith(c, q.get('redirect_uri') as string, { code, state: q.get('state') ?? undefined });
}

/** POST from the consent page: the pending request, its CSRF token in the form and in the cookie. */
async function consentDecision(c: Context, deps: AuthDeps, pending: Map<string, PendingConsent>): Promise<Response> {
  const form = new URLSearchParams(await c.req.text());
  const id = form.get('request') ?? '';
  const request = pending.get(id);
  const cookie = getCookie(c, `sandbox_csrf_${id}`) ?? '';
  const csrf = form.get('csrf') ?? '';
  if (!request || request.expiresAt < deps.tokens.nowSeconds() || !sameSecret(csrf, request.csrf) || !sameSecret(cookie, request.csrf)) {
    return html(c, errorPage('Consent expired or forged', 'Start the launch again from the EHR.'), 403);
  }
  pending.delete(id);
  const redirectUri = request.query.get('redirect_uri') as string;
  if (form.get('decision') !== 'approve') {
    return redirectWith(c, redirectUri, { error: 'access_denied', error_description: 'The user denied access.', state: request.query.get('state') ?? undefined });
  }
  return issueCode(c, deps, request.query, request.context, request.scope);
}

function requestProblem(q: URLSearchParams, deps: AuthDeps, launchId: string | null, launch: LaunchContext | undefined): { error: string; description: string } | undefined {
  if (q.get('response_type') !== 'code') return { error: 'unsupported_response_type', description: 'response_type must be code.' };
  if (!q.get('client_id')) return { error: 'invalid_request', description: 'client_id is required.' };
  if (trimSlash(q.get('aud') ?? '') !== trimSlash(deps.fhirBase())) {
    return { error: 'invalid_request', description: `aud must be the FHIR base ${deps.fhirBase()}.` };
  }
  const challenge = q.get('code_challenge');
  if (challenge && q.get('code_challenge_method') !== 'S256') return { error: 'invalid_request', description: 'code_challenge_method must be S256.' };
  if (!challenge && deps.profile.pkceRequired) return { error: 'invalid_request', description: 'PKCE is required: code_challenge with code_challenge_method=S256.' };
  if (launchId && !launch) return { error: 'invalid_request', description: 'Unknown or expired launch parameter.' };
  return undefined;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

export function oauthError(c: Context, status: 400 | 401 | 403 | 429, error: string, description: string): Response {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json({ error, error_description: description }, status);
}

async function token(c: Context, deps: AuthDeps): Promise<Response> {
  const body = Object.fromEntries(new URLSearchParams(await c.req.text()));
  const grantType = body.grant_type ?? '';
  if (grantType === 'authorization_code') return codeGrant(c, deps, body);
  if (grantType === 'refresh_token') return refreshGrant(c, deps, body);
  const extension = deps.grants.get(grantType);
  if (extension) return extension(c, body, deps.api());
  return oauthError(c, 400, 'unsupported_grant_type', `Supported: authorization_code, refresh_token${[...deps.grants.keys()].map((g) => `, ${g}`).join('')}.`);
}

/** The client as it presents itself: HTTP Basic (confidential) or client_id in the body (public). */
function presentedClient(c: Context, body: Record<string, string>): { clientId: string | undefined; confidential: boolean } {
  const basic = basicCredentials(c);
  if (basic) return { clientId: basic.id, confidential: true };
  return { clientId: body.client_id, confidential: body.client_secret !== undefined };
}

async function codeGrant(c: Context, deps: AuthDeps, body: Record<string, string>): Promise<Response> {
  const code = deps.tokens.takeCode(body.code ?? '');
  if (!code) return oauthError(c, 400, 'invalid_grant', 'Unknown, used or expired authorization code.');
  if (code.context.sim === 'invalid_client') return oauthError(c, 401, 'invalid_client', 'Simulated: client authentication failed.');
  const client = presentedClient(c, body);
  if (!client.clientId) return oauthError(c, 400, 'invalid_request', 'client_id is required (in the body, or HTTP Basic for a confidential client).');
  if (client.clientId !== code.clientId) return oauthError(c, 400, 'invalid_grant', 'The code was issued to another client.');
  if (body.redirect_uri !== code.redirectUri) return oauthError(c, 400, 'invalid_grant', 'redirect_uri does not match.');
  if (code.codeChallenge && (!body.code_verifier || s256(body.code_verifier) !== code.codeChallenge)) {
    return oauthError(c, 400, 'invalid_grant', 'PKCE verification failed.');
  }
  const grant: Omit<AccessGrant, 'expiresAt'> = {
    clientId: code.clientId,
    scope: code.scope,
    context: code.context,
    sub: deps.practitionerId,
    actor: 'user',
    fhirUser: `Practitioner/${deps.practitionerId}`,
  };
  const refresh = refreshLifetime(deps, code.scope, client.confidential);
  const extra: Record<string, unknown> = {};
  if (refresh) extra.refresh_token = deps.tokens.issueRefresh(grant, refresh);
  const scopes = code.scope.split(' ');
  if (scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'))) extra.id_token = await idToken(deps, grant);
  return tokenResponse(c, deps, grant, extra);
}

/** Seconds a refresh token lives, or undefined when none is issued (no *_access scope; Epic: public client). */
function refreshLifetime(deps: AuthDeps, scope: string, confidential: boolean): number | undefined {
  const scopes = scope.split(' ');
  const offline = scopes.includes('offline_access');
  if (!offline && !scopes.includes('online_access')) return undefined;
  const rules = deps.profile.refresh;
  if (!confidential && !rules.publicClients) return undefined;
  return deps.refreshLifetimeSeconds ?? (offline ? rules.offlineLifetimeSeconds : rules.onlineLifetimeSeconds);
}

function refreshGrant(c: Context, deps: AuthDeps, body: Record<string, string>): Response {
  const presented = body.refresh_token ?? '';
  // A public client is not authenticated at refresh (RFC 6749 §6); when it names itself, it must be the owner.
  const found = deps.tokens.findRefresh(presented, presentedClient(c, body).clientId);
  if ('error' in found) return oauthError(c, 400, 'invalid_grant', found.error);
  const rules = deps.profile.refresh;
  const now = deps.tokens.nowSeconds();
  if (rules.minIntervalSeconds > 0 && found.grant.lastUsedAt !== undefined && now - found.grant.lastUsedAt < rules.minIntervalSeconds) {
    c.header('Retry-After', String(rules.minIntervalSeconds - (now - found.grant.lastUsedAt)));
    return oauthError(c, 429, 'slow_down', `Refresh at most once every ${rules.minIntervalSeconds} s.`);
  }
  found.grant.lastUsedAt = now;
  // A refresh may narrow the scope, never widen it.
  const asked = body.scope?.split(/\s+/).filter(Boolean);
  const granted = found.grant.scope.split(' ');
  const scope = asked ? asked.filter((s) => granted.includes(s)).join(' ') : found.grant.scope;
  const { family, expiresAt, lastUsedAt: _, ...grant } = found.grant;
  const extra: Record<string, unknown> = {};
  if (rules.rotate) {
    deps.tokens.retireRefresh(presented);
    extra.refresh_token = deps.tokens.issueRefresh(grant, expiresAt - now, family);
  }
  return tokenResponse(c, deps, { ...grant, scope }, extra);
}

export function tokenResponse(c: Context, deps: Pick<AuthDeps, 'tokens' | 'origin' | 'accessLifetimeSeconds' | 'profile'>, grant: Omit<AccessGrant, 'expiresAt'>, extra: Record<string, unknown> = {}): Response {
  const lifetime = deps.accessLifetimeSeconds ?? deps.profile.accessLifetimeSeconds ?? 3600;
  const issued = deps.tokens.issueAccess(grant, lifetime);
  if (grant.context.sim === 'expired_token') issued.grant.expiresAt = deps.tokens.nowSeconds() - 1;
  const body: Record<string, unknown> = {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: Math.max(0, issued.grant.expiresAt - deps.tokens.nowSeconds()),
    scope: grant.scope,
  };
  if (grant.context.patient) {
    body.patient = grant.context.patient;
    body.need_patient_banner = true;
    if (grant.context.encounter) body.encounter = grant.context.encounter;
  }
  if (grant.actor === 'user') body.smart_style_url = `${deps.origin()}/smart-style.json`;
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json({ ...body, ...extra });
}

function idToken(deps: AuthDeps, grant: Omit<AccessGrant, 'expiresAt'>): Promise<string> {
  const now = deps.tokens.nowSeconds();
  return deps.tokens.signIdToken({
    iss: deps.origin(),
    sub: grant.sub,
    aud: grant.clientId,
    iat: now,
    exp: now + 3600,
    fhirUser: `${deps.fhirBase()}/${grant.fhirUser}`,
    name: 'Dr. Alex Morgan',
  });
}

/** RFC 7662: only a registered resource server (HTTP Basic) may ask; anyone else gets 401. */
async function introspect(c: Context, deps: AuthDeps): Promise<Response> {
  const rs = basicCredentials(c);
  const secret = rs ? deps.resourceServers.get(rs.id) : undefined;
  if (!rs || secret === undefined || !sameSecret(rs.secret, secret)) {
    c.header('WWW-Authenticate', 'Basic realm="sandbox introspection"');
    return oauthError(c, 401, 'invalid_client', 'Introspection is for registered resource servers (HTTP Basic).');
  }
  const body = Object.fromEntries(new URLSearchParams(await c.req.text()));
  const found = deps.tokens.lookupAccess(body.token ?? '');
  c.header('Cache-Control', 'no-store');
  if (!found || found === 'expired') return c.json({ active: false });
  return c.json({
    active: true,
    scope: found.scope,
    client_id: found.clientId,
    sub: found.sub,
    ...(found.fhirUser ? { fhirUser: `${deps.fhirBase()}/${found.fhirUser}` } : {}),
    ...(found.context.patient ? { patient: found.context.patient } : {}),
    ...(found.context.encounter ? { encounter: found.context.encounter } : {}),
    exp: found.expiresAt,
    token_type: 'Bearer',
  });
}

function basicCredentials(c: Context): { id: string; secret: string } | undefined {
  const header = c.req.header('authorization');
  if (!header || !/^Basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString();
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
