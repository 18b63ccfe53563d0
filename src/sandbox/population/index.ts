/**
 * Population access, assembled: the care-team Group, Bulk export jobs and routes, and the SMART
 * Backend Services `client_credentials` grant with its client registry. `startSandbox` creates one
 * `PopulationAccess` and hands its routes and grant to the Hono app.
 */
import { join } from 'node:path';
import type { Group } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import { JtiReplayCache } from '../backend-services/assertion.ts';
import { clientCredentialsGrant } from '../backend-services/client-credentials.ts';
import { ClientRegistry } from '../backend-services/clients.ts';
import type { DevClient } from '../backend-services/clients.ts';
import { KeySets } from '../backend-services/key-sets.ts';
import { BulkJobStore } from '../bulk/jobs.ts';
import { registerBulkRoutes } from '../bulk/routes.ts';
import { fhirJson, outcome } from '../fhir-http.ts';
import type { SandboxRepository } from '../fhir-store.ts';
import type { TokenStore } from '../tokens.ts';
import { CARE_TEAM_GROUP_ID, CareTeamGroup } from './care-team.ts';

export interface PopulationOptions {
  /** Folder for export files (cleared at start). */
  bulkDir: string;
  bulkTtlSeconds: number;
  /** Delay before an export starts writing (SANDBOX_BULK_DELAY_MS). */
  bulkStartDelayMs: number;
  /** The Backend Services clients file (may not exist). */
  clientsFile: string | undefined;
  /** The development client, or undefined when it must not be registered. */
  devClient: DevClient | undefined;
}

export interface PopulationDeps {
  repo: SandboxRepository;
  tokens: TokenStore;
  origin: () => string;
  fhirBase: () => string;
}

export class PopulationAccess {
  readonly careTeam: CareTeamGroup;
  private readonly jobs: BulkJobStore;
  private readonly clients: ClientRegistry;
  private readonly keys = new KeySets();
  private readonly replay = new JtiReplayCache();

  constructor(
    options: PopulationOptions,
    private readonly deps: PopulationDeps,
  ) {
    this.careTeam = new CareTeamGroup(deps.repo);
    this.jobs = new BulkJobStore(deps.repo, { dir: options.bulkDir, ttlSeconds: options.bulkTtlSeconds, maxActive: 4, startDelayMs: options.bulkStartDelayMs });
    this.clients = new ClientRegistry(options.clientsFile, options.devClient);
  }

  /** Routes that must come before the generic `/fhir/*` handler. */
  registerRoutes(app: Hono): void {
    // Anything that may read Groups sees an up-to-date care-team first (cheap when nothing changed).
    app.use('/fhir/*', async (c, next) => {
      if (c.req.path.includes('Group') || (c.req.method === 'POST' && /^\/fhir\/?$/.test(c.req.path))) await this.careTeam.sync();
      await next();
    });
    app.on(['PUT', 'PATCH', 'DELETE'], `/fhir/Group/${CARE_TEAM_GROUP_ID}`, (c) =>
      fhirJson(c, 405, outcome('Group/care-team is kept by the sandbox (every patient); it cannot be changed.', 'not-supported')),
    );
    registerBulkRoutes(app, {
      tokens: this.deps.tokens,
      jobs: this.jobs,
      group: (id) => this.group(id),
      patientIds: () => this.deps.repo.allOfType('Patient').map((p) => p.id),
      origin: this.deps.origin,
      fhirBase: this.deps.fhirBase,
    });
  }

  /** The `client_credentials` grant for the token endpoint. */
  clientCredentials(c: Context, body: Record<string, string>): Promise<Response> {
    return clientCredentialsGrant(c, body, {
      tokens: this.deps.tokens,
      clients: this.clients,
      keys: this.keys,
      replay: this.replay,
      tokenEndpoint: `${this.deps.origin()}/auth/token`,
    });
  }

  close(): void {
    this.jobs.close();
  }

  private async group(id: string): Promise<Group | undefined> {
    if (id === CARE_TEAM_GROUP_ID) await this.careTeam.sync();
    return this.deps.repo.allOfType('Group').find((g) => g.id === id) as Group | undefined;
  }
}

export function bulkDirOf(dataDir: string): string {
  return join(dataDir, 'bulk');
}
