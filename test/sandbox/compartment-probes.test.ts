/**
 * Probes of issue 10 §1 (patient compartments), each over HTTP with a token held to patient A that
 * tries to read, learn about, overwrite or delete patient B's data. B's resources carry SECRET-B:
 * no response may contain it.
 */
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { fhirGet, fhirPost, launchToken, startTestSandbox } from './helpers.ts';
import { B_IDENTIFIER, probeDataDir, SECRET } from './probe-fixture.ts';

let sb: SandboxHandle;
let a: string; // patient/*.cruds held to probe-a
let admin: string; // user/*.cruds: checks what really happened to B's data

beforeAll(async () => {
  sb = await startTestSandbox({ sandboxDataDir: probeDataDir() });
  a = (await launchToken(sb, 'probe-a', 'patient/*.cruds')).access_token;
  admin = (await launchToken(sb, 'probe-a', 'user/*.cruds')).access_token;
});
afterAll(() => sb.close());

async function text(res: Response): Promise<string> {
  return res.text();
}

function send(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sb.fhirBase}/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const mine = (extra: Record<string, unknown> = {}): Observation =>
  ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
    subject: { reference: 'Patient/probe-a' },
    effectiveDateTime: '2024-06-01T10:00:00Z',
    valueInteger: 3,
    ...extra,
  }) as Observation;

describe('history of another patient', () => {
  it('GET Patient/<other>/_history is refused and leaks nothing', async () => {
    const res = await fhirGet(sb, a, 'Patient/probe-b/_history');
    expect(res.status).toBe(403);
    expect(await text(res)).not.toContain(SECRET);
  });

  it('GET <type>/<id>/_history and vread of another patient’s Observation are refused', async () => {
    for (const path of ['Observation/obs-b1/_history', 'Observation/obs-b1/_history/1']) {
      const res = await fhirGet(sb, a, path);
      expect(res.status, path).toBe(403);
      expect(await text(res)).not.toContain(SECRET);
    }
  });

  it('the same history reads inside a batch are refused entry by entry', async () => {
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: ['Patient/probe-b/_history', 'Observation/obs-b1/_history', 'Observation/obs-b1/_history/1'].map((url) => ({ request: { method: 'GET', url } })),
    };
    const res = await fhirPost(sb, a, '', batch);
    const body = await text(res);
    expect(body).not.toContain(SECRET);
    if (res.status === 200) {
      const out = JSON.parse(body) as Bundle;
      for (const e of out.entry ?? []) expect(e.response?.status).toMatch(/^403/);
    } else {
      expect(res.status).toBe(403);
    }
  });
});

describe('conditional create', () => {
  it('If-None-Exist is searched in the token’s compartment only: _id of another patient’s Observation', async () => {
    const res = await fhirPost(sb, a, 'Observation', mine(), { 'If-None-Exist': '_id=obs-b1' });
    const body = await text(res);
    expect(body).not.toContain(SECRET);
    expect(res.status).toBe(201);
    const created = JSON.parse(body) as Observation;
    expect(created.id).not.toBe('obs-b1');
    expect(created.subject?.reference).toBe('Patient/probe-a');
  });

  it('the status does not tell whether another patient has a match (201 either way)', async () => {
    const other = await fhirPost(sb, a, 'Observation', mine({ valueInteger: 4 }), { 'If-None-Exist': 'identifier=urn:probe:obs|b1' });
    const nobody = await fhirPost(sb, a, 'Observation', mine({ valueInteger: 5 }), { 'If-None-Exist': 'identifier=urn:probe:obs|nobody' });
    expect(await text(other)).not.toContain(SECRET);
    expect([other.status, nobody.status]).toEqual([201, 201]);
  });
});

describe('_include', () => {
  it('Observation:performer, :has-member and :derived-from never include another patient’s resources', async () => {
    const q = new URLSearchParams({ patient: 'probe-a' });
    for (const inc of ['Observation:performer', 'Observation:has-member', 'Observation:derived-from']) q.append('_include', inc);
    const res = await fhirGet(sb, a, `Observation?${q}`);
    expect(res.status).toBe(200);
    const body = await text(res);
    expect(body).not.toContain(SECRET);
    const bundle = JSON.parse(body) as Bundle;
    expect(bundle.entry?.some((e) => e.resource?.id === 'obs-a1')).toBe(true);
  });
});

