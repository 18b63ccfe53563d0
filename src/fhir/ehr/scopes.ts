// SMART scopes in both syntaxes: what a granted scope string allows (v1 `patient/Observation.read|write|*`,
// v2 `patient/Observation.cruds` with an optional `?query`), and the scope string to ask for, per
// resource, in the version the server speaks. Pure.

export type ScopeAction = 'c' | 'r' | 'u' | 'd' | 's';
export type ScopeVersion = 'v1' | 'v2';

interface ParsedScope {
  context: 'patient' | 'user' | 'system';
  type: string; // a resource type or '*'
  actions: ReadonlySet<ScopeAction>;
}

const V1: Record<string, ScopeAction[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

function parseOne(scope: string): ParsedScope | null {
  const m = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(scope);
  if (!m) return null;
  const actions = V1[m[3]!] ?? (/^c?r?u?d?s?$/.test(m[3]!) ? (m[3]!.split('') as ScopeAction[]) : null);
  return actions && actions.length > 0 ? { context: m[1] as ParsedScope['context'], type: m[2]!, actions: new Set(actions) } : null;
}

/**
 * Does the granted scope string allow `action` on `type`? true/false when the string says; null when
 * no scope was reported (the server decides). A v2 query suffix (`?category=…`) narrows but still allows.
 */
export function scopeAllows(granted: string | null | undefined, type: string, action: ScopeAction, context?: ParsedScope['context']): boolean | null {
  if (granted === null || granted === undefined || granted.trim() === '') return null;
  return granted
    .split(/\s+/)
    .map(parseOne)
    .some((s) => s !== null && (context === undefined || s.context === context) && (s.type === '*' || s.type === type) && s.actions.has(action));
}

/**
 * One resource scope in the server's syntax: read = v1 `.read` / v2 `.rs`; create = v1 `.write` / v2 `.c`.
 * `context`: `patient/` (the launch patient), `user/` (what the signed-in user may see: the care-team panel)
 * or `system/` (a Backend Services client: the population run).
 */
export function resourceScope(version: ScopeVersion, type: string, access: 'read' | 'create', context: 'patient' | 'user' | 'system' = 'patient'): string {
  if (version === 'v2') return `${context}/${type}.${access === 'read' ? 'rs' : 'c'}`;
  return `${context}/${type}.${access === 'read' ? 'read' : 'write'}`;
}
