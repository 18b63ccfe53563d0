/**
 * The compartment sweep (issue 10 §1 "done when"): with a token held to one patient (`relapse`), every
 * resource type and every search parameter the sandbox advertises in /metadata, and every interaction
 * (read, vread, _history at instance/type/system level, _include/_revinclude, _has and chains, POST
 * _search, compartment searches, $everything, conditional create/update/delete, batch and transaction
 * entries) must show no resource of another patient. Data: the eight stories, the Synthea sample and
 * the probe patients. The oracle is independent of the sandbox's compartment code: a resource belongs
 * to another patient when it is another Patient or holds a reference (anywhere, absolute URLs too) to
 * another Patient.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { fhirGet, fhirPost, launchToken, startTestSandbox, tmpDataDir } from './helpers.ts';
import { probeResources, SECRET } from './probe-fixture.ts';

const ME = 'relapse';
// The five Synthea patients vendored in test/data/synthea-phq (Apache-2.0, see its NOTICE.md).
const SYNTHEA = process.env.SANDBOX_TEST_SYNTHEA ?? resolve(import.meta.dirname, '../data/synthea-phq');

let sb: SandboxHandle;
let reader: string; // patient/*.rs held to ME
let writer: string; // patient/*.cruds held to ME
let admin: string; // user/*.cruds: sees everything, checks outcomes
let types: { type: string; params: { name: string; type: string }[] }[];
/** Every stored resource, by "Type/id", as the admin sees it. */
const all = new Map<string, Resource>();
const others = new Set<string>(); // "Type/id" of resources that belong to another patient
let requests = 0;

/** Patient ids a resource points at: itself if a Patient, and every reference (normalised) to a Patient. */
function patientsIn(r: Resource): Set<string> {
  const out = new Set<string>();
  if (r.resourceType === 'Patient' && r.id) out.add(r.id);
  JSON.stringify(r, (k, v: unknown) => {
    if (k === 'reference' && typeof v === 'string') {
      const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(v);
      if (m?.[1]) out.add(m[1]);
    }
    return v;
  });
  return out;
}

const foreign = (r: Resource) => [...patientsIn(r)].some((p) => p !== ME);

/** Fails the test if a response shows anything of another patient. */
async function check(label: string, res: Response): Promise<void> {
  requests++;
  const text = await res.text();
  expect(res.status, `${label}: server error ${text.slice(0, 200)}`).toBeLessThan(500);
  expect(text.includes(SECRET), `${label}: leaked ${SECRET}`).toBe(false);
  if (res.status >= 300 || !text) return;
  const body = JSON.parse(text) as Resource;
  for (const r of resourcesIn(body)) {
    const key = `${r.resourceType}/${r.id}`;
    expect(foreign(r) || others.has(key), `${label}: returned ${key} of another patient`).toBe(false);
  }
}

function resourcesIn(body: Resource): Resource[] {
  if (body.resourceType !== 'Bundle') return body.resourceType === 'OperationOutcome' ? [] : [body];
  return ((body as Bundle).entry ?? []).flatMap((e) => (e.resource ? resourcesIn(e.resource) : []));
}

async function pool<T>(items: T[], run: (item: T) => Promise<void>, width = 6): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}

