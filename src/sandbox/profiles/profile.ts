/**
 * What a vendor profile (`SANDBOX_PROFILE=open|epic|cerner`) decides: which types, interactions and
 * search parameters the FHIR API serves, what a create must look like, paging, which SMART scopes,
 * PKCE and refresh rules the authorization server applies, and how refusals are worded. The
 * CapabilityStatement and SMART configuration are built from the same object, so what the sandbox
 * advertises is what it enforces.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ScopePolicy } from '../scopes.ts';

export type ProfileName = 'open' | 'epic' | 'cerner';

export type Interaction = 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type' | 'create' | 'search-type';

/** A vendor's answer to what it does not do: status + OperationOutcome issue. */
export interface Refusal {
  status: 400 | 403 | 404 | 405 | 409 | 412 | 422;
  /** OperationOutcome issue code (http://hl7.org/fhir/issue-type). */
  code: string;
  message: string;
  /** The vendor's own error code, when it documents one (Epic's 4100-series). */
  vendorCode?: { system: string; code: string; display: string };
}

export interface CreateContext {
  /** The actor of the token (Oracle: provider vs system access differ for DocumentReference). */
  actor: 'user' | 'system' | 'patient';
  /** Looks for an existing resource (Epic's non-duplicable flowsheet rows). */
  exists(resourceType: string, query: string, patient: string | undefined): Promise<boolean>;
}

export interface ResourceRules {
  interactions: readonly Interaction[];
  /**
   * Search parameters that change what matches (every FHIR parameter of the type when undefined).
   * Any other filter is refused; result parameters (_count, _sort, …) are handled apart.
   */
  searchParams?: readonly string[];
  /** A search must name every parameter of one of these sets (e.g. [['patient','code'], ['_id']]). */
  requiredParams?: readonly (readonly string[])[];
  /** `_revinclude` targets allowed (all when undefined). */
  revinclude?: readonly string[];
  /** Refuses a body about to be created; called after the access checks. */
  checkCreate?(resource: Resource, ctx: CreateContext): Promise<Refusal | undefined> | Refusal | undefined;
  /** Adjusts an accepted body before it is stored (Epic files vitals under a flowsheet row). */
  prepareCreate?(resource: Resource): Resource;
  /** Resources of this type the vendor's API never returns (read → 404, search → left out). */
  hidden?(resource: Resource): boolean;
}

export interface RefreshRules {
  /** Whether a public client (no client authentication) gets a refresh token. */
  publicClients: boolean;
  /** A new refresh token with every refresh (the old one retired). */
  rotate: boolean;
  /** Minimum seconds between two refreshes of the same authorization (0 = none). */
  minIntervalSeconds: number;
  onlineLifetimeSeconds: number;
  offlineLifetimeSeconds: number;
}

export interface VendorProfile {
  name: ProfileName;
  /** CapabilityStatement.software.name */
  software: string;
  /** Rules of a served type, undefined for a type the vendor does not serve. */
  rules(resourceType: string): ResourceRules | undefined;
  /** Every served type (CapabilityStatement order). */
  types: readonly string[];
  batch: boolean;
  transaction: boolean;
  conditionalCreate: boolean;
  conditionalUpdate: boolean;
  conditionalDelete: boolean;
  /** `_sort` honoured (otherwise ignored and left out of the self link, as FHIR's lenient handling allows). */
  sort: boolean;
  count: { default: number; max: number; /** pages after the first may hold fewer than _count */ shortLaterPages: boolean };
  scopes: ScopePolicy;
  pkceRequired: boolean;
  /** Access-token lifetime the vendor uses (seconds); undefined → SANDBOX_TOKEN_LIFETIME. */
  accessLifetimeSeconds?: number;
  refresh: RefreshRules;
  /** How refusals are worded (vendor codes). */
  refuse: RefusalWording;
  /** SMART capabilities beyond the ones every profile shares. */
  smartCapabilities: readonly string[];
}

export type RefusalKind = 'unsupported-type' | 'unsupported-interaction' | 'unsupported-param' | 'missing-param' | 'business-rule' | 'unsupported-fields';

export type RefusalWording = (kind: RefusalKind, message: string) => Refusal;

/** FHIR's own wording: 404 for an unknown type, 405 for an interaction, 400 for parameters, 422 for bodies. */
export const fhirWording: RefusalWording = (kind, message) => {
  switch (kind) {
    case 'unsupported-type':
      return { status: 404, code: 'not-supported', message };
    case 'unsupported-interaction':
      return { status: 405, code: 'not-supported', message };
    case 'unsupported-param':
    case 'missing-param':
      return { status: 400, code: kind === 'missing-param' ? 'required' : 'not-supported', message };
    default:
      return { status: 422, code: 'business-rule', message };
  }
};

/** What Epic's and Oracle's documentation does not offer: batch, transaction, conditional operations, `_sort`. */
export const VENDOR_BASE = {
  batch: false,
  transaction: false,
  conditionalCreate: false,
  conditionalUpdate: false,
  conditionalDelete: false,
  sort: false,
} as const satisfies Partial<VendorProfile>;

export const READ_SEARCH: readonly Interaction[] = ['read', 'search-type'];
export const ALL_INTERACTIONS: readonly Interaction[] = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];

/** The codings of a CodeableConcept-valued field. */
export function codings(value: unknown): { system?: string; code?: string }[] {
  return ((value as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []).filter(Boolean);
}

/** Codes of a resource's `category` (list of CodeableConcepts). */
export function categoryCodes(resource: Resource): string[] {
  const categories = (resource as { category?: unknown[] }).category ?? [];
  return categories.flatMap((c) => codings(c).map((x) => x.code ?? ''));
}
