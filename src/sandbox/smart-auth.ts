/**
 * SMART App Launch 2 authorization server: EHR launch, authorize (code + PKCE S256), token
 * (authorization_code and refresh_token grants), introspection (RFC 7662).
 * Auto-approves by default so a script can run the whole flow; `consent` shows a page instead.
 */
import type { Context, Hono } from 'hono';
import { consentPage, errorPage, pickerPage } from './pages.ts';
import type { PatientSummary } from './pages.ts';
import { normaliseRequestedScope } from './scopes.ts';
import { randomToken, s256, TokenStore } from './tokens.ts';
import type { AccessGrant, LaunchContext } from './tokens.ts';

export interface AuthDeps {
  tokens: TokenStore;
  origin: () => string;
  fhirBase: () => string;
  appLaunchUrl: string;
  consent: boolean;
  /** invalid_client | access_denied | expired_token, applied to every authorization. */
  simulate: string | undefined;
  patients: () => PatientSummary[];
  latestEncounter: (patientId: string) => string | undefined;
  practitionerId: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackRedirect(uri: string | undefined): boolean {
  if (!uri) return false;
  try {
    const url = new URL(uri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.has(url.hostname);
  } catch {
    return false;
  }
}

export function registerAuthRoutes(app: Hono, deps: AuthDeps): void {
  app.get('/ehr-launch', (c) => ehrLaunch(c, deps));
  app.get('/auth/authorize', (c) => authorize(c, deps));
  app.post('/auth/token', (c) => token(c, deps));
  app.post('/auth/introspect', (c) => introspect(c, deps));
  app.get('/auth/jwks', (c) => c.json({ keys: [] })); // id_tokens are HS256: nothing public to publish
}

function ehrLaunch(c: Context, deps: AuthDeps): Response {
  const patient = c.req.query('patient');
  if (!patient || !deps.patients().some((p) => p.id === patient)) {
    return c.html(errorPage('Unknown patient', 'Pass ?patient=<id> of a sandbox patient.'), 404);
  }
  const context: LaunchContext = { patient, encounter: c.req.query('encounter') ?? deps.latestEncounter(patient) };
  const sim = c.req.query('sim');
  if (sim) context.sim = sim;
  const launch = deps.tokens.issueLaunch(context);
  const target = new URL(`${deps.appLaunchUrl}/launch/`);
  target.searchParams.set('iss', deps.fhirBase());
  target.searchParams.set('launch', launch);
  return c.redirect(target.toString(), 302);
}

function redirectWith(c: Context, redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return c.redirect(url.toString(), 302);
}

function authorize(c: Context, deps: AuthDeps): Response {
  const q = new URL(c.req.url).searchParams;
  const redirectUri = q.get('redirect_uri') ?? undefined;
  // Never redirect to an unchecked URI: show the error to the user instead.
  if (!isLoopbackRedirect(redirectUri)) {
    return c.html(errorPage('Invalid redirect_uri', 'The sandbox accepts loopback redirect URIs only (http://127.0.0.1:<port>/...).'), 400);
  }
  const state = q.get('state') ?? undefined;
  const fail = (error: string, description: string) => redirectWith(c, redirectUri as string, { error, error_description: description, state });
  const launchId = q.get('launch');
  const launch = launchId ? deps.tokens.launches.get(launchId) : undefined;
  const sim = q.get('sim') ?? launch?.sim ?? deps.simulate;
  const problem = requestProblem(q, deps, launchId, launch);
  if (problem) return fail(problem.error, problem.description);
  if (sim === 'access_denied') return fail('access_denied', 'Simulated: the user denied access.');
  const scope = normaliseRequestedScope(q.get('scope') ?? '');
  const context: LaunchContext = { ...(launch ?? {}) };
  if (sim) context.sim = sim;
  const picked = q.get('picked_patient');
  if (picked && deps.patients().some((p) => p.id === picked)) context.patient = picked;
  if (!context.patient && scope.split(' ').includes('launch/patient')) return c.html(pickerPage(deps.patients(), q));
  if (deps.consent && q.get('consent') !== 'approve') {
    if (q.get('consent') === 'deny') return fail('access_denied', 'The user denied access.');
    return c.html(consentPage(q.get('client_id') ?? '', scope, q));
  }
  const code = deps.tokens.issueCode({
    clientId: q.get('client_id') ?? '',
    redirectUri: redirectUri as string,
    scope,
    codeChallenge: q.get('code_challenge') ?? '',
    context,
  });
  return redirectWith(c, redirectUri as string, { code, state });
}

function requestProblem(
  q: URLSearchParams,
  deps: AuthDeps,
  launchId: string | null,
  launch: LaunchContext | undefined,
): { error: string; description: string } | undefined {
  if (q.get('response_type') !== 'code') return { error: 'unsupported_response_type', description: 'response_type must be code.' };
  if (!q.get('client_id')) return { error: 'invalid_request', description: 'client_id is required.' };
  if (trimSlash(q.get('aud') ?? '') !== trimSlash(deps.fhirBase())) {
    return { error: 'invalid_request', description: `aud must be the FHIR base ${deps.fhirBase()}.` };
  }
  if (!q.get('code_challenge') || q.get('code_challenge_method') !== 'S256') {
    return { error: 'invalid_request', description: 'PKCE is required: code_challenge with code_challenge_method=S256.' };
  }
  if (launchId && !launch) return { error: 'invalid_request', description: 'Unknown launch parameter.' };
  return undefined;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

function oauthError(c: Context, status: 400 | 401, error: string, description: string): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, error_description: description }, status);
}

