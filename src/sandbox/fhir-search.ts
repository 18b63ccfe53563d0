/**
 * Search parameters in, a checked medplum SearchRequest out. Rewrites what medplum needs
 * (`patient=<bare id>` → `Patient/<id>`, `subject:Patient=x`, absolute-URL references → relative),
 * applies the profile (allowed parameters, required combinations, `_count` default and maximum,
 * `_sort` support) and refuses a search that names another patient than the token's. Parameters that
 * would change what matches but are not supported are refused (silently ignoring one returns the
 * wrong resources); presentation-only ones a profile lacks (`_sort`) are ignored and left out of the
 * self link, as FHIR's lenient handling allows, unless the client asked `Prefer: handling=strict`.
 */
import { getSearchParameters, parseSearchRequest } from '@medplum/core';
import type { IncludeTarget, SearchRequest, SortRule } from '@medplum/core';
import { normaliseReference, patientIdOf } from './compartment.ts';
import { badRequest, FhirError, forbidden } from './fhir-errors.ts';
import type { ResourceRules, VendorProfile } from './profiles/index.ts';

export interface ParsedSearch {
  request: SearchRequest;
  /** The parameters actually applied (for the self link). */
  applied: URLSearchParams;
  /** `_summary=count`: the total only. */
  countOnly: boolean;
  /** `_elements`: keep only these top-level elements. */
  elements?: string[];
}

export interface SearchContext {
  profile: VendorProfile;
  rules: ResourceRules;
  /** `Prefer: handling=strict`: refuse anything ignored. */
  strict: boolean;
  /** Whether the token may name this patient (false → 403). */
  mayName: (patientId: string) => boolean;
}

const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_include', '_revinclude', '_total', '_summary', '_elements', '_format', '_pretty']);
const MODIFIERS = new Set(['missing', 'not', 'exact', 'contains', 'text', 'above', 'below', 'in', 'not-in', 'of-type', 'identifier']);
/** Standard parameters the in-memory search cannot evaluate, or medplum-only ones. */
const UNSUPPORTED = new Set(['_compartment', '_has', '_filter', '_type', '_text', '_content', '_list', '_query']);

export function parseSearch(resourceType: string, input: URLSearchParams, ctx: SearchContext): ParsedSearch {
  const defs = getSearchParameters(resourceType) ?? {};
  const filters = new URLSearchParams();
  const applied = new URLSearchParams();
  const request: Omit<SearchRequest, 'resourceType'> & { resourceType: string } = { resourceType };
  let countOnly = false;
  let elements: string[] | undefined;
  let count = ctx.profile.count.default;
  for (const [rawKey, value] of input) {
    const key = rawKey.trim();
    if (RESULT_PARAMS.has(key.split(':')[0] as string)) {
      const result = resultParam(resourceType, key, value, ctx, defs);
      if (result === 'ignored') continue;
      if (key === '_count') count = result as number;
      else if (key === '_offset') request.offset = result as number;
      else if (key === '_sort') request.sortRules = result as SortRule[];
      else if (key.startsWith('_include')) request.include = [...(request.include ?? []), result as IncludeTarget];
      else if (key.startsWith('_revinclude')) request.revInclude = [...(request.revInclude ?? []), result as IncludeTarget];
      else if (key === '_summary') countOnly = result === 'count';
      else if (key === '_elements') elements = result as string[];
      else if (key === '_total') request.total = result as SearchRequest['total'];
      if (key !== '_count' && key !== '_offset') applied.append(key, value);
      continue;
    }
    const [name, modifier] = splitModifier(key);
    checkFilterName(resourceType, name, modifier, defs, ctx);
    const def = defs[name];
    let v = value;
    let k = key;
    if (def?.type === 'reference') {
      // `subject:Patient=x` → `subject=Patient/x`; a bare id of `patient` means Patient/<id>.
      const typed = modifier && /^[A-Z]/.test(modifier) ? modifier : name === 'patient' ? 'Patient' : undefined;
      v = value
        .split(',')
        .map((one) => normaliseReference(one) ?? (typed && !one.includes('/') ? `${typed}/${one}` : one))
        .join(',');
      if (modifier && /^[A-Z]/.test(modifier)) k = name;
      checkNamedPatients(v, ctx);
    }
    if (resourceType === 'Patient' && name === '_id') for (const id of v.split(',')) if (!ctx.mayName(id)) throw forbidden('A patient-scoped token cannot search another patient.');
    filters.append(k, v);
    applied.append(k, v);
  }
  checkRequired(resourceType, filters, ctx);
  request.count = count;
  applied.set('_count', String(count));
  const parsed = parseSearchRequest(`${resourceType}?${filters.toString()}`);
  return { request: { ...request, filters: parsed.filters ?? [] } as SearchRequest, applied, countOnly, ...(elements ? { elements } : {}) };
}

