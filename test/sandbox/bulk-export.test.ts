/** Bulk Data export of the care-team Group with a plain HTTP client: kick-off, polling, manifest, files, cancel, attacks. */
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_ID } from '../../src/population/dev-key.ts';
import { bulkHeaders, devSystemToken, ndjson, pollManifest, startPopulationSandbox, tempDir } from '../population/fixture.ts';
import type { PopulationSandbox } from '../population/fixture.ts';
import { authorize, ehrLaunch, fhirGet, fhirPost, launchToken, pkcePair, postForm, REDIRECT } from './helpers.ts';
import { STORIES as SANDBOX_STORIES } from '../../src/sandbox/patients/index.ts';

/** The sandbox's story patients (the stories grow as clinical situations are added). */
const STORIES = Object.keys(SANDBOX_STORIES);
const GENERATED = 12;
let p: PopulationSandbox;
let system: string;

beforeAll(async () => {
  const dir = tempDir();
  const data = join(dir, 'bundles');
  mkdirSync(data);
  writeFileSync(
    join(data, 'loaded.json'),
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'loaded-1', name: [{ family: 'Loaded' }] } },
        { resource: { resourceType: 'Observation', id: 'loaded-obs', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/loaded-1' } } },
      ],
    }),
  );
  // Exports start 300 ms after their kick-off, so polling sees "in progress" and a cancel lands in time.
  p = await startPopulationSandbox({ population: GENERATED, sandboxDataDir: data, bulkStartDelayMs: 300 }, dir);
  system = await devSystemToken(p, 'system/*.rs system/Observation.c');
}, 60_000);

afterAll(() => p.sb.close());

const kickoff = (path: string, token: string, headers: Record<string, string> = {}) =>
  fetch(`${p.sb.fhirBase}/${path}`, { headers: { ...bulkHeaders(token), ...headers } });

async function exportAll(path: string, token = system) {
  const res = await kickoff(path, token);
  expect(res.status).toBe(202);
  const statusUrl = res.headers.get('content-location') as string;
  const { manifest, polls } = await pollManifest(statusUrl, token);
  return { statusUrl, manifest, polls };
}

const generatedIds = Array.from({ length: GENERATED }, (_, i) => `pop-${String(i + 1).padStart(5, '0')}`);

describe('Group care-team', () => {
  it('holds every patient: stories, SANDBOX_DATA and generated', async () => {
    const group = (await (await fhirGet(p.sb, system, 'Group/care-team')).json()) as { type: string; actual: boolean; quantity: number; member: { entity: { reference: string } }[] };
    expect(group).toMatchObject({ type: 'person', actual: true });
    const members = group.member.map((m) => m.entity.reference);
    expect(members).toEqual(expect.arrayContaining([...STORIES, 'loaded-1', ...generatedIds].map((id) => `Patient/${id}`)));
    expect(members).toHaveLength(STORIES.length + 1 + GENERATED);
    expect(group.quantity).toBe(members.length);
  });

  it('follows a patient created through the API, and cannot be overwritten', async () => {
    const user = await launchToken(p.sb, 'improving', 'user/Patient.cruds user/Group.cruds');
    const created = await fhirPost(p.sb, user.access_token, 'Patient', { resourceType: 'Patient', name: [{ family: 'Newcomer' }] });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const group = (await (await fhirGet(p.sb, system, 'Group/care-team')).json()) as { member: { entity: { reference: string } }[] };
    expect(group.member.map((m) => m.entity.reference)).toContain(`Patient/${id}`);

    const put = await fetch(`${p.sb.fhirBase}/Group/care-team`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${user.access_token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Group', id: 'care-team', type: 'person', actual: true, member: [] }),
    });
    expect(put.status).toBe(405);
    // A transaction that overwrites it is put right before the next read.
    const tx = await fhirPost(p.sb, user.access_token, '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Group', id: 'care-team', type: 'person', actual: true, member: [] }, request: { method: 'PUT', url: 'Group/care-team' } }],
    });
    expect(tx.status).toBeLessThan(500);
    const after = (await (await fhirGet(p.sb, system, 'Group/care-team')).json()) as { member: unknown[] };
    expect(after.member.length).toBe(STORIES.length + 1 + GENERATED + 1);
  });
});

