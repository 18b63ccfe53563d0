/**
 * What population access adds to the discovery documents: SMART Backend Services in the SMART
 * configuration (private_key_jwt with RS384/ES384, client_credentials, system/ scopes,
 * client-confidential-asymmetric) and the Bulk Data export operations in the CapabilityStatement.
 */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { ASSERTION_ALGS } from '../backend-services/assertion.ts';
import type { SmartConfiguration } from '../capability.ts';
import type { ScopePolicy } from '../scopes.ts';

/** The types the population run writes results back as. */
const WRITE_TYPES = ['Observation', 'DocumentReference'];

/** The system/ scopes a backend client can be granted, in the syntax the profile grants. */
export function systemScopes(policy: ScopePolicy, readTypes: readonly string[]): string[] {
  const reads = policy.wildcards ? ['*'] : readTypes;
  const out: string[] = [];
  if (policy.v2) out.push(...reads.map((t) => `system/${t}.rs`), ...WRITE_TYPES.map((t) => `system/${t}.c`));
  if (policy.v1) out.push(...reads.map((t) => `system/${t}.read`), ...WRITE_TYPES.map((t) => `system/${t}.write`));
  return out;
}

export function addBackendServices(conf: SmartConfiguration, scopes: string[]): void {
  const methods = Array.isArray(conf.token_endpoint_auth_methods_supported) ? (conf.token_endpoint_auth_methods_supported as string[]) : [];
  conf.token_endpoint_auth_methods_supported = [...methods, 'private_key_jwt'];
  conf.token_endpoint_auth_signing_alg_values_supported = [...ASSERTION_ALGS];
  conf.grant_types_supported.push('client_credentials');
  conf.scopes_supported.push(...scopes);
  conf.capabilities.push('client-confidential-asymmetric');
}

type RestResource = NonNullable<NonNullable<CapabilityStatement['rest']>[number]['resource']>[number];

const EXPORT_OPERATIONS: [RestResource['type'], { name: string; definition: string }][] = [
  ['Patient', { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' }],
  ['Group', { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }],
];

/** Declares Bulk Data v2 (`instantiates`) and the Patient and Group `$export` operations. */
export function addBulkData(cs: CapabilityStatement): void {
  cs.instantiates = [...(cs.instantiates ?? []), 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'];
  const rest = cs.rest?.[0];
  if (!rest) return;
  rest.resource ??= [];
  const resources = rest.resource;
  for (const [type, op] of EXPORT_OPERATIONS) {
    let entry = resources.find((r) => r.type === type);
    if (!entry) {
      entry = { type }; // a profile that serves no Group interactions still serves its $export
      resources.push(entry);
    }
    entry.operation = [...(entry.operation ?? []), op];
  }
}
