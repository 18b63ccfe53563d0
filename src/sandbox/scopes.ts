/**
 * SMART scope parsing for both syntaxes: v1 `patient/Observation.read|write|*` and v2
 * `patient/Observation.cruds` (any subset, in order) with an optional granular query
 * (`patient/Observation.rs?category=vital-signs`, enforced by access.ts).
 */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
export type ScopeContext = 'patient' | 'user' | 'system';

export interface ResourceScope {
  context: ScopeContext;
  resourceType: string; // a type name or '*'
  permissions: Set<Permission>;
  version: 1 | 2;
  /** v2 granular restriction, e.g. `category=vital-signs` (undefined = the whole type). */
  query?: string;
}

/** What a profile lets an app be granted (see profiles/). */
export interface ScopePolicy {
  v1: boolean;
  v2: boolean;
  wildcards: boolean;
}

const V1: Record<string, Permission[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

const NON_RESOURCE = new Set([
  'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
]);

export function parseScopes(scope: string): ResourceScope[] {
  return scope.split(/\s+/).flatMap((s) => {
    const parsed = parseScope(s);
    return parsed ? [parsed] : [];
  });
}

export function parseScope(scope: string): ResourceScope | undefined {
  const match = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(?:\?(.+))?$/.exec(scope);
  if (!match) return undefined;
  const [, context, resourceType, action, query] = match as unknown as [string, ScopeContext, string, string, string | undefined];
  const v1 = V1[action];
  if (v1) return query ? undefined : { context, resourceType, permissions: new Set(v1), version: 1 };
  if (!/^c?r?u?d?s?$/.test(action) || action === '') return undefined;
  return { context, resourceType, permissions: new Set(action.split('') as Permission[]), version: 2, ...(query ? { query } : {}) };
}

/** The scopes of `scope` that grant this permission on this type. */
export function grantingScopes(scopes: ResourceScope[], resourceType: string, permission: Permission): ResourceScope[] {
  return scopes.filter((s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(permission));
}

/**
 * The scope a user-facing authorization grants: the non-resource scopes the sandbox knows plus the
 * resource scopes the policy allows. `system/` scopes belong to backend services, never to a user's
 * authorization. Unknown or refused scopes are dropped (RFC 6749 §3.3: the token response says what
 * was granted), and listed in `refused` for the caller's log or error.
 */
export function grantableScope(requested: string, policy: ScopePolicy): { scope: string; refused: string[] } {
  const granted: string[] = [];
  const refused: string[] = [];
  for (const s of requested.split(/\s+/).filter(Boolean)) {
    const parsed = parseScope(s);
    const ok = NON_RESOURCE.has(s) || (parsed !== undefined && parsed.context !== 'system' && allowedBy(parsed, policy));
    (ok ? granted : refused).push(s);
  }
  return { scope: [...new Set(granted)].join(' '), refused };
}

/** Whether a profile's scope policy grants this syntax (v1/v2) and resource type (wildcards). */
export function allowedBy(scope: ResourceScope, policy: ScopePolicy): boolean {
  if (scope.version === 1 ? !policy.v1 : !policy.v2) return false;
  return policy.wildcards || scope.resourceType !== '*';
}
