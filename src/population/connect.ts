// Connects a population process to the EHR: the SMART Backend Services token (private_key_jwt, the
// dev key the sandbox trusts unless a key is named), the Bulk export of the Group, authenticated reads,
// and what the server's CapabilityStatement says about transactions. Used by the run and the worker.
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { parseCapabilities } from '../fhir/ehr/capabilities.ts';
import { BackendServicesAuth, discoverTokenEndpoint, type TokenSource } from './backend-auth.ts';
import { bulkExport } from './bulk-client.ts';
import type { PopulationConfig } from './config.ts';
import { ensureDevKey } from './dev-key.ts';
import type { ExportLines } from './run.ts';

/** Read what the engines need, write results: nothing wider (SMART v2 system scopes). */
export const POPULATION_SCOPE = [
  'system/Group.rs',
  'system/Patient.rs',
  'system/Observation.rs',
  'system/QuestionnaireResponse.rs',
  'system/MedicationRequest.rs',
  'system/MedicationStatement.rs',
  'system/Encounter.rs',
  'system/Observation.c',
].join(' ');

export interface Connection {
  auth: TokenSource;
  startExport(opts: { since: string | null; types: readonly string[] }): ExportLines;
  readJson(url: string): Promise<unknown>;
  transactions(): Promise<boolean>;
  /** Members of the Group (sizes the shards), when the server says. */
  groupSize(): Promise<number | undefined>;
}

export async function connect(config: PopulationConfig): Promise<Connection> {
  const privateJwk = config.keyPath ? readPrivateJwk(config.keyPath) : (await ensureDevKey()).privateJwk;
  const tokenEndpoint = config.tokenEndpoint ?? (await discoverTokenEndpoint(config.fhirBase));
  const auth = new BackendServicesAuth({ tokenEndpoint, clientId: config.clientId, privateJwk, scope: POPULATION_SCOPE });
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
    readJson,
    startExport: ({ since, types }) =>
      // Polls at most every 5 s unless the server's Retry-After asks for longer (a night's export is minutes, not hours).
      bulkExport({ fhirBase: config.fhirBase, auth, group: config.groupId, types: [...types], ...(since ? { since } : {}), minPollMs: 500, maxPollMs: 5000 }) as ExportLines,
    async transactions() {
      const res = await fetch(`${config.fhirBase}/metadata`, { headers: { accept: 'application/fhir+json' } });
      if (!res.ok) return true;
      const caps = parseCapabilities(await res.json());
      return !caps.statement || caps.transaction;
    },
    async groupSize() {
      const g = (await readJson(`Group/${encodeURIComponent(config.groupId)}`)) as { quantity?: number; member?: unknown[] };
      return typeof g.quantity === 'number' ? g.quantity : g.member?.length;
    },
  };
}

function readPrivateJwk(path: string): JWK & { kid: string; alg: string } {
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
  if (typeof jwk.d !== 'string' || typeof jwk.kid !== 'string' || (jwk.alg !== 'RS384' && jwk.alg !== 'ES384')) {
    throw new Error(`${path}: not a private RS384/ES384 JWK with a kid (see the README: registering the population client)`);
  }
  return jwk as JWK & { kid: string; alg: string };
}
