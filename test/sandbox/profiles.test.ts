/**
 * Vendor profiles (issue 10 §2), over HTTP: for `epic` and `cerner`, each rule once accepted and once
 * refused (with the vendor's status and OperationOutcome), and what /metadata and the SMART
 * configuration advertise. `open` keeps today's behaviour (the other sandbox tests run in it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { authorize, ehrLaunch, fhirGet, fhirPost, launchToken, pkcePair, postForm, REDIRECT, startTestSandbox, tmpDataDir } from './helpers.ts';

const EPIC_FLOWSHEET = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679';

/** QuestionnaireResponses of `relapse` the profiles treat differently (clinician-entered, social history). */
function qrDataDir(): string {
  const dir = tmpDataDir();
  const qr = (id: string, extra: Record<string, unknown>) => ({
    resourceType: 'QuestionnaireResponse',
    id,
    status: 'completed',
    subject: { reference: 'Patient/relapse' },
    authored: '2024-02-01T10:00:00Z',
    ...extra,
  });
  const entry = [
    qr('qr-clinician', { questionnaire: 'http://loinc.org/q/44249-1', author: { reference: 'Practitioner/practitioner-morgan' } }),
    qr('qr-social', { questionnaire: 'https://fhir.example/Questionnaire/social-history' }),
  ].map((resource) => ({ resource }));
  writeFileSync(join(dir, 'qr.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
  return dir;
}

async function tokenFor(sb: SandboxHandle, patient: string, scope: string, opts: { pkce?: boolean; secret?: string } = {}): Promise<{ status: number; body: Record<string, unknown>; authError?: string | null }> {
  const launch = await ehrLaunch(sb, patient);
  const { verifier, challenge } = pkcePair();
  const auth = await authorize(sb, { scope: `launch ${scope}`, launch, challenge: opts.pkce === false ? '' : challenge, ...(opts.pkce === false ? { extra: { code_challenge_method: '' } } : {}) });
  const back = new URL(auth.headers.get('location') as string);
  if (!back.searchParams.get('code')) return { status: 0, body: {}, authError: back.searchParams.get('error') };
  const form: Record<string, string> = { grant_type: 'authorization_code', code: back.searchParams.get('code') as string, redirect_uri: REDIRECT };
  if (opts.pkce !== false) form.code_verifier = verifier;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (opts.secret) headers.authorization = `Basic ${Buffer.from(`tidemark-test:${opts.secret}`).toString('base64')}`;
  else form.client_id = 'tidemark-test';
  const res = await fetch(`${sb.url}/auth/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function outcomeOf(res: Response): Promise<{ status: number; code?: string; text: string; vendor?: string }> {
  const oo = (await res.json()) as OperationOutcome;
  const issue = oo.issue?.[0];
  return { status: res.status, code: issue?.code, text: issue?.details?.text ?? '', vendor: issue?.details?.coding?.[0]?.code };
}

const vital = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: EPIC_FLOWSHEET, code: '8' }] },
  subject: { reference: 'Patient/relapse' },
  effectiveDateTime: '2024-03-01T09:00:00Z',
  valueString: '72',
  ...extra,
});

const phq9 = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
  subject: { reference: 'Patient/relapse' },
  effectiveDateTime: '2024-03-01T09:00:00Z',
  valueInteger: 12,
  ...extra,
});

const note = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'DocumentReference',
  status: 'current',
  docStatus: 'final',
  type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
  subject: { reference: 'Patient/relapse' },
  author: [{ reference: 'Practitioner/practitioner-morgan' }],
  content: [{ attachment: { contentType: 'text/plain;charset=utf-8', data: Buffer.from('Tidemark summary').toString('base64') } }],
  context: { period: { start: '2024-03-01T09:00:00Z', end: '2024-03-01T09:30:00Z' } },
  ...extra,
});

describe('SANDBOX_PROFILE=epic', () => {
  let sb: SandboxHandle;
  let rw: string;
  beforeAll(async () => {
    sb = await startTestSandbox({ profile: 'epic', sandboxDataDir: qrDataDir() });
    rw = (await tokenFor(sb, 'relapse', 'patient/Observation.read patient/Observation.write patient/QuestionnaireResponse.read patient/QuestionnaireResponse.write patient/DocumentReference.write patient/Patient.read')).body.access_token as string;
  });
  afterAll(() => sb.close());

  it('advertises permission-v1 only, v1 scopes, no transaction/batch, no conditional create, no identifier search on Observation', async () => {
    const conf = (await (await fetch(`${sb.fhirBase}/.well-known/smart-configuration`)).json()) as { capabilities: string[]; scopes_supported: string[] };
    expect(conf.capabilities).toContain('permission-v1');
    expect(conf.capabilities).not.toContain('permission-v2');
    expect(conf.scopes_supported).toContain('patient/Observation.read');
    expect(conf.scopes_supported.some((s) => s.endsWith('.rs'))).toBe(false);
    const cs = (await (await fetch(`${sb.fhirBase}/metadata`)).json()) as CapabilityStatement;
    const rest = cs.rest?.[0];
    expect(rest?.interaction ?? []).toEqual([]);
    const obs = rest?.resource?.find((r) => r.type === 'Observation');
    expect(obs?.conditionalCreate).toBe(false);
    expect(obs?.interaction?.map((i) => i.code).sort()).toEqual(['create', 'read', 'search-type']);
    expect(obs?.searchParam?.map((p) => p.name)).not.toContain('identifier');
    expect(rest?.resource?.find((r) => r.type === 'Claim')).toBeUndefined();
  });

  it('grants SMART v1 scopes; refuses v2 scopes (invalid_scope)', async () => {
    expect((await tokenFor(sb, 'relapse', 'patient/Observation.read')).body.scope).toContain('patient/Observation.read');
    expect((await tokenFor(sb, 'relapse', 'patient/Observation.rs')).authError).toBe('invalid_scope');
  });

  it('PKCE is optional (S256 when sent)', async () => {
    expect((await tokenFor(sb, 'relapse', 'patient/Patient.read', { pkce: false })).status).toBe(200);
    expect((await tokenFor(sb, 'relapse', 'patient/Patient.read')).status).toBe(200);
  });

  it('no refresh token for a public client; a confidential client gets one', async () => {
    expect((await tokenFor(sb, 'relapse', 'online_access patient/Patient.read')).body.refresh_token).toBeUndefined();
    expect((await tokenFor(sb, 'relapse', 'online_access patient/Patient.read', { secret: 's3cret' })).body.refresh_token).toBeTruthy();
  });

  it('Observation.Create (Vitals): a flowsheet row by id or mapped LOINC, final, valueString → 201, filed under the row', async () => {
    const byId = await fhirPost(sb, rw, 'Observation', vital());
    expect(byId.status).toBe(201);
    const stored = (await byId.json()) as { code: { coding: { system: string; code: string }[] } };
    expect(stored.code.coding.map((c) => `${c.system}|${c.code}`)).toEqual(expect.arrayContaining([`${EPIC_FLOWSHEET}|8`, 'http://loinc.org|8867-4']));
    const byLoinc = await fhirPost(sb, rw, 'Observation', vital({ code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] }, valueString: '81.2' }));
    expect(byLoinc.status).toBe(201);
  });

  it('refuses other Observation creates with 422 (survey, laboratory, not final, valueQuantity, unmapped code, components) and a duplicate reading with 409', async () => {
    for (const [label, body] of [
      ['survey PHQ-9', phq9()],
      ['laboratory', vital({ category: [{ coding: [{ code: 'laboratory' }] }] })],
      ['preliminary', vital({ status: 'preliminary', effectiveDateTime: '2024-03-02T09:00:00Z' })],
      ['valueQuantity', { ...vital({ effectiveDateTime: '2024-03-03T09:00:00Z' }), valueString: undefined, valueQuantity: { value: 72, unit: '/min' } }],
      ['unmapped LOINC', vital({ code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] } })],
      ['components', vital({ effectiveDateTime: '2024-03-04T09:00:00Z', component: [{ code: { text: 'x' }, valueString: '1' }] })],
    ] as const) {
      const res = await fhirPost(sb, rw, 'Observation', body);
      const oo = await outcomeOf(res);
      expect(oo.status, label).toBe(422);
      expect(oo.code, label).toBe('business-rule');
    }
    const dup = await fhirPost(sb, rw, 'Observation', vital());
    expect(dup.status).toBe(409);
  });

  it('refuses conditional create, transactions and batches (400 not-supported)', async () => {
    const conditional = await fhirPost(sb, rw, 'Observation', vital({ effectiveDateTime: '2024-03-05T09:00:00Z' }), { 'If-None-Exist': 'code=8867-4' });
    expect(await outcomeOf(conditional)).toMatchObject({ status: 400, code: 'not-supported' });
    for (const type of ['transaction', 'batch']) {
      const res = await fhirPost(sb, rw, '', { resourceType: 'Bundle', type, entry: [{ resource: vital(), request: { method: 'POST', url: 'Observation' } }] });
      expect(await outcomeOf(res)).toMatchObject({ status: 400, code: 'not-supported' });
    }
  });

  it('Observation search: patient + code or category accepted; identifier refused (4100); neither code nor category refused (4111)', async () => {
    const ok = await fhirGet(sb, rw, 'Observation?patient=relapse&code=http://loinc.org|44261-6&_sort=date');
    expect(ok.status).toBe(200);
    const bundle = (await ok.json()) as Bundle;
    expect(bundle.total).toBeGreaterThan(0);
    expect(bundle.link?.[0]?.url).not.toContain('_sort'); // ignored, and the self link says so
    expect(await outcomeOf(await fhirGet(sb, rw, 'Observation?patient=relapse&identifier=urn:tidemark:result|x'))).toMatchObject({ status: 400, vendor: '4100' });
    expect(await outcomeOf(await fhirGet(sb, rw, 'Observation?patient=relapse'))).toMatchObject({ status: 400, vendor: '4111' });
  });

  it('QuestionnaireResponse: patient-entered ones are read and created; clinician-entered ones are neither', async () => {
    const list = (await (await fhirGet(sb, rw, 'QuestionnaireResponse?patient=relapse')).json()) as Bundle;
    expect(list.entry?.some((e) => e.resource?.id === 'qr-social')).toBe(true);
    expect(list.entry?.some((e) => e.resource?.id === 'qr-clinician')).toBe(false);
    expect((await fhirGet(sb, rw, 'QuestionnaireResponse/qr-clinician')).status).toBe(404);
    const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: 'Patient/relapse' }, authored: '2024-03-01T09:00:00Z' };
    expect((await fhirPost(sb, rw, 'QuestionnaireResponse', { ...qr, author: { reference: 'Patient/relapse' } })).status).toBe(201);
    expect((await outcomeOf(await fhirPost(sb, rw, 'QuestionnaireResponse', { ...qr, author: { reference: 'Practitioner/practitioner-morgan' } }))).status).toBe(422);
  });

  it('DocumentReference.Create (Clinical Notes): a coded note with one inline text attachment → 201; without data → 422', async () => {
    expect((await fhirPost(sb, rw, 'DocumentReference', note())).status).toBe(201);
    const bad = await fhirPost(sb, rw, 'DocumentReference', note({ content: [{ attachment: { contentType: 'text/plain' } }] }));
    expect((await outcomeOf(bad)).status).toBe(422);
  });

  it('update, delete and unserved types are refused (405, 404), never 500', async () => {
    const created = (await (await fhirPost(sb, rw, 'Observation', vital({ effectiveDateTime: '2024-03-09T09:00:00Z' }))).json()) as { id: string };
    const put = await fetch(`${sb.fhirBase}/Observation/${created.id}`, { method: 'PUT', headers: { authorization: `Bearer ${rw}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ ...vital(), id: created.id }) });
    expect((await outcomeOf(put)).status).toBe(405);
    const del = await fetch(`${sb.fhirBase}/Observation/${created.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${rw}` } });
    expect((await outcomeOf(del)).status).toBe(405);
    expect((await outcomeOf(await fhirGet(sb, rw, 'Claim?patient=relapse'))).status).toBe(404);
  });
});

