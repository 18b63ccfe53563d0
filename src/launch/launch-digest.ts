// What the launch page learned about the FHIR server (its CapabilityStatement, trimmed to what
// Tidemark decides on, its SMART configuration and the site's write-back settings), kept in this
// tab's sessionStorage under the launch's own state key, so the app decides its reads and its write
// strategy without asking the server again, and two launches (two EHR iframes sharing storage) never
// read each other's. No PHI: server descriptions only.
import type { SiteServerConfig } from '../fhir/write/site-config.ts';

export interface LaunchDigest {
  v: 1;
  iss: string;
  /** The CapabilityStatement trimmed by trimStatement (null: /metadata could not be read). */
  statement: unknown;
  /** The SMART configuration's capabilities and scopes_supported (null: not read). */
  smart: unknown;
  /** The site's write-back settings for this server (null: defaults). */
  site: SiteServerConfig | null;
  /** Why the site configuration was ignored, if it was. */
  siteProblem: string | null;
  /** The scope string asked for. */
  requestedScope: string;
}

const PREFIX = 'tidemark:launch:';

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : []);

/** The parts of a CapabilityStatement the reader and the writer use (an EHR's can be a megabyte). */
export function trimStatement(cs: unknown): unknown {
  const s = cs as Json | null;
  if (!s || s.resourceType !== 'CapabilityStatement') return null;
  const rest = arr(s.rest);
  const server = rest.find((r) => r.mode === 'server') ?? rest[0];
  return {
    resourceType: 'CapabilityStatement',
    software: s.software,
    publisher: s.publisher,
    implementation: s.implementation,
    rest: server
      ? [
          {
            mode: 'server',
            interaction: arr(server.interaction).map((i) => ({ code: i.code })),
            resource: arr(server.resource).map((r) => ({
              type: r.type,
              interaction: arr(r.interaction).map((i) => ({ code: i.code, ...(i.code === 'create' && typeof i.documentation === 'string' ? { documentation: i.documentation.slice(0, 500) } : {}) })),
              conditionalCreate: r.conditionalCreate,
              searchParam: arr(r.searchParam).map((p) => ({ name: p.name, ...(p.name === '_count' && typeof p.documentation === 'string' ? { documentation: p.documentation.slice(0, 200) } : {}) })),
              ...(Array.isArray(r.supportedProfile) ? { supportedProfile: r.supportedProfile.slice(0, 50) } : {}),
            })),
          },
        ]
      : [],
  };
}

/** The SMART configuration's parts the app decides on. */
export function trimSmart(config: unknown): unknown {
  const c = config as Json | null;
  if (!c || typeof c !== 'object') return null;
  return { capabilities: c.capabilities, scopes_supported: c.scopes_supported };
}

export function saveDigest(storage: Storage, stateKey: string, digest: LaunchDigest): void {
  try {
    storage.setItem(PREFIX + stateKey, JSON.stringify(digest));
  } catch {
    // Storage full or disabled: the app then reads /metadata itself.
  }
}

export function loadDigest(storage: Storage, stateKey: string | undefined): LaunchDigest | null {
  if (!stateKey) return null;
  try {
    const d = JSON.parse(storage.getItem(PREFIX + stateKey) ?? 'null') as LaunchDigest | null;
    return d && d.v === 1 && typeof d.iss === 'string' ? d : null;
  } catch {
    return null;
  }
}
