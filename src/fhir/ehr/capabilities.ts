// What one FHIR server says it can do, read from its CapabilityStatement (/metadata) and SMART
// configuration (.well-known/smart-configuration): which types it serves, which interactions and
// search parameters, conditional create, batch/transaction, the largest page, SMART v1/v2. Pure;
// zod-validated at the boundary. "Unknown" never means "refused": without a statement the reader
// and the writer fall back to plain FHIR and let the server answer.
// zod/mini: these schemas run on the launch page and before the app bundle loads (a small bundle).
import * as z from 'zod/mini';

const opt = <T extends z.ZodMiniType>(t: T) => z.optional(t);
const interactions = opt(z.array(z.looseObject({ code: z.string(), documentation: opt(z.string()) })));
const searchParams = opt(z.array(z.looseObject({ name: z.string(), documentation: opt(z.string()) })));

const capabilityStatementSchema = z.looseObject({
  resourceType: z.literal('CapabilityStatement'),
  publisher: opt(z.string()),
  software: opt(z.looseObject({ name: opt(z.string()), version: opt(z.string()) })),
  implementation: opt(z.looseObject({ description: opt(z.string()) })),
  rest: opt(
    z.array(
      z.looseObject({
        mode: opt(z.string()),
        interaction: interactions,
        resource: opt(
          z.array(
            z.looseObject({
              type: z.string(),
              interaction: interactions,
              conditionalCreate: opt(z.boolean()),
              searchParam: searchParams,
              supportedProfile: opt(z.array(z.string())),
              documentation: opt(z.string()),
            }),
          ),
        ),
      }),
    ),
  ),
});

const smartConfigurationSchema = z.looseObject({
  capabilities: opt(z.array(z.string())),
  scopes_supported: opt(z.array(z.string())),
});

export interface TypeCapabilities {
  interactions: ReadonlySet<string>;
  conditionalCreate: boolean;
  /** Search parameters the server lists for the type (result parameters such as _count apart). */
  searchParams: ReadonlySet<string>;
  /** The largest `_count` the server documents for the type, when it says. */
  maxCount?: number;
  /** `_sort` is listed among the type's search parameters. */
  sortListed: boolean;
  supportedProfiles: readonly string[];
  /** What the statement says about create (interaction or resource documentation), lower-cased. */
  createNotes: string;
}

export interface ServerCapabilities {
  /** A CapabilityStatement was read. */
  statement: boolean;
  /** The statement lists resources (one that lists none says nothing about any type). */
  typesListed: boolean;
  /** software.name / publisher / implementation.description, for recognising a vendor. */
  software: string;
  transaction: boolean;
  batch: boolean;
  types: ReadonlyMap<string, TypeCapabilities>;
  smart: SmartCapabilities;
}

export interface SmartCapabilities {
  /** A SMART configuration was read. */
  known: boolean;
  capabilities: ReadonlySet<string>;
  /** scopes_supported, when the server lists them. */
  scopesSupported: readonly string[] | null;
}

const NO_SMART: SmartCapabilities = { known: false, capabilities: new Set(), scopesSupported: null };

/** Nothing known: every check answers "allowed" and the server decides. */
export const UNKNOWN_CAPABILITIES: ServerCapabilities = Object.freeze({
  statement: false,
  typesListed: false,
  software: '',
  transaction: true,
  batch: true,
  types: new Map(),
  smart: NO_SMART,
});

