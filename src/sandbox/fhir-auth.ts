/**
 * Scope enforcement for FHIR requests: maps an interaction to a SMART permission, decides whether
 * the token is limited to one patient, and checks or narrows the request to that patient.
 */
import type { Resource } from '@medplum/fhirtypes';
import { patientOf } from './fhir-store.ts';
import { grantingContexts, parseScopes } from './scopes.ts';
import type { Permission } from './scopes.ts';
import type { AccessGrant } from './tokens.ts';

export type Access = { ok: true; patient: string | undefined } | { ok: false; status: 403; message: string };

/** `patient` is set when only patient/ scopes grant this access: the request is held to it. */
export function checkAccess(grant: AccessGrant, resourceType: string, permission: Permission): Access {
  const contexts = grantingContexts(parseScopes(grant.scope), resourceType, permission);
  if (contexts.size === 0) {
    return { ok: false, status: 403, message: `Scope does not permit '${permission}' on ${resourceType}.` };
  }
  if (contexts.has('user') || contexts.has('system')) return { ok: true, patient: undefined };
  if (!grant.context.patient) return { ok: false, status: 403, message: 'patient/ scopes need a patient in context.' };
  return { ok: true, patient: grant.context.patient };
}

export function permissionFor(method: string, segments: string[]): Permission {
  if (method === 'GET' || method === 'HEAD') return segments.length >= 2 ? 'r' : 's';
  if (method === 'POST') return segments[1] === '_search' ? 's' : 'c';
  if (method === 'DELETE') return 'd';
  return 'u';
}

/** A patient-held token may touch resources of no patient (Practitioner, Medication) or its own. */
export function resourceAllowed(resource: Resource | undefined, patient: string | undefined): boolean {
  if (!resource || !patient) return true;
  const owner = patientOf(resource);
  return owner === undefined || owner === patient;
}

/**
 * Narrows search parameters to the token's patient: a search naming another patient is refused;
 * a search naming none gets `patient=` (or `_id=` on Patient) added.
 */
export function restrictSearch(resourceType: string, params: URLSearchParams, patient: string): string | undefined {
  const key = resourceType === 'Patient' ? '_id' : params.has('subject') ? 'subject' : 'patient';
  const named = params.getAll(key).flatMap((v) => v.split(','));
  const wanted = resourceType === 'Patient' ? patient : `Patient/${patient}`;
  if (named.length === 0) {
    params.set(key, wanted);
    return undefined;
  }
  if (named.every((v) => v === wanted || v === patient)) return undefined;
  return 'A patient-scoped token cannot search another patient.';
}
