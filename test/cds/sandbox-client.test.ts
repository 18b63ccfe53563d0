// The sandbox EHR as a CDS client over HTTP: its JWKS, the patient chart page (JSON and HTML) with
// prefetch filled from its store or left to the service, order entry, feedback, a service that is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillTemplate } from '../../src/sandbox/cds-client/client.ts';
import type { Card } from '../../src/cds/schemas.ts';
import { PATIENT_VIEW_ID } from '../../src/cds/services.ts';
import { startTestSandbox } from '../sandbox/helpers.ts';
import { listen } from '../server/helpers.ts';
import { type CdsStack, startCdsStack } from './helpers.ts';
import { chartQueries } from '../../src/fhir/read/chart-queries.ts';

/** One prefetch key per chart search of the app (src/fhir/read/chart-queries.ts). */
const SEARCHES = chartQueries('x').length;

let s: CdsStack;
beforeAll(async () => {
  s = await startCdsStack();
}, 60_000); // starting a sandbox + server takes long on a loaded machine
afterAll(() => s.close());

const cdsLines = () => s.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'cds');

describe('the sandbox CDS client', () => {
  it('publishes its public key only (ES384, kid, no private part)', async () => {
    const res = await fetch(`${s.sandbox.url}/cds-client/jwks.json`);
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(keys[0]?.kid).toBeTruthy();
    expect(keys[0]?.d).toBeUndefined();
  });

  it('the landing page links each patient\'s chart page, where the cards are shown', async () => {
    const html = await (await fetch(`${s.sandbox.url}/`)).text();
    expect(html).toContain('href="/patient/item9">Open chart</a>');
  });

  it('/patient/item9?format=json returns the critical card it received, with prefetch from its store', async () => {
    const res = await fetch(`${s.sandbox.url}/patient/item9?format=json`);
    expect(res.status).toBe(200);
    const { cards } = (await res.json()) as { cards: Card[] };
    expect(cards[0]?.indicator).toBe('critical');
    expect(cards[0]?.summary).toContain('PHQ-9 item 9');
    const line = cdsLines().reverse().find((l) => l.route === `/cds-services/${PATIENT_VIEW_ID}`);
    expect(line).toMatchObject({ status: 200, iss: s.sandbox.url, prefetched: SEARCHES, fetched: 0 });
  });

  it('?prefetch=none: the service reads the sandbox with the token it was given, same card', async () => {
    const { cards } = (await (await fetch(`${s.sandbox.url}/patient/item9?format=json&prefetch=none`)).json()) as { cards: Card[] };
    expect(cards[0]?.indicator).toBe('critical');
    const line = cdsLines().reverse().find((l) => l.route === `/cds-services/${PATIENT_VIEW_ID}`);
    expect(line).toMatchObject({ prefetched: 0, fetched: SEARCHES });
  });

  it('the fhirAuthorization token works during the call and is revoked once it is over', async () => {
    let token = '';
    let duringCall = 0;
    let sb: Awaited<ReturnType<typeof startTestSandbox>> | undefined;
    const fake = await listen(async (req, res) => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET') return json({ services: [{ id: 'probe', hook: 'patient-view', description: 'captures the request' }] });
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { fhirAuthorization: { access_token: string }; prefetch?: unknown };
      token = body.fhirAuthorization.access_token;
      duringCall = (await fetch(`${sb!.fhirBase}/Observation?patient=item9`, { headers: { authorization: `Bearer ${token}` } })).status;
      json({ cards: [] });
    });
    sb = await startTestSandbox({ appLaunchUrl: s.url, cdsServices: [`${fake.url}/cds-services`] });
    try {
      expect((await fetch(`${sb.url}/patient/item9?format=json&prefetch=none`)).status).toBe(200);
      expect(token).not.toBe('');
      expect(duringCall).toBe(200);
      expect((await fetch(`${sb.fhirBase}/Observation?patient=item9`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    } finally {
      await sb.close();
      await fake.close();
    }
  });

  // Every sandbox story through the whole client → service path: what a clinician opening the chart sees.
  it.each([
    ['item9', ['phq9-item9']],
    ['item9-observation', ['phq9-item9']],
    ['item9-in-progress', ['phq9-item9']],
    ['recurrence', ['phq9-item9', 'relapse-risk']],
    ['lithium', ['critical-lab']],
    ['clozapine', ['critical-lab']],
    ['relapse', ['relapse-risk']],
    ['maintenance', []], // an old positive item 9, latest answer 0: no interruption
    ['improving', []],
    ['sparse', []],
  ])('chart of %s → cards %j', async (id, topics) => {
    const { cards } = (await (await fetch(`${s.sandbox.url}/patient/${id}?format=json`)).json()) as { cards: Card[] };
    expect(cards.map((c) => c.source.topic?.code)).toEqual(topics);
  });

  it('a patient with nothing to flag gets no card', async () => {
    const { cards } = (await (await fetch(`${s.sandbox.url}/patient/improving?format=json`)).json()) as { cards: Card[] };
    expect(cards).toEqual([]);
  });

  it('order entry fires order-select: lithium for the lithium patient → critical order card', async () => {
    const body = (await (await fetch(`${s.sandbox.url}/patient/lithium?format=json&order=6448`)).json()) as { orderCards: Card[] };
    expect(body.orderCards[0]?.indicator).toBe('critical');
    expect(body.orderCards[0]?.summary).toMatch(/^Lithium ordered/);
  });

  it('the HTML chart: banner, cards as an EHR shows them, SMART link into the embedded app, security headers, no script', async () => {
    const res = await fetch(`${s.sandbox.url}/patient/item9`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`frame-src 'self' ${s.url}`);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('aria-label="Patient banner"');
    expect(html).toMatch(/<article class="card critical" data-indicator="critical" role="alert">/);
    expect(html).toContain('href="/ehr-launch?patient=item9" target="tidemark-app"');
    expect(html).toContain('<iframe name="tidemark-app"');
  });

  it('unknown patient → 404', async () => {
    expect((await fetch(`${s.sandbox.url}/patient/nobody`)).status).toBe(404);
  });

  it('dismissing a card with a reason sends feedback the service records', async () => {
    const { cards } = (await (await fetch(`${s.sandbox.url}/patient/item9?format=json`)).json()) as { cards: Card[] };
    const card = cards[0]!;
    const reason = card.overrideReasons![0]!;
    const form = new URLSearchParams({ service: PATIENT_VIEW_ID, servicesUrl: `${s.url}/cds-services`, card: card.uuid!, outcome: 'overridden', reason: `${reason.system}|${reason.code}` });
    const res = await fetch(`${s.sandbox.url}/patient/item9/feedback`, { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/patient/item9?feedback=overridden');
    const last = s.server.app.tidemark.cds.service.feedback.entries().at(-1);
    expect(last).toMatchObject({ card: card.uuid, outcome: 'overridden', topic: 'phq9-item9', overrideReason: `${reason.system}|${reason.code}` });
  });

  it('feedback to a URL that is not a configured CDS service is refused', async () => {
    const form = new URLSearchParams({ service: PATIENT_VIEW_ID, servicesUrl: 'http://169.254.169.254/cds-services', card: 'x', outcome: 'overridden' });
    expect((await fetch(`${s.sandbox.url}/patient/item9/feedback`, { method: 'POST', body: form, redirect: 'manual' })).status).toBe(400);
  });

  it('a CDS service that is down: the chart still opens and says which service did not answer', async () => {
    const sb = await startTestSandbox({ appLaunchUrl: s.url, cdsServices: ['http://127.0.0.1:9/cds-services'] });
    try {
      const res = await fetch(`${sb.url}/patient/item9?format=json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ cards: [], errors: [{ service: '(discovery)', status: 'error' }] });
      expect(await (await fetch(`${sb.url}/patient/item9`)).text()).toContain('did not answer');
    } finally {
      await sb.close();
    }
  });
});

describe('prefetch templates are filled as the spec says', () => {
  it('context tokens (first-level primitives, encoded) and the user token; an unknown token omits the key', () => {
    expect(fillTemplate('Observation?patient={{context.patientId}}&code=1', { patientId: 'a b' }, 'dr')).toBe('Observation?patient=a%20b&code=1');
    expect(fillTemplate('Practitioner/{{userPractitionerId}}', {}, 'dr-1')).toBe('Practitioner/dr-1');
    expect(fillTemplate('Encounter/{{context.encounterId}}', { patientId: 'p' }, 'dr')).toBeUndefined();
    expect(fillTemplate('X?y={{context.draftOrders}}', { draftOrders: { a: 1 } }, 'dr')).toBeUndefined();
  });
});
