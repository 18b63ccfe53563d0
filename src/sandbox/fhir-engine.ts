/**
 * The FHIR interactions, each with its access check (access.ts) and the vendor profile's rules:
 * read, vread, history (instance, type, system), search (type and `Patient/<id>/<type>` compartment
 * searches) with _include/_revinclude, create (and conditional create), update (and conditional
 * update), delete (and conditional delete). Conditional operations search only what the token may
 * see, so a match in another compartment neither answers nor changes the status. Writes are serialised
 * (one at a time, conditional search included) and persisted before they are acknowledged.
 * fhir-http.ts (HTTP) and fhir-bundle.ts (batch/transaction entries) both call `handle`.
 */
import { validateResource } from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { decide } from './access.ts';
import type { AccessPolicy, Reach } from './access.ts';
import { isPatientLinkedType, referencesAt } from './compartment.ts';
import { badRequest, FhirError, forbidden, notFound } from './fhir-errors.ts';
import { parseSearch } from './fhir-search.ts';
import type { ParsedSearch } from './fhir-search.ts';
import { pageOf, type SandboxRepository, type Stored } from './fhir-store.ts';
import { SearchCache } from './search-cache.ts';
import type { Interaction, ResourceRules, VendorProfile } from './profiles/index.ts';
import type { Permission } from './scopes.ts';
import type { AccessGrant } from './tokens.ts';

export type FhirMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface FhirCall {
  method: FhirMethod;
  /** Path segments after the FHIR base, e.g. ['Observation', '123']. */
  path: string[];
  query: URLSearchParams;
  body?: unknown;
  ifNoneExist?: string;
  ifMatch?: string;
  /** `Prefer: handling=strict`. */
  strict?: boolean;
  /** Transactions: the id the server assigned up front (so urn:uuid references resolve). */
  assignedId?: string;
  /** Part of a transaction, which already holds the write turn and persists at its end. */
  inTransaction?: boolean;
}

export interface FhirReply {
  status: number;
  resource?: Resource;
  location?: string;
  etag?: string;
  lastModified?: string;
}

export interface EngineDeps {
  repo: SandboxRepository;
  profile: VendorProfile;
  policy: AccessPolicy;
  fhirBase: () => string;
  /** Resolves once every write made so far is on disk. */
  persist: () => Promise<void>;
}

/** Patient-held searches never scan more than this many resources of another type for _revinclude. */
const MAX_INCLUDED = 1000;

export class FhirEngine {
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly searches = new SearchCache();

  constructor(private readonly deps: EngineDeps) {}

  get profile(): VendorProfile {
    return this.deps.profile;
  }

  async handle(call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    const [type, id, third, fourth, ...rest] = call.path;
    const m = call.method === 'HEAD' ? 'GET' : call.method;
    if (!type) throw badRequest('Batch and transaction Bundles are POSTed to the base; nothing else is served there.', 'not-supported');
    if (type === '_history' && id === undefined && m === 'GET') return this.historySystem(call, grant);
    if (type.startsWith('$') || id?.startsWith('$') || third?.startsWith('$')) {
      throw new FhirError(404, `Operation ${[type, id, third].find((s) => s?.startsWith('$'))} is not supported by this server.`, 'not-supported');
    }
    const rules = this.rulesOf(type);
    if (rest.length > 0) throw notFound(`No route for /${call.path.join('/')}.`);
    if (id === undefined) return this.typeLevel(m, type, rules, call, grant);
    if (id === '_search' && m === 'POST' && third === undefined) return this.search(type, rules, call.query, grant, call.strict);
    if (id === '_history' && m === 'GET' && third === undefined) return this.historyType(type, rules, call, grant);
    if (third === undefined) return this.instanceLevel(m, type, id, rules, call, grant);
    if (third === '_history' && m === 'GET') {
      return fourth === undefined ? this.historyInstance(type, id, rules, grant) : this.vread(type, id, fourth, rules, grant);
    }
    if (type === 'Patient' && m === 'GET' && fourth === undefined) return this.compartmentSearch(id, third, call, grant);
    throw notFound(`No route for ${m} /${call.path.join('/')}.`);
  }

  private rulesOf(type: string): ResourceRules {
    const rules = /^[A-Z][A-Za-z]+$/.test(type) ? this.profile.rules(type) : undefined;
    if (!rules) throw FhirError.of(this.profile.refuse('unsupported-type', `Resource type '${type}' is not supported by this server.`));
    return rules;
  }

