/**
 * HTTP adapter between Hono and the FHIR interactions (fhir-engine.ts, fhir-bundle.ts): bearer-token
 * check, request body and headers in, Location/ETag/Last-Modified and OperationOutcome errors out,
 * plus the unauthenticated discovery documents (`/metadata`, SMART configuration).
 */
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import { capabilityStatement, smartConfiguration } from './capability.ts';
import type { SmartConfiguration } from './capability.ts';
import { processBundle } from './fhir-bundle.ts';
import type { FhirCall, FhirEngine, FhirMethod, FhirReply } from './fhir-engine.ts';
import { badRequest, FhirError, outcome } from './fhir-errors.ts';
import type { SandboxRepository } from './fhir-store.ts';
import type { VendorProfile } from './profiles/index.ts';
import type { AccessGrant, TokenStore } from './tokens.ts';

export interface FhirHttpDeps {
  engine: FhirEngine;
  repo: SandboxRepository;
  tokens: TokenStore;
  profile: VendorProfile;
  origin: () => string;
  fhirBase: () => string;
  /** Extensions' additions to the discovery documents. */
  decorateSmart: (conf: SmartConfiguration) => void;
  decorateCapability: (cs: CapabilityStatement) => void;
  log: (line: string) => void;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function registerFhirRoutes(app: Hono, deps: FhirHttpDeps): void {
  const smart = (c: Context) => {
    const conf = smartConfiguration(deps.origin(), deps.profile);
    deps.decorateSmart(conf);
    return c.json(conf);
  };
  app.get('/fhir/.well-known/smart-configuration', smart);
  app.get('/.well-known/smart-configuration', smart);
  app.get('/fhir/metadata', (c) => {
    const cs = capabilityStatement(deps.origin(), deps.fhirBase(), deps.profile);
    deps.decorateCapability(cs);
    return fhirJson(c, 200, cs);
  });
  app.all('/fhir/*', async (c) => {
    try {
      return await handleFhir(c, deps);
    } catch (err) {
      return fhirError(c, err, deps.log);
    }
  });
}

/** The grant of the request's bearer token, or a 401 FhirError (WWW-Authenticate set). */
export function authenticate(c: Context, tokens: TokenStore): AccessGrant {
  const fail = (message: string, code: string) => {
    c.header('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token"');
    return new FhirError(401, message, code);
  };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (!match?.[1]) throw fail('A Bearer access token is required.', 'login');
  const grant = tokens.lookupAccess(match[1]);
  if (grant === 'expired') throw fail('The access token has expired.', 'expired');
  if (!grant) throw fail('Unknown access token.', 'login');
  return grant;
}

async function handleFhir(c: Context, deps: FhirHttpDeps): Promise<Response> {
  const grant = authenticate(c, deps.tokens);
  const method = c.req.method.toUpperCase();
  if (!METHODS.has(method)) throw new FhirError(405, `${method} is not a FHIR interaction.`, 'not-supported');
  const url = new URL(c.req.url);
  const path = url.pathname.slice('/fhir'.length).split('/').filter(Boolean).map(decodeURIComponent);
  const strict = /handling\s*=\s*strict/i.test(c.req.header('prefer') ?? '');
  if (path.length === 0) {
    if (method !== 'POST') throw badRequest('Only batch and transaction Bundles are accepted at the base.', 'not-supported');
    return reply(c, await processBundle(await readJson(c), grant, deps.engine, deps.repo, strict), method);
  }
  let query = url.searchParams;
  let body: unknown;
  if (path[1] === '_search' && method === 'POST') query = new URLSearchParams(await c.req.text());
  else if (method === 'POST' || method === 'PUT' || method === 'PATCH') body = await readJson(c);
  const call: FhirCall = {
    method: method as FhirMethod,
    path,
    query,
    ...(body !== undefined ? { body } : {}),
    ...(c.req.header('if-none-exist') !== undefined ? { ifNoneExist: c.req.header('if-none-exist') as string } : {}),
    ...(c.req.header('if-match') !== undefined ? { ifMatch: c.req.header('if-match') as string } : {}),
    strict,
  };
  return reply(c, await deps.engine.handle(call, grant), method);
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The body is not valid JSON.', 'structure');
  }
}

function reply(c: Context, r: FhirReply, method: string): Response {
  const headers: Record<string, string> = {};
  if (r.location) headers.Location = r.location;
  if (r.etag) headers.ETag = r.etag;
  if (r.lastModified) headers['Last-Modified'] = r.lastModified;
  if (r.status === 204 || !r.resource) return new Response(null, { status: r.status === 200 ? 204 : r.status, headers: { ...corsHeadersOf(c), ...headers } });
  return fhirJson(c, r.status, method === 'HEAD' ? {} : r.resource, headers);
}

export function fhirJson(c: Context, status: number, body: Resource | Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': FHIR_JSON, ...corsHeadersOf(c), ...headers } });
}

/** Answers an error: a FhirError as itself, anything else as a 500 without internals (logged). */
export function fhirError(c: Context, err: unknown, log: (line: string) => void = () => undefined): Response {
  if (err instanceof FhirError) {
    const headers: Record<string, string> = {};
    const www = c.res.headers.get('WWW-Authenticate');
    if (www) headers['WWW-Authenticate'] = www;
    return fhirJson(c, err.status, err.outcome(), headers);
  }
  log(`internal error: ${err instanceof Error ? err.stack?.split('\n').slice(0, 3).join(' | ') : String(err)}`);
  return fhirJson(c, 500, outcome('Internal server error.', 'exception'));
}

/** Hono's middleware sets headers on c.res; a fresh Response must carry them itself. */
function corsHeadersOf(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  c.res.headers.forEach((v, k) => {
    if (k.startsWith('access-control-') || k === 'vary') out[k] = v;
  });
  return out;
}
