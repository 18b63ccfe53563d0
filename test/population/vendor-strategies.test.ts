// The population run against the sandbox's vendor profiles, over real HTTP: a Backend Services client
// registered through the sandbox's clients file (a key generated here), the scopes in the syntax each
// server speaks, and results written per the server's write strategy — one clinical note
// (DocumentReference) per patient of the Group with its results and, for an item-9 patient, the item-9
// line; a second run the same night adds nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, DocumentReference } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCapabilities } from '../../src/fhir/ehr/capabilities.ts';
import { chartQueries } from '../../src/fhir/read/chart-queries.ts';
import { fetchAllPages } from '../../src/fhir/read/queries.ts';
import { fromBase64 } from '../../src/fhir/write/marker.ts';
import { chooseWriteStrategy } from '../../src/fhir/write/strategy.ts';
import { BackendServicesAuth } from '../../src/population/backend-auth.ts';
import { connect } from '../../src/population/connect.ts';
import { processBatch } from '../../src/population/process-batch.ts';
import type { PatientLines } from '../../src/population/shards.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import type { ProfileName } from '../../src/sandbox/profiles/index.ts';
import { STORIES as SANDBOX_STORIES } from '../../src/sandbox/patients/index.ts';
import { keyPair, startPopulationSandbox, tempDir, writeJson } from './fixture.ts';
import { chartIdentities, readFeed, runWith, startRunSandbox, testConfig, userToken } from './helpers.ts';

const STORIES = Object.keys(SANDBOX_STORIES).sort();
const CLIENT_ID = 'tidemark-night';
const asOf = new Date().toISOString();

interface VendorSandbox {
  sb: SandboxHandle;
  keyPath: string;
  /** A system token of the registered client (to check what the run wrote). */
  reader(scope: string): Promise<string>;
}

/** A vendor-profile sandbox with the stories and a Backend Services client registered in its clients file. */
async function startVendorSandbox(profile: ProfileName): Promise<VendorSandbox> {
  const dir = tempDir();
  const { privateJwk, publicJwk } = await keyPair('ES384', `${profile}-key`);
  const clientsFile = writeJson(join(dir, 'clients.json'), {
    clients: [{ client_id: CLIENT_ID, scope: 'system/*.read system/Observation.write system/DocumentReference.write', jwks: { keys: [publicJwk] } }],
  });
  const keyPath = join(dir, 'private-key.jwk.json');
  writeFileSync(keyPath, JSON.stringify(privateJwk), { mode: 0o600 });
  const { sb, tokenEndpoint } = await startPopulationSandbox({ profile, population: 0, clientsFile }, dir);
  const reader = (scope: string) => new BackendServicesAuth({ tokenEndpoint, clientId: CLIENT_ID, privateJwk, scope }).token();
  return { sb, keyPath, reader };
}

/** Every Tidemark note in one patient's chart, with its text. */
async function notesOf(v: VendorSandbox, patient: string): Promise<Array<{ resource: DocumentReference; text: string }>> {
  const res = await fetch(`${v.sb.fhirBase}/DocumentReference?patient=${patient}&_count=100`, {
    headers: { authorization: `Bearer ${await v.reader('system/DocumentReference.read')}`, accept: 'application/fhir+json' },
  });
  expect(res.status).toBe(200);
  const bundle = (await res.json()) as Bundle<DocumentReference>;
  return (bundle.entry ?? [])
    .map((e) => e.resource!)
    .filter((d) => d.description?.startsWith('Tidemark decision-support summary'))
    .map((d) => ({ resource: d, text: fromBase64(d.content[0]?.attachment.data ?? '') }));
}

/** The one Tidemark note of a patient's chart, as text. */
async function onlyNote(v: VendorSandbox, patient: string): Promise<string> {
  const notes = await notesOf(v, patient);
  expect(notes, patient).toHaveLength(1);
  return notes[0]!.text;
}