  private allow(rules: ResourceRules, type: string, interaction: Interaction): void {
    if (!rules.interactions.includes(interaction)) {
      throw FhirError.of(this.profile.refuse('unsupported-interaction', `${interaction} is not supported for ${type} by this server.`));
    }
  }

  /** The reach of the token for this type and permission, or 403. */
  reach(grant: AccessGrant, type: string, permission: Permission): Reach {
    const decision = decide(grant, type, permission, (r) => this.deps.repo.ownersOf(r), this.deps.policy);
    if (!decision.ok) throw forbidden(decision.message);
    return decision.reach;
  }

  private visible(rules: ResourceRules, reach: Reach): (r: Resource) => boolean {
    return (r) => reach.allows(r) && !rules.hidden?.(r);
  }

  private typeLevel(m: string, type: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    if (m === 'GET') return this.search(type, rules, call.query, grant, call.strict);
    if (m === 'POST') return this.create(type, rules, call, grant);
    if (m === 'PUT') return this.conditionalUpdate(type, rules, call, grant);
    if (m === 'DELETE') return this.conditionalDelete(type, rules, call, grant);
    throw FhirError.of(this.profile.refuse('unsupported-interaction', `${m} ${type} is not supported (JSON Patch is not served).`));
  }

  private instanceLevel(m: string, type: string, id: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    if (m === 'GET') return Promise.resolve(this.read(type, id, rules, grant));
    if (m === 'PUT') return this.update(type, id, rules, call, grant);
    if (m === 'DELETE') return this.delete(type, id, rules, call, grant);
    throw FhirError.of(this.profile.refuse('unsupported-interaction', `${m} ${type}/${id} is not supported (JSON Patch is not served).`));
  }

  // --- reads ---

  private read(type: string, id: string, rules: ResourceRules, grant: AccessGrant): FhirReply {
    this.allow(rules, type, 'read');
    const reach = this.reach(grant, type, 'r');
    const resource = this.deps.repo.read(type, id);
    if (!resource || rules.hidden?.(resource)) {
      if (this.deps.repo.isDeleted(type, id)) throw new FhirError(410, `${type}/${id} was deleted.`, 'deleted');
      throw notFound(`${type}/${id} is not known.`);
    }
    if (!reach.allows(resource)) throw forbidden(denied(reach, 'read'));
    return { status: 200, resource };
  }

  private vread(type: string, id: string, versionId: string, rules: ResourceRules, grant: AccessGrant): FhirReply {
    this.allow(rules, type, 'vread');
    const reach = this.reach(grant, type, 'r');
    const version = this.deps.repo.vread(type, id, versionId);
    if (!version || rules.hidden?.(version)) throw notFound(`${type}/${id}/_history/${versionId} is not known.`);
    if (!reach.allows(version)) throw forbidden(denied(reach, 'read'));
    return { status: 200, resource: version };
  }

  private historyInstance(type: string, id: string, rules: ResourceRules, grant: AccessGrant): FhirReply {
    this.allow(rules, type, 'history-instance');
    const reach = this.reach(grant, type, 'r');
    const items = this.deps.repo.history(type, id);
    if (items.length === 0) throw notFound(`${type}/${id} is not known.`);
    const current = this.deps.repo.read(type, id);
    const newest = items.find((i) => 'resource' in i);
    const anchor = current ?? (newest && 'resource' in newest ? newest.resource : undefined);
    if (anchor && !this.visible(rules, reach)(anchor)) throw forbidden(denied(reach, 'read'));
    return { status: 200, resource: this.historyBundle(items, this.visible(rules, reach)) };
  }

  private historyType(type: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): FhirReply {
    this.allow(rules, type, 'history-type');
    const reach = this.reach(grant, type, 'r');
    const items = this.deps.repo.idsEverStored(type).flatMap((id) => this.deps.repo.history(type, id));
    return { status: 200, resource: this.historyBundle(items, this.visible(rules, reach), call.query) };
  }

