// Discovery on the launch page, all at once: the SMART configuration (through fhirclient's cache, so
// its authorize() does not fetch it a second time), the CapabilityStatement and the site's write-back
// settings. One round trip to the EHR in parallel, not three in a row; a document that cannot be read
// is null and the launch goes on with what is known.

export interface Discovery {
  smart: unknown;
  statement: unknown;
  site: unknown;
}

export interface DiscoveryDeps {
  /** fhirclient's cached fetch of `${iss}/.well-known/smart-configuration`. */
  wellKnown: (iss: string) => Promise<unknown>;
  fetch: typeof fetch;
  /** Same-origin URL of the site configuration (the app server's /site-config.json). */
  siteConfigUrl: string;
  /** Longest wait for /metadata (an EHR's statement can be large); then the launch goes on without it. */
  timeoutMs?: number;
}

async function json(deps: DiscoveryDeps, url: string, accept: string, timeoutMs: number): Promise<unknown> {
  try {
    const res = await deps.fetch(url, { headers: { Accept: accept }, signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

export async function discover(iss: string, deps: DiscoveryDeps): Promise<Discovery> {
  const timeout = deps.timeoutMs ?? 4000;
  const base = iss.replace(/\/+$/, '');
  const [smart, statement, site] = await Promise.all([
    deps.wellKnown(iss).catch(() => null),
    json(deps, `${base}/metadata`, 'application/fhir+json', timeout),
    json(deps, deps.siteConfigUrl, 'application/json', timeout),
  ]);
  return { smart, statement, site };
}
