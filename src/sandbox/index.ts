/**
 * The local sandbox EHR: FHIR R4 (medplum's router and in-memory repository) + SMART App Launch
 * authorization server + synthetic patients. `startSandbox({ port: 0 })` is what tests use.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { loadBundleDir } from './bundle-loader.ts';
import { ensureFhirDefinitions } from './fhir-definitions.ts';
import { SandboxRepository } from './fhir-store.ts';
import { createApp } from './http.ts';
import { resolveOptions } from './options.ts';
import type { SandboxOptions } from './options.ts';
import { generatePatients } from './patients/index.ts';
import { Persistence } from './persistence.ts';
import { TokenStore } from './tokens.ts';

export type { SandboxOptions } from './options.ts';

export interface SandboxHandle {
  /** Origin, e.g. http://127.0.0.1:8081 */
  url: string;
  /** FHIR base, e.g. http://127.0.0.1:8081/fhir */
  fhirBase: string;
  /** Seconds spent indexing, seeding and loading before listening. */
  startupMs: number;
  close(): Promise<void>;
}

export async function startSandbox(input: SandboxOptions = {}): Promise<SandboxHandle> {
  const started = performance.now();
  const opts = resolveOptions(input);
  const log = opts.quiet ? () => undefined : (line: string) => console.log(`[sandbox] ${line}`);
  ensureFhirDefinitions();
  const repo = new SandboxRepository();
  for (const resource of generatePatients(opts.anchor, opts.seed)) await repo.createResource(resource);
  if (opts.sandboxDataDir) {
    const report = await loadBundleDir(opts.sandboxDataDir, repo);
    log(`loaded ${report.resources} resources from ${report.files} bundle file(s)${report.skipped.length ? `; skipped: ${report.skipped.join(', ')}` : ''}`);
  }
  const persistence = new Persistence(opts.dataDir, repo);
  if (opts.reset) persistence.reset();
  const restored = await persistence.restore();
  if (restored > 0) log(`restored ${restored} written resource(s) from ${opts.dataDir}`);
  repo.startRecording();
  repo.onWrite = () => persistence.scheduleSave();

  let origin = '';
  const app = createApp({
    repo,
    tokens: new TokenStore(opts.tokenLifetimeSeconds),
    origin: () => origin,
    appLaunchUrl: opts.appLaunchUrl,
    consent: opts.consent,
    simulate: opts.simulate,
    log: opts.quiet ? () => undefined : log,
    cdsServices: opts.cdsServices,
  });
  const server = await listen(app.fetch, opts.port, opts.host);
  const port = (server.address() as AddressInfo).port;
  origin = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  const startupMs = performance.now() - started;
  log(`listening on ${origin} (FHIR ${origin}/fhir) after ${startupMs.toFixed(0)} ms`);
  return {
    url: origin,
    fhirBase: `${origin}/fhir`,
    startupMs,
    close: () => closeServer(server, persistence),
  };
}

type Server = ReturnType<typeof serve>;

function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server, persistence: Persistence): Promise<void> {
  persistence.saveNow();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets from browsers or fetch would hold close() open.
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
