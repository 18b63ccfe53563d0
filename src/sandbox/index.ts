/**
 * The local sandbox EHR: FHIR R4 (own interactions over medplum's search semantics) + SMART App
 * Launch authorization server + synthetic patients, shaped by a vendor profile (open, epic, cerner).
 * `startSandbox({ port: 0 })` is what tests use.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { AccessPolicy } from './access.ts';
import { loadBundleDir } from './bundle-loader.ts';
import type { SandboxApi } from './extensions.ts';
import { BUILT_IN_EXTENSIONS } from './extensions.ts';
import { ensureFhirDefinitions } from './fhir-definitions.ts';
import { FhirEngine } from './fhir-engine.ts';
import { authenticate, fhirError, fhirJson, registerFhirRoutes } from './fhir-http.ts';
import { SandboxRepository } from './fhir-store.ts';
import { createApp, latestEncounter, patientSummaries } from './http.ts';
import { authOriginsOf, resolveOptions } from './options.ts';
import type { ResolvedOptions, SandboxOptions } from './options.ts';
import { generatePatients, PRACTITIONER_ID } from './patients/index.ts';
import { Persistence } from './persistence.ts';
import { selectProfile, SERVED_TYPES } from './profiles/index.ts';
import { oauthError, registerAuthRoutes, tokenResponse } from './smart-auth.ts';
import { TokenStore } from './tokens.ts';

export type { SandboxOptions } from './options.ts';
export type { SandboxApi, SandboxExtension } from './extensions.ts';

export interface SandboxHandle {
  /** Origin, e.g. http://127.0.0.1:8081 */
  url: string;
  /** FHIR base, e.g. http://127.0.0.1:8081/fhir */
  fhirBase: string;
  /** Milliseconds spent indexing, seeding and loading before listening. */
  startupMs: number;
  close(): Promise<void>;
}

export async function startSandbox(input: SandboxOptions = {}): Promise<SandboxHandle> {
  const started = performance.now();
  const opts = resolveOptions(input);
  const log = opts.log;
  ensureFhirDefinitions();
  const profile = selectProfile(opts.profile, { epicFlowsheets: opts.epicFlowsheets });
  const repo = new SandboxRepository();
  const seeded = seedStories(repo, opts);
  await loadData(repo, opts, seeded);
  const tokens = new TokenStore(opts.tokenLifetimeSeconds ?? profile.accessLifetimeSeconds ?? 3600);
  await tokens.init();
  const persistence = new Persistence(opts.dataDir, repo);
  const extensions = [...BUILT_IN_EXTENSIONS.flatMap((make) => make(opts) ?? []), ...opts.extensions];
  const policy: AccessPolicy = { userMaySee: (user, patient) => extensions.every((e) => !e.userMaySee || e.userMaySee(user, patient)) };

  let origin = '';
  const fhirBase = () => `${origin}/fhir`;
  const engine = new FhirEngine({ repo, profile, policy, fhirBase, persist: () => persistence.flush() });
  const authDeps = { tokens, profile, origin: () => origin, accessLifetimeSeconds: opts.tokenLifetimeSeconds };
  const api: SandboxApi = {
    options: opts,
    repo,
    tokens,
    engine,
    profile,
    origin: () => origin,
    fhirBase,
    tokenEndpoint: () => `${origin}/auth/token`,
    log,
    authenticate: (c) => authenticate(c, tokens),
    reach: (grant, type, permission) => engine.reach(grant, type, permission),
    tokenResponse: (c, grant, extra) => tokenResponse(c, authDeps, grant, extra),
    oauthError,
    fhirError: (c, err) => fhirError(c, err, log),
    fhirJson,
    persist: () => persistence.flush(),
  };

  for (const ext of extensions) await ext.seed?.(api);
  if (opts.reset) persistence.reset();
  const restored = persistence.restore();
  if (restored > 0) log(`restored ${restored} written resource(s) from ${opts.dataDir}`);
  repo.startRecording();

  const app = createApp({
    repo,
    log,
    latencyMs: opts.latencyMs,
    authOrigins: () => authOriginsOf(opts, origin),
    authBodyLimitBytes: opts.authBodyLimitBytes,
    fhirBodyLimitBytes: opts.fhirBodyLimitBytes,
    appLaunchUrl: opts.appLaunchUrl,
    fhirBase,
    chartPages: opts.cdsServices.length > 0,
  });
  for (const ext of extensions) ext.routes?.(app, api);
  registerAuthRoutes(app, {
    ...authDeps,
    fhirBase,
    appLaunchUrl: opts.appLaunchUrl,
    consent: opts.consent,
    simulate: opts.simulate,
    patients: () => patientSummaries(repo),
    latestEncounter: (id) => latestEncounter(repo, id),
    practitionerId: PRACTITIONER_ID,
    refreshLifetimeSeconds: opts.refreshLifetimeSeconds,
    resourceServers: new Map(Object.entries(opts.resourceServers)),
    grants: new Map(extensions.flatMap((e) => Object.entries(e.grants ?? {}))),
    api: () => api,
  });
  registerFhirRoutes(app, {
    engine,
    repo,
    tokens,
    profile,
    origin: () => origin,
    fhirBase,
    decorateSmart: (conf) => {
      for (const e of extensions) e.smartConfiguration?.(conf, api);
    },
    decorateCapability: (cs) => {
      for (const e of extensions) e.capabilityStatement?.(cs, api);
    },
    log,
  });

  const server = await listen(app.fetch, opts.port, opts.host);
  const port = (server.address() as AddressInfo).port;
  origin = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  const startupMs = performance.now() - started;
  log(`listening on ${origin} (FHIR ${origin}/fhir, profile ${profile.name}${opts.latencyMs ? `, +${opts.latencyMs} ms latency` : ''}) after ${startupMs.toFixed(0)} ms`);
  return { url: origin, fhirBase: fhirBase(), startupMs, close: () => closeServer(server, persistence) };
}

/** The synthetic stories; returns their "Type/id" keys, which SANDBOX_DATA may never replace. */
function seedStories(repo: SandboxRepository, opts: ResolvedOptions): Set<string> {
  const seeded = new Set<string>();
  for (const resource of generatePatients(opts.anchor, opts.seed)) {
    repo.create(resource, { keepId: true });
    seeded.add(`${resource.resourceType}/${resource.id}`);
  }
  return seeded;
}

async function loadData(repo: SandboxRepository, opts: ResolvedOptions, seeded: ReadonlySet<string>): Promise<void> {
  if (!opts.sandboxDataDir) return;
  const served = new Set<string>(SERVED_TYPES);
  const report = await loadBundleDir(opts.sandboxDataDir, repo, { served: (t) => served.has(t), seeded, cacheDir: opts.dataDir });
  opts.log(`loaded ${report.resources} resources from ${report.files} bundle file(s) in ${opts.sandboxDataDir}`);
  for (const line of report.skipped) opts.log(`SANDBOX_DATA skipped ${line}`);
}

type Server = ReturnType<typeof serve>;

function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

async function closeServer(server: Server, persistence: Persistence): Promise<void> {
  await persistence.flush();
  persistence.compact();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets from browsers or fetch would hold close() open.
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

