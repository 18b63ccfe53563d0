// The one injected dependency of write-back: an authenticated request to the FHIR server.
// fetch-shaped on purpose: the app builds it from the SMART token (or fhirclient), tests from msw.
import { scopeAllows } from '../../../../fhir/ehr/scopes.ts';
import { fhirUrl, type FhirRequest, type FhirRequestInit } from '../../../../fhir/write/execute.ts';

export { fhirUrl, type FhirRequest, type FhirRequestInit };

/**
 * The default writer: plain fetch with `Authorization: Bearer <token>` against the FHIR base.
 * `accessToken` refreshes first when needed (DataLayer.accessToken does).
 */
export function fetchFhirWriter(opts: { serverUrl: string; accessToken: () => Promise<string>; fetch?: typeof fetch }): FhirRequest {
  return async (url, init) => {
    const token = await opts.accessToken();
    const doFetch = opts.fetch ?? globalThis.fetch;
    return doFetch(fhirUrl(opts.serverUrl, url), {
      method: init.method,
      headers: { ...init.headers, Authorization: `Bearer ${token}` },
      body: init.body,
      signal: init.signal,
    });
  };
}

/**
 * Does the granted SMART scope let this app create Observations?
 * true / false when the scope string says so; null when unknown (no scope reported: let the server decide).
 */
export function canWriteObservations(scope: string | null | undefined): boolean | null {
  return scopeAllows(scope, 'Observation', 'c');
}
