/**
 * `open` (the default): a permissive FHIR R4 server, as the sandbox has always been — every
 * interaction, every search parameter, conditional create/update/delete, batch and transaction,
 * SMART v1 and v2 scopes including wildcards — but with patient compartments that hold.
 */
import { ALL_INTERACTIONS, fhirWording } from './profile.ts';
import type { ResourceRules, VendorProfile } from './profile.ts';

/** What the sandbox stores and serves (the stories' types, Synthea's, and what the population work writes). */
export const SERVED_TYPES = [
  'Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Encounter', 'Observation',
  'QuestionnaireResponse', 'Questionnaire', 'MedicationRequest', 'MedicationStatement', 'MedicationAdministration',
  'MedicationDispense', 'Medication', 'Condition', 'DiagnosticReport', 'DocumentReference', 'Procedure',
  'AllergyIntolerance', 'Immunization', 'CarePlan', 'CareTeam', 'Goal', 'Claim', 'ExplanationOfBenefit', 'Coverage',
  'Provenance', 'Device', 'ImagingStudy', 'SupplyDelivery', 'ServiceRequest', 'RelatedPerson', 'Group', 'List',
  'Communication', 'Appointment', 'Consent', 'Flag', 'RiskAssessment', 'Specimen', 'Basic',
] as const;

const SERVED: ReadonlySet<string> = new Set(SERVED_TYPES);
const EVERYTHING: ResourceRules = { interactions: ALL_INTERACTIONS };

export const openProfile: VendorProfile = {
  name: 'open',
  software: 'Tidemark sandbox EHR',
  rules: (type) => (SERVED.has(type) ? EVERYTHING : undefined),
  types: SERVED_TYPES,
  batch: true,
  transaction: true,
  conditionalCreate: true,
  conditionalUpdate: true,
  conditionalDelete: true,
  sort: true,
  count: { default: 50, max: 1000, shortLaterPages: false },
  scopes: { v1: true, v2: true, wildcards: true },
  pkceRequired: true,
  refresh: { publicClients: true, rotate: true, minIntervalSeconds: 0, onlineLifetimeSeconds: 8 * 3600, offlineLifetimeSeconds: 90 * 86400 },
  refuse: fhirWording,
  smartCapabilities: ['permission-v1', 'permission-v2'],
};
