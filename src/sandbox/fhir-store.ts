/**
 * The sandbox's FHIR repository: medplum's MemoryRepository (real FHIR search semantics via
 * `matchesSearchRequest`) with three changes that keep the five-year patient fast:
 *  - a per-patient index, so `patient=`/`subject=Patient/x` searches scan one patient's resources;
 *  - sort keys computed once per resource instead of once per comparison;
 *  - only the returned page is cloned;
 *  - an Observation `code=` search first skips resources with none of the codes (a cheap pre-check;
 *    the full medplum match still runs on what is left).
 * It also records every resource written after seeding, so writes survive a restart.
 */
import { evalFhirPath, getSearchParameters, matchesSearchRequest, Operator } from '@medplum/core';
import type { Filter, SearchRequest, SortRule } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

type Stored = Resource & { id: string };
type ById = Map<string, Stored>;

export class SandboxRepository extends MemoryRepository {
  /** patient id → resource type → id → stored resource. */
  private readonly byPatient = new Map<string, Map<string, ById>>();
  /** Resources written since `startRecording()`, keyed "Type/id"; null marks a deletion. */
  readonly written = new Map<string, Stored | null>();
  private recording = false;
  onWrite: (() => void) | undefined;

  startRecording(): void {
    this.recording = true;
  }

  /** The live map medplum keeps per type (private in its typings; stable across 4.x). */
  private typeMap(resourceType: string): ById {
    const all = (this as unknown as { resources: Map<string, ById> }).resources;
    return all.get(resourceType) ?? new Map();
  }

  override async createResource<T extends Resource>(resource: T): Promise<T & { id: string }> {
    const created = await super.createResource(resource);
    const stored = this.typeMap(created.resourceType).get(created.id);
    if (stored) this.index(stored);
    if (this.recording && stored) {
      this.written.set(`${stored.resourceType}/${stored.id}`, stored);
      this.onWrite?.();
    }
    return created as T & { id: string };
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const old = this.typeMap(resourceType).get(id);
    await super.deleteResource(resourceType, id);
    if (old) this.unindex(old);
    if (this.recording) {
      this.written.set(`${resourceType}/${id}`, null);
      this.onWrite?.();
    }
  }

  private index(resource: Stored): void {
    const previous = this.findIndexed(resource.resourceType, resource.id);
    if (previous) this.unindex(previous);
    const patientId = patientOf(resource);
    if (!patientId) return;
    let types = this.byPatient.get(patientId);
    if (!types) {
      types = new Map();
      this.byPatient.set(patientId, types);
    }
    let ids = types.get(resource.resourceType);
    if (!ids) {
      ids = new Map();
      types.set(resource.resourceType, ids);
    }
    ids.set(resource.id, resource);
  }

  private findIndexed(resourceType: string, id: string): Stored | undefined {
    for (const types of this.byPatient.values()) {
      const hit = types.get(resourceType)?.get(id);
      if (hit) return hit;
    }
    return undefined;
  }

  private unindex(resource: Stored): void {
    const patientId = patientOf(resource);
    if (patientId) this.byPatient.get(patientId)?.get(resource.resourceType)?.delete(resource.id);
  }

  /** Live (not cloned) resources of one type: read-only use by the sandbox's own pages. */
  allOfType(resourceType: string): Stored[] {
    return [...this.typeMap(resourceType).values()];
  }

  /** Live resources of one type belonging to one patient. */
  ofPatient(patientId: string, resourceType: string): Stored[] {
    return [...(this.byPatient.get(patientId)?.get(resourceType)?.values() ?? [])];
  }

