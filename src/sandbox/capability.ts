/**
 * Discovery documents built from the vendor profile, so they advertise exactly what is enforced:
 * the SMART configuration (capabilities, scopes, PKCE, grant types) and the CapabilityStatement served
 * at `/metadata` (types, interactions, search parameters, conditional operations, batch/transaction).
 */
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { VendorProfile } from './profiles/index.ts';

export type SmartConfiguration = Record<string, unknown> & { grant_types_supported: string[]; capabilities: string[]; scopes_supported: string[] };

const SHARED_CAPABILITIES = [
  'launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric', 'context-ehr-patient',
  'context-ehr-encounter', 'context-standalone-patient', 'context-banner', 'context-style', 'permission-patient',
  'permission-user', 'permission-offline', 'permission-online', 'sso-openid-connect',
];

const NON_RESOURCE_SCOPES = ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access'];

export function smartConfiguration(origin: string, profile: VendorProfile): SmartConfiguration {
  return {
    issuer: origin,
    jwks_uri: `${origin}/auth/jwks`,
    authorization_endpoint: `${origin}/auth/authorize`,
    token_endpoint: `${origin}/auth/token`,
    introspection_endpoint: `${origin}/auth/introspect`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    scopes_supported: scopesSupported(profile),
    code_challenge_methods_supported: ['S256'],
    capabilities: [...SHARED_CAPABILITIES, ...profile.smartCapabilities],
  };
}

/** The resource scopes a user-facing app may be granted under this profile (system/ ones come from backend services). */
function scopesSupported(profile: VendorProfile): string[] {
  const out = [...NON_RESOURCE_SCOPES];
  const types = profile.scopes.wildcards ? ['*', ...profile.types] : [...profile.types];
  for (const context of ['patient', 'user']) {
    for (const type of types) {
      if (profile.scopes.v1) out.push(`${context}/${type}.read`, `${context}/${type}.write`);
      if (profile.scopes.v2) out.push(`${context}/${type}.rs`, `${context}/${type}.cruds`);
    }
  }
  return out;
}

export function capabilityStatement(origin: string, fhirBase: string, profile: VendorProfile): CapabilityStatement {
  const restInteractions = [
    ...(profile.transaction ? [{ code: 'transaction' }] : []),
    ...(profile.batch ? [{ code: 'batch' }] : []),
    ...(profile.types.some((t) => profile.rules(t)?.interactions.includes('history-type')) ? [{ code: 'history-system' }] : []),
  ];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-01',
    kind: 'instance',
    software: { name: profile.software, version: '0.2.0' },
    implementation: { description: `Local SMART on FHIR sandbox (SANDBOX_PROFILE=${profile.name})`, url: fhirBase },
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
        ...(restInteractions.length > 0 ? { interaction: restInteractions } : {}),
        resource: profile.types.map((type) => resourceEntry(type, profile)) as unknown as NonNullable<CapabilityStatement['rest']>[number]['resource'],
      },
    ],
  } as CapabilityStatement;
}

function resourceEntry(type: string, profile: VendorProfile): Record<string, unknown> {
  const rules = profile.rules(type);
  const interactions = rules?.interactions ?? [];
  const defs = getSearchParameters(type) ?? {};
  const names = (rules?.searchParams ?? Object.keys(defs)).filter((n) => n !== '_compartment' && defs[n]);
  return {
    type,
    interaction: interactions.map((code) => ({ code })),
    ...(interactions.includes('vread') || interactions.includes('history-instance') ? { versioning: 'versioned' } : { versioning: 'no-version' }),
    readHistory: interactions.includes('vread'),
    updateCreate: interactions.includes('update'),
    conditionalCreate: interactions.includes('create') && profile.conditionalCreate,
    conditionalUpdate: interactions.includes('update') && profile.conditionalUpdate,
    conditionalDelete: interactions.includes('delete') && profile.conditionalDelete ? 'single' : 'not-supported',
    ...(rules?.revinclude ? { searchRevInclude: [...rules.revinclude] } : {}),
    searchParam: [
      ...names.map((name) => ({ name, type: defs[name]?.type ?? 'token' })),
      { name: '_count', type: 'number', documentation: `Default ${profile.count.default}, at most ${profile.count.max}.` },
      ...(profile.sort ? [{ name: '_sort', type: 'special' }] : []),
    ],
  };
}