  /** `GET /fhir/_history`: every type the token may read, each filtered as its own history. */
  private historySystem(call: FhirCall, grant: AccessGrant): FhirReply {
    const bundles: Bundle[] = [];
    for (const type of this.deps.repo.types(true)) {
      const rules = this.profile.rules(type);
      if (!rules?.interactions.includes('history-type')) continue;
      const decision = decide(grant, type, 'r', (r) => this.deps.repo.ownersOf(r), this.deps.policy);
      if (!decision.ok) continue;
      const items = this.deps.repo.idsEverStored(type).flatMap((id) => this.deps.repo.history(type, id));
      bundles.push(this.historyBundle(items, this.visible(rules, decision.reach), call.query));
    }
    if (!this.profile.types.some((t) => this.profile.rules(t)?.interactions.includes('history-type'))) {
      throw FhirError.of(this.profile.refuse('unsupported-interaction', 'history-system is not supported by this server.'));
    }
    const entry = bundles.flatMap((b) => b.entry ?? []).sort((a, b) => lastUpdated(b).localeCompare(lastUpdated(a)));
    const count = Math.min(Number(call.query.get('_count') ?? this.profile.count.default) || this.profile.count.default, this.profile.count.max);
    return { status: 200, resource: { resourceType: 'Bundle', type: 'history', total: entry.length, entry: entry.slice(0, count) } as Bundle };
  }

  private historyBundle(items: ReturnType<SandboxRepository['history']>, visible: (r: Resource) => boolean, query?: URLSearchParams): Bundle {
    const since = query?.get('_since') ?? undefined;
    const entry: BundleEntry[] = [];
    let lastSeen: Stored | undefined;
    // Oldest first, so a deletion is shown only when the version it ended was visible.
    for (const item of [...items].reverse()) {
      if ('resource' in item) {
        lastSeen = item.resource;
        if (!visible(item.resource)) continue;
        entry.push({
          fullUrl: `${this.deps.fhirBase()}/${item.resource.resourceType}/${item.resource.id}`,
          resource: item.resource,
          request: { method: item.resource.meta.versionId === '1' ? 'POST' : 'PUT', url: `${item.resource.resourceType}/${item.resource.id}` },
          response: { status: item.resource.meta.versionId === '1' ? '201 Created' : '200 OK', etag: `W/"${item.resource.meta.versionId}"`, lastModified: item.resource.meta.lastUpdated },
        });
      } else if (lastSeen && visible(lastSeen)) {
        const d = item.deleted;
        entry.push({ request: { method: 'DELETE', url: `${d.resourceType}/${d.id}` }, response: { status: '204 No Content', etag: `W/"${d.versionId}"`, lastModified: d.lastUpdated } });
      }
    }
    const filtered = since ? entry.filter((e) => lastUpdated(e) >= since) : entry;
    filtered.reverse();
    return { resourceType: 'Bundle', type: 'history', total: filtered.length, entry: filtered } as Bundle;
  }

  // --- search ---

  async search(type: string, rules: ResourceRules, query: URLSearchParams, grant: AccessGrant, strict = false, compartment?: string): Promise<FhirReply> {
    this.allow(rules, type, 'search-type');
    const reach = this.reach(grant, type, 's');
    const parsed = this.parse(type, rules, query, reach, strict);
    const patient = compartment ?? reach.patient;
    const visible = this.visible(rules, reach);
    const shortened = this.pageSize(parsed);
    const request = { ...parsed.request, count: parsed.countOnly ? 0 : shortened };
    if (!request.sortRules?.length && !this.profile.sort) request.sortRules = vendorOrder(this.profile, type);
    // Next pages of the same search (same token, nothing written since) are cut from its first scan.
    const key = SearchCache.keyOf(request, patient);
    const generation = this.deps.repo.generation;
    let matched = this.searches.get(grant, key, generation);
    if (!matched) {
      matched = await this.deps.repo.match(request, { ...(patient ? { patient } : {}), allows: visible });
      this.searches.set(grant, key, generation, matched);
    }
    const result = pageOf(matched, request);
    const included = await this.includes(result.page, parsed, grant);
    const bundle = searchBundle(type, parsed, result, included, shortened, this.deps.fhirBase());
    return { status: 200, resource: bundle };
  }

  private parse(type: string, rules: ResourceRules, query: URLSearchParams, reach: Reach, strict: boolean): ParsedSearch {
    return parseSearch(type, query, {
      profile: this.profile,
      rules,
      strict,
      mayName: (patientId) => reach.patient === undefined ? reach.allows({ resourceType: 'Patient', id: patientId } as Resource) : patientId === reach.patient,
    });
  }

  /** Oracle: pages after the first may hold fewer than `_count` (here: every other page, 10% fewer). */
  private pageSize(parsed: ParsedSearch): number {
    const count = parsed.request.count ?? this.profile.count.default;
    const offset = parsed.request.offset ?? 0;
    if (!this.profile.count.shortLaterPages || offset === 0 || count < 2) return count;
    return Math.floor(offset / count) % 2 === 1 ? count - Math.max(1, Math.floor(count / 10)) : count;
  }