  override async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<T & { id: string }>> {
    const { candidates, filters } = this.candidates(request);
    const rest = { ...request, filters } as SearchRequest;
    const matched: Stored[] = [];
    for (const resource of candidates) if (matchesSearchRequest(resource, rest)) matched.push(resource);
    const sorted = sortResources(matched, request.sortRules ?? []);
    const offset = request.offset ?? 0;
    const page = request.count === undefined ? sorted.slice(offset) : sorted.slice(offset, offset + request.count);
    const entry: BundleEntry[] = page.map((r) => ({ resource: structuredClone(r), search: { mode: 'match' } }));
    entry.push(...(await this.includes(page, request)));
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matched.length,
      ...(entry.length > 0 ? { entry } : {}),
    } as Bundle<T & { id: string }>;
  }

  /** Narrows the scan to one patient when the search names one; the used filter is dropped. */
  private candidates(request: SearchRequest): { candidates: Iterable<Stored>; filters: Filter[] } {
    const filters = request.filters ?? [];
    const index = filters.findIndex((f) => patientFilterValue(request.resourceType, f) !== undefined);
    if (index < 0) return { candidates: this.typeMap(request.resourceType).values(), filters };
    const filter = filters[index] as Filter;
    const patientId = patientFilterValue(request.resourceType, filter) as string;
    const ids = this.byPatient.get(patientId)?.get(request.resourceType);
    const rest = filters.filter((_, i) => i !== index);
    return { candidates: prefilterByCode(request.resourceType, ids?.values() ?? [], rest), filters: rest };
  }

  /** `_include` of direct references (e.g. MedicationRequest:medication, Observation:subject). */
  private async includes(page: Stored[], request: SearchRequest): Promise<BundleEntry[]> {
    const out: BundleEntry[] = [];
    const seen = new Set<string>();
    for (const target of request.include ?? []) {
      const param = getSearchParameters(target.resourceType)?.[target.searchParam];
      if (!param?.expression) continue;
      for (const resource of page) {
        for (const value of evalFhirPath(param.expression, resource)) {
          const ref = (value as { reference?: string }).reference;
          if (!ref || seen.has(ref) || ref.split('/').length !== 2) continue;
          const [type, id] = ref.split('/') as [string, string];
          if (target.targetType && target.targetType !== type) continue;
          const found = this.typeMap(type).get(id);
          seen.add(ref);
          if (found) out.push({ resource: structuredClone(found), search: { mode: 'include' } });
        }
      }
    }
    return out;
  }
}

/** The patient a resource belongs to: itself, its `subject`, or its `patient` reference. */
export function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const r = resource as { subject?: { reference?: string }; patient?: { reference?: string }; beneficiary?: { reference?: string } };
  for (const ref of [r.subject?.reference, r.patient?.reference, r.beneficiary?.reference]) {
    if (ref?.startsWith('Patient/')) return ref.slice('Patient/'.length);
  }
  return undefined;
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

/** `patient=Patient/x` or `subject=Patient/x` (plain equality) → "x"; else undefined. */
function patientFilterValue(resourceType: string, filter: Filter): string | undefined {
  if (filter.operator !== Operator.EQUALS || filter.value.includes(',')) return undefined;
  if (filter.code === 'patient' || filter.code === 'subject') {
    if (!filter.value.startsWith('Patient/')) return undefined;
    return filter.value.slice('Patient/'.length);
  }
  if (resourceType === 'Patient' && filter.code === '_id') return filter.value;
  return undefined;
}

function sortResources(resources: Stored[], rules: SortRule[]): Stored[] {
  if (rules.length === 0 || resources.length === 0) return resources;
  const type = resources[0]?.resourceType ?? '';
  const keyed = resources.map((r) => ({ r, keys: rules.map((rule) => sortKey(type, rule.code, r)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < rules.length; i++) {
      const cmp = (a.keys[i] ?? '').localeCompare(b.keys[i] ?? '');
      if (cmp !== 0) return rules[i]?.descending ? -cmp : cmp;
    }
    return 0;
  });
  return keyed.map((k) => k.r);
}

/** A comparable string for one search parameter: dates and periods by their start. */
function sortKey(type: string, code: string, resource: Stored): string {
  const expression = code === '_lastUpdated' ? `${type}.meta.lastUpdated` : getSearchParameters(type)?.[code]?.expression;
  if (!expression) return '';
  const value = evalFhirPath(expression, resource)[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const period = value as { start?: string; end?: string };
  if (period.start || period.end) return period.start ?? period.end ?? '';
  return JSON.stringify(value);
}
