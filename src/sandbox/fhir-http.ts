/**
 * HTTP adapter between Hono and medplum's FhirRouter: bearer-token check, scope enforcement,
 * query rewrites medplum needs, paging links, Location/ETag headers, OperationOutcome errors.
 */
import { getSearchParameters, getStatus, normalizeOperationOutcome, validateResource } from '@medplum/core';
import type { FhirRequest, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import { capabilityStatement, smartConfiguration } from './capability.ts';
import { checkAccess, permissionFor, resourceAllowed, restrictSearch } from './fhir-auth.ts';
import type { SandboxRepository } from './fhir-store.ts';
import type { AccessGrant, TokenStore } from './tokens.ts';

export interface FhirDeps {
  repo: SandboxRepository;
  router: FhirRouter;
  tokens: TokenStore;
  origin: () => string;
  fhirBase: () => string;
}

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'processing',
  ) {
    super(message);
  }
}

export function registerFhirRoutes(app: Hono, deps: FhirDeps): void {
  const smart = (c: Context) => c.json(smartConfiguration(deps.origin()));
  app.get('/fhir/.well-known/smart-configuration', smart);
  app.get('/.well-known/smart-configuration', smart);
  app.get('/fhir/metadata', (c) => fhirJson(c, 200, capabilityStatement(deps.origin(), deps.fhirBase())));
  app.all('/fhir/*', async (c) => {
    try {
      return await handleFhir(c, deps);
    } catch (err) {
      if (err instanceof HttpError) return fhirJson(c, err.status, outcome(err.message, err.code));
      const oo = normalizeOperationOutcome(err);
      return fhirJson(c, getStatus(oo) || 500, oo);
    }
  });
}

export function fhirJson(c: Context, status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': FHIR_JSON, ...corsHeadersOf(c) } });
}

/** Hono's cors middleware sets headers on c.res; a fresh Response must carry them itself. */
function corsHeadersOf(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  c.res.headers.forEach((v, k) => {
    if (k.startsWith('access-control-') || k === 'vary') out[k] = v;
  });
  return out;
}

export function outcome(message: string, code = 'processing', severity: 'error' | 'information' = 'error'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics: message, details: { text: message } }] } as OperationOutcome;
}

function authenticate(c: Context, tokens: TokenStore): AccessGrant {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) throw new HttpError(401, 'A Bearer access token is required.', 'login');
  const grant = tokens.lookupAccess(match[1].trim());
  if (grant === 'expired') throw new HttpError(401, 'The access token has expired.', 'expired');
  if (!grant) throw new HttpError(401, 'Unknown access token.', 'login');
  return grant;
}

async function handleFhir(c: Context, deps: FhirDeps): Promise<Response> {
  let grant: AccessGrant;
  try {
    grant = authenticate(c, deps.tokens);
  } catch (err) {
    c.header('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token"');
    throw err;
  }
  const url = new URL(c.req.url);
  const path = url.pathname.slice('/fhir'.length).replace(/^\/+|\/+$/g, '');
  const segments = path === '' ? [] : path.split('/');
  const method = c.req.method.toUpperCase() as HttpMethod;
  const body = await readBody(c, method);
  if (segments.length === 0) {
    if (method !== 'POST') throw new HttpError(400, 'Only batch/transaction Bundles are accepted at the base.', 'not-supported');
    return handleBundle(c, deps, grant, body);
  }
  const resourceType = segments[0] as string;
  const permission = permissionFor(method, segments);
  const access = checkAccess(grant, resourceType, permission);
  if (!access.ok) throw new HttpError(403, access.message, 'forbidden');
  let params = url.searchParams;
  if (permission === 's') {
    if (method === 'POST') params = new URLSearchParams(await formOrEmpty(c));
    params = searchParams(resourceType, params, access.patient);
  } else if (permission === 'c' || permission === 'u') {
    checkWritable(body, resourceType, access.patient);
  }
  const routePath = permission === 's' ? `${resourceType}?${params.toString()}` : path;
  const request: FhirRequest = {
    method: permission === 's' ? 'GET' : method,
    url: `/${routePath}`,
    pathname: '',
    body,
    params: {},
    query: {},
    headers: lowerHeaders(c),
  };
  const [oo, resource] = await deps.router.handleRequest(request, deps.repo);
  const status = getStatus(oo);
  if (status >= 400) return fhirJson(c, status, oo);
  if (permission === 'r' && !resourceAllowed(resource, access.patient)) {
    throw new HttpError(403, 'A patient-scoped token cannot read another patient.', 'forbidden');
  }
  if (permission === 's' && resource?.resourceType === 'Bundle') {
    decorateSearch(resource as Bundle, resourceType, params, deps.fhirBase());
  }
  return respondWithResource(c, status, resource ?? oo, deps.fhirBase());
}

async function readBody(c: Context, method: string): Promise<Resource | undefined> {
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return undefined;
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return undefined;
  const text = await c.req.text();
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as Resource;
  } catch {
    throw new HttpError(400, 'The body is not valid JSON.', 'structure');
  }
}

