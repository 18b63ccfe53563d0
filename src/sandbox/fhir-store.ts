/**
 * The sandbox's FHIR storage: resources by type and id, their versions, and an index of every
 * patient's compartment (see compartment.ts), so a search held to one patient scans that patient's
 * resources only. Searches use medplum's `matchesSearchRequest` for FHIR search semantics, with three
 * changes that keep big charts fast and the server fair:
 *  - reference filters (`patient=`, `subject=`, `performer=` …) compare normalised references
 *    directly (medplum's `resolve()` is ~50× slower and misses absolute URLs);
 *  - sort keys are computed once per stored resource (cached) and the scan yields to the event loop
 *    every few hundred resources, so a sorted search over a huge chart never stalls other requests;
 *  - an Observation `code=` search first skips resources with none of the codes.
 * Every write after `startRecording()` is queued for persistence.ts.
 */
import { randomUUID } from 'node:crypto';
import { evalFhirPath, getSearchParameters, matchesSearchRequest, Operator } from '@medplum/core';
import type { Filter, SearchRequest, SortRule } from '@medplum/core';
import type { Meta, Resource } from '@medplum/fhirtypes';
import { compartmentOf, isPatientLinkedType, normaliseReference, referencesAt } from './compartment.ts';

export type Stored = Resource & { id: string; meta: Meta & { versionId: string; lastUpdated: string } };
type ById = Map<string, Stored>;

/** One entry of an instance's history, newest first: a version, or the deletion that ended it. */
export type HistoryItem = { resource: Stored } | { deleted: { resourceType: string; id: string; versionId: string; lastUpdated: string } };

/** A write to persist: the resource as stored now, or null when it was deleted. */
export interface Change {
  key: string;
  resource: Stored | null;
}

export interface SearchScope {
  /** When set, only this patient's compartment is scanned. */
  patient?: string;
  /** Per-resource access check (compartment, user's patients, granular scopes). */
  allows: (resource: Resource) => boolean;
}

export interface SearchResult {
  page: Stored[];
  total: number;
}

/** Scan this many candidates between yields to the event loop (~2–5 ms of work). */
const SCAN_SLICE = 500;

export class SandboxRepository {
  /** Bumped by every stored or deleted resource: a remembered search is valid only in its generation. */
  generation = 0;
  private readonly byType = new Map<string, ById>();
  /** patient id → resource type → id → resource in that patient's compartment. */
  private readonly byPatient = new Map<string, Map<string, ById>>();
  /** Earlier versions of updated resources ("Type/id" → oldest first); absent for never-updated ones. */
  private readonly past = new Map<string, Stored[]>();
  /** Deleted resources: their versions and the deletion. */
  private readonly gone = new Map<string, { versions: Stored[]; versionId: string; lastUpdated: string }>();
  private readonly owners = new WeakMap<Stored, ReadonlySet<string>>();
  /** Sort key per search parameter, per stored resource (computed once). */
  private readonly sortKeys = new Map<string, WeakMap<Stored, string>>();
  private recording = false;
  /** Writes since the last `takeChanges()`, in order. */
  private pending: Change[] = [];
  /** While a transaction runs: how to undo each of its writes. */
  private undo: (() => void)[] | undefined;
  private pendingAtBegin = 0;

  startRecording(): void {
    this.recording = true;
  }

