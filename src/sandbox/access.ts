/**
 * Access decisions for FHIR requests. A token acts for a user (EHR or provider launch), for a
 * system (backend services) or is held to one patient by its patient/ scopes; each granting scope
 * reaches:
 *  - system/…  every patient (only for a token whose actor is a system);
 *  - user/…    every patient the user may see (`AccessPolicy.userMaySee`; by default all of them);
 *  - patient/… the launch patient's compartment only (compartment.ts); shared resources of no
 *              patient (Practitioner, Medication, …) may be read but not written;
 * and a granular v2 scope (`?category=…`) only the resources matching its query.
 * A resource is allowed when one granting scope allows it; a search is narrowed to the patient's
 * compartment when every granting scope is a patient/ one.
 */
import { matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { isPatientLinkedType } from './compartment.ts';
import { grantingScopes, parseScopes } from './scopes.ts';
import type { Permission, ResourceScope } from './scopes.ts';
import type { AccessGrant } from './tokens.ts';

export interface AccessPolicy {
  /** Whether a user (fhirUser reference, e.g. `Practitioner/x`) may see a patient's data. */
  userMaySee(fhirUser: string | undefined, patientId: string): boolean;
}

export const SEE_EVERY_PATIENT: AccessPolicy = { userMaySee: () => true };

export interface Reach {
  /** Set when every granting scope is a patient/ scope: the request is held to this compartment. */
  patient?: string;
  /** Whether this resource (stored, or about to be written) is within what the token may touch. */
  allows(resource: Resource): boolean;
}

export type Decision = { ok: true; reach: Reach } | { ok: false; status: 403; message: string };

/** Owners of a resource: patient ids whose compartment holds it (SandboxRepository.ownersOf). */
export type OwnersOf = (resource: Resource) => ReadonlySet<string>;

export function decide(grant: AccessGrant, resourceType: string, permission: Permission, ownersOf: OwnersOf, policy: AccessPolicy): Decision {
  const scopes = grantingScopes(parseScopes(grant.scope), resourceType, permission).filter((s) => usable(s, grant));
  if (scopes.length === 0) {
    const anyScope = grantingScopes(parseScopes(grant.scope), resourceType, permission).length > 0;
    const message = anyScope
      ? `The token's scopes for '${permission}' on ${resourceType} need ${grant.actor === 'system' ? 'a user or patient' : 'a patient in context or a system'} it does not have.`
      : `Scope does not permit '${permission}' on ${resourceType}.`;
    return { ok: false, status: 403, message };
  }
  const write = permission === 'c' || permission === 'u' || permission === 'd';
  const checks = scopes.map((s) => scopeCheck(s, grant, ownersOf, policy, write));
  const patientOnly = scopes.every((s) => s.context === 'patient');
  return {
    ok: true,
    reach: {
      ...(patientOnly ? { patient: grant.context.patient } : {}),
      allows: (resource) => checks.some((check) => check(resource)),
    },
  };
}

/** system/ scopes only for a system actor, user/ only for a user, patient/ only with a patient. */
function usable(scope: ResourceScope, grant: AccessGrant): boolean {
  if (scope.context === 'system') return grant.actor === 'system';
  if (scope.context === 'user') return grant.actor === 'user';
  return !!grant.context.patient;
}

function scopeCheck(scope: ResourceScope, grant: AccessGrant, ownersOf: OwnersOf, policy: AccessPolicy, write: boolean): (r: Resource) => boolean {
  const matchesQuery = scope.query ? queryMatcher(scope.query) : () => true;
  const inReach = reachOf(scope, grant, ownersOf, policy, write);
  return (r) => inReach(r) && matchesQuery(r);
}

function reachOf(scope: ResourceScope, grant: AccessGrant, ownersOf: OwnersOf, policy: AccessPolicy, write: boolean): (r: Resource) => boolean {
  if (scope.context === 'system') return () => true;
  if (scope.context === 'user') {
    return (r) => [...ownersOf(r)].every((p) => policy.userMaySee(grant.fhirUser, p));
  }
  const patient = grant.context.patient as string;
  return (r) => {
    if (!isPatientLinkedType(r.resourceType)) return !write;
    const owners = ownersOf(r);
    return owners.size > 0 && [...owners].every((p) => p === patient);
  };
}

const queries = new Map<string, SearchRequest>();

function queryMatcher(query: string): (r: Resource) => boolean {
  return (r) => {
    const key = `${r.resourceType}?${query}`;
    let request = queries.get(key);
    if (!request) {
      request = parseSearchRequest(key);
      queries.set(key, request);
    }
    return matchesSearchRequest(r, request);
  };
}
