/**
 * Batch and transaction Bundles, entry by entry through the same interactions as single requests
 * (fhir-engine.ts), so every entry gets the same access checks. A batch answers each entry on its own.
 * A transaction resolves its references first — `urn:uuid` full URLs to server ids, `ifNoneExist`
 * and conditional references (`Patient?identifier=…`) among what the token may see only — then runs
 * DELETE, POST, PUT, GET (FHIR's order) and commits all or nothing: the first refused entry rolls
 * every write back and is the answer.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { FhirCall, FhirEngine, FhirMethod, FhirReply } from './fhir-engine.ts';
import { badRequest, FhirError, statusLine } from './fhir-errors.ts';
import type { SandboxRepository } from './fhir-store.ts';
import type { AccessGrant } from './tokens.ts';

const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };
const MAX_ENTRIES = 1000;

export async function processBundle(body: unknown, grant: AccessGrant, engine: FhirEngine, repo: SandboxRepository, strict: boolean): Promise<FhirReply> {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) {
    throw badRequest('POST to the base must be a batch or transaction Bundle.');
  }
  if (!(bundle.type === 'batch' ? engine.profile.batch : engine.profile.transaction)) {
    throw new FhirError(400, `${bundle.type === 'batch' ? 'Batch' : 'Transaction'} Bundles are not supported by this server.`, 'not-supported');
  }
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries) || entries.length > MAX_ENTRIES) throw badRequest(`A Bundle holds at most ${MAX_ENTRIES} entries.`);
  if (bundle.type === 'batch') return { status: 200, resource: await batch(entries, grant, engine, strict) };
  return { status: 200, resource: await engine.serialised(() => transaction(entries, grant, engine, repo, strict)) };
}

async function batch(entries: BundleEntry[], grant: AccessGrant, engine: FhirEngine, strict: boolean): Promise<Bundle> {
  const out: BundleEntry[] = [];
  for (const entry of entries) {
    try {
      out.push(responseEntry(await engine.handle(callOf(entry, strict), grant)));
    } catch (err) {
      out.push(errorEntry(err));
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: out } as Bundle;
}

async function transaction(entries: BundleEntry[], grant: AccessGrant, engine: FhirEngine, repo: SandboxRepository, strict: boolean): Promise<Bundle> {
  const calls = entries.map((e) => callOf(e, strict));
  const ids = new Map<string, string>(); // fullUrl → Type/id
  const answered = new Map<number, FhirReply>(); // conditional creates that matched
  for (const [i, entry] of entries.entries()) {
    const call = calls[i] as FhirCall;
    if (call.method !== 'POST' || call.path.length !== 1) continue;
    const type = call.path[0] as string;
    if (call.ifNoneExist !== undefined) {
      const rules = engine.profile.rules(type);
      if (!rules || !engine.profile.conditionalCreate) throw new FhirError(400, 'Conditional create is not supported by this server.', 'not-supported');
      const { first, total } = await engine.matchWithin(type, rules, call.ifNoneExist, grant, strict);
      if (total > 1) throw new FhirError(412, `Entry ${i}: ifNoneExist matched ${total} resources.`, 'duplicate');
      if (first) {
        if (entry.fullUrl) ids.set(entry.fullUrl, `${type}/${first.id}`);
        answered.set(i, { status: 200, resource: first, etag: `W/"${first.meta.versionId}"` });
        continue;
      }
    }
    call.assignedId = randomUUID();
    if (entry.fullUrl) ids.set(entry.fullUrl, `${type}/${call.assignedId}`);
  }
  for (const call of calls) if (call.body) call.body = await resolveReferences(call.body as Resource, ids, engine, grant, strict);
  const replies = new Map<number, FhirReply>(answered);
  const order = calls.map((_, i) => i).sort((a, b) => (ORDER[calls[a]?.method ?? 'GET'] ?? 3) - (ORDER[calls[b]?.method ?? 'GET'] ?? 3));
  repo.begin();
  try {
    for (const i of order) {
      if (replies.has(i)) continue;
      try {
        replies.set(i, await engine.handle({ ...(calls[i] as FhirCall), ifNoneExist: undefined, inTransaction: true }, grant));
      } catch (err) {
        if (err instanceof FhirError) throw new FhirError(err.status, `Entry ${i} (${calls[i]?.method} ${calls[i]?.path.join('/')}): ${err.message}`, err.code, err.vendorCode);
        throw err;
      }
    }
    repo.commit();
  } catch (err) {
    repo.rollback();
    throw err;
  }
  return { resourceType: 'Bundle', type: 'transaction-response', entry: entries.map((_, i) => responseEntry(replies.get(i) as FhirReply)) } as Bundle;
}

function callOf(entry: BundleEntry, strict: boolean): FhirCall {
  const request = entry?.request;
  if (!request?.url || !request.method) throw badRequest('Every Bundle entry needs request.method and request.url.');
  const method = request.method.toUpperCase() as FhirMethod;
  const url = new URL(request.url.replace(/^\/+/, ''), 'http://bundle.invalid/');
  if (/^https?:/i.test(request.url)) throw badRequest('Bundle entry URLs are relative to the FHIR base.');
  const path = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (path.length === 0) throw badRequest('A Bundle entry cannot address the base itself.');
  return {
    method,
    path,
    query: url.searchParams,
    ...(entry.resource ? { body: structuredClone(entry.resource) } : {}),
    ...(request.ifNoneExist !== undefined ? { ifNoneExist: request.ifNoneExist } : {}),
    ...(request.ifMatch !== undefined ? { ifMatch: request.ifMatch } : {}),
    strict,
  };
}

/** urn:uuid full URLs → assigned ids; `Type?query` → the single match the token may see. */
async function resolveReferences(resource: Resource, ids: Map<string, string>, engine: FhirEngine, grant: AccessGrant, strict: boolean): Promise<Resource> {
  const conditional = new Map<string, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string' && /^[A-Z][A-Za-z]+\?/.test(v)) conditional.set(v, '');
        else walk(v);
      }
    }
  };
  walk(resource);
  for (const ref of conditional.keys()) {
    const [type, query] = ref.split('?', 2) as [string, string];
    const rules = engine.profile.rules(type);
    if (!rules) throw FhirError.of(engine.profile.refuse('unsupported-type', `Conditional reference to unsupported type ${type}.`));
    const { first, total } = await engine.matchWithin(type, rules, query, grant, strict);
    if (total !== 1 || !first) throw new FhirError(412, `Conditional reference ${ref} matched ${total} resources the token may see.`, 'not-found');
    conditional.set(ref, `${type}/${first.id}`);
  }
  return JSON.parse(
    JSON.stringify(resource, (key, value: unknown) => {
      if (key !== 'reference' || typeof value !== 'string') return value;
      return ids.get(value) ?? conditional.get(value) ?? value;
    }),
  ) as Resource;
}

function responseEntry(reply: FhirReply): BundleEntry {
  return {
    ...(reply.resource ? { resource: reply.resource } : {}),
    response: {
      status: statusLine(reply.status),
      ...(reply.location ? { location: reply.location } : {}),
      ...(reply.etag ? { etag: reply.etag } : {}),
      ...(reply.lastModified ? { lastModified: reply.lastModified } : {}),
    },
  };
}

function errorEntry(err: unknown): BundleEntry {
  const e = err instanceof FhirError ? err : new FhirError(500, 'Internal error.', 'exception');
  return { resource: e.outcome(), response: { status: statusLine(e.status), outcome: e.outcome() } };
}