  /** The writes made since the last call (for persistence.ts). */
  takeChanges(): Change[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  // --- reads ---

  read(resourceType: string, id: string): Stored | undefined {
    return this.byType.get(resourceType)?.get(id);
  }

  isDeleted(resourceType: string, id: string): boolean {
    return !this.read(resourceType, id) && this.gone.has(`${resourceType}/${id}`);
  }

  /** Newest first; empty when the resource never existed. */
  history(resourceType: string, id: string): HistoryItem[] {
    const key = `${resourceType}/${id}`;
    const current = this.read(resourceType, id);
    if (current) return [current, ...(this.past.get(key) ?? [])].map(asItem).sort(newestFirst);
    const gone = this.gone.get(key);
    if (!gone) return [];
    const deleted: HistoryItem = { deleted: { resourceType, id, versionId: gone.versionId, lastUpdated: gone.lastUpdated } };
    return [deleted, ...gone.versions.map(asItem).sort(newestFirst)];
  }

  vread(resourceType: string, id: string, versionId: string): Stored | undefined {
    for (const item of this.history(resourceType, id)) {
      if ('resource' in item && item.resource.meta.versionId === versionId) return item.resource;
    }
    return undefined;
  }

  /** Live resources of one type: read-only use (pages, exports). */
  allOfType(resourceType: string): Stored[] {
    return [...(this.byType.get(resourceType)?.values() ?? [])];
  }

  /** Types holding at least one resource (with `everStored`: or a deleted one). */
  types(everStored = false): string[] {
    const live = [...this.byType.entries()].filter(([, m]) => m.size > 0).map(([t]) => t);
    if (!everStored) return live;
    return [...new Set([...live, ...[...this.gone.keys()].map((k) => k.split('/')[0] as string)])];
  }

  /** Ids of every resource of a type that exists or was deleted (for type-level history). */
  idsEverStored(resourceType: string): string[] {
    const gone = [...this.gone.keys()].filter((k) => k.startsWith(`${resourceType}/`)).map((k) => k.slice(resourceType.length + 1));
    return [...(this.byType.get(resourceType)?.keys() ?? []), ...gone];
  }

  /** Live resources of one type in one patient's compartment. */
  ofPatient(patientId: string, resourceType: string): Stored[] {
    return [...(this.byPatient.get(patientId)?.get(resourceType)?.values() ?? [])];
  }

  /** The patients whose compartment holds this resource (cached per stored version). */
  ownersOf(resource: Resource): ReadonlySet<string> {
    const cached = this.owners.get(resource as Stored);
    if (cached) return cached;
    const owners = compartmentOf(resource);
    if (this.isStored(resource)) this.owners.set(resource as Stored, owners);
    return owners;
  }

  // --- transactions: all of a transaction's writes, or none ---

  begin(): void {
    this.undo = [];
    this.pendingAtBegin = this.pending.length;
  }

  commit(): void {
    this.undo = undefined;
  }

  rollback(): void {
    for (const undo of (this.undo ?? []).reverse()) undo();
    this.undo = undefined;
    this.pending.length = this.pendingAtBegin;
  }

  /** Remembers the state of one resource before a write inside a transaction. */
  private remember(resourceType: string, id: string): void {
    if (!this.undo) return;
    const key = `${resourceType}/${id}`;
    const current = this.read(resourceType, id);
    const past = this.past.get(key);
    const gone = this.gone.get(key);
    this.undo.push(() => {
      const now = this.read(resourceType, id);
      if (now) {
        this.unindex(now);
        this.byType.get(resourceType)?.delete(id);
      }
      if (current) this.store(current);
      if (past) this.past.set(key, past);
      else this.past.delete(key);
      if (gone) this.gone.set(key, gone);
      else this.gone.delete(key);
    });
  }

  // --- writes (synchronous: a transaction applies all its entries without interleaving) ---

  /** Stores a new resource with a server id (or the given one, for seeding and loading). */
  create(resource: Resource, opts: { keepId?: boolean } = {}): Stored {
    const id = opts.keepId && resource.id ? resource.id : randomUUID();
    const key = `${resource.resourceType}/${id}`;
    const previous = this.gone.get(key);
    const versionId = previous ? String(Number(previous.versionId) + 1) : '1';
    return this.put({ ...resource, id } as Resource & { id: string }, versionId, previous?.versions ?? []);
  }

  /** Replaces the current version (or creates the resource at this id: update-as-create). */
  update(resource: Resource & { id: string }): Stored {
    const existing = this.read(resource.resourceType, resource.id);
    if (!existing) return this.create(resource, { keepId: true });
    const key = `${resource.resourceType}/${resource.id}`;
    const older = [...(this.past.get(key) ?? []), existing];
    return this.put(resource, String(Number(existing.meta.versionId) + 1 || older.length + 1), older);
  }

  delete(resourceType: string, id: string): boolean {
    const existing = this.read(resourceType, id);
    if (!existing) return false;
    const key = `${resourceType}/${id}`;
    this.remember(resourceType, id);
    this.unindex(existing);
    this.byType.get(resourceType)?.delete(id);
    const versions = [...(this.past.get(key) ?? []), existing];
    this.past.delete(key);
    this.gone.set(key, { versions, versionId: String(Number(existing.meta.versionId) + 1), lastUpdated: new Date().toISOString() });
    this.record({ key, resource: null });
    this.generation++;
    return true;
  }

  /** Puts back a persisted resource exactly as it was stored (id, versionId and lastUpdated kept). */
  restore(resource: Stored): void {
    const existing = this.read(resource.resourceType, resource.id);
    if (existing) this.unindex(existing);
    this.store(structuredClone(resource));
  }

  private put(resource: Resource & { id: string }, versionId: string, older: Stored[]): Stored {
    const key = `${resource.resourceType}/${resource.id}`;
    const stored = structuredClone({
      ...resource,
      meta: { ...resource.meta, versionId, lastUpdated: new Date().toISOString() },
    }) as Stored;
    this.remember(stored.resourceType, stored.id);
    const existing = this.read(stored.resourceType, stored.id);
    if (existing) this.unindex(existing);
    if (older.length > 0) this.past.set(key, older);
    this.gone.delete(key);
    this.store(stored);
    this.record({ key, resource: stored });
    return stored;
  }

  private store(stored: Stored): void {
    this.generation++;
    let ids = this.byType.get(stored.resourceType);
    if (!ids) {
      ids = new Map();
      this.byType.set(stored.resourceType, ids);
    }
    ids.set(stored.id, stored);
    for (const patient of this.ownersOf(stored)) {
      let types = this.byPatient.get(patient);
      if (!types) {
        types = new Map();
        this.byPatient.set(patient, types);
      }
      let byId = types.get(stored.resourceType);
      if (!byId) {
        byId = new Map();
        types.set(stored.resourceType, byId);
      }
      byId.set(stored.id, stored);
    }
  }

  private unindex(stored: Stored): void {
    for (const patient of this.ownersOf(stored)) this.byPatient.get(patient)?.get(stored.resourceType)?.delete(stored.id);
  }

  private record(change: Change): void {
    if (this.recording) this.pending.push(change);
  }

  private isStored(resource: Resource): boolean {
    return !!resource.id && this.read(resource.resourceType, resource.id) === resource;
  }

  // --- search ---

  /**
   * Matches, sorts and pages one search. Only resources `scope.allows` are counted, so totals and
   * pages never reveal what the caller may not see.
   */
  async search(request: SearchRequest, scope: SearchScope): Promise<SearchResult> {
    return pageOf(await this.match(request, scope), request);
  }

  /** Every resource a search matches that `scope.allows`, sorted: what its pages are cut from. */
  async match(request: SearchRequest, scope: SearchScope): Promise<Stored[]> {
    const { candidates, filters } = this.candidates(request, scope);
    const refFilters = filters.filter(isReferenceEquality(request.resourceType)).map(referenceMatcher);
    const rest = { resourceType: request.resourceType, filters: filters.filter((f) => !isReferenceEquality(request.resourceType)(f)) } as SearchRequest;
    const rules = request.sortRules ?? [];
    const matched: { r: Stored; keys: string[] }[] = [];
    let scanned = 0;
    for (const resource of candidates) {
      if (++scanned % SCAN_SLICE === 0) await yieldToEventLoop();
      if (!scope.allows(resource)) continue;
      if (!refFilters.every((matches) => matches(resource))) continue;
      if (rest.filters?.length && !matchesSearchRequest(resource, rest)) continue;
      matched.push({ r: resource, keys: rules.map((rule) => this.sortKey(resource, rule.code)) });
    }
    if (rules.length > 0) sortKeyed(matched, rules);
    return matched.map((m) => m.r);
  }

  /** The smallest set to scan: one compartment when the scope or a plain patient filter names one. */
  private candidates(request: SearchRequest, scope: SearchScope): { candidates: Iterable<Stored>; filters: Filter[] } {
    const type = request.resourceType;
    const filters = request.filters ?? [];
    let patient = scope.patient && isPatientLinkedType(type) ? scope.patient : undefined;
    if (!patient && isPatientLinkedType(type)) patient = filters.map((f) => patientNamedBy(type, f)).find((p) => p !== undefined);
    const pool = patient ? this.byPatient.get(patient)?.get(type)?.values() : this.byType.get(type)?.values();
    return { candidates: prefilterByCode(type, pool ?? [], filters), filters };
  }

  private sortKey(resource: Stored, code: string): string {
    let keys = this.sortKeys.get(code);
    if (!keys) {
      keys = new WeakMap();
      this.sortKeys.set(code, keys);
    }
    let key = keys.get(resource);
    if (key === undefined) {
      key = computeSortKey(resource, code);
      keys.set(resource, key);
    }
    return key;
  }
}

/** One page (`_offset`, `_count`) of a search's sorted matches, and their total. */
export function pageOf(matched: readonly Stored[], request: Pick<SearchRequest, 'offset' | 'count'>): SearchResult {
  const offset = request.offset ?? 0;
  const page = request.count === undefined ? matched.slice(offset) : matched.slice(offset, offset + request.count);
  return { page, total: matched.length };
}

function sortKeyed(keyed: { keys: string[] }[], rules: SortRule[]): void {
  keyed.sort((a, b) => {
    for (let i = 0; i < rules.length; i++) {
      const x = a.keys[i] as string;
      const y = b.keys[i] as string;
      if (x !== y) return (x < y ? -1 : 1) * (rules[i]?.descending ? -1 : 1);
    }
    return 0;
  });
}

function asItem(resource: Stored): HistoryItem {
  return { resource };
}

function newestFirst(a: HistoryItem, b: HistoryItem): number {
  const v = (i: HistoryItem) => Number('resource' in i ? i.resource.meta.versionId : i.deleted.versionId);
  return v(b) - v(a);
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `patient=Patient/x` / `subject=Patient/x` (one value, plain equality) → "x". */
function patientNamedBy(resourceType: string, filter: Filter): string | undefined {
  if (filter.operator !== Operator.EQUALS || filter.value.includes(',')) return undefined;
  if (resourceType === 'Patient' && filter.code === '_id') return filter.value;
  if (filter.code !== 'patient' && filter.code !== 'subject') return undefined;
  const ref = normaliseReference(filter.value);
  return ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
}

function isReferenceEquality(resourceType: string): (f: Filter) => boolean {
  const params = getSearchParameters(resourceType) ?? {};
  return (f) => f.operator === Operator.EQUALS && params[f.code]?.type === 'reference';
}

/** A reference filter: any of its comma-separated values (`Type/id`, an absolute URL, or a bare id of any type). */
function referenceMatcher(filter: Filter): (resource: Resource) => boolean {
  const full = new Set<string>();
  const bare = new Set<string>();
  for (const value of filter.value.split(',')) {
    const wanted = normaliseReference(value);
    if (wanted) full.add(wanted);
    else bare.add(value);
  }
  return (resource) => referencesAt(resource, filter.code).some((ref) => full.has(ref) || (bare.size > 0 && bare.has(ref.slice(ref.indexOf('/') + 1))));
}

/**
 * Observation searches by `code` (plain token equality, e.g. `http://loinc.org|44261-6,…`): keep only
 * resources with a coding whose code is one of the values (case-insensitive, so never stricter than
 * medplum's match, which still runs on the survivors with the filter kept).
 */
function prefilterByCode(resourceType: string, candidates: Iterable<Stored>, filters: Filter[]): Iterable<Stored> {
  if (resourceType !== 'Observation') return candidates;
  const filter = filters.find((f) => f.code === 'code' && f.operator === Operator.EQUALS);
  if (!filter || filter.value === '') return candidates;
  const codes = new Set(filter.value.split(',').map((v) => v.slice(v.lastIndexOf('|') + 1).toLowerCase()));
  if (codes.has('')) return candidates;
  const out: Stored[] = [];
  for (const r of candidates) {
    const codings = (r as { code?: { coding?: { code?: string }[] } }).code?.coding ?? [];
    if (codings.some((c) => typeof c.code === 'string' && codes.has(c.code.toLowerCase()))) out.push(r);
  }
  return out;
}

/** A comparable string for one search parameter: dates and periods by their start. */
function computeSortKey(resource: Stored, code: string): string {
  const type = resource.resourceType;
  const expression = code === '_lastUpdated' ? `${type}.meta.lastUpdated` : code === '_id' ? `${type}.id` : getSearchParameters(type)?.[code]?.expression;
  if (!expression) return '';
  const value = evalFhirPath(expression, resource)[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const period = value as { start?: string; end?: string };
  if (period.start || period.end) return period.start ?? period.end ?? '';
  const coding = (value as { coding?: { code?: string }[] }).coding?.[0]?.code;
  return coding ?? JSON.stringify(value);
}
