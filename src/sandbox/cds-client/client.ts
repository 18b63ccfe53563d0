// The sandbox EHR as a CDS Hooks client: discovery (cached a minute), prefetch filled from its own
// FHIR server per the service's templates, a signed JWT per call, a short-lived patient-scoped
// fhirAuthorization token (revoked when the call ends), responses validated, feedback sent.
import { randomUUID } from 'node:crypto';
import { type Card, cdsResponse, type CdsService, discoveryResponse } from '../../cds/schemas.ts';
import type { CdsClientSigner } from './signer.ts';

/** Runs a FHIR request (path under /fhir, e.g. "/fhir/Observation?…") in-process with a bearer token. */
export type FhirInProcess = (path: string, token: string) => Promise<{ status: number; body: unknown }>;

export interface CdsClientDeps {
  signer: CdsClientSigner;
  /** Discovery URLs ({base}/cds-services) of the CDS services this EHR calls. */
  servicesUrls: readonly string[];
  fhirBase: () => string;
  fhir: FhirInProcess;
  /** Issues a patient-scoped read token for `patient` and returns it with a revoke function. */
  issueToken(patient: string, scope: string): { token: string; expiresIn: number; revoke(): void };
  practitionerId: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface HookContext {
  patientId: string;
  encounterId?: string;
  /** order-select only. */
  selections?: string[];
  draftOrders?: { resourceType: 'Bundle'; entry: Array<{ resource: Record<string, unknown> }> };
}

export interface ServiceCall {
  service: string;
  servicesUrl: string;
  status: number | 'error';
  ms: number;
  cards: Card[];
  error?: string;
}

/** How the client feeds the service: full prefetch (default) or none (the service reads FHIR itself). */
export type PrefetchMode = 'full' | 'none';

const CDS_SCOPE = 'patient/Patient.rs patient/Observation.rs patient/QuestionnaireResponse.rs patient/MedicationRequest.rs patient/MedicationStatement.rs patient/Encounter.rs';
const DISCOVERY_TTL_MS = 60_000;
const MAX_PREFETCH_PAGES = 20;

export class CdsClient {
  readonly #discovery = new Map<string, { at: number; services: CdsService[] }>();
  readonly #fetch: typeof fetch;
  constructor(private readonly deps: CdsClientDeps) {
    this.#fetch = deps.fetch ?? fetch;
  }

  /** Calls every configured service registered for `hook`, in parallel; failures are reported, never thrown. */
  async invoke(hook: 'patient-view' | 'order-select', context: HookContext, mode: PrefetchMode = 'full'): Promise<ServiceCall[]> {
    const targets = await Promise.all(this.deps.servicesUrls.map(async (url) => ({ url, services: await this.discover(url).catch(() => null) })));
    const calls: Promise<ServiceCall>[] = [];
    for (const t of targets) {
      if (!t.services) {
        calls.push(Promise.resolve({ service: '(discovery)', servicesUrl: t.url, status: 'error', ms: 0, cards: [], error: 'discovery failed' }));
        continue;
      }
      for (const s of t.services.filter((x) => x.hook === hook)) calls.push(this.#call(t.url, s, hook, context, mode));
    }
    return Promise.all(calls);
  }

  async discover(servicesUrl: string): Promise<CdsService[]> {
    const cached = this.#discovery.get(servicesUrl);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.services;
    const res = await this.#fetch(servicesUrl, {
      headers: { accept: 'application/json', authorization: `Bearer ${await this.deps.signer.sign(servicesUrl)}` },
      signal: AbortSignal.timeout(this.deps.timeoutMs ?? 5_000),
    });
    if (!res.ok) throw new Error(`discovery HTTP ${res.status}`);
    const services = discoveryResponse.parse(await res.json()).services;
    this.#discovery.set(servicesUrl, { at: Date.now(), services });
    return services;
  }

