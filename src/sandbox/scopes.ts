/**
 * SMART scope parsing for both syntaxes the app may request:
 * v1 `patient/Observation.read|write|*` and v2 `patient/Observation.cruds` (any subset, in order).
 * v2 granular query suffixes (`?category=...`) are accepted and treated as the whole type.
 */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
export type ScopeContext = 'patient' | 'user' | 'system';

export interface ResourceScope {
  context: ScopeContext;
  resourceType: string; // a type name or '*'
  permissions: Set<Permission>;
}

const V1: Record<string, Permission[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

export function parseScopes(scope: string): ResourceScope[] {
  return scope.split(/\s+/).flatMap((s) => {
    const parsed = parseOne(s);
    return parsed ? [parsed] : [];
  });
}

function parseOne(scope: string): ResourceScope | undefined {
  const match = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(scope);
  if (!match) return undefined;
  const [, context, resourceType, action] = match as unknown as [string, ScopeContext, string, string];
  const permissions = V1[action] ?? (/^c?r?u?d?s?$/.test(action) ? (action.split('') as Permission[]) : undefined);
  if (!permissions || permissions.length === 0) return undefined;
  return { context, resourceType, permissions: new Set(permissions) };
}

/** Which contexts grant this permission on this type (empty → forbidden). */
export function grantingContexts(scopes: ResourceScope[], resourceType: string, permission: Permission): Set<ScopeContext> {
  const contexts = new Set<ScopeContext>();
  for (const s of scopes) {
    if ((s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(permission)) contexts.add(s.context);
  }
  return contexts;
}

/** Keep only scopes the sandbox understands plus the well-known non-resource ones. */
export function normaliseRequestedScope(scope: string): string {
  const known = new Set(['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access']);
  return scope
    .split(/\s+/)
    .filter((s) => known.has(s) || parseOne(s) !== undefined)
    .join(' ');
}
