// The one injected dependency of write-back: an authenticated request to the FHIR server.
// fetch-shaped on purpose: the app builds it from the SMART token (or fhirclient), tests from msw.

/** One request to the FHIR server. `url` is relative to the FHIR base ('' = the base itself, 'Observation', 'metadata'). */
export type FhirRequest = (url: string, init: FhirRequestInit) => Promise<Response>;

export interface FhirRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** Absolute URL of `url` on the FHIR base (already absolute URLs pass through). */
export function fhirUrl(serverUrl: string, url: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  const base = serverUrl.replace(/\/+$/, '');
  return url === '' ? base : `${base}/${url.replace(/^\/+/, '')}`;
}

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
 * SMART v1: patient|user|system/(Observation|*).(write|*); v2: .c / .cruds … (any set with "c").
 */
export function canWriteObservations(scope: string | null | undefined): boolean | null {
  if (scope === null || scope === undefined || scope.trim() === '') return null;
  return scope
    .split(/\s+/)
    .some((s) => {
      const m = /^(patient|user|system)\/(Observation|\*)\.([^?]+)(\?.*)?$/.exec(s);
      if (!m) return false;
      const perm = m[3]!;
      return perm === 'write' || perm === '*' || (/^[cruds]+$/.test(perm) && perm.includes('c'));
    });
}
