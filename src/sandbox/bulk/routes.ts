/**
 * Bulk Data Access v2 routes: kick-off (`Group/<id>/$export`, `Patient/$export`), status polling,
 * manifest, NDJSON downloads (same token as the kick-off) and DELETE to cancel. Status and files
 * live under `/bulk/jobs/<id>`, reachable only by the client (and user) that started the job.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Group } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import { fhirJson, outcome } from '../fhir-http.ts';
import type { AccessGrant, TokenStore } from '../tokens.ts';
import { exportAccess } from './access.ts';
import type { ExportAccess } from './access.ts';
import type { BulkJobStore, ExportJob } from './jobs.ts';
import { exportableTypes, NDJSON, parseKickoff } from './kickoff.ts';

export interface BulkDeps {
  tokens: TokenStore;
  jobs: BulkJobStore;
  /** Reads a stored Group (after bringing `care-team` up to date). */
  group: (id: string) => Promise<Group | undefined>;
  patientIds: () => string[];
  origin: () => string;
  fhirBase: () => string;
}

const RETRY_AFTER_S = 1;

export function registerBulkRoutes(app: Hono, deps: BulkDeps): void {
  app.get('/fhir/Group/:id/$export', (c) => kickoff(c, deps, c.req.param('id')));
  app.get('/fhir/Patient/$export', (c) => kickoff(c, deps, undefined));
  app.post('/fhir/Group/:id/$export', (c) => fhirJson(c, 405, outcome('Use GET for the Bulk export kick-off.', 'not-supported')));
  app.post('/fhir/Patient/$export', (c) => fhirJson(c, 405, outcome('Use GET for the Bulk export kick-off.', 'not-supported')));
  app.get('/bulk/jobs/:job', (c) => withJob(c, deps, (job) => status(c, deps, job)));
  app.delete('/bulk/jobs/:job', (c) => withJob(c, deps, (job) => cancel(c, deps, job)));
  app.get('/bulk/jobs/:job/files/:name', (c) => withJob(c, deps, (job) => download(c, job, c.req.param('name'))));
}

function bearer(c: Context, tokens: TokenStore): AccessGrant | Response {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  const grant = match?.[1] ? tokens.lookupAccess(match[1]) : undefined;
  if (grant && grant !== 'expired') return grant;
  c.header('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token"');
  return fhirJson(c, 401, outcome(grant === 'expired' ? 'The access token has expired.' : 'A valid Bearer access token is required.', 'login'));
}

async function kickoff(c: Context, deps: BulkDeps, groupId: string | undefined): Promise<Response> {
  const grant = bearer(c, deps.tokens);
  if (grant instanceof Response) return grant;
  const parsed = parseKickoff(new URL(c.req.url).searchParams, c.req.header('prefer'));
  if (!parsed.ok) return fhirJson(c, 400, outcome(parsed.message, 'invalid'));
  const access = exportAccess(grant, parsed.request.types, exportableTypes());
  if (!access.ok) return fhirJson(c, 403, outcome(access.message, 'forbidden'));
  const patients = groupId === undefined ? allPatients(deps, access) : await groupPatients(deps, groupId, grant, access);
  if (!Array.isArray(patients)) return fhirJson(c, patients.status, outcome(patients.message, patients.status === 404 ? 'not-found' : 'forbidden'));
  if (!deps.jobs.canStart()) {
    c.header('Retry-After', '10');
    return fhirJson(c, 429, outcome('Too many exports are running; try again later.', 'throttled'));
  }
  const job = deps.jobs.start({
    owner: { clientId: grant.clientId, sub: grant.sub },
    request: c.req.url,
    types: access.types,
    since: parsed.request.since,
    patients,
  });
  c.header('Content-Location', `${deps.origin()}/bulk/jobs/${job.id}`);
  return fhirJson(c, 202, outcome(`Export of ${patients.length} patient(s) accepted.`, 'informational', 'information'));
}

interface Refusal {
  status: 403 | 404;
  message: string;
}