describe.each([
  // Oracle Health: no Observation create for our results, v1 and v2 scopes (v2 asked), no wildcards, no MedicationStatement.
  { profile: 'cerner' as const, scopeSyntax: /^system\/[A-Za-z]+\.(rs|c)$/, create: 'system/DocumentReference.c', item9: ['item9-observation'] },
  // Epic: Observation create only as flowsheet vitals (no rows mapped here), SMART v1 scopes only.
  { profile: 'epic' as const, scopeSyntax: /^system\/[A-Za-z]+\.(read|write)$/, create: 'system/DocumentReference.write', item9: ['item9', 'item9-observation'] },
])('population run on the $profile profile', { timeout: 240_000 }, ({ profile, scopeSyntax, create, item9 }) => {
  let v: VendorSandbox;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    v = await startVendorSandbox(profile);
    config = testConfig(v.sb.fhirBase, v.keyPath, ['--client-id', CLIENT_ID, '--as-of', asOf]);
  }, 60_000);
  afterAll(async () => {
    await v?.sb.close();
  });

  it('chooses the note strategy and asks only the scopes it needs, in the server’s syntax', async () => {
    const conn = await connect(config);
    expect(conn.strategy.kind).toBe('note');
    const scopes = conn.scope.split(' ');
    for (const s of scopes) expect(s).toMatch(scopeSyntax);
    expect(scopes).toContain(create);
    expect(scopes.filter((s) => /\.(c|write)$/.test(s))).toEqual([create]); // no Observation create
    expect(scopes.some((s) => s.startsWith('system/DocumentReference.r'))).toBe(true); // the search before writing
    expect(scopes.some((s) => s.includes('*'))).toBe(false);
    if (profile === 'cerner') expect(scopes.some((s) => s.includes('MedicationStatement'))).toBe(false); // not served there
  });

  it('writes one clinical note per patient of the Group, with its results and the item-9 line', async () => {
    const { summary, runDir } = await runWith(config);
    expect(summary.write.strategy).toBe('note');
    expect(summary).toMatchObject({ patients: STORIES.length, failed: 0 });
    expect(readFeed(runDir.feedFile).length).toBeGreaterThan(0);
    expect(summary.written).toBe(STORIES.length);
    for (const patient of STORIES) {
      const notes = await notesOf(v, patient);
      expect(notes, patient).toHaveLength(1);
      const { resource, text } = notes[0]!;
      expect(resource.subject?.reference).toBe(`Patient/${patient}`);
      expect(text).toContain('RESULTS');
      expect(text).toMatch(/Relapse risk|Outcome/i);
      expect(text).toMatch(/urn:tidemark:result\|[0-9a-f]{16,}/);
    }
    for (const patient of item9) {
      expect(await onlyNote(v, patient), patient).toMatch(/PHQ-9 item 9 positive: “.+” \([1-3] of 3\)/);
    }
    expect(await onlyNote(v, 'improving')).not.toContain('item 9 positive');
  });

  it('a second run the same night adds nothing, and its feed knows last night: no change, nothing new to report', async () => {
    const { summary, runDir } = await runWith({ ...config, since: 'full' });
    expect(summary).toMatchObject({ patients: STORIES.length, failed: 0, written: 0, alreadyInChart: STORIES.length });
    for (const patient of STORIES) expect(await notesOf(v, patient), patient).toHaveLength(1);
    // The chart holds no coded results here: the run's own memory gave each patient its `previous`.
    expect(readFeed(runDir.feedFile)).toEqual([]);
  });

  it('an incremental night re-reads only the changed chart, with the searches this server serves', async () => {
    // A change this server lets a system client make: Oracle a laboratory result (TSH, new data for the
    // biomarker engine), Epic a vital sign into a flowsheet row (pulse: no engine reads it).
    const change =
      profile === 'cerner'
        ? { category: 'laboratory', code: '3016-3', display: 'TSH', value: { valueQuantity: { value: 7.9, unit: 'm[IU]/L', system: 'http://unitsofmeasure.org', code: 'm[IU]/L' } } }
        : { category: 'vital-signs', code: '8867-4', display: 'Heart rate', value: { valueString: '72' } };
    const res = await fetch(`${v.sb.fhirBase}/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await v.reader(profile === 'cerner' ? 'system/Observation.c' : 'system/Observation.write')}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: change.category }] }],
        code: { coding: [{ system: 'http://loinc.org', code: change.code, display: change.display }] },
        subject: { reference: 'Patient/sparse' },
        effectiveDateTime: new Date(Date.parse(asOf) - 3_600_000).toISOString(),
        ...change.value,
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { summary, state } = await runWith(config);
    expect(state.since).not.toBeNull();
    expect(summary).toMatchObject({ patients: 1, failed: 0 });
    // New inputs, new results: a new note (Oracle); the same results: the note already there (Epic).
    expect(summary.written).toBe(profile === 'cerner' ? 1 : 0);
    expect(await notesOf(v, 'sparse')).toHaveLength(profile === 'cerner' ? 2 : 1);
  });
});

describe('site configuration on the epic profile', { timeout: 240_000 }, () => {
  let v: VendorSandbox;
  beforeAll(async () => {
    v = await startVendorSandbox('epic');
  }, 60_000);
  afterAll(async () => {
    await v?.sb.close();
  });

  const siteConfigFile = (entry: Record<string, unknown>) => writeJson(join(tempDir(), 'site-config.json'), { servers: [{ fhirBase: v.sb.fhirBase, ...entry }] });

  it('a mapped flowsheet row: the relapse score as a flowsheet value and the note, each once', async () => {
    const site = siteConfigFile({ flowsheetRows: { 'relapse-risk': { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679', code: '1570000102', display: 'Tidemark relapse risk' } } });
    const config = testConfig(v.sb.fhirBase, v.keyPath, ['--client-id', CLIENT_ID, '--as-of', asOf, '--site-config', site]);
    const conn = await connect(config);
    expect(conn.strategy.kind).toBe('flowsheet-and-note');
    expect(conn.scope.split(' ').filter((s) => s.endsWith('.write')).sort()).toEqual(['system/DocumentReference.write', 'system/Observation.write']);
    const first = await runWith(config);
    expect(first.summary).toMatchObject({ failed: 0, write: { strategy: 'flowsheet-and-note' } });
    const withRelapse = readFeed(first.runDir.feedFile).filter((r) => r.relapse).map((r) => r.patientId);
    expect(withRelapse.length).toBeGreaterThan(3);
    expect(first.summary.written).toBe(STORIES.length + withRelapse.length); // a note each, a flowsheet value per relapse score
    const rows = await fetch(`${v.sb.fhirBase}/Observation?patient=relapse&code=${encodeURIComponent('urn:oid:1.2.840.114350.1.13.0.1.7.2.707679|1570000102')}`, {
      headers: { authorization: `Bearer ${await v.reader('system/Observation.read')}`, accept: 'application/fhir+json' },
    }).then((r) => r.json() as Promise<Bundle>);
    expect(rows.entry).toHaveLength(1);
    expect(await onlyNote(v, 'relapse')).toMatch(/Relapse risk score: \d+ → flowsheet row Tidemark relapse risk \(1570000102\)/);

    const again = await runWith({ ...config, since: 'full' });
    expect(again.summary).toMatchObject({ failed: 0, written: 0, alreadyInChart: STORIES.length + withRelapse.length });
  });

  it('a site configuration that is not valid stops the run before anything is asked of the server, naming the file and the field', async () => {
    const bad = siteConfigFile({ strategy: 'sometimes' });
    await expect(connect(testConfig(v.sb.fhirBase, v.keyPath, ['--client-id', CLIENT_ID, '--site-config', bad]))).rejects.toThrow(/site configuration .*site-config\.json: servers\.0\.strategy/);
  });

  it('a site that turns writing off: nothing is written, the summary says so once, no patient fails', async () => {
    const before = await notesOf(v, 'item9');
    const config = testConfig(v.sb.fhirBase, v.keyPath, ['--client-id', CLIENT_ID, '--as-of', asOf, '--site-config', siteConfigFile({ strategy: 'none' })]);
    const conn = await connect(config);
    expect(conn.scope).not.toMatch(/\.write\b/); // nothing to create, nothing asked
    const { summary } = await runWith(config);
    expect(summary).toMatchObject({ patients: STORIES.length, failed: 0, written: 0, write: { strategy: 'download-only', label: expect.stringContaining('Nothing was written') } });
    expect(await notesOf(v, 'item9')).toEqual(before);
  });
});

describe('coded Observations on a server without conditional create', { timeout: 120_000 }, () => {
  it('each result is searched for by its identifier before it is written: a batch written twice adds nothing', async () => {
    const { sb, keyPath } = await startRunSandbox();
    try {
      // The open sandbox as a server that publishes neither conditional create nor transactions would describe itself.
      const statement = (await (await fetch(`${sb.fhirBase}/metadata`)).json()) as CapabilityStatement;
      const rest = statement.rest![0]!;
      rest.interaction = (rest.interaction ?? []).filter((i) => i.code !== 'transaction' && i.code !== 'batch');
      for (const r of rest.resource ?? []) delete r.conditionalCreate;
      const strategy = chooseWriteStrategy(parseCapabilities(statement));
      expect(strategy).toMatchObject({ kind: 'observations', idempotence: 'search-identifier' });

      const conn = await connect(testConfig(sb.fhirBase, keyPath));
      const patients: PatientLines[] = [];
      for (const id of ['improving', 'item9']) {
        const lines = [JSON.stringify(await conn.readJson(`Patient/${id}`))];
        for (const q of chartQueries(id)) for (const r of (await fetchAllPages(conn.readJson, q.url)).resources) lines.push(JSON.stringify(r));
        patients.push({ patientId: id, lines });
      }
      const task = { batchId: 'b', asOf, patients };
      const target = { fhirBase: sb.fhirBase, accessToken: await conn.auth.token(), strategy };
      const first = await processBatch(task, target);
      const written = first.outcomes.map((o) => o.written);
      expect(first.outcomes.every((o) => !o.failure && o.written > 0 && o.existing === 0)).toBe(true);
      // The same charts again (as after a crash before the checkpoint): every result is found, none sent.
      const second = await processBatch(task, { ...target, accessToken: await conn.auth.token() });
      expect(second.outcomes.map((o) => [o.written, o.existing, o.failure])).toEqual(written.map((n) => [0, n, undefined]));
      const token = await userToken(sb, 'user/*.rs');
      const inChart = await chartIdentities(sb, token);
      expect(inChart.length).toBe(written.reduce((a, b) => a + b, 0));
      expect(new Set(inChart.map((o) => o.identifier)).size).toBe(inChart.length);
    } finally {
      await sb.close();
    }
  });
});