describe('SANDBOX_PROFILE=cerner', () => {
  let sb: SandboxHandle;
  let rw: string;
  beforeAll(async () => {
    sb = await startTestSandbox({ profile: 'cerner', sandboxDataDir: qrDataDir() });
    rw = (await tokenFor(sb, 'relapse', 'patient/Observation.rs patient/Observation.c patient/QuestionnaireResponse.rs patient/DocumentReference.c patient/Patient.rs patient/Encounter.rs')).body.access_token as string;
  });
  afterAll(() => sb.close());

  it('advertises v1 and v2 without wildcards, the documented search parameters, no MedicationStatement, no transaction', async () => {
    const conf = (await (await fetch(`${sb.fhirBase}/.well-known/smart-configuration`)).json()) as { capabilities: string[]; scopes_supported: string[] };
    expect(conf.capabilities).toEqual(expect.arrayContaining(['permission-v1', 'permission-v2']));
    expect(conf.scopes_supported.some((s) => s.includes('/*.'))).toBe(false);
    const cs = (await (await fetch(`${sb.fhirBase}/metadata`)).json()) as CapabilityStatement;
    const rest = cs.rest?.[0];
    expect(rest?.interaction ?? []).toEqual([]);
    const obs = rest?.resource?.find((r) => r.type === 'Observation');
    expect(obs?.searchParam?.map((p) => p.name).sort()).toEqual(['_count', '_id', '_lastUpdated', 'category', 'code', 'date', 'patient', 'subject']);
    expect(obs?.conditionalCreate).toBe(false);
    expect(rest?.resource?.find((r) => r.type === 'MedicationStatement')).toBeUndefined();
  });

  it('accepts specific scopes (v1 and v2); refuses wildcard scopes (invalid_scope)', async () => {
    expect((await tokenFor(sb, 'relapse', 'patient/Observation.read')).status).toBe(200);
    expect((await tokenFor(sb, 'relapse', 'patient/Observation.rs')).status).toBe(200);
    expect((await tokenFor(sb, 'relapse', 'patient/*.read')).authError).toBe('invalid_scope');
  });

  it('access tokens live 570 s; PKCE accepted but not required', async () => {
    const t = await tokenFor(sb, 'relapse', 'patient/Patient.rs', { pkce: false });
    expect(t.status).toBe(200);
    expect(t.body.expires_in).toBe(570);
  });

  it('online_access gives a refresh token; a refresh answers without a new one; a second within a minute is throttled (429)', async () => {
    const t = await tokenFor(sb, 'relapse', 'online_access patient/Patient.rs');
    expect(t.body.refresh_token).toBeTruthy();
    const first = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: t.body.refresh_token as string });
    expect(first.status).toBe(200);
    const refreshed = (await first.json()) as Record<string, unknown>;
    expect(refreshed.refresh_token).toBeUndefined();
    expect(refreshed.expires_in).toBe(570);
    const second = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: t.body.refresh_token as string });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('Observation create: one category, vital-signs (performer, valueQuantity) or laboratory → 201', async () => {
    const vitals = await fhirPost(sb, rw, 'Observation', {
      ...vital({ code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, performer: [{ reference: 'Practitioner/practitioner-morgan' }] }),
      valueString: undefined,
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    expect(vitals.status).toBe(201);
    const lab = await fhirPost(sb, rw, 'Observation', {
      ...vital({ category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ system: 'http://loinc.org', code: '3016-3' }] } }),
      valueString: undefined,
      valueQuantity: { value: 2.1, unit: 'mIU/L' },
    });
    expect(lab.status).toBe(201);
  });

  it('refuses with 422 the rest: survey, two categories, identifier or derivedFrom ("unsupported fields"), modifier extensions, vitals without performer', async () => {
    const labBase = { ...vital({ category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ system: 'http://loinc.org', code: '3016-3' }] } }), valueString: '2.1' };
    for (const [label, body, code] of [
      ['survey', phq9(), 'business-rule'],
      ['two categories', { ...labBase, category: [{ coding: [{ code: 'laboratory' }] }, { coding: [{ code: 'vital-signs' }] }] }, 'business-rule'],
      ['identifier', { ...labBase, identifier: [{ system: 'urn:tidemark:result', value: 'x' }] }, 'business-rule'],
      ['derivedFrom', { ...labBase, derivedFrom: [{ reference: 'Observation/x' }] }, 'business-rule'],
      ['modifierExtension', { ...labBase, modifierExtension: [{ url: 'http://x', valueBoolean: true }] }, 'extension'],
      ['vitals without performer', { ...vital({ code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } }), valueString: undefined, valueQuantity: { value: 70, unit: '/min' } }, 'business-rule'],
    ] as const) {
      const oo = await outcomeOf(await fhirPost(sb, rw, 'Observation', body));
      expect(oo.status, label).toBe(422);
      expect(oo.code, label).toBe(code);
      if (label === 'identifier' || label === 'derivedFrom') expect(oo.text).toMatch(/unsupported fields/);
    }
  });

  it('Observation search: patient required, no identifier parameter (400); _count default 50, at most 200; later pages may be short and nothing is lost', async () => {
    expect((await outcomeOf(await fhirGet(sb, rw, 'Observation?patient=relapse&identifier=urn:x|1'))).status).toBe(400);
    expect((await outcomeOf(await fhirGet(sb, rw, 'Observation?code=http://loinc.org|44261-6'))).status).toBe(400);
    const token = (await tokenFor(sb, 'longterm', 'patient/Observation.rs')).body.access_token as string;
    const first = (await (await fhirGet(sb, token, 'Observation?patient=longterm')).json()) as Bundle;
    expect(first.entry?.length).toBe(50);
    let url: string | undefined = `${sb.fhirBase}/Observation?patient=longterm&_count=1000`;
    const ids = new Set<string>();
    const sizes: number[] = [];
    let total = 0;
    while (url) {
      const page = (await (await fhirGet(sb, token, url)).json()) as Bundle;
      total = page.total ?? 0;
      sizes.push(page.entry?.length ?? 0);
      for (const e of page.entry ?? []) ids.add(e.resource?.id as string);
      url = page.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(Math.max(...sizes)).toBe(200);
    expect(sizes.slice(1, -1).some((n) => n < 200)).toBe(true);
    expect(ids.size).toBe(total);
  });

  it('QuestionnaireResponse: social history read; others hidden; no create (405)', async () => {
    const list = (await (await fhirGet(sb, rw, 'QuestionnaireResponse?patient=relapse')).json()) as Bundle;
    expect(list.entry?.map((e) => e.resource?.id)).toEqual(['qr-social']);
    const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: 'Patient/relapse' }, questionnaire: 'https://fhir.example/Questionnaire/social-history' };
    expect((await outcomeOf(await fhirPost(sb, rw, 'QuestionnaireResponse', qr))).status).toBe(405);
  });

  it('DocumentReference create for a clinical note → 201; without context.period.end → 422', async () => {
    expect((await fhirPost(sb, rw, 'DocumentReference', note())).status).toBe(201);
    const bad = await fhirPost(sb, rw, 'DocumentReference', note({ context: { period: { start: '2024-03-01T09:00:00Z' } } }));
    expect((await outcomeOf(bad)).status).toBe(422);
  });

  it('refuses conditional create, transactions, and MedicationStatement (not an Oracle R4 resource)', async () => {
    const lab = { ...vital({ category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ system: 'http://loinc.org', code: '3016-3' }] } }), valueString: '2.0' };
    expect((await outcomeOf(await fhirPost(sb, rw, 'Observation', lab, { 'If-None-Exist': 'code=3016-3' }))).status).toBe(400);
    expect((await outcomeOf(await fhirPost(sb, rw, '', { resourceType: 'Bundle', type: 'transaction', entry: [] }))).status).toBe(400);
    const meds = (await tokenFor(sb, 'relapse', 'patient/MedicationStatement.rs')).body.access_token as string;
    expect((await outcomeOf(await fhirGet(sb, meds, 'MedicationStatement?patient=relapse'))).status).toBe(404);
  });
});

describe('SANDBOX_PROFILE=open (default)', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it('advertises v1 and v2 scopes, transactions, batches and conditional create, and honours them', async () => {
    const conf = (await (await fetch(`${sb.fhirBase}/.well-known/smart-configuration`)).json()) as { capabilities: string[] };
    expect(conf.capabilities).toEqual(expect.arrayContaining(['permission-v1', 'permission-v2']));
    const cs = (await (await fetch(`${sb.fhirBase}/metadata`)).json()) as CapabilityStatement;
    expect(cs.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
    expect(cs.rest?.[0]?.resource?.find((r) => r.type === 'Observation')?.conditionalCreate).toBe(true);
    const token = (await launchToken(sb, 'relapse', 'patient/*.cruds')).access_token;
    const res = await fhirPost(sb, token, 'Observation', phq9({ identifier: [{ system: 'urn:tidemark:result', value: 'open-1' }] }), { 'If-None-Exist': 'identifier=urn:tidemark:result|open-1' });
    expect(res.status).toBe(201);
  });
});
