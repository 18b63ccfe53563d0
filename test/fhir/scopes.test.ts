// What a granted SMART scope string allows (src/fhir/ehr/scopes.ts): both syntaxes, wildcards, v2
// query suffixes, and the context (patient/ user/ system/) when one is asked for — the launch without a
// patient shows the care-team panel only when the token may read Groups as the user.
import { describe, expect, it } from 'vitest';
import { resourceScope, scopeAllows } from '../../src/fhir/ehr/scopes.ts';

describe('scopeAllows', () => {
  it('reads v1 and v2 syntax, wildcards and query suffixes; unknown when nothing was reported', () => {
    expect(scopeAllows('patient/Observation.read', 'Observation', 'r')).toBe(true);
    expect(scopeAllows('patient/Observation.read', 'Observation', 'c')).toBe(false);
    expect(scopeAllows('patient/Observation.write', 'Observation', 'c')).toBe(true);
    expect(scopeAllows('user/*.cruds', 'Group', 'r')).toBe(true);
    expect(scopeAllows('patient/Observation.rs?category=laboratory', 'Observation', 's')).toBe(true);
    expect(scopeAllows('openid fhirUser', 'Group', 'r')).toBe(false);
    expect(scopeAllows('', 'Group', 'r')).toBeNull();
    expect(scopeAllows(undefined, 'Group', 'r')).toBeNull();
  });

  it('a context, when asked, must match: a patient/ Group scope is not the user’s access to the panel', () => {
    expect(scopeAllows('launch openid fhirUser user/Group.rs', 'Group', 'r', 'user')).toBe(true);
    expect(scopeAllows('user/Group.read', 'Group', 'r', 'user')).toBe(true);
    expect(scopeAllows('patient/Group.rs patient/*.read', 'Group', 'r', 'user')).toBe(false);
    expect(scopeAllows('system/Group.rs', 'Group', 'r', 'user')).toBe(false);
    expect(scopeAllows('patient/Group.rs', 'Group', 'r')).toBe(true);
  });

  it('asks in the server’s syntax for the context given', () => {
    expect(resourceScope('v2', 'Group', 'read', 'user')).toBe('user/Group.rs');
    expect(resourceScope('v1', 'DocumentReference', 'create', 'system')).toBe('system/DocumentReference.write');
    expect(resourceScope('v2', 'Observation', 'create')).toBe('patient/Observation.c');
  });
});