async function formOrEmpty(c: Context): Promise<Record<string, string>> {
  if (!(c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded')) return {};
  const form = await c.req.parseBody();
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function lowerHeaders(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}

/**
 * Rewrites medplum needs: bare `patient=<id>` → `Patient/<id>`; default and capped `_count`;
 * patient-held tokens restricted to their patient.
 */
export function searchParams(resourceType: string, input: URLSearchParams, patient: string | undefined): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of input) {
    const bare = (key === 'patient' || key === 'subject:Patient') && !value.includes('/');
    const refs = bare ? value.split(',').map((v) => `Patient/${v}`).join(',') : value;
    params.append(key === 'subject:Patient' ? 'subject' : key, refs);
  }
  const count = Number(params.get('_count') ?? DEFAULT_COUNT);
  params.set('_count', String(Number.isFinite(count) ? Math.min(Math.max(0, Math.trunc(count)), MAX_COUNT) : DEFAULT_COUNT));
  const patientBound = resourceType === 'Patient' || getSearchParameters(resourceType)?.['patient'] !== undefined;
  if (patient && patientBound) {
    const problem = restrictSearch(resourceType, params, patient);
    if (problem) throw new HttpError(403, problem, 'forbidden');
  }
  return params;
}

/** Rejects invalid resources and, for patient-held tokens, resources of another patient. */
function checkWritable(body: Resource | undefined, resourceType: string, patient: string | undefined): void {
  if (!body || body.resourceType !== resourceType) {
    throw new HttpError(400, `The body must be a ${resourceType} resource.`, 'invalid');
  }
  validateOrThrow(body);
  if (!resourceAllowed(body, patient)) throw new HttpError(403, 'A patient-scoped token cannot write for another patient.', 'forbidden');
}

function validateOrThrow(resource: Resource): void {
  let issues: ReturnType<typeof validateResource>;
  try {
    issues = validateResource(resource);
  } catch (err) {
    throw new HttpError(400, normalizeOperationOutcome(err).issue?.map((i) => i.details?.text ?? i.diagnostics).join('; ') ?? 'Invalid resource', 'invalid');
  }
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) {
    throw new HttpError(400, errors.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? ''}`).join('; '), 'invalid');
  }
}

/** Adds fullUrl to entries and the self/next/previous links medplum's search leaves out. */
function decorateSearch(bundle: Bundle, resourceType: string, params: URLSearchParams, fhirBase: string): void {
  for (const entry of bundle.entry ?? []) {
    if (entry.resource?.id) entry.fullUrl = `${fhirBase}/${entry.resource.resourceType}/${entry.resource.id}`;
  }
  const count = Number(params.get('_count'));
  const offset = Number(params.get('_offset') ?? 0) || 0;
  const at = (o: number) => {
    const p = new URLSearchParams(params);
    p.set('_offset', String(o));
    return `${fhirBase}/${resourceType}?${p.toString()}`;
  };
  const links: NonNullable<Bundle['link']> = [{ relation: 'self', url: at(offset) }];
  if (count > 0 && bundle.total !== undefined && offset + count < bundle.total) links.push({ relation: 'next', url: at(offset + count) });
  if (count > 0 && offset > 0) links.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  bundle.link = links;
}

function respondWithResource(c: Context, status: number, resource: Resource, fhirBase: string): Response {
  const headers: Record<string, string> = { 'Content-Type': FHIR_JSON, ...corsHeadersOf(c) };
  const version = resource.meta?.versionId;
  if (resource.id && resource.resourceType !== 'Bundle' && resource.resourceType !== 'OperationOutcome') {
    if (version) headers.ETag = `W/"${version}"`;
    if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
    if (status === 201) {
      headers.Location = `${fhirBase}/${resource.resourceType}/${resource.id}${version ? `/_history/${version}` : ''}`;
    }
  }
  return new Response(JSON.stringify(resource), { status, headers });
}

/** Batch/transaction: every entry is checked against the scopes before medplum processes it. */
async function handleBundle(c: Context, deps: FhirDeps, grant: AccessGrant, body: Resource | undefined): Promise<Response> {
  if (body?.resourceType !== 'Bundle' || (body.type !== 'batch' && body.type !== 'transaction')) {
    throw new HttpError(400, 'POST to the base must be a batch or transaction Bundle.', 'invalid');
  }
  const patients = new Map<number, string | undefined>();
  (body.entry ?? []).forEach((entry, i) => {
    patients.set(i, checkEntry(entry, grant));
  });
  const request: FhirRequest = { method: 'POST', url: '/', pathname: '', body, params: {}, query: {}, headers: lowerHeaders(c) };
  const [oo, result] = await deps.router.handleRequest(request, deps.repo);
  const status = getStatus(oo);
  if (status >= 400 || result?.resourceType !== 'Bundle') return fhirJson(c, status, oo);
  (result as Bundle).entry?.forEach((entry, i) => {
    if (!resourceAllowed(entry.resource, patients.get(i))) {
      entry.resource = outcome('A patient-scoped token cannot read another patient.', 'forbidden');
      entry.response = { status: '403 Forbidden' };
    }
  });
  return fhirJson(c, 200, result);
}

/** Checks one entry's scope; narrows its search URL; returns the patient it is held to. */
function checkEntry(entry: BundleEntry, grant: AccessGrant): string | undefined {
  const method = (entry.request?.method ?? 'GET').toUpperCase();
  const [path = '', query] = (entry.request?.url ?? '').replace(/^\/+/, '').split('?', 2);
  const segments = path.split('/').filter(Boolean);
  const resourceType = segments[0];
  if (!resourceType) throw new HttpError(400, 'Every Bundle entry needs request.url.', 'invalid');
  const permission = method === 'POST' ? 'c' : permissionFor(method, query !== undefined && method === 'GET' ? [resourceType] : segments);
  const access = checkAccess(grant, resourceType, permission);
  if (!access.ok) throw new HttpError(403, access.message, 'forbidden');
  if (permission === 's' && entry.request) {
    entry.request.url = `${resourceType}?${searchParams(resourceType, new URLSearchParams(query ?? ''), access.patient).toString()}`;
  }
  if ((permission === 'c' || permission === 'u') && entry.resource) {
    validateOrThrow(entry.resource);
    if (!resourceAllowed(entry.resource, access.patient)) throw new HttpError(403, 'A patient-scoped token cannot write for another patient.', 'forbidden');
  }
  return access.patient;
}