describe('Group/care-team/$export', () => {
  it('runs kick-off → 202 with X-Progress and Retry-After → manifest → NDJSON files with the same token', async () => {
    const { statusUrl, manifest, polls } = await exportAll('Group/care-team/$export');
    const waiting = polls.find((r) => r.status === 202);
    expect(waiting?.headers.get('x-progress')).toMatch(/%/);
    expect(Number(waiting?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(statusUrl.startsWith(p.sb.url)).toBe(true);
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.request).toBe(`${p.sb.fhirBase}/Group/care-team/$export`);
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThan(Date.now() - 60_000);
    expect(manifest.error).toEqual([]);
    const types = manifest.output.map((o) => o.type);
    expect(types).toEqual(expect.arrayContaining(['Patient', 'Observation', 'MedicationRequest', 'Encounter', 'QuestionnaireResponse']));
    for (const file of manifest.output) {
      const lines = await ndjson(file.url, system);
      expect(lines).toHaveLength(file.count);
      expect(lines.every((r) => r.resourceType === file.type)).toBe(true);
    }
    const patients = await ndjson(manifest.output.find((o) => o.type === 'Patient')?.url as string, system);
    expect(patients.map((r) => r.id)).toEqual(expect.arrayContaining([...STORIES, 'loaded-1', ...generatedIds]));
    const download = await fetch(manifest.output[0]?.url as string, { headers: { authorization: `Bearer ${system}` } });
    expect(download.headers.get('content-type')).toBe('application/fhir+ndjson');
  });

  it('exports only the _type asked for', async () => {
    const { manifest } = await exportAll('Group/care-team/$export?_type=Patient,MedicationRequest&_outputFormat=application%2Ffhir%2Bndjson');
    expect(new Set(manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'MedicationRequest']));
  });

  it('exports with _since only what changed after it', async () => {
    const first = await exportAll('Group/care-team/$export?_type=Observation,Patient');
    const written = await fhirPost(p.sb, system, 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'new PHQ-9' }, subject: { reference: 'Patient/pop-00003' } });
    expect(written.status).toBe(201);
    const id = ((await written.json()) as { id: string }).id;
    const since = encodeURIComponent(first.manifest.transactionTime);
    const { manifest } = await exportAll(`Group/care-team/$export?_type=Observation,Patient&_since=${since}`);
    expect(manifest.output.map((o) => o.type)).toEqual(['Observation']);
    const lines = await ndjson(manifest.output[0]?.url as string, system);
    expect(lines.map((r) => r.id)).toEqual([id]);
  });

  it('cancels on DELETE: the status URL is gone and no files are left', async () => {
    const res = await kickoff('Group/care-team/$export', system);
    const statusUrl = res.headers.get('content-location') as string;
    const jobId = statusUrl.split('/').at(-1) as string;
    const del = await fetch(statusUrl, { method: 'DELETE', headers: { authorization: `Bearer ${system}` } });
    expect(del.status).toBe(202);
    expect((await fetch(statusUrl, { headers: { authorization: `Bearer ${system}` } })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 400)); // past the start delay: the job must not have written
    expect(existsSync(join(p.dataDir, 'bulk', jobId))).toBe(false);
  });

  it('deletes the files of a finished job on DELETE', async () => {
    const { statusUrl, manifest } = await exportAll('Group/care-team/$export?_type=Patient');
    expect((await fetch(statusUrl, { method: 'DELETE', headers: { authorization: `Bearer ${system}` } })).status).toBe(202);
    expect((await fetch(manifest.output[0]?.url as string, { headers: { authorization: `Bearer ${system}` } })).status).toBe(404);
  });

  it('refuses bad parameters with 400 OperationOutcomes', async () => {
    const bad = async (query: string, headers: Record<string, string> = {}) => {
      const res = await kickoff(`Group/care-team/$export${query}`, system, headers);
      expect(res.status).toBe(400);
      const oo = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
      expect(oo.resourceType).toBe('OperationOutcome');
      return oo.issue[0]?.diagnostics;
    };
    expect(await bad('', { prefer: 'return=representation' })).toMatch(/respond-async/);
    expect(await bad('?_outputFormat=text%2Fcsv')).toMatch(/_outputFormat/);
    expect(await bad('?_since=yesterday')).toMatch(/_since/);
    expect(await bad('?_since=2025-01-01')).toMatch(/_since/);
    expect(await bad('?_type=Spaceship')).toMatch(/Spaceship/);
    expect(await bad('?_type=Practitioner')).toMatch(/Practitioner/);
    expect(await bad('?_elements=id')).toMatch(/_elements/);
    expect(await bad('?foo=bar')).toMatch(/foo/);
    const lenient = await kickoff('Group/care-team/$export?_elements=id&_type=Patient', system, { prefer: 'respond-async, handling=lenient' });
    expect(lenient.status).toBe(202);
  });

  it('answers 404 for an unknown Group and 401 without a token', async () => {
    expect((await kickoff('Group/nope/$export', system)).status).toBe(404);
    const anonymous = await fetch(`${p.sb.fhirBase}/Group/care-team/$export`, { headers: { prefer: 'respond-async' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('exports every patient with Patient/$export for a system token', async () => {
    const { manifest } = await exportAll('Patient/$export?_type=Patient');
    const ids = (await ndjson(manifest.output[0]?.url as string, system)).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([...STORIES, 'loaded-1', ...generatedIds]));
  });

  it('lets a user token export the Group its user manages, not Patient/$export', async () => {
    const user = await launchToken(p.sb, 'improving', 'user/*.rs');
    const { manifest } = await exportAll('Group/care-team/$export?_type=Patient', user.access_token);
    expect(manifest.output[0]?.count).toBeGreaterThan(STORIES.length + GENERATED);
    expect((await kickoff('Patient/$export', user.access_token)).status).toBe(403);
  });

  it('is advertised in /metadata', async () => {
    const cs = (await (await fhirGet(p.sb, system, 'metadata')).json()) as {
      instantiates: string[];
      rest: { resource: { type: string; operation?: { name: string; definition: string }[] }[] }[];
    };
    expect(cs.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    const ops = (type: string) => cs.rest[0]?.resource.find((r) => r.type === type)?.operation?.map((o) => o.definition);
    expect(ops('Group')).toContain('http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export');
    expect(ops('Patient')).toContain('http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export');
  });
});

describe('attacks on bulk export', () => {
  /** A patient-context token whose client_id is the backend client's own. */
  async function patientTokenAsBackendClient(): Promise<string> {
    const launch = await ehrLaunch(p.sb, 'item9');
    const { verifier, challenge } = pkcePair();
    const res = await authorize(p.sb, { scope: 'launch patient/*.rs', launch, challenge, extra: { client_id: DEV_CLIENT_ID } });
    const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
    const token = await postForm(`${p.sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: DEV_CLIENT_ID });
    return ((await token.json()) as { access_token: string }).access_token;
  }

  it('a patient token cannot kick off any export', async () => {
    const patient = (await launchToken(p.sb, 'item9', 'patient/*.rs')).access_token;
    for (const path of ['Group/care-team/$export', 'Patient/$export', 'Group/care-team/$export?_type=Patient']) {
      const res = await kickoff(path, patient);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-location')).toBeNull();
    }
  });

  it('a patient token cannot poll, download or cancel a system export, even under the backend client_id', async () => {
    const { statusUrl, manifest } = await exportAll('Group/care-team/$export?_type=Patient,Observation');
    for (const token of [(await launchToken(p.sb, 'item9', 'patient/*.rs')).access_token, await patientTokenAsBackendClient()]) {
      const poll = await fetch(statusUrl, { headers: { authorization: `Bearer ${token}` } });
      expect([403, 404]).toContain(poll.status);
      for (const file of manifest.output) {
        const res = await fetch(file.url, { headers: { authorization: `Bearer ${token}` } });
        expect([403, 404]).toContain(res.status);
        expect(await res.text()).not.toContain('"resourceType":"Patient"');
      }
      expect([403, 404]).toContain((await fetch(statusUrl, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status);
    }
    // The job is untouched by those attempts.
    expect((await fetch(statusUrl, { headers: { authorization: `Bearer ${system}` } })).status).toBe(200);
  });

  it('the NDJSON files need a token: none, an unknown one or another client’s are refused', async () => {
    const { manifest } = await exportAll('Group/care-team/$export?_type=Patient');
    const url = manifest.output[0]?.url as string;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer forged' } })).status).toBe(401);
    const otherUser = (await launchToken(p.sb, 'improving', 'user/*.rs')).access_token;
    expect((await fetch(url, { headers: { authorization: `Bearer ${otherUser}` } })).status).toBe(404);
    expect((await fetch(`${url.replace(/[^/]+$/, '')}..%2F..%2Fstore.json`, { headers: { authorization: `Bearer ${system}` } })).status).toBe(404);
  });
});
