/**
 * Population access as a sandbox extension (see src/sandbox/extensions.ts): the generated
 * population and the care-team Group (seed), the Bulk export routes, the SMART Backend Services
 * `client_credentials` grant with its client registry, and what they add to the discovery documents.
 */
import { join } from 'node:path';
import type { Group } from '@medplum/fhirtypes';
import { JtiReplayCache } from '../backend-services/assertion.ts';
import { clientCredentialsGrant } from '../backend-services/client-credentials.ts';
import { ClientRegistry } from '../backend-services/clients.ts';
import { KeySets } from '../backend-services/key-sets.ts';
import { BulkJobStore } from '../bulk/jobs.ts';
import { exportableTypes } from '../bulk/kickoff.ts';
import { registerBulkRoutes } from '../bulk/routes.ts';
import type { SandboxExtension } from '../extensions.ts';
import { FhirError } from '../fhir-errors.ts';
import type { ResolvedOptions } from '../options.ts';
import { CARE_TEAM_GROUP_ID, CareTeamGroup } from './care-team.ts';
import { devClientFor } from './dev-client.ts';
import { addBackendServices, addBulkData, systemScopes } from './discovery.ts';
import { seedPopulation } from './seed.ts';

/** Exports running at once; a further kick-off gets 429 with Retry-After. */
const MAX_ACTIVE_EXPORTS = 4;

export function populationExtension(options: ResolvedOptions): SandboxExtension {
  const clients = new ClientRegistry(options.clientsFile, devClientFor(options.devKeyDir, options.host, options.profile));
  const assertionDeps = { clients, keys: new KeySets(), replay: new JtiReplayCache() };
  let careTeam: CareTeamGroup | undefined;
  return {
    name: 'population-access',
    grants: { client_credentials: (c, form, api) => clientCredentialsGrant(c, form, api, assertionDeps) },
    seed(api) {
      const { patients, skipped } = seedPopulation(api.repo, options.anchor, options.seed, options.population);
      if (patients + skipped > 0) api.log(`generated ${patients} patient(s)${skipped ? `; ${skipped} id(s) already taken, skipped` : ''}`);
      careTeam = new CareTeamGroup(api.repo);
      careTeam.sync();
    },
    routes(app, api) {
      const team = careTeam ?? new CareTeamGroup(api.repo);
      const jobs = new BulkJobStore(api.repo, {
        dir: join(options.dataDir, 'bulk'),
        ttlSeconds: options.bulkTtlSeconds,
        maxActive: MAX_ACTIVE_EXPORTS,
        startDelayMs: options.bulkStartDelayMs,
      });
      // Anything that may read Groups sees an up-to-date care-team first (cheap when nothing changed).
      app.use('/fhir/*', async (c, next) => {
        if (c.req.path.includes('Group') || (c.req.method === 'POST' && /^\/fhir\/?$/.test(c.req.path))) team.sync();
        await next();
      });
      app.on(['PUT', 'PATCH', 'DELETE'], `/fhir/Group/${CARE_TEAM_GROUP_ID}`, (c) =>
        api.fhirError(c, new FhirError(405, 'Group/care-team is kept by the sandbox (every patient); it cannot be changed.', 'not-supported')),
      );
      registerBulkRoutes(app, { api, jobs, group: (id) => (id === CARE_TEAM_GROUP_ID ? team.sync() : (api.repo.read('Group', id) as Group | undefined)) });
    },
    smartConfiguration: (conf, api) => addBackendServices(conf, systemScopes(api.profile.scopes, exportableTypes(api.profile.types))),
    capabilityStatement: (cs) => addBulkData(cs),
  };
}
