// Connects a population process to the EHR: what the server publishes (CapabilityStatement and SMART
// configuration, read once) and the write strategy the app would choose for it, the SMART Backend
// Services token (private_key_jwt, the dev key the sandbox trusts unless a key is named) for the scopes
// that strategy needs, the Bulk export of the Group, and authenticated reads. Used by the run and the worker.
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { parseCapabilities, smartScopeVersion, type ServerCapabilities } from '../fhir/ehr/capabilities.ts';
import { resourceScope } from '../fhir/ehr/scopes.ts';
import { type SiteServerConfig, siteConfig, siteEntryFor } from '../fhir/write/site-config.ts';
import { chooseWriteStrategy, type WriteStrategy } from '../fhir/write/strategy.ts';
import { BackendServicesAuth, readSmartConfiguration, type TokenSource, tokenEndpointOf } from './backend-auth.ts';
import { bulkExport } from './bulk-client.ts';
import type { PopulationConfig } from './config.ts';
import { ensureDevKey } from './dev-key.ts';
import { exportTypesFor, type ExportLines, type RunDeps } from './run.ts';

export interface Connection {
  auth: TokenSource;
  /** What the server publishes (unknown capabilities when it publishes nothing). */
  capabilities: ServerCapabilities;
  /** How results are written to this server: the app's choice (chooseWriteStrategy) for its capabilities and site settings. */
  strategy: WriteStrategy;
  /** The scope string the token is asked for. */
  scope: string;
  startExport(opts: { since: string | null; types: readonly string[] }): ExportLines;
  readJson(url: string): Promise<unknown>;
  /** Members of the Group (sizes the shards), when the server says. */
  groupSize(): Promise<number | undefined>;
}

/** What a run takes from its connection to the EHR (one wiring for the CLI and the tests). */
export function runDepsOf(conn: Connection): Pick<RunDeps, 'startExport' | 'expectedPatients' | 'readJson' | 'accessToken' | 'capabilities' | 'strategy'> {
  return {
    startExport: conn.startExport,
    expectedPatients: conn.groupSize,
    readJson: conn.readJson,
    accessToken: () => conn.auth.token(),
    capabilities: conn.capabilities,
    strategy: conn.strategy,
  };
}

/** Types the population run writes under a strategy (never an entered PHQ-9: nobody enters one at night). */
export function writtenTypes(strategy: WriteStrategy): string[] {
  return strategy.creates.filter((t) => t !== 'QuestionnaireResponse');
}

/**
 * What the run asks for and nothing wider: read (and search) of what it exports and of the Group,
 * create of what the strategy writes, search of what it looks for before writing (the note), in the
 * syntax the server speaks (v2 `.rs`/`.c` where the SMART configuration advertises permission-v2,
 * v1 `.read`/`.write` otherwise). No wildcards (Oracle Health refuses them).
 */
export function populationScope(caps: ServerCapabilities, strategy: WriteStrategy, write: boolean): string {
  const version = smartScopeVersion(caps.smart);
  const creates = write ? writtenTypes(strategy) : [];
  const reads = new Set(['Group', ...exportTypesFor(caps), ...(write ? strategy.reads.filter((t) => creates.includes(t)) : [])]);
  return [...[...reads].map((t) => resourceScope(version, t, 'read', 'system')), ...creates.map((t) => resourceScope(version, t, 'create', 'system'))].join(' ');
}

export async function connect(config: PopulationConfig): Promise<Connection> {
  const site = siteSettings(config); // a bad file stops the run before anything is asked of the server
  const privateJwk = config.keyPath ? readPrivateJwk(config.keyPath) : (await ensureDevKey()).privateJwk;
  // A named token endpoint makes the SMART configuration optional (without it: v1 scopes, which every server reads).
  const discovery = readSmartConfiguration(config.fhirBase).catch((error: unknown) => {
    if (config.tokenEndpoint) return { url: '', json: undefined };
    throw error;
  });
  const [smart, statement] = await Promise.all([discovery, readStatement(config.fhirBase)]);
  const capabilities = parseCapabilities(statement, smart.json);
  const strategy = chooseWriteStrategy(capabilities, site);
  const scope = populationScope(capabilities, strategy, config.write);
  const tokenEndpoint = config.tokenEndpoint ?? tokenEndpointOf(smart);
  const auth = new BackendServicesAuth({ tokenEndpoint, clientId: config.clientId, privateJwk, scope });
  const readJson = async (url: string): Promise<unknown> => {
    const target = /^https?:\/\//.test(url) ? url : `${config.fhirBase}/${url}`;
    const send = async () => fetch(target, { headers: { authorization: `Bearer ${await auth.token()}`, accept: 'application/fhir+json' } });
    let res = await send();
    if (res.status === 401) {
      auth.invalidate();
      res = await send();
    }
    if (!res.ok) throw new Error(`GET ${target.split('?')[0]} answered ${res.status}`);
    return res.json();
  };
  return {
    auth,
    capabilities,
    strategy,
    scope,
    readJson,
    startExport: ({ since, types }) =>
      // Polls at most every 5 s unless the server's Retry-After asks for longer (a night's export is minutes, not hours).
      bulkExport({ fhirBase: config.fhirBase, auth, group: config.groupId, types: [...types], ...(since ? { since } : {}), minPollMs: 500, maxPollMs: 5000 }) as ExportLines,
    async groupSize() {
      const g = (await readJson(`Group/${encodeURIComponent(config.groupId)}`)) as { quantity?: number; member?: unknown[] };
      return typeof g.quantity === 'number' ? g.quantity : g.member?.length;
    },
  };
}

/** /metadata is public (FHIR): null when the server does not publish one (then nothing is assumed refused). */
async function readStatement(fhirBase: string): Promise<unknown> {
  try {
    const res = await fetch(`${fhirBase}/metadata`, { headers: { accept: 'application/fhir+json' } });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

/** This server's entry of the site configuration file (the app's SITE_CONFIG), if one is named. */
function siteSettings(config: PopulationConfig): SiteServerConfig | undefined {
  if (!config.siteConfig) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(config.siteConfig, 'utf8'));
  } catch (error) {
    throw new Error(`site configuration ${config.siteConfig}: cannot read it (${(error as Error).message})`);
  }
  const parsed = siteConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`site configuration ${config.siteConfig}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return siteEntryFor(parsed.data, config.fhirBase);
}

function readPrivateJwk(path: string): JWK & { kid: string; alg: string } {
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
  if (typeof jwk.d !== 'string' || typeof jwk.kid !== 'string' || (jwk.alg !== 'RS384' && jwk.alg !== 'ES384')) {
    throw new Error(`${path}: not a private RS384/ES384 JWK with a kid (see the README: registering the population client)`);
  }
  return jwk as JWK & { kid: string; alg: string };
}
