// The CDS Hooks service, independent of HTTP: discovery, the two hooks (validated request → chart →
// engines → cards) and feedback. src/server/cds-routes.ts puts it on the app server.
import { toIssues, type Issue } from '../contract/index.ts';
import { assemble, type Draft, type Topic } from './cards.ts';
import { ChartUnavailable, type FhirAccess, loadChart } from './chart-source.ts';
import { evaluate, type Findings } from './evaluate.ts';
import { FeedbackLog } from './feedback.ts';
import { orderCard, selectedPsychotropics } from './order-select-rules.ts';
import { CDS_PARAMS } from './params.ts';
import { dataNotes, PATIENT_VIEW_RULES } from './patient-view-rules.ts';
import {
  type CdsResponse,
  type DiscoveryResponse,
  feedbackRequest,
  type HookRequest,
  orderSelectRequest,
  patientViewRequest,
} from './schemas.ts';
import { ORDER_SELECT_ID, PATIENT_VIEW_ID, SERVICES, serviceById } from './services.ts';

export type CdsErrorCode = 'invalid_request' | 'not_found' | 'forbidden' | 'precondition_failed';
const STATUS: Record<CdsErrorCode, number> = { invalid_request: 400, forbidden: 403, not_found: 404, precondition_failed: 412 };

export class CdsError extends Error {
  override name = 'CdsError';
  readonly status: number;
  constructor(
    readonly code: CdsErrorCode,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export interface CdsServiceOptions {
  /** Public base URL of the app server (cards link to `${base}/launch/`). */
  baseUrl: () => string;
  /** FHIR bases the service may read with a passed fhirAuthorization (normalized, no trailing slash). */
  fhirServers: ReadonlySet<string>;
  fhirTimeoutMs: number;
  now?: () => Date;
  fetch?: typeof fetch;
  feedback?: FeedbackLog;
}

export interface HookTiming {
  chartMs: number;
  rulesMs: number;
  prefetched: number;
  fetched: number;
}

export class CdsHooksService {
  readonly feedback: FeedbackLog;
  constructor(private readonly opts: CdsServiceOptions) {
    this.feedback = opts.feedback ?? new FeedbackLog();
  }

  discovery(): DiscoveryResponse {
    return { services: [...SERVICES] };
  }

  has(serviceId: string): boolean {
    return serviceById(serviceId) !== undefined;
  }

  async call(serviceId: string, body: unknown, timing?: Partial<HookTiming>): Promise<CdsResponse> {
    const request = this.#parse(serviceId, body);
    const t0 = performance.now();
    const loaded = await loadChart({
      patientId: request.context.patientId,
      ...(request.prefetch ? { prefetch: request.prefetch } : {}),
      ...(this.#fhirAccess(request) ?? {}),
      timeoutMs: this.opts.fhirTimeoutMs,
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
    }).catch((err: unknown) => {
      if (err instanceof ChartUnavailable) throw new CdsError('precondition_failed', err.message);
      throw err;
    });
    const t1 = performance.now();
    const findings = evaluate(loaded.chart, this.opts.now?.() ?? new Date());
    const cards = this.#cards(serviceId, request, findings);
    if (timing) Object.assign(timing, { chartMs: t1 - t0, rulesMs: performance.now() - t1, prefetched: loaded.prefetched.length, fetched: loaded.fetched.length });
    return { cards };
  }

  recordFeedback(serviceId: string, body: unknown): { recorded: number; unknownCards: number } {
    if (!this.has(serviceId)) throw new CdsError('not_found', `No CDS service ${serviceId}.`);
    const parsed = feedbackRequest.safeParse(body);
    if (!parsed.success) throw new CdsError('invalid_request', 'The feedback failed schema validation.', toIssues(parsed.error));
    return this.feedback.record(serviceId, parsed.data.feedback);
  }

  #parse(serviceId: string, body: unknown): HookRequest {
    const service = serviceById(serviceId);
    if (!service) throw new CdsError('not_found', `No CDS service ${serviceId}.`);
    const schema = service.id === ORDER_SELECT_ID ? orderSelectRequest : patientViewRequest;
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new CdsError('invalid_request', `The ${service.hook} request failed schema validation.`, toIssues(parsed.error));
    return parsed.data;
  }

  /** FHIR access only on a server this deployment accepts (a JWT-holder cannot make us call an arbitrary URL). */
  #fhirAccess(request: HookRequest): { fhir: FhirAccess } | undefined {
    const auth = request.fhirAuthorization;
    if (!auth || !request.fhirServer) return undefined;
    const base = request.fhirServer.trim().replace(/\/+$/, '');
    if (!this.opts.fhirServers.has(base)) {
      throw new CdsError('forbidden', 'fhirServer is not a FHIR server this deployment accepts (FHIR_SERVERS).');
    }
    if (auth.patient !== undefined && auth.patient !== request.context.patientId) {
      throw new CdsError('invalid_request', 'fhirAuthorization.patient is not the patient in context.');
    }
    return { fhir: { base, token: auth.access_token } };
  }

  #cards(serviceId: string, request: HookRequest, f: Findings) {
    let drafts: Draft[];
    let max = Number.POSITIVE_INFINITY;
    if (serviceId === PATIENT_VIEW_ID) {
      drafts = PATIENT_VIEW_RULES.map((rule) => rule(f)).filter((d): d is Draft => d !== null);
      max = CDS_PARAMS.maxPatientViewCards;
    } else if (request.hook === 'order-select') {
      drafts = selectedPsychotropics(request.context).map((o) => orderCard(o, f, request.context.patientId));
    } else drafts = [];
    const note = dataNotes(f);
    if (note) drafts = drafts.map((d) => ({ ...d, detail: `${d.detail}\n\n${note}` }));
    const cards = assemble(drafts, { appBase: this.opts.baseUrl().replace(/\/+$/, '') }, max);
    for (const c of cards) {
      if (c.uuid) this.feedback.issued(c.uuid, { serviceId, topic: c.source.topic?.code as Topic, indicator: c.indicator });
    }
    return cards;
  }
}
