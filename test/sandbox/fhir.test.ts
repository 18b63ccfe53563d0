import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { fhirGet, fhirPost, launchToken, startTestSandbox, tmpDataDir } from './helpers.ts';

let sb: SandboxHandle;
let dataDir: string;
let readWrite: string; // patient/*.cruds on 'relapse'
let readOnly: string; // patient/Observation.read on 'relapse'
let v1Write: string; // v1 read+write on 'relapse'

beforeAll(async () => {
  dataDir = tmpDataDir();
  sb = await startTestSandbox({ dataDir });
  readWrite = (await launchToken(sb, 'relapse', 'patient/*.cruds')).access_token;
  readOnly = (await launchToken(sb, 'relapse', 'patient/Observation.read patient/Patient.read')).access_token;
  v1Write = (await launchToken(sb, 'relapse', 'patient/Observation.read patient/Observation.write')).access_token;
});
afterAll(() => sb.close());

function writeBack(value: number, hash: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system: 'urn:tidemark:result', value: hash }],
    code: { coding: [{ system: 'urn:tidemark:engine', code: 'relapse_risk' }] },
    subject: { reference: 'Patient/relapse' },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value, unit: '%' },
  };
}

describe('scope enforcement', () => {
  it('requires a bearer token', async () => {
    expect((await fetch(`${sb.fhirBase}/Patient/relapse`)).status).toBe(401);
    expect((await fhirGet(sb, 'bogus', 'Patient/relapse')).status).toBe(401);
  });

  it('refuses create without a write scope (403 OperationOutcome)', async () => {
    const res = await fhirPost(sb, readOnly, 'Observation', writeBack(1, 'ro'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('accepts v1 .write and v2 .c scopes for create', async () => {
    expect((await fhirPost(sb, v1Write, 'Observation', writeBack(2, 'v1'))).status).toBe(201);
    expect((await fhirPost(sb, readWrite, 'Observation', writeBack(3, 'v2'))).status).toBe(201);
  });

  it('refuses types the scope does not name', async () => {
    expect((await fhirGet(sb, readOnly, 'MedicationRequest?patient=relapse')).status).toBe(403);
  });

  it('refuses reads and searches of another patient (403)', async () => {
    expect((await fhirGet(sb, readOnly, 'Patient/improving')).status).toBe(403);
    expect((await fhirGet(sb, readOnly, 'Observation?patient=improving')).status).toBe(403);
    const other = (await fhirGet(sb, readOnly, 'Observation?code=http://loinc.org|44261-6&_count=5')).json() as Promise<Bundle>;
    const entries = (await other).entry ?? [];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect((e.resource as Observation).subject?.reference).toBe('Patient/relapse');
  });

  it('refuses writing for another patient', async () => {
    const body = { ...writeBack(4, 'x'), subject: { reference: 'Patient/improving' } };
    expect((await fhirPost(sb, readWrite, 'Observation', body)).status).toBe(403);
  });

  it('lets user/ scopes read any patient', async () => {
    const user = (await launchToken(sb, 'relapse', 'user/*.rs')).access_token;
    expect((await fhirGet(sb, user, 'Patient/improving')).status).toBe(200);
  });
});

describe('search', () => {
  it('searches by patient, code, date and sorts by -date', async () => {
    const q = new URLSearchParams({ patient: 'relapse', code: 'http://loinc.org|44261-6', date: 'ge2000-01-01', _sort: '-date' });
    const res = await fhirGet(sb, readOnly, `Observation?${q}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const bundle = (await res.json()) as Bundle<Observation>;
    const values = (bundle.entry ?? []).map((e) => e.resource as Observation);
    expect(values[0]?.valueInteger).toBe(19);
    const dates = values.map((o) => o.effectiveDateTime as string);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('finds the sleep, lab and comma-list codes', async () => {
    const q = new URLSearchParams({ patient: 'thyroid', code: 'http://loinc.org|3016-3,http://loinc.org|1989-3', category: 'laboratory' });
    const token = (await launchToken(sb, 'thyroid', 'patient/*.rs')).access_token;
    const bundle = (await (await fhirGet(sb, token, `Observation?${q}`)).json()) as Bundle<Observation>;
    const codes = new Set(bundle.entry?.map((e) => e.resource?.code?.coding?.[0]?.code));
    expect(codes).toEqual(new Set(['3016-3', '1989-3']));
    const tsh = bundle.entry?.map((e) => e.resource as Observation).find((o) => o.valueQuantity?.value === 6.8);
    expect(tsh?.interpretation?.[0]?.coding?.[0]?.code).toBe('H');
  });

  it('includes referenced resources with _include', async () => {
    const token = (await launchToken(sb, 'lithium', 'patient/*.rs')).access_token;
    const bundle = (await (await fhirGet(sb, token, 'MedicationRequest?patient=lithium&_include=MedicationRequest:subject')).json()) as Bundle;
    expect(bundle.entry?.some((e) => e.search?.mode === 'include' && e.resource?.resourceType === 'Patient')).toBe(true);
  });

  it('pages through the five-year patient with next links', async () => {
    const token = (await launchToken(sb, 'longterm', 'patient/*.rs')).access_token;
    const q = new URLSearchParams({ patient: 'longterm', code: 'http://loinc.org|44261-6,http://loinc.org|70274-6', _count: '50', _sort: 'date' });
    let url: string | undefined = `${sb.fhirBase}/Observation?${q}`;
    const ids = new Set<string>();
    let pages = 0;
    let total = 0;
    while (url) {
      const bundle = (await (await fhirGet(sb, token, url)).json()) as Bundle;
      total = bundle.total ?? 0;
      for (const e of bundle.entry ?? []) ids.add(e.resource?.id as string);
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(ids.size).toBeGreaterThanOrEqual(300);
    expect(ids.size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 50));
    const labs = (await (await fhirGet(sb, token, 'Observation?patient=longterm&category=laboratory&_count=0')).json()) as Bundle;
    expect(labs.total).toBeGreaterThanOrEqual(500);
  });
});

describe('writes', () => {
  it('conditional create with If-None-Exist is idempotent (20 posts → 1 resource)', async () => {
    const body = writeBack(42, 'hash-20');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fhirPost(sb, readWrite, 'Observation', body, { 'If-None-Exist': 'identifier=urn:tidemark:result|hash-20' });
      statuses.push(res.status);
      if (i === 0) {
        expect(res.headers.get('location')).toMatch(/\/fhir\/Observation\/[^/]+\/_history\//);
        expect(res.headers.get('etag')).toMatch(/^W\//);
      }
    }
    expect(statuses[0]).toBe(201);
    expect(statuses.slice(1).every((s) => s === 200)).toBe(true);
    const q = new URLSearchParams({ identifier: 'urn:tidemark:result|hash-20' });
    const found = (await (await fhirGet(sb, readWrite, `Observation?${q}`)).json()) as Bundle;
    expect(found.total).toBe(1);
  });

  it('processes a transaction Bundle with conditional creates', async () => {
    const entry = (hash: string) => ({
      resource: writeBack(7, hash),
      request: { method: 'POST' as const, url: 'Observation', ifNoneExist: `identifier=urn:tidemark:result|${hash}` },
    });
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [entry('tx-1'), entry('tx-2')] };
    const res = await fhirPost(sb, readWrite, '', bundle);
    expect(res.status).toBe(200);
    const out = (await res.json()) as Bundle;
    expect(out.type).toBe('transaction-response');
    expect(out.entry?.map((e) => e.response?.status?.slice(0, 3))).toEqual(['201', '201']);
  });

  it('rejects an invalid resource with 400', async () => {
    const res = await fhirPost(sb, readWrite, 'Observation', { resourceType: 'Observation', subject: { reference: 'Patient/relapse' } });
    expect(res.status).toBe(400);
  });

  it('keeps written resources across a restart (and drops them on reset)', async () => {
    await fhirPost(sb, readWrite, 'Observation', writeBack(9, 'persist-me'));
    await sb.close();
    sb = await startTestSandbox({ dataDir, reset: false });
    const token = (await launchToken(sb, 'relapse', 'patient/*.rs')).access_token;
    const q = new URLSearchParams({ identifier: 'urn:tidemark:result|persist-me' });
    expect(((await (await fhirGet(sb, token, `Observation?${q}`)).json()) as Bundle).total).toBe(1);
    await sb.close();
    sb = await startTestSandbox({ dataDir, reset: true });
    const fresh = (await launchToken(sb, 'relapse', 'patient/*.rs')).access_token;
    expect(((await (await fhirGet(sb, fresh, `Observation?${q}`)).json()) as Bundle).total).toBe(0);
  });
});

describe('CORS', () => {
  it('answers preflight for the app origin with Authorization allowed and Location exposed', async () => {
    const res = await fetch(`${sb.fhirBase}/Observation`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const get = await fetch(`${sb.fhirBase}/metadata`, { headers: { origin: 'http://127.0.0.1:8080' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    expect(get.headers.get('access-control-expose-headers')).toContain('Location');
  });
});