/** "Default 50, at most 200." / "maximum 200" / "max: 200" in a `_count` parameter's documentation. */
function documentedMax(doc: string | undefined): number | undefined {
  const m = doc ? /(?:at most|max(?:imum)?)\D{0,12}(\d{1,6})/i.exec(doc) : null;
  const n = m ? Number(m[1]) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function parseSmartConfiguration(json: unknown): SmartCapabilities {
  const parsed = smartConfigurationSchema.safeParse(json);
  if (!parsed.success) return NO_SMART;
  return { known: true, capabilities: new Set(parsed.data.capabilities ?? []), scopesSupported: parsed.data.scopes_supported ?? null };
}

/** Reads a CapabilityStatement (anything else: unknown capabilities) and the SMART configuration. */
export function parseCapabilities(statement: unknown, smartConfiguration?: unknown): ServerCapabilities {
  const smart = smartConfiguration === undefined ? NO_SMART : parseSmartConfiguration(smartConfiguration);
  const parsed = capabilityStatementSchema.safeParse(statement);
  if (!parsed.success) return { ...UNKNOWN_CAPABILITIES, smart };
  const cs = parsed.data;
  const rest = cs.rest?.find((r) => r.mode === 'server') ?? cs.rest?.[0];
  const system = new Set((rest?.interaction ?? []).map((i) => i.code));
  const types = new Map<string, TypeCapabilities>();
  for (const r of rest?.resource ?? []) {
    const params = r.searchParam ?? [];
    const createDoc = (r.interaction ?? []).find((i) => i.code === 'create')?.documentation;
    types.set(r.type, {
      interactions: new Set((r.interaction ?? []).map((i) => i.code)),
      conditionalCreate: r.conditionalCreate === true,
      searchParams: new Set(params.map((p) => p.name).filter((n) => !n.startsWith('_') || n === '_id' || n === '_lastUpdated')),
      maxCount: documentedMax(params.find((p) => p.name === '_count')?.documentation),
      sortListed: params.some((p) => p.name === '_sort'),
      supportedProfiles: r.supportedProfile ?? [],
      createNotes: `${typeof createDoc === 'string' ? createDoc : ''} ${r.documentation ?? ''}`.toLowerCase(),
    });
  }
  const software = [cs.software?.name, cs.publisher, cs.implementation?.description].filter(Boolean).join(' · ');
  return {
    statement: true,
    typesListed: types.size > 0,
    software,
    // Without a system-level interaction list the statement is silent: assume neither.
    transaction: system.has('transaction'),
    batch: system.has('batch'),
    types,
    smart,
  };
}

/** The server serves this type (true when nothing is known). */
export function servesType(caps: ServerCapabilities, type: string): boolean {
  return !caps.typesListed || caps.types.has(type);
}

export function canSearchType(caps: ServerCapabilities, type: string): boolean {
  if (!caps.typesListed) return true;
  const t = caps.types.get(type);
  return !!t && (t.interactions.size === 0 || t.interactions.has('search-type'));
}

export function canCreateType(caps: ServerCapabilities, type: string): boolean {
  if (!caps.typesListed) return true;
  return caps.types.get(type)?.interactions.has('create') === true;
}

/** A search parameter the server lists for the type (true when the statement lists none). */
export function supportsSearchParam(caps: ServerCapabilities, type: string, param: string): boolean {
  if (!caps.typesListed) return true;
  const t = caps.types.get(type);
  if (!t) return false;
  if (param === '_sort' || param === '_count') return true; // result parameters: handled apart
  return t.searchParams.size === 0 || t.searchParams.has(param);
}

/** `_sort` is honoured only where the statement lists it (servers may ignore or refuse it otherwise). */
export function supportsSort(caps: ServerCapabilities, type: string): boolean {
  if (!caps.typesListed) return true;
  return caps.types.get(type)?.sortListed === true;
}

export function conditionalCreate(caps: ServerCapabilities, type: string): boolean {
  if (!caps.typesListed) return true;
  return caps.types.get(type)?.conditionalCreate === true;
}

/** The page size to ask for: ours, lowered to what the server documents for the type. */
export function pageSizeFor(caps: ServerCapabilities, type: string, wanted: number): number {
  const max = caps.types.get(type)?.maxCount;
  return max !== undefined ? Math.min(wanted, max) : wanted;
}

/** SMART v2 scopes only where the server advertises permission-v2; v1 otherwise. */
export function smartScopeVersion(smart: SmartCapabilities): 'v1' | 'v2' {
  if (smart.capabilities.has('permission-v2')) return 'v2';
  // A SMART configuration without permission-v2 (Epic's sandbox: permission-v1 only), or none at
  // all (older servers): v1 scopes, which every SMART server understands.
  return 'v1';
}

/** Does the server take wildcard resource scopes (patient/*.rs)? false when its scope list has none. */
export function acceptsWildcardScopes(smart: SmartCapabilities): boolean | null {
  if (!smart.scopesSupported) return null;
  return smart.scopesSupported.some((s) => /^(patient|user|system)\/\*\./.test(s));
}
