// Builds the data layer from a fhirclient Client (the only place the app touches fhirclient).
import type Client from 'fhirclient/lib/Client';
import type { DataLayer } from './data-layer.tsx';
import { takeEarlyRead, type EarlyReads } from './early-reads.ts';

export function dataLayerFromClient(client: Client, patientId: string, early?: EarlyReads): DataLayer {
  return {
    // One GET per call; readChart follows every `next` page itself (and notes a page cap).
    // Requests main.tsx already started (right after the token exchange) are reused once.
    fhir: (url: string) => takeEarlyRead(early, url) ?? client.request<unknown>({ url, headers: { Accept: 'application/fhir+json' } }),
    patientId,
    serverUrl: client.state.serverUrl,
    accessToken: async () => {
      // Refreshes when expired and a refresh token was granted (online_access).
      await client.refreshIfNeeded();
      const token = client.state.tokenResponse?.access_token;
      if (!token) throw new Error('No access token in this session — relaunch from the EHR.');
      return token;
    },
    needPatientBanner: client.state.tokenResponse?.need_patient_banner === true,
    ...(client.state.tokenResponse?.scope ? { scope: client.state.tokenResponse.scope } : {}),
  };
}
