/** Options of `startSandbox`, with the defaults the fixed interfaces in DESIGN.md require. */
import { join } from 'node:path';
import { DEV_KEY_DIR } from '../population/dev-key.ts';
import type { SandboxExtension } from './extensions.ts';
import type { ProfileName } from './profiles/index.ts';

/** The resource server the proxy (src/server/auth.ts) introspects as, registered by default. */
export const DEFAULT_RESOURCE_SERVER = { id: 'tidemark-proxy', secret: 'tidemark-proxy-local-secret' } as const;

export interface SandboxOptions {
  /** TCP port; 0 picks a free one (tests). Default 8081. */
  port?: number;
  host?: string;
  /** Folder holding the persisted writes (`store.json`, `journal.jsonl`). Default `./.data/sandbox`. */
  dataDir?: string;
  /** Drop persisted writes at start. */
  reset?: boolean;
  /** Access-token lifetime in seconds; default: the profile's (Oracle 570 s), else 3600. */
  tokenLifetimeSeconds?: number;
  /** Refresh-token lifetime in seconds; default: the profile's (8 h online, 90 days offline). */
  refreshLifetimeSeconds?: number;
  /** Where `/ehr-launch` sends the browser: `${appLaunchUrl}/launch/`; its origin may call /auth/*. */
  appLaunchUrl?: string;
  /** More origins allowed to call /auth/* from a browser (other SMART apps under test). */
  authOrigins?: string[];
  /** Folder of extra FHIR Bundles (`*.json`) to load, e.g. Synthea output. */
  sandboxDataDir?: string;
  /** Show a consent page instead of auto-approving. */
  consent?: boolean;
  /** Simulated error for every authorization: invalid_client | access_denied | expired_token. */
  simulate?: string;
  /** Vendor profile: open (default), epic or cerner. */
  profile?: ProfileName;
  /** The Epic profile's flowsheet rows (JSON file); default profiles/epic-flowsheets.json. */
  epicFlowsheets?: string;
  /** Milliseconds added to every FHIR and auth response. */
  latencyMs?: number;
  /** Resource servers allowed to introspect (id → secret); default: the proxy's. */
  resourceServers?: Record<string, string>;
  /** Extensions beyond the built-in ones (tests). */
  extensions?: SandboxExtension[];
  /** Where log lines go (default: console, `[sandbox]` prefix); `quiet` drops them. */
  log?: (line: string) => void;
  quiet?: boolean;
  /** Fixed clock for the synthetic patients' dates; default: now. */
  anchor?: Date;
  /** PRNG seed of the synthetic patients. */
  seed?: number;
  authBodyLimitBytes?: number;
  fhirBodyLimitBytes?: number;
  /** N generated patients on top of the stories (SANDBOX_POPULATION). Default 0. */
  population?: number;
  /** SMART Backend Services clients file (SANDBOX_CLIENTS). Default `<dataDir>/clients.json` (optional file). */
  clientsFile?: string;
  /**
   * Folder of the population run's development key: its `public-jwks.json` is trusted for the client
   * `tidemark-population` (POPULATION_KEY_DIR, default `.data/population`); false = no dev client.
   * Only registered with the open profile on a loopback host (population/dev-client.ts).
   */
  devKeyDir?: string | false;
  /** How long a finished Bulk export stays downloadable (SANDBOX_BULK_TTL, seconds). Default 3600. */
  bulkTtlSeconds?: number;
  /** An export starts writing this many ms after its kick-off, as on a busy EHR (SANDBOX_BULK_DELAY_MS). */
  bulkStartDelayMs?: number;
  /** Discovery URLs of the CDS services the patient page calls; default `${appLaunchUrl}/cds-services`. */
  cdsServices?: string[];
}

type Optional = 'sandboxDataDir' | 'simulate' | 'tokenLifetimeSeconds' | 'refreshLifetimeSeconds' | 'epicFlowsheets' | 'log';

export interface ResolvedOptions extends Required<Omit<SandboxOptions, Optional>> {
  sandboxDataDir: string | undefined;
  simulate: string | undefined;
  tokenLifetimeSeconds: number | undefined;
  refreshLifetimeSeconds: number | undefined;
  epicFlowsheets: string | undefined;
  log: (line: string) => void;
}

export function resolveOptions(o: SandboxOptions): ResolvedOptions {
  const quiet = o.quiet ?? false;
  return {
    port: o.port ?? 8081,
    host: o.host ?? '127.0.0.1',
    dataDir: o.dataDir ?? './.data/sandbox',
    reset: o.reset ?? false,
    tokenLifetimeSeconds: o.tokenLifetimeSeconds,
    refreshLifetimeSeconds: o.refreshLifetimeSeconds,
    appLaunchUrl: (o.appLaunchUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    authOrigins: o.authOrigins ?? [],
    sandboxDataDir: o.sandboxDataDir,
    consent: o.consent ?? false,
    simulate: o.simulate,
    profile: o.profile ?? 'open',
    epicFlowsheets: o.epicFlowsheets,
    latencyMs: o.latencyMs ?? 0,
    resourceServers: o.resourceServers ?? { [DEFAULT_RESOURCE_SERVER.id]: DEFAULT_RESOURCE_SERVER.secret },
    extensions: o.extensions ?? [],
    log: o.log ?? (quiet ? () => undefined : (line: string) => console.log(`[sandbox] ${line}`)),
    quiet,
    anchor: o.anchor ?? new Date(),
    seed: o.seed ?? 20240917,
    authBodyLimitBytes: o.authBodyLimitBytes ?? 64 * 1024,
    fhirBodyLimitBytes: o.fhirBodyLimitBytes ?? 16 * 1024 * 1024,
    population: o.population ?? 0,
    clientsFile: o.clientsFile ?? join(o.dataDir ?? './.data/sandbox', 'clients.json'),
    devKeyDir: o.devKeyDir ?? DEV_KEY_DIR,
    bulkTtlSeconds: o.bulkTtlSeconds ?? 3600,
    bulkStartDelayMs: o.bulkStartDelayMs ?? 0,
    cdsServices: (o.cdsServices ?? [`${(o.appLaunchUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')}/cds-services`]).map((u) => u.replace(/\/+$/, '')),
  };
}

/** The app's origin (from APP_URL) and its loopback twin (127.0.0.1 ↔ localhost), plus extra origins. */
export function authOriginsOf(o: ResolvedOptions, sandboxOrigin: string): string[] {
  const app = new URL(o.appLaunchUrl);
  const twins = [app.origin];
  if (app.hostname === '127.0.0.1') twins.push(`${app.protocol}//localhost${app.port ? `:${app.port}` : ''}`);
  if (app.hostname === 'localhost') twins.push(`${app.protocol}//127.0.0.1${app.port ? `:${app.port}` : ''}`);
  return [...twins, sandboxOrigin, ...o.authOrigins];
}
