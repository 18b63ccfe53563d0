// Sandbox routes of the CDS client: its JWK Set (/cds-client/jwks.json), the patient chart page
// (/patient/<id>, `?format=json` → { cards }), and card feedback from that page.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { Card } from '../../cds/schemas.ts';
import { psychotropicByCode, RXNORM } from '../../clinical/index.ts';
import { errorPage, type PatientSummary } from '../pages.ts';
import type { TokenStore } from '../tokens.ts';
import { CdsClient, type PrefetchMode, type ServiceCall } from './client.ts';
import { chartCsp, chartPage, type OrderChoice } from './page.ts';
import { CdsClientSigner } from './signer.ts';

export const JWKS_PATH = '/cds-client/jwks.json';
/** Drugs offered in the page's order-entry box (RxNorm ingredients). */
const ORDER_CODES = ['36437', '321988', '6448', '2626', '51272', '89013'];
const ORDER_CHOICES: OrderChoice[] = ORDER_CODES.map((rxnorm) => ({ rxnorm, name: psychotropicByCode(rxnorm)?.name ?? rxnorm }));

export interface CdsClientRouteDeps {
  patients: () => PatientSummary[];
  tokens: TokenStore;
  origin: () => string;
  fhirBase: () => string;
  appLaunchUrl: string;
  /** Discovery URLs of the CDS services to call; empty → the client is off. */
  cdsServices: readonly string[];
  practitionerId: string;
  /** Lifetime of the fhirAuthorization token given to a service (revoked when the call ends). */
  cdsTokenSeconds?: number;
}

export function registerCdsClientRoutes(app: Hono, deps: CdsClientRouteDeps): void {
  // The key exists before the first request: created lazily, once (origin is known only after listen).
  let client: Promise<{ signer: CdsClientSigner; cds: CdsClient }> | undefined;
  const ready = () =>
    (client ??= CdsClientSigner.create(deps.origin(), `${deps.origin()}${JWKS_PATH}`).then((signer) => ({
      signer,
      cds: new CdsClient({
        signer,
        servicesUrls: deps.cdsServices,
        fhirBase: deps.fhirBase,
        practitionerId: deps.practitionerId,
        fhir: async (path, token) => {
          const res = await app.request(path, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
          return { status: res.status, body: await res.json().catch(() => undefined) };
        },
        issueToken: (patient, scope) => {
          const lifetime = deps.cdsTokenSeconds ?? 300;
          // A user (the practitioner at the chart) acting in one patient's context, for this call only.
          const { token } = deps.tokens.issueAccess(
            { clientId: 'tidemark-cds', scope, context: { patient }, sub: deps.practitionerId, actor: 'user', fhirUser: `Practitioner/${deps.practitionerId}` },
            lifetime,
          );
          return { token, expiresIn: lifetime, revoke: () => deps.tokens.revokeAccess(token) };
        },
      }),
    })));

  app.get(JWKS_PATH, async (c) => c.json((await ready()).signer.jwks(), 200, { 'Cache-Control': 'public, max-age=300' }));
  app.get('/patient/:id', async (c) => chart(c, deps, (await ready()).cds));
  app.post('/patient/:id/feedback', async (c) => feedback(c, deps, (await ready()).cds));
}

async function chart(c: Context, deps: CdsClientRouteDeps, cds: CdsClient): Promise<Response> {
  const patient = deps.patients().find((p) => p.id === c.req.param('id'));
  if (!patient) return c.html(errorPage('Unknown patient', 'No such patient in the sandbox.'), 404);
  const mode: PrefetchMode = c.req.query('prefetch') === 'none' ? 'none' : 'full';
  const orderCode = c.req.query('order');
  const order = ORDER_CHOICES.find((o) => o.rxnorm === orderCode);
  const [patientView, orderCalls] = await Promise.all([
    cds.invoke('patient-view', { patientId: patient.id }, mode),
    order ? cds.invoke('order-select', orderContext(patient.id, order), mode) : Promise.resolve(undefined),
  ]);
  if (c.req.query('format') === 'json') {
    const cards: Card[] = patientView.flatMap((s) => s.cards);
    const errors = errorsOf(patientView);
    return c.json({ cards, ...(errors.length ? { errors } : {}), ...(orderCalls ? { orderCards: orderCalls.flatMap((s) => s.cards) } : {}) }, 200, noStore());
  }
  const html = chartPage({
    patient,
    patientView,
    ...(order && orderCalls ? { orderSelect: { order, calls: orderCalls } } : {}),
    orderChoices: ORDER_CHOICES,
    registeredLaunchUrl: `${deps.appLaunchUrl}/launch/`,
    ...(c.req.query('feedback') ? { notice: `Feedback sent (${c.req.query('feedback')}).` } : {}),
    now: new Date(),
  });
  return c.html(html, 200, { ...noStore(), ...pageHeaders(deps.appLaunchUrl) });
}

async function feedback(c: Context, deps: CdsClientRouteDeps, cds: CdsClient): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const form = await c.req.parseBody();
  const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  const servicesUrl = field('servicesUrl');
  // Only a configured CDS service receives feedback (the form is not trusted to name a URL).
  if (!deps.cdsServices.includes(servicesUrl) || !field('service') || !field('card')) {
    return c.html(errorPage('Bad feedback', 'Unknown CDS service or card.'), 400);
  }
  const outcome = field('outcome') === 'accepted' ? 'accepted' : 'overridden';
  const [system, code] = field('reason').split('|');
  const item = {
    card: field('card'),
    outcome,
    outcomeTimestamp: new Date().toISOString(),
    ...(outcome === 'accepted' && field('suggestion') ? { acceptedSuggestions: [{ id: field('suggestion') }] } : {}),
    ...(outcome === 'overridden' && code ? { overrideReason: { reason: { ...(system ? { system } : {}), code } } } : {}),
  };
  const status = await cds.feedback(servicesUrl, field('service'), { feedback: [item] }).catch(() => 0);
  const note = status === 200 ? outcome : `not recorded: HTTP ${status || 'error'}`;
  return c.redirect(`/patient/${encodeURIComponent(id)}?feedback=${encodeURIComponent(note)}`, 303);
}

function orderContext(patientId: string, order: OrderChoice) {
  const id = `draft-${randomUUID()}`;
  return {
    patientId,
    selections: [`MedicationRequest/${id}`],
    draftOrders: {
      resourceType: 'Bundle' as const,
      entry: [
        {
          resource: {
            resourceType: 'MedicationRequest',
            id,
            status: 'draft',
            intent: 'order',
            subject: { reference: `Patient/${patientId}` },
            authoredOn: new Date().toISOString(),
            medicationCodeableConcept: { coding: [{ system: RXNORM, code: order.rxnorm, display: order.name }], text: order.name },
          },
        },
      ],
    },
  };
}

function errorsOf(calls: ServiceCall[]): Array<{ service: string; status: number | 'error'; error: string }> {
  return calls.filter((c) => c.error).map((c) => ({ service: c.service, status: c.status, error: c.error ?? '' }));
}

function noStore(): Record<string, string> {
  return { 'Cache-Control': 'no-store' };
}

/** The sandbox's page security headers: CSP (no script), no sniffing, no referrer (URLs carry patient ids). */
function pageHeaders(appLaunchUrl: string): Record<string, string> {
  return {
    'Content-Security-Policy': chartCsp(new URL(appLaunchUrl).origin),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'SAMEORIGIN',
  };
}