function splitModifier(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

function checkFilterName(type: string, name: string, modifier: string | undefined, defs: Record<string, { type?: string }>, ctx: SearchContext): void {
  const refuse = (message: string) => FhirError.of(ctx.profile.refuse('unsupported-param', message));
  if (name.includes('.') || name.startsWith('_has') || UNSUPPORTED.has(name)) throw refuse(`Search parameter '${name}' (chained, _has, _filter and the like) is not supported.`);
  if (!defs[name]) throw refuse(`Unknown search parameter '${name}' for ${type}.`);
  if (ctx.rules.searchParams && !ctx.rules.searchParams.includes(name)) throw refuse(`Search parameter '${name}' is not supported for ${type}.`);
  if (modifier && !MODIFIERS.has(modifier) && !(defs[name]?.type === 'reference' && /^[A-Z][A-Za-z]+$/.test(modifier))) {
    throw refuse(`Modifier ':${modifier}' is not supported on '${name}'.`);
  }
}

/** A search may name its own patient only (any reference value that is a Patient). */
function checkNamedPatients(values: string, ctx: SearchContext): void {
  for (const value of values.split(',')) {
    const id = patientIdOf(value);
    if (id && !ctx.mayName(id)) throw forbidden('A patient-scoped token cannot search another patient.');
  }
}

function checkRequired(type: string, filters: URLSearchParams, ctx: SearchContext): void {
  const sets = ctx.rules.requiredParams;
  if (!sets || sets.length === 0) return;
  const names = new Set([...filters.keys()].map((k) => splitModifier(k)[0]));
  if (sets.some((set) => set.every((p) => names.has(p)))) return;
  const wanted = sets.map((s) => s.join(' + ')).join(' or ');
  throw FhirError.of(ctx.profile.refuse('missing-param', `A ${type} search needs ${wanted}.`));
}

type ResultValue = number | SortRule[] | IncludeTarget | string | string[] | 'ignored';

function resultParam(type: string, key: string, value: string, ctx: SearchContext, defs: Record<string, unknown>): ResultValue {
  const { profile } = ctx;
  const ignore = (what: string): 'ignored' => {
    if (ctx.strict) throw FhirError.of(profile.refuse('unsupported-param', `${what} is not supported (Prefer: handling=strict).`));
    return 'ignored';
  };
  if (key === '_count') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw badRequest('_count must be a non-negative integer.');
    return Math.min(n, profile.count.max);
  }
  if (key === '_offset') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw badRequest('_offset must be a non-negative integer.');
    return n;
  }
  if (key === '_sort') {
    if (!profile.sort) return ignore('_sort');
    return value.split(',').map((code) => {
      const descending = code.startsWith('-');
      const name = descending ? code.slice(1) : code;
      if (!defs[name]) throw badRequest(`Cannot sort by '${name}': not a search parameter of ${type}.`);
      return { code: name, descending };
    });
  }
  if (key.startsWith('_include') || key.startsWith('_revinclude')) return includeTarget(type, key, value, ctx);
  if (key === '_summary') {
    if (value === 'count' || value === 'false') return value;
    return ignore(`_summary=${value}`);
  }
  if (key === '_elements') return value.split(',').map((e) => e.trim()).filter(Boolean);
  if (key === '_total') {
    if (value === 'none' || value === 'estimate' || value === 'accurate') return value;
    throw badRequest('_total must be none, estimate or accurate.');
  }
  if (key === '_format' && !/json/i.test(value)) throw new FhirError(406, 'Only JSON is served.', 'not-supported');
  return 'ignored';
}

function includeTarget(type: string, key: string, value: string, ctx: SearchContext): IncludeTarget {
  const rev = key.startsWith('_revinclude');
  const modifier = key.split(':')[1];
  if (modifier !== undefined && modifier !== 'iterate') throw badRequest(`Unknown modifier on ${key}.`);
  const [source, param, target] = value.split(':');
  if (!source || !param || !getSearchParameters(source)?.[param] || getSearchParameters(source)?.[param]?.type !== 'reference') {
    throw FhirError.of(ctx.profile.refuse('unsupported-param', `${key}=${value}: not a reference search parameter.`));
  }
  if (!rev && source !== type) throw badRequest(`_include must start with the searched type (${type}).`);
  const allowed = rev ? ctx.rules.revinclude : ctx.rules.searchParams ? [] : undefined;
  if (allowed && !allowed.includes(`${source}:${param}`)) {
    throw FhirError.of(ctx.profile.refuse('unsupported-param', `${key}=${value} is not supported for ${type}.`));
  }
  return { resourceType: source, searchParam: param, ...(target ? { targetType: target } : {}), ...(modifier ? { modifier: 'iterate' as const } : {}) };
}
