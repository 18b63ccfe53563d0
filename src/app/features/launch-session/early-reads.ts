// Starts the chart's first-page searches as soon as the token exchange is done, while the app bundle
// (React, React Query, zod, mapping) is still loading. The data layer hands each started request to
// the first caller asking for the same URL; anything else goes to the network. The Patient read is
// not among them: the six searches fill the browser's six connections to the EHR, and the summary
// does not wait for the patient banner.
import type Client from 'fhirclient/lib/Client';
import { chartQueries, type PlanOptions } from '../../../fhir/read/chart-queries.ts';

export type EarlyReads = Map<string, Promise<unknown>>;

const ACCEPT = { Accept: 'application/fhir+json' };

export function patientUrl(patientId: string): string {
  return `Patient/${encodeURIComponent(patientId)}`;
}

/** `plan`: the same options the chart reader gets (capabilities, granted scope), so the URLs match. */
export function startEarlyReads(client: Client, patientId: string, plan: PlanOptions = {}): EarlyReads {
  const reads: EarlyReads = new Map();
  for (const url of chartQueries(patientId, plan).map((q) => q.url)) {
    const p = client.request<unknown>({ url, headers: ACCEPT });
    p.catch(() => undefined); // handled by whoever takes it; never an unhandled rejection
    reads.set(url, p);
  }
  return reads;
}

/** The started request for `url` (once: a retry goes to the network), or undefined. */
export function takeEarlyRead(reads: EarlyReads | undefined, url: string): Promise<unknown> | undefined {
  const p = reads?.get(url);
  if (p) reads!.delete(url);
  return p;
}