  private compartmentSearch(patientId: string, type: string, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    const rules = this.rulesOf(type);
    if (!isPatientLinkedType(type)) throw badRequest(`${type} is not in the Patient compartment.`);
    const patientReach = this.reach(grant, 'Patient', 'r');
    const patient = this.deps.repo.read('Patient', patientId);
    if (!patient) throw notFound(`Patient/${patientId} is not known.`);
    if (!patientReach.allows(patient)) throw forbidden(denied(patientReach, 'read'));
    return this.search(type, rules, call.query, grant, call.strict, patientId);
  }

  /** _include and _revinclude, each included resource checked against the token like a read. */
  private async includes(page: Stored[], parsed: ParsedSearch, grant: AccessGrant): Promise<Stored[]> {
    const out = new Map<string, Stored>();
    const canSee = (r: Stored) => {
      const rules = this.profile.rules(r.resourceType);
      if (!rules || rules.hidden?.(r)) return false;
      const decision = decide(grant, r.resourceType, 'r', (x) => this.deps.repo.ownersOf(x), this.deps.policy);
      return decision.ok && decision.reach.allows(r);
    };
    let sources = page;
    for (let round = 0; round < 3 && sources.length > 0; round++) {
      const found: Stored[] = [];
      for (const target of parsed.request.include ?? []) {
        if (round > 0 && target.modifier !== 'iterate') continue;
        for (const resource of sources) {
          if (resource.resourceType !== target.resourceType) continue;
          for (const ref of referencesAt(resource, target.searchParam)) {
            const [t, id] = ref.split('/') as [string, string];
            if (target.targetType && target.targetType !== t) continue;
            const hit = this.deps.repo.read(t, id);
            if (hit && !out.has(ref) && canSee(hit)) found.push(hit);
          }
        }
      }
      for (const r of found) out.set(`${r.resourceType}/${r.id}`, r);
      sources = found;
    }
    for (const target of parsed.request.revInclude ?? []) {
      const wanted = new Set(page.map((r) => `${r.resourceType}/${r.id}`));
      const decision = decide(grant, target.resourceType, 's', (x) => this.deps.repo.ownersOf(x), this.deps.policy);
      if (!decision.ok || !this.profile.rules(target.resourceType)) continue;
      const pool = decision.reach.patient && isPatientLinkedType(target.resourceType) ? this.deps.repo.ofPatient(decision.reach.patient, target.resourceType) : this.deps.repo.allOfType(target.resourceType);
      for (const r of pool) {
        if (out.size >= MAX_INCLUDED) break;
        if (referencesAt(r, target.searchParam).some((ref) => wanted.has(ref)) && canSee(r)) out.set(`${r.resourceType}/${r.id}`, r);
      }
    }
    const own = new Set(page.map((r) => `${r.resourceType}/${r.id}`));
    return [...out.entries()].filter(([k]) => !own.has(k)).map(([, r]) => r);
  }

  // --- writes ---

  /** A write of a single request gets its own turn; inside a transaction it runs in the transaction's. */
  private write<T>(call: FhirCall, run: () => Promise<T> | T): Promise<T> {
    return call.inTransaction ? Promise.resolve(run()) : this.serialised(run);
  }

  /** Runs one write at a time (conditional searches included), then waits until it is on disk. */
  async serialised<T>(write: () => Promise<T> | T): Promise<T> {
    const run = this.writeQueue.then(write, write);
    this.writeQueue = run.catch(() => undefined);
    const result = await run;
    await this.deps.persist();
    return result;
  }

  private create(type: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    this.allow(rules, type, 'create');
    const reach = this.reach(grant, type, 'c');
    const body = checkedBody(call.body, type);
    if (call.ifNoneExist !== undefined && !this.profile.conditionalCreate) {
      throw new FhirError(400, 'Conditional create (If-None-Exist) is not supported by this server: search first, then create.', 'not-supported');
    }
    return this.write(call, async () => {
      if (call.ifNoneExist !== undefined) {
        const { first, total } = await this.matchWithin(type, rules, call.ifNoneExist, grant, call.strict);
        if (total > 1) throw new FhirError(412, `If-None-Exist matched ${total} resources.`, 'duplicate');
        if (first) return { status: 200, resource: first, ...versionHeaders(first) };
      }
      return this.createNow(type, rules, body, reach, grant, call.assignedId);
    });
  }

