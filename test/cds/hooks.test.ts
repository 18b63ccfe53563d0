// The CDS services over HTTP: discovery, both hooks with prefetch and without (the service then reads
// a real sandbox with the fhirAuthorization token), one row per card rule, request errors, CORS, feedback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartQueries } from '../../src/fhir/read/chart-queries.ts';
import type { Card } from '../../src/cds/schemas.ts';
import { cdsResponse, discoveryResponse } from '../../src/cds/schemas.ts';
import { ORDER_SELECT_ID, PATIENT_VIEW_ID } from '../../src/cds/services.ts';
import {
  NOW,
  daysAgo,
  improvingOnSertraline,
  item9ViaQr,
  lab,
  lithiumToxic,
  medicationRequest,
  phq9Panel,
  phq9Qr,
  phq9Total,
  relapse,
} from '../fhir/fixtures.ts';
import { launchToken } from '../sandbox/helpers.ts';
import { type CdsStack, draftOrder, orderSelectBody, PV, patientViewBody, prefetchOf, startCdsStack } from './helpers.ts';

/** One prefetch key per chart search of the app (src/fhir/read/chart-queries.ts). */
const SEARCHES = chartQueries('x').length;

type Json = Record<string, unknown>;
let s: CdsStack;
const OS = `/cds-services/${ORDER_SELECT_ID}`;
const READ_SCOPE = 'patient/Observation.rs patient/QuestionnaireResponse.rs patient/MedicationRequest.rs patient/MedicationStatement.rs patient/Encounter.rs';

beforeAll(async () => {
  s = await startCdsStack({ now: NOW });
}, 60_000); // starting a sandbox + server takes long on a loaded machine
afterAll(() => s.close());

