/**
 * What population access adds to the discovery documents: SMART Backend Services in the SMART
 * configuration (private_key_jwt with RS384/ES384, client_credentials, system/ scopes,
 * client-confidential-asymmetric) and the Bulk Data export operations in the CapabilityStatement.
 */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { ASSERTION_ALGS } from '../backend-services/assertion.ts';

const SYSTEM_SCOPES = ['system/*.rs', 'system/*.read', 'system/Observation.c', 'system/DocumentReference.c'];

export function withBackendServices(config: Record<string, unknown>): Record<string, unknown> {
  const list = (key: string) => (Array.isArray(config[key]) ? (config[key] as string[]) : []);
  return {
    ...config,
    token_endpoint_auth_methods_supported: [...list('token_endpoint_auth_methods_supported'), 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    grant_types_supported: [...list('grant_types_supported'), 'client_credentials'],
    scopes_supported: [...list('scopes_supported'), ...SYSTEM_SCOPES],
    capabilities: [...list('capabilities'), 'client-confidential-asymmetric'],
  };
}

const EXPORT_OPERATIONS: Record<string, { name: string; definition: string }> = {
  Patient: { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' },
  Group: { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' },
};

/** Declares Bulk Data v2 (`instantiates`) and the Patient and Group `$export` operations. */
export function withBulkData(statement: CapabilityStatement): CapabilityStatement {
  const rest = statement.rest?.map((r) => ({
    ...r,
    resource: r.resource?.map((res) => {
      const op = EXPORT_OPERATIONS[res.type];
      return op ? { ...res, operation: [...(res.operation ?? []), op] } : res;
    }),
  }));
  return { ...statement, instantiates: [...(statement.instantiates ?? []), 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'], rest };
}