  /** Creates an already checked body (also used by transactions). */
  private async createNow(type: string, rules: ResourceRules, body: Resource, reach: Reach, grant: AccessGrant, assignedId?: string): Promise<FhirReply> {
    if (!reach.allows(body)) throw forbidden(denied(reach, 'write'));
    const refusal = await rules.checkCreate?.(body, { actor: grant.actor, exists: (t, query, patient) => this.exists(t, query, patient) });
    if (refusal) throw FhirError.of(refusal);
    const prepared = rules.prepareCreate ? rules.prepareCreate(body) : body;
    const stored = assignedId ? this.deps.repo.create({ ...prepared, id: assignedId }, { keepId: true }) : this.deps.repo.create(prepared);
    return { status: 201, resource: stored, location: `${this.deps.fhirBase()}/${type}/${stored.id}/_history/${stored.meta.versionId}`, ...versionHeaders(stored) };
  }

  /** The first match (and how many) of a conditional query among what the token may see, never anyone else's. */
  async matchWithin(type: string, rules: ResourceRules, query: string, grant: AccessGrant, strict = false): Promise<{ first?: Stored; total: number }> {
    const reach = this.reach(grant, type, 'c');
    const parsed = this.parse(type, rules, new URLSearchParams(query), reach, strict);
    if ((parsed.request.filters ?? []).length === 0) throw badRequest('A conditional operation needs search criteria.');
    const result = await this.deps.repo.search({ ...parsed.request, count: 1, offset: 0 }, { ...(reach.patient ? { patient: reach.patient } : {}), allows: this.visible(rules, reach) });
    return { ...(result.page[0] ? { first: result.page[0] } : {}), total: result.total };
  }

  /** A profile's duplicate check (Epic flowsheet rows): any resource, searched by the server itself. */
  private async exists(type: string, query: string, patient: string | undefined): Promise<boolean> {
    const rules = this.profile.rules(type) ?? { interactions: [] };
    const parsed = parseSearch(type, new URLSearchParams(query), { profile: this.profile, rules: { ...rules, searchParams: undefined, requiredParams: undefined }, strict: false, mayName: () => true });
    const result = await this.deps.repo.search({ ...parsed.request, count: 0 }, { ...(patient ? { patient } : {}), allows: () => true });
    return result.total > 0;
  }

  private update(type: string, id: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    this.allow(rules, type, 'update');
    const reach = this.reach(grant, type, 'u');
    const body = checkedBody(call.body, type);
    if (body.id !== id) throw badRequest(`The body's id (${body.id ?? 'none'}) must be the id in the URL (${id}).`);
    return this.write(call, () => this.updateNow(type, id, body, reach, call.ifMatch));
  }

  private updateNow(type: string, id: string, body: Resource, reach: Reach, ifMatch: string | undefined): FhirReply {
    const existing = this.deps.repo.read(type, id);
    if (existing && !reach.allows(existing)) throw forbidden(denied(reach, 'write'));
    if (!reach.allows(body)) throw forbidden(denied(reach, 'write'));
    if (ifMatch !== undefined && (!existing || `W/"${existing.meta.versionId}"` !== ifMatch.trim())) {
      throw new FhirError(412, `If-Match ${ifMatch} does not match the current version.`, 'conflict');
    }
    const stored = this.deps.repo.update({ ...body, id });
    return { status: existing ? 200 : 201, resource: stored, ...(existing ? {} : { location: `${this.deps.fhirBase()}/${type}/${id}/_history/${stored.meta.versionId}` }), ...versionHeaders(stored) };
  }

  private conditionalUpdate(type: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    this.allow(rules, type, 'update');
    if (!this.profile.conditionalUpdate) throw FhirError.of(this.profile.refuse('unsupported-interaction', 'Conditional update is not supported by this server.'));
    const reach = this.reach(grant, type, 'u');
    const body = checkedBody(call.body, type);
    return this.write(call, async () => {
      const { first: match, total } = await this.matchWithin(type, rules, call.query.toString(), grant, call.strict);
      if (total > 1) throw new FhirError(412, `The criteria matched ${total} resources.`, 'multiple-matches');
      if (match) {
        if (body.id && body.id !== match.id) throw badRequest('The body id differs from the resource the criteria matched.');
        return this.updateNow(type, match.id, { ...body, id: match.id }, reach, call.ifMatch);
      }
      const createReach = this.reach(grant, type, 'c');
      return this.createNow(type, rules, body, createReach, grant, body.id);
    });
  }