async function cards(path: string, body: Json): Promise<Card[]> {
  const res = await s.post(path, body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
  const parsed = cdsResponse.parse(await res.json());
  for (const c of parsed.cards) expectWellFormed(c);
  return parsed.cards;
}
const pv = (resources: Json[]) => cards(PV, patientViewBody('p1', { prefetch: prefetchOf(resources) }));
const os = (resources: Json[], orders: Json[], selections?: string[]) =>
  cards(OS, orderSelectBody('p1', orders, selections, { prefetch: prefetchOf(resources) }));

function expectWellFormed(c: Card): void {
  expect(c.uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(c.summary.length).toBeLessThan(140);
  expect(c.source.label).toBe('Tidemark');
  expect(c.source.topic?.code).toBeTruthy();
  const link = c.links?.[0];
  expect(link?.type).toBe('smart');
  expect(link?.url).toBe(`${s.url}/launch/`);
  expect(() => JSON.parse(link?.appContext ?? '')).not.toThrow();
}

describe('discovery', () => {
  it('lists both services with prefetch templates that are the app’s own chart searches', async () => {
    const url = `${s.url}/cds-services`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${await s.issuer.mint({ aud: url })}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { services } = discoveryResponse.parse(await res.json());
    expect(services.map((x) => [x.id, x.hook])).toEqual([
      [PATIENT_VIEW_ID, 'patient-view'],
      [ORDER_SELECT_ID, 'order-select'],
    ]);
    for (const svc of services) {
      const filled = Object.values(svc.prefetch ?? {}).map((t) => t.replace('{{context.patientId}}', 'p1'));
      expect(filled).toEqual(chartQueries('p1').map((q) => q.url));
    }
  });
});

describe('patient-view card rules (one row per rule)', () => {
  it('positive item 9 in a QuestionnaireResponse → critical naming PHQ-9 item 9, its date and answer wording', async () => {
    const [c, ...rest] = await pv(item9ViaQr());
    // The same chart also rose 9 → 14: the worsening card follows the critical one.
    expect(rest.map((x) => x.indicator)).toEqual(['warning']);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('PHQ-9 item 9');
    expect(c?.summary).toContain(daysAgo(3).slice(0, 10));
    expect(c?.summary).toContain('"More than half the days"');
    expect(c?.detail).toContain('QuestionnaireResponse/qr-1');
  });

  it('item 9 answered 3 in an Observation panel → critical "Nearly every day"', async () => {
    const [c] = await pv([phq9Panel('panel-1', [1, 1, 1, 0, 0, 1, 0, 0, 3], daysAgo(2))]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('"Nearly every day" (3 of 3)');
  });

  it('item 9 in an in-progress (incomplete) QuestionnaireResponse → critical, saying how it was charted', async () => {
    // Only item 9 answered so far: no total, not completed.
    const qr: Json = {
      ...phq9Qr('qr-ip', [1, 1, 0, 0, 0, 0, 0, 0, 1], daysAgo(1)),
      status: 'in-progress',
      item: [{ linkId: 'phq9', item: [{ linkId: '/44249-1/44260-8', answer: [{ valueCoding: { system: 'http://loinc.org', code: 'LA6569-3' } }] }] }],
    };
    const [c] = await pv([qr]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('"Several days" (1 of 3)');
    expect(c?.detail).toContain('charted as in-progress');
  });

  it('item 9 charted alone as an Observation 44260-8 (no total) → critical', async () => {
    const obs = { resourceType: 'Observation', id: 'i9', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '44260-8' }] }, subject: { reference: 'Patient/p1' }, effectiveDateTime: daysAgo(2), valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA6571-9' }] } };
    const [c] = await pv([obs]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('"Nearly every day" (3 of 3)');
  });

  it('item 9 positive before but answered 0 at the latest administration → no card', async () => {
    expect(await pv([phq9Panel('old', [1, 1, 0, 0, 0, 0, 0, 0, 2], daysAgo(60)), phq9Panel('new', [1, 0, 0, 0, 0, 0, 0, 0, 0], daysAgo(5))])).toEqual([]);
  });

  it('lithium in the toxic range → critical naming the value and date', async () => {
    const [c] = await pv(lithiumToxic());
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toMatch(/^Critical lab: Lithium level 1\.9 mmol\/L on \d{4}-\d{2}-\d{2}/);
    expect(c?.detail).toContain('Observation/li');
  });

  it('ANC below 1.0 ×10³/µL → critical lab card', async () => {
    const [c] = await pv([lab('anc', '751-8', 0.8, '10*3/uL', daysAgo(1))]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toMatch(/^Critical lab: Absolute neutrophil count 0\.8/);
  });

  it('elevated relapse risk with a rising PHQ-9 → one warning with both', async () => {
    const [c, ...rest] = await pv(relapse());
    expect(rest).toEqual([]);
    expect(c?.indicator).toBe('warning');
    expect(c?.summary).toMatch(/^Relapse risk (elevated|high) \(\d+\/100\); PHQ-9 5→19 \(moderately severe\)/);
    expect(c?.detail).toContain('Observation/phq-5');
  });

  it('clinically important PHQ-9 worsening alone (≥5 points above the recent low) → warning', async () => {
    const [c] = await pv([phq9Total('a', 3, daysAgo(60)), phq9Total('b', 9, daysAgo(3)), medicationRequest('rx', '36437', 'sertraline', daysAgo(200)), { resourceType: 'Encounter', id: 'e', status: 'finished', subject: { reference: 'Patient/p1' }, period: { start: daysAgo(4), end: daysAgo(4) } }]);
    expect(c?.indicator).toBe('warning');
    expect(c?.summary).toBe(`Clinically important PHQ-9 worsening: PHQ-9 3→9 (mild) since ${daysAgo(60).slice(0, 10)}`);
  });

  it('a rise below the important change, no risk → no card', async () => {
    expect(await pv([phq9Total('a', 3, daysAgo(60)), phq9Total('b', 6, daysAgo(3))])).toEqual([]);
  });

  it('improving on treatment → no card (nothing worth interrupting for)', async () => {
    expect(await pv(improvingOnSertraline())).toEqual([]);
  });

  it('everything at once → at most three cards, critical first', async () => {
    const all = [...relapse(), phq9Qr('qr-9', [2, 2, 2, 2, 2, 2, 2, 2, 1], daysAgo(1)), lab('li', '14334-7', 1.8, 'mmol/L', daysAgo(1), { low: 0.6, high: 1.2 })];
    const got = await pv(all);
    expect(got.map((c) => c.indicator)).toEqual(['critical', 'critical', 'warning']);
    expect(got[0]?.summary).toContain('PHQ-9 item 9');
  });
});

describe('order-select card rules (one row per rule)', () => {
  const sertraline = draftOrder('o-sert', { code: '36437', display: 'sertraline' });
  const lithium = draftOrder('o-li', { code: '6448', display: 'lithium carbonate' });
  const clozapine = draftOrder('o-cloz', null, 'Clozapine 25 MG Oral Tablet');

  it('antidepressant with a positive item 9 → critical, item 9 first', async () => {
    const [c] = await os(item9ViaQr(), [sertraline]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toMatch(/^Sertraline ordered: PHQ-9 item 9 positive \("More than half the days"\)/);
  });

  it('antidepressant named only in text → info with the current PHQ-9 and trend', async () => {
    const [c] = await os(improvingOnSertraline(), [draftOrder('o-1', null, 'Sertraline 100 MG Oral Tablet')]);
    expect(c?.indicator).toBe('info');
    expect(c?.summary).toMatch(/^Sertraline ordered: PHQ-9 6 \(mild\) on .*, down \d+ since/);
    expect(c?.suggestions).toBeUndefined();
  });

  it('lithium with a toxic level and no renal function → critical, suggests creatinine (NICE CG185)', async () => {
    const [c] = await os(lithiumToxic(), [lithium]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('lithium 1.9 mmol/L');
    expect(c?.summary).toContain('toxic range');
    expect(c?.detail).toContain('Sodium**: 129 mmol/L');
    expect(c?.detail).toContain('hyponatremia raises lithium levels');
    // The most urgent part (the lithium level) leads the detail, before the PHQ-9.
    expect(c!.detail!.indexOf('Lithium level')).toBeLessThan(c!.detail!.indexOf('PHQ-9'));
    expect(c?.selectionBehavior).toBe('any');
    expect(c?.suggestions?.map((x) => x.label)).toEqual(['Order serum creatinine (renal function)']);
    const resource = c?.suggestions?.[0]?.actions?.[0]?.resource as unknown as Json & { code: { coding: Array<{ code: string }> } };
    expect(resource.resourceType).toBe('ServiceRequest');
    expect(resource.code.coding[0]?.code).toBe('2160-0');
  });

  it('lithium with eGFR below 60 → warning naming eGFR, no suggestion when both are recent', async () => {
    const [c] = await os(
      [medicationRequest('rx-li', '6448', 'lithium', daysAgo(300)), lab('l', '14334-7', 0.8, 'mmol/L', daysAgo(10), { low: 0.6, high: 1.2 }), lab('g', '33914-3', 48, 'mL/min/{1.73_m2}', daysAgo(10))],
      [lithium],
    );
    expect(c?.indicator).toBe('warning');
    expect(c?.summary).toContain('eGFR 48');
    expect(c?.detail).toContain('below 60');
    expect(c?.suggestions).toBeUndefined();
  });

  it('clozapine with ANC 0.4 ×10³/µL → critical severe neutropenia', async () => {
    const [c] = await os([lab('anc', '751-8', 0.4, '10*3/uL', daysAgo(2))], [clozapine]);
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('ANC 0.4');
    expect(c?.detail).toContain('severe neutropenia');
  });

  it('clozapine with no ANC → warning with an ANC order suggestion', async () => {
    const [c] = await os([phq9Total('p', 8, daysAgo(5))], [clozapine]);
    expect(c?.indicator).toBe('warning');
    expect(c?.suggestions?.[0]?.label).toBe('Order absolute neutrophil count (ANC)');
  });

  it('no card: a non-psychotropic, a name that only contains an ingredient, a drafted but unselected order', async () => {
    expect(await os(item9ViaQr(), [draftOrder('amox', { code: '723', display: 'amoxicillin' })])).toEqual([]);
    expect(await os(item9ViaQr(), [draftOrder('x', null, 'Sertralinex 50 MG')])).toEqual([]);
    expect(await os(item9ViaQr(), [sertraline, draftOrder('amox', { code: '723' })], ['MedicationRequest/amox'])).toEqual([]);
  });

  it('two selected psychotropics → one card each', async () => {
    const got = await os(lithiumToxic(), [sertraline, lithium]);
    expect(got.map((c) => c.summary.split(' ')[0]).sort()).toEqual(['Lithium', 'Sertraline']);
  });
});

describe('without prefetch: the service reads the EHR’s FHIR server with fhirAuthorization', () => {
  const auth = (token: string, patient?: string) => ({ access_token: token, token_type: 'Bearer', expires_in: 300, scope: READ_SCOPE, subject: 'tidemark-cds', ...(patient ? { patient } : {}) });

  it('patient-view on the sandbox item-9 patient → critical', async () => {
    const { access_token } = await launchToken(s.sandbox, 'item9', READ_SCOPE);
    const [c] = await cards(PV, patientViewBody('item9', { fhirServer: s.sandbox.fhirBase, fhirAuthorization: auth(access_token, 'item9') }));
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toContain('PHQ-9 item 9');
    const line = s.logs.lines.map((l) => JSON.parse(l)).reverse().find((l) => l.route === PV);
    expect(line).toMatchObject({ prefetched: 0, fetched: SEARCHES });
  });

  it('order-select on the sandbox lithium patient → critical lithium card', async () => {
    const { access_token } = await launchToken(s.sandbox, 'lithium', READ_SCOPE);
    const [c] = await cards(OS, orderSelectBody('lithium', [draftOrder('o', { code: '6448' })], undefined, { fhirServer: s.sandbox.fhirBase, fhirAuthorization: auth(access_token) }));
    expect(c?.indicator).toBe('critical');
    expect(c?.summary).toMatch(/^Lithium ordered: lithium 1\.8 mmol\/L/);
  });

  it('a key left out of the prefetch is read from FHIR (the item 9 is only in the questionnaires)', async () => {
    const { access_token } = await launchToken(s.sandbox, 'item9', READ_SCOPE);
    const [c] = await cards(PV, patientViewBody('item9', { prefetch: prefetchOf([], ['questionnaires']), fhirServer: s.sandbox.fhirBase, fhirAuthorization: auth(access_token) }));
    expect(c?.indicator).toBe('critical');
  });

  it('neither prefetch nor FHIR access → 412 precondition_failed', async () => {
    const res = await s.post(PV, patientViewBody('p1'));
    expect(res.status).toBe(412);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'precondition_failed' } });
  });

  it('a fhirServer outside FHIR_SERVERS is refused (no request is made to it) → 403', async () => {
    const res = await s.post(PV, patientViewBody('p1', { fhirServer: 'http://169.254.169.254/fhir', fhirAuthorization: auth('t') }));
    expect(res.status).toBe(403);
  });

  it('a fhirAuthorization for another patient → 400', async () => {
    const res = await s.post(PV, patientViewBody('p1', { fhirServer: s.sandbox.fhirBase, fhirAuthorization: auth('t', 'p2') }));
    expect(res.status).toBe(400);
  });

  it('a prefetched resource of another patient is left out', async () => {
    const other = { ...phq9Qr('qr-other', [0, 0, 0, 0, 0, 0, 0, 0, 3], daysAgo(1)), subject: { reference: 'Patient/p2' } };
    expect(await pv([other])).toEqual([]);
  });
});

describe('requests the service refuses', () => {
  it('invalid body → 400 with issues; bad JSON → 400; wrong type → 415', async () => {
    const bad = await s.post(PV, { hook: 'patient-view', hookInstance: 'x', context: { userId: 'Practitioner/1' } });
    expect(bad.status).toBe(400);
    const json = (await bad.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(json.error.code).toBe('invalid_request');
    expect(json.error.issues.map((i) => i.path)).toContain('context.patientId');
    const url = `${s.url}${PV}`;
    const raw = (body: string, type: string) => s.issuer.mint({ aud: url }).then((jwt) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': type }, body }));
    expect((await raw('{nope', 'application/json')).status).toBe(400);
    expect((await raw('{}', 'text/plain')).status).toBe(415);
  });

  it('unknown service → 404, GET on a hook → 405', async () => {
    expect((await s.post('/cds-services/nope', patientViewBody('p1'))).status).toBe(404);
    const url = `${s.url}${PV}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${await s.issuer.mint({ aud: url })}` } });
    expect(res.status).toBe(405);
  });

  it('CORS preflight needs no JWT and allows Authorization, never credentials', async () => {
    const res = await fetch(`${s.url}${PV}`, { method: 'OPTIONS', headers: { origin: 'https://sandbox.cds-hooks.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('feedback', () => {
  it('records accepted and overridden cards against the rule that issued them, without free text', async () => {
    const [card] = await pv(item9ViaQr());
    const [order] = await os(lithiumToxic(), [draftOrder('o-li', { code: '6448' })]);
    const reason = card!.overrideReasons![0]!;
    const res = await s.post(`${PV}/feedback`, {
      feedback: [{ card: card!.uuid, outcome: 'overridden', overrideReason: { reason, userComment: 'Spoke with Jane Doe today' }, outcomeTimestamp: new Date().toISOString() }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ recorded: 1, unknownCards: 0 });
    const accepted = await s.post(`${OS}/feedback`, {
      feedback: [{ card: order!.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: order!.suggestions![0]!.uuid }], outcomeTimestamp: new Date().toISOString() }],
    });
    expect(accepted.status).toBe(200);
    const log = s.server.app.tidemark.cds.service.feedback;
    expect(log.entries().slice(-2)).toMatchObject([
      { serviceId: PATIENT_VIEW_ID, outcome: 'overridden', topic: 'phq9-item9', indicator: 'critical', overrideReason: `${reason.system}|${reason.code}`, hadComment: true },
      { serviceId: ORDER_SELECT_ID, outcome: 'accepted', topic: 'psychotropic-order', acceptedSuggestions: 1 },
    ]);
    expect(JSON.stringify(log.entries())).not.toContain('Jane Doe');
    expect(s.logs.text()).not.toContain('Jane Doe');
    expect(log.summary()['phq9-item9']?.overridden).toBeGreaterThanOrEqual(1);
  });

  it('a card of another service counts as unknown; an invalid feedback is refused with 400', async () => {
    const [card] = await pv(item9ViaQr());
    const res = await s.post(`${OS}/feedback`, { feedback: [{ card: card!.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() }] });
    expect(await res.json()).toEqual({ recorded: 1, unknownCards: 1 });
    const bad = await s.post(`${PV}/feedback`, { feedback: [{ card: card!.uuid, outcome: 'accepted', outcomeTimestamp: 'yesterday' }] });
    expect(bad.status).toBe(400);
  });

  it('feedback needs its own JWT (aud = …/feedback)', async () => {
    const jwt = await s.issuer.mint({ aud: `${s.url}${PV}` });
    const res = await s.post(`${PV}/feedback`, { feedback: [] }, jwt);
    expect(res.status).toBe(401);
  });
});
