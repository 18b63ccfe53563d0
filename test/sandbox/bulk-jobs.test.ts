/** The Bulk job store on its own: files rolled over, time window, expiry with an injected clock, cancel. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { BulkJobStore } from '../../src/sandbox/bulk/jobs.ts';
import type { ExportJob } from '../../src/sandbox/bulk/jobs.ts';

const T0 = Date.parse('2025-03-10T12:00:00Z');
const obs = (patient: string, i: number, lastUpdated: string): Resource =>
  ({ resourceType: 'Observation', id: `${patient}-${i}`, meta: { lastUpdated }, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient}` } }) as Resource;
const chart: Record<string, Resource[]> = {
  a: [obs('a', 1, '2025-03-01T00:00:00Z'), obs('a', 2, '2025-03-09T00:00:00Z'), obs('a', 3, '2025-03-10T13:00:00Z')],
  b: [obs('b', 1, '2025-03-05T00:00:00Z'), obs('b', 2, '2025-03-09T10:00:00Z')],
};
const repo = { ofPatient: (p: string, type: string) => (type === 'Observation' ? (chart[p] ?? []) : []) };
const everything = new Map([['Observation', () => true]]);
let clock = T0;
let store: BulkJobStore | undefined;

function newStore(ttlSeconds = 60) {
  store = new BulkJobStore(repo, { dir: mkdtempSync(join(tmpdir(), 'tidemark-jobs-')), ttlSeconds, maxActive: 2, maxRetained: 3, maxLinesPerFile: 2, now: () => clock });
  return store;
}

async function finished(job: ExportJob): Promise<ExportJob> {
  for (let i = 0; i < 100 && job.status === 'in-progress'; i++) await new Promise((r) => setTimeout(r, 5));
  return job;
}

afterEach(() => {
  store?.close();
  clock = T0;
});

describe('bulk job store', () => {
  it('rolls files over, keeps resources changed after _since and not after the transaction time', async () => {
    const s = newStore();
    const job = await finished(s.start({ owner: { clientId: 'c', sub: 'c' }, request: 'r', types: ['Observation'], allows: everything, since: Date.parse('2025-03-02T00:00:00Z'), patients: ['a', 'b'] }));
    expect(job.status).toBe('complete');
    expect(job.outputs.map((f) => [f.name, f.count])).toEqual([['Observation-1.ndjson', 2], ['Observation-2.ndjson', 1]]);
    const ids = job.outputs.flatMap((f) => readFileSync(join(job.dir, f.name), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id));
    expect(ids).toEqual(['a-2', 'b-1', 'b-2']); // a-1 before _since, a-3 after the transaction time
  });

  it('expires a finished job after its time to live, files included', async () => {
    const s = newStore(60);
    const job = await finished(s.start({ owner: { clientId: 'c', sub: 'c' }, request: 'r', types: ['Observation'], allows: everything, since: undefined, patients: ['a'] }));
    expect(s.get(job.id)).toBe(job);
    clock = T0 + 59_000;
    expect(s.get(job.id)).toBe(job);
    clock = T0 + 61_000;
    expect(s.get(job.id)).toBeUndefined();
    expect(existsSync(job.dir)).toBe(false);
  });

  it('keeps at most maxRetained jobs: a new one drops the oldest finished job and its files', async () => {
    const s = newStore();
    const start = () => s.start({ owner: { clientId: 'c', sub: 'c' }, request: 'r', types: ['Observation'], allows: everything, since: undefined, patients: ['a'] });
    const first = await finished(start());
    await finished(start());
    await finished(start());
    expect(s.get(first.id)).toBe(first);
    await finished(start());
    expect(s.get(first.id)).toBeUndefined();
    expect(existsSync(first.dir)).toBe(false);
  });

  it('limits concurrent exports and cancels a job with its files', async () => {
    const s = newStore();
    const first = s.start({ owner: { clientId: 'c', sub: 'c' }, request: 'r', types: ['Observation'], allows: everything, since: undefined, patients: ['a'] });
    s.start({ owner: { clientId: 'c', sub: 'c' }, request: 'r', types: ['Observation'], allows: everything, since: undefined, patients: ['b'] });
    expect(s.canStart()).toBe(false);
    await finished(first);
    s.cancel(first);
    expect(s.get(first.id)).toBeUndefined();
    expect(existsSync(first.dir)).toBe(false);
    expect(readdirSync(join(first.dir, '..')).includes(first.id)).toBe(false);
  });
});