function allPatients(deps: BulkDeps, access: ExportAccess & { ok: true }): string[] | Refusal {
  if (access.kind !== 'system') return { status: 403, message: 'Patient/$export needs a system token; a user token may export a Group it manages.' };
  return deps.patientIds().sort();
}

async function groupPatients(deps: BulkDeps, id: string, grant: AccessGrant, access: ExportAccess & { ok: true }): Promise<string[] | Refusal> {
  const group = await deps.group(id);
  if (!group) return { status: 404, message: `Group/${id} not found.` };
  if (access.kind === 'user' && group.managingEntity?.reference !== `Practitioner/${grant.sub}`) {
    return { status: 403, message: 'A user token may export only a Group the user manages.' };
  }
  const existing = new Set(deps.patientIds());
  const ids = (group.member ?? [])
    .filter((m) => !m.inactive)
    .map((m) => patientIdOf(m.entity?.reference, deps.fhirBase()))
    .filter((p): p is string => p !== undefined && existing.has(p));
  return [...new Set(ids)];
}

/** `Patient/x` or `<our FHIR base>/Patient/x` → "x". */
function patientIdOf(reference: string | undefined, fhirBase: string): string | undefined {
  if (!reference) return undefined;
  const local = reference.startsWith(`${fhirBase}/`) ? reference.slice(fhirBase.length + 1) : reference;
  const match = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(local);
  return match?.[1];
}

/** Finds the job and checks the caller may see it: same client and subject, still allowed to export its types. */
async function withJob(c: Context, deps: BulkDeps, handle: (job: ExportJob) => Response | Promise<Response>): Promise<Response> {
  const grant = bearer(c, deps.tokens);
  if (grant instanceof Response) return grant;
  const job = deps.jobs.get(c.req.param('job') ?? '');
  // Another client's job answers exactly like a missing one: its existence is not disclosed.
  if (!job || job.owner.clientId !== grant.clientId || job.owner.sub !== grant.sub) {
    return fhirJson(c, 404, outcome('No such export job (or it has expired).', 'not-found'));
  }
  const access = exportAccess(grant, job.types, exportableTypes());
  if (!access.ok) return fhirJson(c, 403, outcome(access.message, 'forbidden'));
  return handle(job);
}

function status(c: Context, deps: BulkDeps, job: ExportJob): Response {
  if (job.status === 'in-progress') {
    const total = job.patients.length;
    const pct = total === 0 ? 100 : Math.floor((100 * job.done) / total);
    c.header('X-Progress', `${pct}% (${job.done} of ${total} patients)`);
    c.header('Retry-After', String(RETRY_AFTER_S));
    return c.body(null, 202);
  }
  if (job.status === 'failed') return fhirJson(c, 500, outcome(`The export failed: ${job.failure ?? 'unknown error'}.`, 'exception'));
  const base = `${deps.origin()}/bulk/jobs/${job.id}/files`;
  c.header('Expires', new Date(job.expiresAt ?? Date.now()).toUTCString());
  c.header('Cache-Control', 'no-store');
  return c.json({
    transactionTime: job.transactionTime,
    request: job.request,
    requiresAccessToken: true,
    output: job.outputs.map((f) => ({ type: f.type, url: `${base}/${f.name}`, count: f.count })),
    deleted: [],
    error: [],
  });
}

function cancel(c: Context, deps: BulkDeps, job: ExportJob): Response {
  deps.jobs.cancel(job);
  return fhirJson(c, 202, outcome('The export was cancelled and its files deleted.', 'informational', 'information'));
}

function download(c: Context, job: ExportJob, name: string | undefined): Response {
  const file = job.status === 'complete' ? job.outputs.find((f) => f.name === name) : undefined;
  if (!file) return fhirJson(c, 404, outcome('No such file in this export.', 'not-found'));
  const stream = Readable.toWeb(createReadStream(join(job.dir, file.name))) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: 200, headers: { 'Content-Type': NDJSON, 'Cache-Control': 'no-store' } });
}
