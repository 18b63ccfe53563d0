// The injectable data layer: everything the app needs from the launch, behind one context.
// main.tsx builds it from a fhirclient Client; tests build it from plain fetch + msw.
import { createContext, useContext, type ReactNode } from 'react';
import type { ServerCapabilities } from '../../../fhir/ehr/capabilities.ts';
import type { SiteServerConfig } from '../../../fhir/write/site-config.ts';
import type { SessionController } from './session.ts';

/** GET a FHIR URL (relative to the FHIR base, or absolute) and return its JSON. */
export type FhirFetchJson = (url: string) => Promise<unknown>;

export interface DataLayer {
  /** Reads from the FHIR server with the SMART token (one page per call; src/fhir readChart follows `next` links). */
  fhir: FhirFetchJson;
  patientId: string;
  /** FHIR base URL the token was issued for (sent to the proxy as X-FHIR-Server). */
  serverUrl: string;
  /** Current SMART access token; refreshes first when it has expired and a refresh token exists. */
  accessToken: () => Promise<string>;
  /** tokenResponse.need_patient_banner: the EHR is not showing its own patient banner. */
  needPatientBanner: boolean;
  /** Granted SMART scopes (tokenResponse.scope), e.g. to tell whether write-back is allowed. */
  scope?: string;
  /** The Patient resource when already loaded; otherwise the banner reads it through `fhir`. */
  patient?: unknown;
  /** Proxy base, same origin by default. */
  apiBase?: string;
  /** fetch used for the proxy (tests may inject one). */
  fetch?: typeof fetch;
  /** Clock for building engine requests (tests pin it). */
  now?: () => Date;
  /** What the FHIR server publishes (from the launch page's discovery); unknown when absent. */
  capabilities?: ServerCapabilities;
  /** The site's write-back settings for this server (flowsheet rows, note type); defaults when absent. */
  site?: SiteServerConfig;
  /** The token's lifetime: refresh before expiry, or warn and offer a relaunch. */
  session?: SessionController;
  /** The launch's user (id_token fhirUser, e.g. "Practitioner/123"): author of what Tidemark writes. */
  fhirUser?: string;
  /** Starts a new authorization for this server (what is on screen is kept first, see drafts). */
  relaunch?: () => void;
}

const DataLayerContext = createContext<DataLayer | null>(null);

export function DataLayerProvider({ value, children }: { value: DataLayer; children: ReactNode }) {
  return <DataLayerContext.Provider value={value}>{children}</DataLayerContext.Provider>;
}

export function useDataLayer(): DataLayer {
  const value = useContext(DataLayerContext);
  if (!value) throw new Error('useDataLayer must be used inside <DataLayerProvider>');
  return value;
}
