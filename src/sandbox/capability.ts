/** Discovery documents: the SMART configuration and the CapabilityStatement for `/metadata`. */
import type { CapabilityStatement } from '@medplum/fhirtypes';

export const SUPPORTED_TYPES = [
  'Patient', 'Practitioner', 'Organization', 'Encounter', 'Observation', 'QuestionnaireResponse',
  'Questionnaire', 'MedicationRequest', 'MedicationStatement', 'Medication', 'Condition',
  'DiagnosticReport', 'Procedure', 'AllergyIntolerance', 'Immunization', 'CarePlan', 'Goal',
  'Claim', 'ExplanationOfBenefit', 'Provenance',
];

const SCOPES = [
  'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
  'patient/*.read', 'patient/*.rs', 'patient/*.cruds', 'user/*.read', 'user/*.rs', 'user/*.cruds',
  'patient/Observation.read', 'patient/Observation.write', 'patient/Observation.rs', 'patient/Observation.c',
];

export function smartConfiguration(origin: string): Record<string, unknown> {
  return {
    issuer: origin,
    jwks_uri: `${origin}/auth/jwks`,
    authorization_endpoint: `${origin}/auth/authorize`,
    token_endpoint: `${origin}/auth/token`,
    introspection_endpoint: `${origin}/auth/introspect`,
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    scopes_supported: SCOPES,
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric',
      'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'context-banner',
      'context-style', 'permission-patient', 'permission-user', 'permission-offline', 'permission-online',
      'permission-v1', 'permission-v2', 'sso-openid-connect',
    ],
  };
}

export function capabilityStatement(origin: string, fhirBase: string): CapabilityStatement {
  const searchParams = ['patient', 'subject', 'code', 'category', 'date', 'status', 'identifier', '_id', '_sort', '_count', '_include'];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    software: { name: 'Tidemark sandbox EHR', version: '0.1.0' },
    implementation: { description: 'Local SMART on FHIR sandbox', url: fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${origin}/auth/authorize` },
                { url: 'token', valueUri: `${origin}/auth/token` },
                { url: 'introspect', valueUri: `${origin}/auth/introspect` },
              ],
            },
          ],
        },
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: SUPPORTED_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }, { code: 'update' }],
          conditionalCreate: true,
          searchParam: searchParams.map((name) => ({ name, type: name === 'date' ? 'date' : name === '_count' ? 'number' : 'token' })),
        })) as NonNullable<CapabilityStatement['rest']>[number]['resource'],
      },
    ],
  };
}