beforeAll(async () => {
  const dir = tmpDataDir();
  // ME's own data pointing at others' (for _include), and one Observation in two compartments.
  const links = [
    { resourceType: 'Observation', id: 'me-links', status: 'final', code: { text: 'links' }, subject: { reference: `Patient/${ME}` }, hasMember: [{ reference: 'Observation/obs-b1' }], derivedFrom: [{ reference: 'Observation/obs-b2' }], performer: [{ reference: 'RelatedPerson/rp-b' }] },
    { resourceType: 'Observation', id: 'me-and-b', status: 'final', code: { text: SECRET }, subject: { reference: `Patient/${ME}` }, performer: [{ reference: 'Patient/probe-b' }] },
    { resourceType: 'Provenance', id: 'prov-b', target: [{ reference: `Observation/me-links` }, { reference: 'Patient/probe-b' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { reference: 'Practitioner/practitioner-morgan' } }] },
  ];
  const entry = [...probeResources(), ...links].map((resource) => ({ resource }));
  writeFileSync(join(dir, 'probe.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
  // The Synthea sample, copied in next to the probe file.
  for (const file of (await import('node:fs')).readdirSync(SYNTHEA).filter((f) => f.endsWith('.json'))) {
    writeFileSync(join(dir, file), (await import('node:fs')).readFileSync(join(SYNTHEA, file)));
  }
  sb = await startTestSandbox({ sandboxDataDir: dir });
  reader = (await launchToken(sb, ME, 'patient/*.rs')).access_token;
  writer = (await launchToken(sb, ME, 'patient/*.cruds')).access_token;
  admin = (await launchToken(sb, ME, 'user/*.cruds')).access_token;
  const cs = (await (await fetch(`${sb.fhirBase}/metadata`)).json()) as CapabilityStatement;
  types = (cs.rest?.[0]?.resource ?? []).map((r) => ({
    type: r.type,
    params: (r.searchParam ?? []).filter((p) => !p.name.startsWith('_count') && p.name !== '_sort').map((p) => ({ name: p.name, type: p.type })),
  }));
  for (const { type } of types) {
    let url: string | undefined = `${sb.fhirBase}/${type}?_count=1000`;
    while (url) {
      const bundle = (await (await fhirGet(sb, admin, url)).json()) as Bundle;
      for (const e of bundle.entry ?? []) {
        const r = e.resource as Resource;
        all.set(`${r.resourceType}/${r.id}`, r);
        if (foreign(r)) others.add(`${r.resourceType}/${r.id}`);
      }
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
  }
}, 180_000);
afterAll(() => sb?.close());

describe(`sweep with a patient token held to ${ME}`, () => {
  it('has data of other patients in many types to leak (the sweep can fail)', () => {
    const foreignTypes = new Set([...others].map((k) => k.split('/')[0]));
    expect(foreignTypes.size).toBeGreaterThanOrEqual(15);
    expect(types.length).toBeGreaterThanOrEqual(30);
  });

  it('every search parameter of every type: plain, :missing, broad values, other patients named every way', async () => {
    const otherPatients = [...others].filter((k) => k.startsWith('Patient/')).map((k) => k.slice(8)).slice(0, 4);
    const probes: string[] = [];
    for (const { type, params } of types) {
      probes.push(`${type}`, `${type}?_count=1000`, `${type}?_total=accurate&_summary=count`, `${type}?_elements=id`);
      for (const { name, type: kind } of params) {
        probes.push(`${type}?${name}:missing=false`, `${type}?${name}:missing=true`);
        if (kind === 'date') probes.push(`${type}?${name}=ge1800-01-01`, `${type}?${name}=le2999-01-01`);
        if (kind === 'string') probes.push(`${type}?${name}=a`, `${type}?${name}:contains=e`);
        if (kind === 'token') probes.push(`${type}?${name}:not=zzz`);
        if (kind === 'number' || kind === 'quantity') probes.push(`${type}?${name}=gt0`);
        if (kind === 'reference') {
          for (const p of otherPatients) {
            for (const v of [p, `Patient/${p}`, `${sb.fhirBase}/Patient/${p}`]) probes.push(`${type}?${name}=${encodeURIComponent(v)}`);
          }
          probes.push(`${type}?_include=${type}:${name}`, `${type}?_include:iterate=${type}:${name}`, `${type}?${name}.name=a`, `${type}?${name}:Patient.name=a`);
        }
      }
      probes.push(`${type}?_has:Observation:patient:code=44261-6`, `${type}?_id=${[...others].filter((k) => k.startsWith(`${type}/`)).map((k) => k.split('/')[1]).slice(0, 20).join(',')}`);
    }
    for (const target of ['Provenance:target', 'Observation:has-member', 'Observation:derived-from', 'Observation:subject', 'Encounter:subject', 'Group:member']) {
      for (const { type } of types) probes.push(`${type}?_revinclude=${target}`);
    }
    await pool(probes, async (p) => check(`GET ${p}`, await fhirGet(sb, reader, p)));
    await pool(
      types.map((t) => t.type),
      async (type) => check(`POST ${type}/_search`, await fetch(`${sb.fhirBase}/${type}/_search`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `_count=1000` })),
    );
    console.log(`sweep: ${types.length} types, ${types.reduce((n, t) => n + t.params.length, 0)} search parameters, ${others.size} resources of other patients, ${requests} requests`);
    expect(requests).toBeGreaterThan(2000);
  }, 300_000);

  it('read, vread and _history of every other patient’s resource (up to 25 per type); history at type and system level', async () => {
    const byType = new Map<string, string[]>();
    for (const key of others) {
      const [type] = key.split('/') as [string];
      const list = byType.get(type) ?? [];
      if (list.length < 25) list.push(key);
      byType.set(type, list);
    }
    const keys = [...byType.values()].flat();
    await pool(keys, async (key) => {
      for (const path of [key, `${key}/_history`, `${key}/_history/1`]) {
        const res = await fhirGet(sb, reader, path);
        expect([403, 404], `${path} → ${res.status}`).toContain(res.status);
        await check(path, res);
      }
    });
    await pool(types.map((t) => t.type), async (type) => check(`${type}/_history`, await fhirGet(sb, reader, `${type}/_history?_count=1000`)));
    await check('_history', await fhirGet(sb, reader, '_history?_count=1000'));
  }, 300_000);

  it('compartment searches and $everything-like operations', async () => {
    const other = [...others].find((k) => k.startsWith('Patient/'))?.slice(8) as string;
    for (const { type } of types) {
      const theirs = await fhirGet(sb, reader, `Patient/${other}/${type}`);
      expect(theirs.status, `Patient/${other}/${type}`).toBeGreaterThanOrEqual(400);
      await check(`Patient/${other}/${type}`, theirs);
      await check(`Patient/${ME}/${type}`, await fhirGet(sb, reader, `Patient/${ME}/${type}?_count=1000`));
    }
    for (const op of [`Patient/${other}/$everything`, `Patient/${ME}/$everything`, 'Patient/$everything', 'Group/care-team/$export', '$export']) {
      await check(op, await fhirGet(sb, reader, op));
    }
  }, 120_000);

  it('conditional create / update / delete and plain writes never match, change or reveal another patient’s resource', async () => {
    const sample = [...others].filter((k) => !k.startsWith('Patient/')).slice(0, 40);
    const mine = (type: string) => ({ resourceType: 'Observation', status: 'final', code: { text: `sweep ${type}` }, subject: { reference: `Patient/${ME}` } });
    for (const key of sample) {
      const [type, id] = key.split('/') as [string, string];
      const before = JSON.stringify(all.get(key));
      await check(`POST If-None-Exist _id=${id}`, await fhirPost(sb, writer, 'Observation', mine(type), { 'If-None-Exist': `_id=${id}` }));
      const put = await fetch(`${sb.fhirBase}/${type}/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ ...all.get(key), subject: { reference: `Patient/${ME}` } }) });
      expect(put.status, `PUT ${key}`).toBeGreaterThanOrEqual(400);
      await check(`PUT ${key}`, put);
      await check(`PUT ${type}?_id=${id}`, await fetch(`${sb.fhirBase}/${type}?_id=${id}`, { method: 'PUT', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: type }) }));
      const del = await fetch(`${sb.fhirBase}/${type}/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${writer}` } });
      expect(del.status, `DELETE ${key}`).toBe(403);
      await check(`DELETE ${type}?_id=${id}`, await fetch(`${sb.fhirBase}/${type}?_id=${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${writer}` } }));
      const after = await fhirGet(sb, admin, key);
      expect(after.status, `${key} still there`).toBe(200);
      const stored = (await after.json()) as Resource;
      delete stored.meta;
      const was = JSON.parse(before) as Resource;
      delete was.meta;
      expect(JSON.stringify(stored), `${key} unchanged`).toBe(JSON.stringify(was));
    }
  }, 300_000);

  it('batch and transaction entries: reads, searches, conditional creates and writes of others are refused or empty', async () => {
    const sample = [...others].slice(0, 60);
    const entries = sample.flatMap((key) => {
      const [type, id] = key.split('/') as [string, string];
      return [
        { request: { method: 'GET', url: key } },
        { request: { method: 'GET', url: `${key}/_history` } },
        { request: { method: 'GET', url: `${type}?_id=${id}` } },
        { request: { method: 'GET', url: `Patient/${id}/${type}` } },
      ];
    });
    const batch = await fhirPost(sb, reader, '', { resourceType: 'Bundle', type: 'batch', entry: entries });
    await check('batch', batch.clone());
    expect(batch.status).toBe(200);
    for (const key of sample.slice(0, 15)) {
      const [type, id] = key.split('/') as [string, string];
      const tx = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:00000000-0000-4000-8000-00000000000a', resource: { resourceType: type }, request: { method: 'POST', url: type, ifNoneExist: `_id=${id}` } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${ME}` }, focus: [{ reference: 'urn:uuid:00000000-0000-4000-8000-00000000000a' }] }, request: { method: 'POST', url: 'Observation' } },
          { request: { method: 'DELETE', url: key } },
        ],
      };
      const res = await fhirPost(sb, writer, '', tx);
      expect(res.status, `transaction touching ${key}`).toBeGreaterThanOrEqual(400);
      await check(`transaction ${key}`, res);
      expect((await fhirGet(sb, admin, key)).status, `${key} survives the transaction`).toBe(200);
    }
  }, 300_000);
});