describe('updates and deletes check who owns the stored resource', () => {
  it('PUT over another patient’s Observation (body naming A) is refused and B’s data is unchanged', async () => {
    const res = await send('PUT', 'Observation/obs-b1', a, mine({ id: 'obs-b1' }));
    expect(res.status).toBe(403);
    const after = (await (await fhirGet(sb, admin, 'Observation/obs-b1')).json()) as Observation;
    expect(after.subject?.reference).toBe('Patient/probe-b');
  });

  it('DELETE of another patient’s Observation is refused and it still exists', async () => {
    const res = await send('DELETE', 'Observation/obs-b2', a);
    expect(res.status).toBe(403);
    expect((await fhirGet(sb, admin, 'Observation/obs-b2')).status).toBe(200);
  });

  it('a transaction cannot delete another patient’s data', async () => {
    const tx = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'Observation/obs-b2' } }] };
    const res = await fhirPost(sb, a, '', tx);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await fhirGet(sb, admin, 'Observation/obs-b2')).status).toBe(200);
  });

  it('conditional update and conditional delete do not reach another patient', async () => {
    const put = await send('PUT', 'Observation?identifier=urn:probe:obs|b1', a, mine());
    expect(await text(put)).not.toContain(SECRET);
    const del = await send('DELETE', 'Observation?identifier=urn:probe:obs|b1', a);
    expect(await text(del)).not.toContain(SECRET);
    const after = (await (await fhirGet(sb, admin, 'Observation/obs-b1')).json()) as Observation;
    expect(after.subject?.reference).toBe('Patient/probe-b');
    expect(after.valueInteger).toBe(7);
  });
});

describe('transaction entries resolved to another patient', () => {
  it('POST Patient with ifNoneExist on B’s identifier + an Observation for it: refused, nothing committed', async () => {
    const count = async () => ((await (await fhirGet(sb, admin, 'Observation?patient=probe-b&_count=0')).json()) as Bundle).total;
    const before = await count();
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:9e0a0000-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', identifier: [B_IDENTIFIER] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${B_IDENTIFIER.system}|${B_IDENTIFIER.value}` },
        },
        {
          resource: mine({ subject: { reference: 'urn:uuid:9e0a0000-0000-4000-8000-000000000001' } }),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    const res = await fhirPost(sb, a, '', tx);
    expect(await text(res)).not.toContain(SECRET);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await count()).toBe(before);
  });
});

describe('ownership follows the patient compartment, with references normalised', () => {
  it('an Observation whose subject is an absolute URL to another patient cannot be written', async () => {
    const res = await fhirPost(sb, a, 'Observation', mine({ subject: { reference: `${sb.fhirBase}/Patient/probe-b` } }));
    expect(res.status).toBe(403);
  });

  it('another patient’s Observation with an absolute-URL subject is not found by A', async () => {
    const read = await fhirGet(sb, a, 'Observation/obs-b3');
    expect(read.status).toBe(403);
    const search = await fhirGet(sb, a, 'Observation?_id=obs-b3');
    expect(await text(search)).not.toContain(SECRET);
  });

  it('resources linked to B by other compartment parameters are refused (Communication, Group, Appointment, RelatedPerson)', async () => {
    for (const path of ['Communication/comm-b', 'Group/group-b', 'Appointment/appt-b', 'RelatedPerson/rp-b']) {
      const res = await fhirGet(sb, a, path);
      expect(res.status, path).toBe(403);
      expect(await text(res)).not.toContain(SECRET);
    }
    for (const path of ['Communication?recipient=Patient/probe-b', 'Group?member=Patient/probe-b', 'Communication', 'Group', 'Appointment']) {
      const res = await fhirGet(sb, a, path);
      expect(await text(res), path).not.toContain(SECRET);
    }
  });

  it('a resource linking to B only through a compartment parameter (Communication.recipient) cannot be written', async () => {
    const res = await fhirPost(sb, a, 'Communication', { resourceType: 'Communication', status: 'completed', recipient: [{ reference: 'Patient/probe-b' }] });
    expect(res.status).toBe(403);
  });
});