  private delete(type: string, id: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    this.allow(rules, type, 'delete');
    const reach = this.reach(grant, type, 'd');
    return this.write(call, () => {
      const existing = this.deps.repo.read(type, id);
      if (!existing) return { status: 204 };
      if (!reach.allows(existing)) throw forbidden(denied(reach, 'write'));
      this.deps.repo.delete(type, id);
      return { status: 204 };
    });
  }

  private conditionalDelete(type: string, rules: ResourceRules, call: FhirCall, grant: AccessGrant): Promise<FhirReply> {
    this.allow(rules, type, 'delete');
    if (!this.profile.conditionalDelete) throw FhirError.of(this.profile.refuse('unsupported-interaction', 'Conditional delete is not supported by this server.'));
    const reach = this.reach(grant, type, 'd');
    return this.write(call, async () => {
      const { first: match, total } = await this.matchWithin(type, rules, call.query.toString(), grant, call.strict);
      if (total > 1) throw new FhirError(412, `The criteria matched ${total} resources.`, 'multiple-matches');
      if (!match) return { status: 204 };
      if (!reach.allows(match)) throw forbidden(denied(reach, 'write'));
      this.deps.repo.delete(type, match.id);
      return { status: 204 };
    });
  }
}

function denied(reach: Reach, what: 'read' | 'write'): string {
  if (reach.patient) return what === 'read' ? 'A patient-scoped token cannot read another patient.' : 'A patient-scoped token cannot write for another patient (or a resource of no patient).';
  return what === 'read' ? 'The token may not read this resource.' : 'The token may not write this resource.';
}

/** The body of a create/update: a valid resource of the URL's type (medplum's validator). */
export function checkedBody(body: unknown, type: string): Resource {
  if (!body || typeof body !== 'object' || (body as Resource).resourceType !== type) throw badRequest(`The body must be a ${type} resource.`);
  const resource = body as Resource;
  let issues: ReturnType<typeof validateResource>;
  try {
    issues = validateResource(resource);
  } catch (err) {
    throw badRequest(err instanceof Error ? err.message : 'Invalid resource');
  }
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) throw badRequest(errors.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? ''}`).join('; '));
  return resource;
}

function versionHeaders(r: Stored): { etag: string; lastModified: string } {
  return { etag: `W/"${r.meta.versionId}"`, lastModified: new Date(r.meta.lastUpdated).toUTCString() };
}

function lastUpdated(e: BundleEntry): string {
  return e.resource?.meta?.lastUpdated ?? e.response?.lastModified ?? '';
}

/** The order a vendor returns when it does not take `_sort` (Oracle: Observations newest first). */
function vendorOrder(profile: VendorProfile, type: string): { code: string; descending: boolean }[] | undefined {
  if (profile.name === 'cerner' && type === 'Observation') return [{ code: 'date', descending: true }];
  if (profile.name === 'cerner' && type === 'Encounter') return [{ code: 'date', descending: false }];
  return undefined;
}

function searchBundle(type: string, parsed: ParsedSearch, result: { page: Stored[]; total: number }, included: Stored[], pageSize: number, fhirBase: string): Bundle {
  const offset = parsed.request.offset ?? 0;
  const at = (o: number) => {
    const p = new URLSearchParams(parsed.applied);
    if (o > 0) p.set('_offset', String(o));
    return `${fhirBase}/${type}?${p.toString()}`;
  };
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: at(offset) }];
  if (!parsed.countOnly && pageSize > 0 && offset + result.page.length < result.total) link.push({ relation: 'next', url: at(offset + result.page.length) });
  if (!parsed.countOnly && offset > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - (parsed.request.count ?? pageSize))) });
  const shape = (r: Stored): Resource => (parsed.elements ? subset(r, parsed.elements) : r);
  const entry: BundleEntry[] = parsed.countOnly
    ? []
    : [
        ...result.page.map((r) => ({ fullUrl: `${fhirBase}/${r.resourceType}/${r.id}`, resource: shape(r), search: { mode: 'match' as const } })),
        ...included.map((r) => ({ fullUrl: `${fhirBase}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'include' as const } })),
      ];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(parsed.request.total === 'none' ? {} : { total: result.total }),
    link,
    ...(entry.length > 0 ? { entry } : {}),
  } as Bundle;
}

/** `_elements`: the named top-level elements plus the mandatory ones, tagged SUBSETTED. */
function subset(r: Stored, elements: string[]): Resource {
  const keep = new Set(['resourceType', 'id', 'meta', ...elements]);
  const out = Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k))) as Resource;
  out.meta = { ...r.meta, tag: [...(r.meta.tag ?? []), { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] };
  return out;
}

