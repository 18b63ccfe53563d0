/**
 * Bulk Data kick-off parameters (FHIR Bulk Data Access v2): `_outputFormat`, `_since`, `_type`,
 * and the `Prefer: respond-async` header. Anything else is refused with a 400 OperationOutcome,
 * unless the client sent `Prefer: handling=lenient`, when unsupported parameters are ignored.
 */
import { getSearchParameters } from '@medplum/core';

export const NDJSON = 'application/fhir+ndjson';
const OUTPUT_FORMATS = new Set([NDJSON, 'application/ndjson', 'ndjson']);
/** FHIR `instant`: a full date-time with seconds and a time zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const UNSUPPORTED = new Set(['_elements', '_typeFilter', 'patient', 'includeAssociatedData', '_until', 'organizeOutputBy', 'allowPartialManifests']);

/**
 * The served types a patient-level export returns: Patient and the types that name their patient
 * (a `patient` search parameter). Group is left out: it would come once per member.
 */
export function exportableTypes(served: readonly string[]): string[] {
  return served.filter((t) => t === 'Patient' || getSearchParameters(t)?.['patient'] !== undefined);
}

export interface KickoffRequest {
  /** Requested types; undefined = every exportable type the token may read. */
  types: string[] | undefined;
  /** Epoch ms of `_since`, if given. */
  since: number | undefined;
}

export type Parsed = { ok: true; request: KickoffRequest } | { ok: false; status: 400; message: string };

export function parseKickoff(query: URLSearchParams, prefer: string | undefined, exportable: readonly string[]): Parsed {
  const bad = (message: string): Parsed => ({ ok: false, status: 400, message });
  const preferences = (prefer ?? '').split(',').map((p) => p.trim().toLowerCase());
  if (!preferences.includes('respond-async')) return bad('Bulk export needs the header Prefer: respond-async.');
  const lenient = preferences.includes('handling=lenient');
  for (const key of new Set(query.keys())) {
    if (key === '_outputFormat' || key === '_since' || key === '_type') continue;
    if (lenient && UNSUPPORTED.has(key)) continue;
    return bad(UNSUPPORTED.has(key) ? `The parameter ${key} is not supported by this server.` : `Unknown parameter ${key}.`);
  }
  const format = query.get('_outputFormat');
  if (format !== null && !OUTPUT_FORMATS.has(format)) return bad(`_outputFormat ${format} is not supported; use ${NDJSON}.`);
  let since: number | undefined;
  const sinceText = query.get('_since');
  if (sinceText !== null) {
    since = INSTANT.test(sinceText) ? Date.parse(sinceText) : Number.NaN;
    if (!Number.isFinite(since)) return bad('_since must be a FHIR instant with a time zone, e.g. 2025-03-10T00:00:00Z.');
  }
  const typeValues = query.getAll('_type').flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
  if (query.has('_type') && typeValues.length === 0) return bad('_type is empty.');
  const unknown = typeValues.filter((t) => !exportable.includes(t));
  if (unknown.length > 0) return bad(`_type names types this server cannot export: ${unknown.join(', ')}.`);
  return { ok: true, request: { types: typeValues.length > 0 ? [...new Set(typeValues)] : undefined, since } };
}