async function form(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

async function token(c: Context, deps: AuthDeps): Promise<Response> {
  const body = await form(c);
  if (body.grant_type === 'authorization_code') return codeGrant(c, deps, body);
  if (body.grant_type === 'refresh_token') return refreshGrant(c, deps, body);
  return oauthError(c, 400, 'unsupported_grant_type', 'Use authorization_code or refresh_token.');
}

function codeGrant(c: Context, deps: AuthDeps, body: Record<string, string>): Response {
  const code = deps.tokens.takeCode(body.code ?? '');
  if (!code) return oauthError(c, 400, 'invalid_grant', 'Unknown, used or expired authorization code.');
  if (code.context.sim === 'invalid_client') return oauthError(c, 401, 'invalid_client', 'Simulated: client authentication failed.');
  if (body.redirect_uri !== code.redirectUri) return oauthError(c, 400, 'invalid_grant', 'redirect_uri does not match.');
  if (!body.code_verifier || s256(body.code_verifier) !== code.codeChallenge) {
    return oauthError(c, 400, 'invalid_grant', 'PKCE verification failed.');
  }
  const clientId = body.client_id ?? basicClientId(c) ?? code.clientId;
  return tokenResponse(c, deps, { clientId, scope: code.scope, context: code.context, sub: deps.practitionerId }, true);
}

function refreshGrant(c: Context, deps: AuthDeps, body: Record<string, string>): Response {
  const grant = deps.tokens.refresh.get(body.refresh_token ?? '');
  if (!grant) return oauthError(c, 400, 'invalid_grant', 'Unknown refresh token.');
  // A refresh may narrow the scope, never widen it.
  const asked = body.scope?.split(/\s+/).filter(Boolean);
  const granted = grant.scope.split(' ');
  const scope = asked ? asked.filter((s) => granted.includes(s)).join(' ') : grant.scope;
  return tokenResponse(c, deps, { ...grant, scope }, false, body.refresh_token);
}

function basicClientId(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (!header?.startsWith('Basic ')) return undefined;
  return Buffer.from(header.slice(6), 'base64').toString().split(':')[0];
}

function tokenResponse(
  c: Context,
  deps: AuthDeps,
  grant: Omit<AccessGrant, 'expiresAt'>,
  withIdToken: boolean,
  existingRefresh?: string,
): Response {
  const issued = deps.tokens.issueAccess(grant);
  if (grant.context.sim === 'expired_token') issued.grant.expiresAt = deps.tokens.nowSeconds() - 1;
  const scopes = grant.scope.split(' ');
  const body: Record<string, unknown> = {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: Math.max(0, issued.grant.expiresAt - deps.tokens.nowSeconds()),
    scope: grant.scope,
    need_patient_banner: true,
    smart_style_url: `${deps.origin()}/smart-style.json`,
  };
  if (grant.context.patient) body.patient = grant.context.patient;
  if (grant.context.encounter && scopes.includes('launch/encounter')) body.encounter = grant.context.encounter;
  else if (grant.context.encounter && scopes.includes('launch')) body.encounter = grant.context.encounter;
  if (withIdToken && scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'))) {
    body.id_token = idToken(deps, grant);
  }
  if (scopes.includes('offline_access') || scopes.includes('online_access')) {
    const refresh = existingRefresh ?? randomRefresh(deps, grant);
    body.refresh_token = refresh;
  }
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json(body);
}

function randomRefresh(deps: AuthDeps, grant: Omit<AccessGrant, 'expiresAt'>): string {
  const id = `r.${randomToken(32)}`;
  deps.tokens.refresh.set(id, grant);
  return id;
}

function idToken(deps: AuthDeps, grant: Omit<AccessGrant, 'expiresAt'>): string {
  const now = deps.tokens.nowSeconds();
  return deps.tokens.signJwt({
    iss: deps.origin(),
    sub: grant.sub,
    aud: grant.clientId,
    iat: now,
    exp: now + deps.tokens.lifetimeSeconds,
    fhirUser: `${deps.fhirBase()}/Practitioner/${grant.sub}`,
    name: 'Dr. Alex Morgan',
  });
}

async function introspect(c: Context, deps: AuthDeps): Promise<Response> {
  const body = await form(c);
  const found = deps.tokens.lookupAccess(body.token ?? '');
  c.header('Cache-Control', 'no-store');
  if (!found || found === 'expired') return c.json({ active: false });
  return c.json({
    active: true,
    scope: found.scope,
    client_id: found.clientId,
    sub: found.sub,
    fhirUser: `${deps.fhirBase()}/Practitioner/${found.sub}`,
    patient: found.context.patient,
    encounter: found.context.encounter,
    exp: found.expiresAt,
    iat: found.expiresAt - deps.tokens.lifetimeSeconds,
    token_type: 'Bearer',
  });
}