  /** Sends feedback on one card to `{servicesUrl}/{service}/feedback`; returns the HTTP status. */
  async feedback(servicesUrl: string, service: string, body: unknown): Promise<number> {
    const url = `${servicesUrl}/${encodeURIComponent(service)}/feedback`;
    const res = await this.#fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.deps.signer.sign(url)}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.deps.timeoutMs ?? 5_000),
    });
    await res.body?.cancel();
    return res.status;
  }

  async #call(servicesUrl: string, s: CdsService, hook: string, context: HookContext, mode: PrefetchMode): Promise<ServiceCall> {
    const t0 = performance.now();
    const url = `${servicesUrl}/${encodeURIComponent(s.id)}`;
    const access = this.deps.issueToken(context.patientId, CDS_SCOPE);
    try {
      const hookContext = { userId: `Practitioner/${this.deps.practitionerId}`, ...context };
      const prefetch = mode === 'full' ? await this.#prefetch(s.prefetch ?? {}, hookContext, access.token) : undefined;
      const res = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${await this.deps.signer.sign(url)}` },
        body: JSON.stringify({
          hook,
          hookInstance: randomUUID(),
          fhirServer: this.deps.fhirBase(),
          fhirAuthorization: {
            access_token: access.token,
            token_type: 'Bearer',
            expires_in: access.expiresIn,
            scope: CDS_SCOPE,
            subject: 'tidemark-cds',
            patient: context.patientId,
          },
          context: hookContext,
          ...(prefetch ? { prefetch } : {}),
        }),
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 5_000),
      });
      const ms = performance.now() - t0;
      const json = await res.json().catch(() => undefined);
      if (!res.ok) {
        const message = (json as { error?: { message?: string } } | undefined)?.error?.message;
        return { service: s.id, servicesUrl, status: res.status, ms, cards: [], error: message ?? `HTTP ${res.status}` };
      }
      const parsed = cdsResponse.safeParse(json);
      if (!parsed.success) return { service: s.id, servicesUrl, status: res.status, ms, cards: [], error: 'response is not a valid CDS Hooks response' };
      return { service: s.id, servicesUrl, status: res.status, ms, cards: parsed.data.cards };
    } catch (err) {
      return { service: s.id, servicesUrl, status: 'error', ms: performance.now() - t0, cards: [], error: err instanceof Error ? err.message : 'failed' };
    } finally {
      // The spec asks clients to revoke the token once the call is over.
      access.revoke();
    }
  }

  /** Fills each template from the context and runs it on this EHR's FHIR server (all pages, one Bundle). */
  async #prefetch(templates: Record<string, string>, context: Record<string, unknown>, token: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    await Promise.all(
      Object.entries(templates).map(async ([key, template]) => {
        const query = fillTemplate(template, context, this.deps.practitionerId);
        if (query === undefined) return; // a token we cannot fill: the key is omitted, as the spec asks
        const value = await this.#readAll(query, token);
        if (value !== undefined) out[key] = value;
      }),
    );
    return out;
  }

  async #readAll(query: string, token: string): Promise<unknown> {
    const first = await this.deps.fhir(`/fhir/${query}`, token);
    if (first.status === 404) return null;
    if (first.status >= 400) return undefined; // omitted: the service reads it itself or answers 412
    const bundle = first.body as { resourceType?: string; entry?: unknown[]; link?: Array<{ relation?: string; url?: string }> };
    if (bundle?.resourceType !== 'Bundle') return first.body;
    const entries = [...(bundle.entry ?? [])];
    let next = bundle.link?.find((l) => l.relation === 'next')?.url;
    for (let page = 1; next && page < MAX_PREFETCH_PAGES; page++) {
      const base = this.deps.fhirBase();
      if (!next.startsWith(`${base}/`)) break;
      const more = await this.deps.fhir(`/fhir/${next.slice(base.length + 1)}`, token);
      if (more.status >= 400) return undefined;
      const b = more.body as typeof bundle;
      entries.push(...(b.entry ?? []));
      next = b.link?.find((l) => l.relation === 'next')?.url;
    }
    if (next) return undefined; // too many pages to send: let the service page with its token
    if (entries.length === 0) return null; // the spec's "no data" value
    return { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries };
  }
}

/**
 * Replaces prefetch tokens: `{{context.<field>}}` (first-level primitives only) and the user tokens.
 * Returns undefined when a token cannot be filled.
 */
export function fillTemplate(template: string, context: Record<string, unknown>, practitionerId: string): string | undefined {
  let unfilled = false;
  const out = template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_m, name: string) => {
    let value: unknown;
    if (name.startsWith('context.')) value = context[name.slice('context.'.length)];
    else if (name === 'userPractitionerId') value = practitionerId;
    if (typeof value !== 'string' && typeof value !== 'number') {
      unfilled = true;
      return '';
    }
    return encodeURIComponent(String(value));
  });
  return unfilled ? undefined : out;
}
