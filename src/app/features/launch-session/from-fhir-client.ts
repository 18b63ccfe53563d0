// Builds the data layer from a fhirclient Client (the only place the app touches fhirclient): reads
// (reusing the ones started right after the token exchange), the token with its lifetime (refreshed
// before expiry where a refresh token was issued), what the launch page learned about the server,
// the user, and a relaunch that keeps what is on screen.
import type Client from 'fhirclient/lib/Client';
import type { ServerCapabilities } from '../../../fhir/ehr/capabilities.ts';
import type { SiteServerConfig } from '../../../fhir/write/site-config.ts';
import type { DataLayer } from './data-layer.tsx';
import { takeEarlyRead, type EarlyReads } from './early-reads.ts';
import { SessionController } from './session.ts';

export interface LaunchFacts {
  capabilities: ServerCapabilities;
  site?: SiteServerConfig;
  early?: EarlyReads;
}

const expiryMs = (client: Client) => (client.state.expiresAt ? client.state.expiresAt * 1000 : null);

/** A new authorization against the same server: the launch page, standalone (an EHR launch code is single-use). */
export function relaunchUrl(serverUrl: string, origin: string = window.location.origin): string {
  const u = new URL('/launch/', origin);
  u.searchParams.set('iss', serverUrl);
  return u.toString();
}

export function dataLayerFromClient(client: Client, patientId: string, facts: LaunchFacts): DataLayer {
  const session = new SessionController({
    expiresAt: expiryMs(client),
    canRefresh: !!client.state.tokenResponse?.refresh_token,
    refresh: async () => {
      await client.refresh();
      return expiryMs(client);
    },
  });
  const fhirUser = (() => {
    try {
      return client.getFhirUser() ?? undefined;
    } catch {
      return undefined;
    }
  })();
  return {
    // One GET per call; readChart follows every `next` page itself (and notes a page cap).
    // Requests main.tsx already started (right after the token exchange) are reused once.
    fhir: async (url: string) => {
      const early = takeEarlyRead(facts.early, url);
      if (early) return early;
      await session.ensureFresh();
      return client.request<unknown>({ url, headers: { Accept: 'application/fhir+json' } });
    },
    patientId,
    serverUrl: client.state.serverUrl,
    accessToken: async () => {
      await session.ensureFresh();
      const token = client.state.tokenResponse?.access_token;
      if (!token) throw new Error('No access token in this session — relaunch from the EHR.');
      return token;
    },
    needPatientBanner: client.state.tokenResponse?.need_patient_banner === true,
    ...(client.state.tokenResponse?.scope ? { scope: client.state.tokenResponse.scope } : {}),
    capabilities: facts.capabilities,
    ...(facts.site ? { site: facts.site } : {}),
    session,
    ...(fhirUser ? { fhirUser } : {}),
    // What is on screen that the chart does not hold (entered PHQ-9s) is kept in this tab's storage.
    relaunch: () => window.location.assign(relaunchUrl(client.state.serverUrl)),
  };
}
