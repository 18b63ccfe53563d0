/**
 * Bulk Data Access v2 routes: kick-off (`Group/<id>/$export`, `Patient/$export`), status polling,
 * manifest, NDJSON downloads (a token of the same client and subject) and DELETE to cancel.
 * Status and files live under `/fhir/bulk-status/<job>` and `/fhir/bulk-files/<job>/<file>`, so they
 * get the sandbox's CORS and latency like every FHIR route.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Group } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import type { SandboxApi } from '../extensions.ts';
import { badRequest, FhirError, forbidden, notFound, outcome } from '../fhir-errors.ts';
import type { AccessGrant } from '../tokens.ts';
import { exportAccess } from './access.ts';
import type { ExportAccess } from './access.ts';
import type { BulkJobStore, ExportJob } from './jobs.ts';
import { exportableTypes, NDJSON, parseKickoff } from './kickoff.ts';

export interface BulkDeps {
  api: SandboxApi;
  jobs: BulkJobStore;
  /** Reads a stored Group (after bringing `care-team` up to date). */
  group: (id: string) => Group | undefined;
}

const RETRY_AFTER_S = 1;
const STATUS_PATH = '/fhir/bulk-status';
const FILES_PATH = '/fhir/bulk-files';

export function registerBulkRoutes(app: Hono, deps: BulkDeps): void {
  const handle = (fn: (c: Context) => Response | Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (err) {
      return deps.api.fhirError(c, err);
    }
  };
  const postRefused = handle(() => {
    throw new FhirError(405, 'Use GET for the Bulk export kick-off.', 'not-supported');
  });
  app.get('/fhir/Group/:id/$export', handle((c) => kickoff(c, deps, c.req.param('id'))));
  app.get('/fhir/Patient/$export', handle((c) => kickoff(c, deps, undefined)));
  app.post('/fhir/Group/:id/$export', postRefused);
  app.post('/fhir/Patient/$export', postRefused);
  app.get(`${STATUS_PATH}/:job`, handle((c) => status(c, deps, ownJob(c, deps))));
  app.delete(`${STATUS_PATH}/:job`, handle((c) => cancel(c, deps, ownJob(c, deps))));
  app.get(`${FILES_PATH}/:job/:name`, handle((c) => download(c, ownJob(c, deps), c.req.param('name'))));
}

function kickoff(c: Context, deps: BulkDeps, groupId: string | undefined): Response {
  const { api } = deps;
  const grant = api.authenticate(c);
  const exportable = exportableTypes(api.profile.types);
  const parsed = parseKickoff(new URL(c.req.url).searchParams, c.req.header('prefer'), exportable);
  if (!parsed.ok) throw badRequest(parsed.message);
  const access = exportAccess(api, grant, parsed.request.types, exportable);
  const patients = groupId === undefined ? allPatients(api, access) : groupPatients(deps, groupId, grant);
  if (!deps.jobs.canStart()) {
    return api.fhirJson(c, 429, outcome('Too many exports are running; try again later.', 'throttled'), { 'Retry-After': '10' });
  }
  const job = deps.jobs.start({
    owner: { clientId: grant.clientId, sub: grant.sub },
    request: c.req.url,
    types: access.types,
    allows: access.allows,
    since: parsed.request.since,
    patients,
  });
  const info = outcome(`Export of ${patients.length} patient(s) accepted.`, 'informational', 'information');
  return api.fhirJson(c, 202, info, { 'Content-Location': `${api.origin()}${STATUS_PATH}/${job.id}` });
}

function allPatients(api: SandboxApi, access: ExportAccess): string[] {
  if (access.kind !== 'system') throw forbidden('Patient/$export needs a system token; a user token may export a Group it manages.');
  return api.repo
    .allOfType('Patient')
    .map((p) => p.id)
    .sort();
}

function groupPatients(deps: BulkDeps, id: string, grant: AccessGrant): string[] {
  const group = deps.group(id);
  if (!group) throw notFound(`Group/${id} is not known.`);
  if (grant.actor === 'user' && group.managingEntity?.reference !== grant.fhirUser) {
    throw forbidden('A user token may export only a Group the user manages.');
  }
  const fhirBase = deps.api.fhirBase();
  const ids = (group.member ?? [])
    .filter((m) => !m.inactive)
    .map((m) => patientIdOf(m.entity?.reference, fhirBase))
    .filter((p): p is string => p !== undefined && deps.api.repo.read('Patient', p) !== undefined);
  return [...new Set(ids)];
}

/** `Patient/x` or `<our FHIR base>/Patient/x` → "x". */
function patientIdOf(reference: string | undefined, fhirBase: string): string | undefined {
  if (!reference) return undefined;
  const local = reference.startsWith(`${fhirBase}/`) ? reference.slice(fhirBase.length + 1) : reference;
  return /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(local)?.[1];
}

/** The job, if the caller may see it: same client and subject, and still allowed to export its types. */
function ownJob(c: Context, deps: BulkDeps): ExportJob {
  const grant = deps.api.authenticate(c);
  const job = deps.jobs.get(c.req.param('job') ?? '');
  // Another client's job answers exactly like a missing one: its existence is not disclosed.
  if (!job || job.owner.clientId !== grant.clientId || job.owner.sub !== grant.sub) throw notFound('No such export job (or it has expired).');
  exportAccess(deps.api, grant, job.types, job.types);
  return job;
}

function status(c: Context, deps: BulkDeps, job: ExportJob): Response {
  if (job.status === 'in-progress') {
    const total = job.patients.length;
    const pct = total === 0 ? 100 : Math.floor((100 * job.done) / total);
    c.header('X-Progress', `${pct}% (${job.done} of ${total} patients)`);
    c.header('Retry-After', String(RETRY_AFTER_S));
    return c.body(null, 202);
  }
  if (job.status === 'failed') throw new FhirError(500, `The export failed: ${job.failure ?? 'unknown error'}.`, 'exception');
  const files = `${deps.api.origin()}${FILES_PATH}/${job.id}`;
  const manifest = {
    transactionTime: job.transactionTime,
    request: job.request,
    requiresAccessToken: true,
    output: job.outputs.map((f) => ({ type: f.type, url: `${files}/${f.name}`, count: f.count })),
    deleted: [],
    error: [],
  };
  c.header('Expires', new Date(job.expiresAt ?? Date.now()).toUTCString());
  c.header('Cache-Control', 'no-store');
  return c.json(manifest);
}

function cancel(c: Context, deps: BulkDeps, job: ExportJob): Response {
  deps.jobs.cancel(job);
  return deps.api.fhirJson(c, 202, outcome('The export was cancelled or released; its files are deleted.', 'informational', 'information'));
}

function download(c: Context, job: ExportJob, name: string | undefined): Response {
  const file = job.status === 'complete' ? job.outputs.find((f) => f.name === name) : undefined;
  if (!file) throw notFound('No such file in this export.');
  const stream = Readable.toWeb(createReadStream(join(job.dir, file.name))) as ReadableStream<Uint8Array>;
  c.header('Content-Type', NDJSON);
  c.header('Cache-Control', 'no-store');
  return c.body(stream, 200);
}
