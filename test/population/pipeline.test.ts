// The population run end to end over real HTTP against a sandbox started here: every patient scored
// and written, a refused write failing only its patient, a second run the same night adding nothing,
// new PHQ-9 data reported for exactly the patients it belongs to, and a killed run resumed without
// double writes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Story } from '../../src/sandbox/patients/builders.ts';
import { dayAnchor, STORIES as SANDBOX_STORIES } from '../../src/sandbox/patients/index.ts';
import { Rng } from '../../src/sandbox/patients/prng.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { connect } from '../../src/population/connect.ts';
import { createRunLogger } from '../../src/population/progress.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { chartIdentities, readFeed, runWith, startRunSandbox, testConfig, userToken } from './helpers.ts';

/** Group care-team of a sandbox without generated patients: its story patients. */
const STORIES = Object.keys(SANDBOX_STORIES).sort();
const asOf = new Date().toISOString();

let sb: SandboxHandle;
let keyPath: string;
let proxy: FaultProxy;
let token: string;

beforeAll(async () => {
  ({ sb, keyPath } = await startRunSandbox());
  proxy = await startFaultProxy(sb.fhirBase);
  token = await userToken(sb, 'user/*.rs user/Observation.c');
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await sb?.close();
});

describe('population run over the sandbox', { timeout: 180_000 }, () => {
  let runsDir: string;
  const run = (argv: string[] = []) => runWith(testConfig(proxy.fhirBase, keyPath, ['--as-of', asOf, '--runs-dir', runsDir, ...argv]));

  it('scores every patient; a refused write fails that patient alone, with its reason', async () => {
    runsDir = testConfig(proxy.fhirBase, keyPath).runsDir;
    proxy.rules.push({ status: 422, patients: ['messy'], times: Number.POSITIVE_INFINITY });
    const { summary, runDir, state } = await run();
    expect(state.since).toBeNull(); // the first night is a full one
    proxy.rules.length = 0;
    expect(summary.patients).toBe(STORIES.length);
    expect(summary.failed).toBe(1);
    const failures = readFileSync(runDir.failuresFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(failures).toEqual([{ patientId: 'messy', stage: 'write', reason: expect.stringContaining('422') }]);
    const feed = readFeed(runDir.feedFile);
    // Every patient has a first result; the new item-9 positive and the critical lithium lead the feed.
    expect(feed.map((r) => r.patientId).sort()).toEqual(STORIES);
    // Safety first: every record with a new item-9 positive, then new critical labs, then the rest.
    const rank = (r: (typeof feed)[number]) => (r.reasons.includes('new_item9') ? 0 : r.reasons.includes('new_critical_lab') ? 1 : 2);
    expect(feed.map(rank)).toEqual([...feed.map(rank)].sort());
    expect(feed.find((r) => r.patientId === 'lithium')!.reasons).toContain('new_critical_lab');
    expect(feed[0]!.reasons[0]).toBe('new_item9');
    const item9 = feed.find((r) => r.patientId === 'item9')!;
    expect(item9.newSafety[0]).toMatchObject({ kind: 'phq9_item9', answer: 2, sourceRef: expect.stringMatching(/^QuestionnaireResponse\//) });
    // Written to the chart: a relapse result for every patient but the refused one.
    const relapse = await chartIdentities(sb, token, 'relapse_risk');
    expect([...new Set(relapse.map((r) => r.patient))].sort()).toEqual(STORIES.filter((p) => p !== 'messy'));
    expect(summary.written).toBeGreaterThan(STORIES.length);
    expect(existsSync(runDir.shardsDir)).toBe(false);
  });

  it('the next (incremental) night tries the patient that failed again; only it appears in the feed', async () => {
    const { summary, runDir, state } = await run();
    expect(state.since).not.toBeNull();
    expect(summary).toMatchObject({ patients: 1, failed: 0 });
    expect(readFeed(runDir.feedFile).map((r) => r.patientId)).toEqual(['messy']);
    expect(proxy.posted.filter((p) => p.patient !== 'messy' && p.patient !== '').length).toBeGreaterThan(0); // from the first run
  });

  it('a second run the same night, incremental or full, writes nothing and reports no change', async () => {
    const before = await chartIdentities(sb, token);
    const posted = proxy.posted.length;
    const incremental = await run();
    expect(incremental.summary).toMatchObject({ patients: 0, failed: 0, changed: 0, written: 0 }); // our own writes are not changes
    const full = await run(['--full']);
    expect(full.summary).toMatchObject({ patients: STORIES.length, failed: 0, changed: 0, written: 0 });
    for (const r of [incremental, full]) expect(readFileSync(r.runDir.feedFile, 'utf8')).toBe('');
    expect(proxy.posted.length).toBe(posted); // not even a conditional create was sent
    expect((await chartIdentities(sb, token)).length).toBe(before.length);
  });

  it('after new PHQ-9 data for two patients, the run reports exactly those two', async () => {
    const anchor = dayAnchor(new Date(asOf));
    const improving = new Story('improving', anchor, new Rng(1));
    improving.score('phq9', 22, 1);
    const sparse = new Story('sparse', anchor, new Rng(2));
    sparse.phq9Response([2, 2, 2, 1, 1, 1, 1, 1, 2], 1);
    const clinician = await userToken(sb, 'user/Observation.c user/QuestionnaireResponse.c');
    for (const r of [...improving.resources, ...sparse.resources]) await post(r, clinician);
    const { summary, runDir } = await run();
    expect(summary.patients).toBe(2); // an incremental night re-reads only the charts that changed
    const feed = readFeed(runDir.feedFile);
    expect(feed.map((r) => r.patientId).sort()).toEqual(['improving', 'sparse']);
    const sparseRecord = feed.find((r) => r.patientId === 'sparse')!;
    expect(sparseRecord.reasons).toContain('new_item9');
    expect(feed[0]!.patientId).toBe('sparse'); // safety first
    const improvingRecord = feed.find((r) => r.patientId === 'improving')!;
    expect(improvingRecord.reasons).toEqual(['level_changed']);
    expect(improvingRecord.relapse!.direction).toBe('worsened');
    expect(improvingRecord.relapse!.explanations.length).toBeGreaterThan(0);
    expect(summary.newItem9Positives).toBe(1);
  });
});

describe('write strategy on the open profile', () => {
  it('coded Observations in transactions; the scope asks SMART v2 system scopes for the reads and Observation create only', async () => {
    const conn = await connect(testConfig(sb.fhirBase, keyPath));
    expect(conn.strategy).toMatchObject({ kind: 'observations', idempotence: 'transaction' });
    const scopes = conn.scope.split(' ');
    expect(scopes.filter((s) => s.endsWith('.c'))).toEqual(['system/Observation.c']);
    expect(scopes).toEqual(expect.arrayContaining(['system/Group.rs', 'system/Patient.rs', 'system/Observation.rs', 'system/QuestionnaireResponse.rs', 'system/MedicationStatement.rs']));
    for (const s of scopes) expect(s).toMatch(/^system\/[A-Za-z]+\.(rs|c)$/);
    // A scoring-only run asks no create scope at all.
    expect((await connect(testConfig(sb.fhirBase, keyPath, ['--no-write']))).scope).not.toMatch(/\.c\b/);
  });
});

describe('logs', { timeout: 120_000 }, () => {
  it('a run logs counts and timings, never a patient id, name or clinical value', async () => {
    const lines: string[] = [];
    const log = createRunLogger('debug', { write: (line: string) => void lines.push(line) });
    const { summary } = await runWith(testConfig(sb.fhirBase, keyPath, ['--as-of', asOf, '--full', '--no-write']), undefined, log);
    expect(summary.patients).toBe(STORIES.length);
    expect(lines.length).toBeGreaterThan(2);
    const text = lines.join('\n');
    for (const id of STORIES) expect(text).not.toContain(id);
    for (const phi of ['Patient/', 'Whitfield', 'Okafor', 'item 9', 'PHQ', 'sertraline', 'Bearer']) expect(text).not.toContain(phi);
  });
});

describe('crash and resume', { timeout: 180_000 }, () => {
  it('a run killed mid-way resumes from its checkpoint and writes every result exactly once', async () => {
    const { sb: fresh, keyPath: freshKey } = await startRunSandbox();
    const slow = await startFaultProxy(fresh.fhirBase);
    try {
      const freshToken = await userToken(fresh, 'user/*.rs');
      slow.writeDelayMs = 400;
      const config = testConfig(slow.fhirBase, freshKey, ['--as-of', asOf, '--batch-size', '1', '--concurrency', '1']);
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/population/run-child.ts'], {
        env: { ...process.env, RUN_CONFIG: JSON.stringify(config) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Kill it (SIGKILL: no clean-up) once some patients are checkpointed and the run is not done.
      const checkpoint = await waitForCheckpoint(config.runsDir, 2);
      child.kill('SIGKILL');
      await exited;
      const journaledBeforeCrash = lines(checkpoint).filter((l) => l.t === 'p').map((l) => l.o.patientId as string);
      expect(journaledBeforeCrash.length).toBeGreaterThanOrEqual(2);
      expect(journaledBeforeCrash.length).toBeLessThan(STORIES.length);
      const postedBefore = slow.posted.length;

      slow.writeDelayMs = 0;
      const exportsBefore = slow.kickoffs;
      const resumed = await runWith({ ...config, resume: 'latest' });
      expect(slow.kickoffs).toBe(exportsBefore); // a resumed run does not export again
      expect(resumed.summary.patients).toBe(STORIES.length);
      expect(resumed.summary.failed).toBe(0);
      // Patients journaled before the crash were not scored or written again.
      const postedAfter = slow.posted.slice(postedBefore).map((p) => p.patient);
      for (const p of journaledBeforeCrash) expect(postedAfter).not.toContain(p);
      // One Observation per write identity in the chart, a relapse result for every patient.
      const all = await chartIdentities(fresh, freshToken);
      expect(new Set(all.map((o) => o.identifier)).size).toBe(all.length);
      const relapse = await chartIdentities(fresh, freshToken, 'relapse_risk');
      expect([...new Set(relapse.map((r) => r.patient))].sort()).toEqual(STORIES);
      expect(readFeed(resumed.runDir.feedFile).length).toBe(STORIES.length);
    } finally {
      await slow.close();
      await fresh.close();
    }
  });
});

async function post(resource: Resource, bearer: string): Promise<void> {
  const { id: _id, ...body } = resource as Resource & { id?: string };
  const res = await fetch(`${sb.fhirBase}/${resource.resourceType}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
}

function lines(file: string): Array<{ t: string; o: { patientId: string } }> {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function waitForCheckpoint(runsDir: string, patients: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  const { readdirSync } = await import('node:fs');
  while (Date.now() < deadline) {
    for (const id of existsSync(runsDir) ? readdirSync(runsDir) : []) {
      const file = `${runsDir}/${id}/checkpoint.ndjson`;
      if (existsSync(file) && lines(file).filter((l) => l.t === 'p').length >= patients) return file;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the run never checkpointed');
}
