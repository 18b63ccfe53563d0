/** The population run's Bulk client against the sandbox over real HTTP: token, export to completion, Retry-After, cancel. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendServicesAuth, discoverTokenEndpoint } from '../../src/population/backend-auth.ts';
import type { FetchLike, TokenSource } from '../../src/population/backend-auth.ts';
import { bulkExport, retryAfterMs } from '../../src/population/bulk-client.ts';
import type { BulkManifest, NdjsonLine } from '../../src/population/bulk-client.ts';
import { DEV_CLIENT_ID, ensureDevKey } from '../../src/population/dev-key.ts';
import { startPopulationSandbox } from './fixture.ts';
import type { PopulationSandbox } from './fixture.ts';
import { STORIES as SANDBOX_STORIES } from '../../src/sandbox/patients/index.ts';

/** The sandbox's story patients (the stories grow as clinical situations are added). */
const STORY_COUNT = Object.keys(SANDBOX_STORIES).length;

const GENERATED = 30;
let p: PopulationSandbox;
let auth: BackendServicesAuth;

/** fetch that records every request (method + URL) it sends. */
function recording(): { fetch: FetchLike; calls: { method: string; url: string; at: number }[] } {
  const calls: { method: string; url: string; at: number }[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ method: init?.method ?? 'GET', url, at: Date.now() });
      return fetch(url, init);
    },
  };
}

async function collect(gen: AsyncGenerator<NdjsonLine, BulkManifest>): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const line of gen) out.push(line);
  return out;
}

beforeAll(async () => {
  // Exports start 1.2 s after kick-off, so the client must poll and honour Retry-After (1 s).
  p = await startPopulationSandbox({ population: GENERATED, bulkStartDelayMs: 1200 });
  const key = await ensureDevKey(p.keyDir);
  const tokenEndpoint = await discoverTokenEndpoint(p.sb.fhirBase);
  auth = new BackendServicesAuth({ tokenEndpoint, clientId: DEV_CLIENT_ID, privateJwk: key.privateJwk, scope: 'system/Patient.rs system/Observation.rs' });
}, 60_000);

afterAll(() => p.sb.close());

describe('bulk client', () => {
  it('discovers the token endpoint and gets a backend-services token', async () => {
    expect(await discoverTokenEndpoint(`${p.sb.fhirBase}/`)).toBe(`${p.sb.url}/auth/token`);
    const token = await auth.token();
    expect(await auth.token()).toBe(token); // cached
    auth.invalidate();
    expect(await auth.token()).not.toBe(token);
  });

  it('exports the care-team Group to completion, streaming every line, polling as Retry-After says', async () => {
    const rec = recording();
    const progress: (string | undefined)[] = [];
    let manifest: BulkManifest | undefined;
    const lines = await collect(
      bulkExport({ fhirBase: p.sb.fhirBase, auth, group: 'care-team', types: ['Patient', 'Observation'], fetch: rec.fetch, onProgress: (x) => progress.push(x), onManifest: (m) => (manifest = m) }),
    );
    expect(manifest?.output.map((o) => o.type).sort()).toEqual(['Observation', 'Patient']);
    expect(lines).toHaveLength(manifest?.output.reduce((n, o) => n + (o.count ?? 0), 0) as number);
    const patients = lines.filter((l) => l.type === 'Patient').map((l) => (JSON.parse(l.line) as { id: string }).id);
    expect(patients).toHaveLength(STORY_COUNT + GENERATED);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/%/);
    const polls = rec.calls.filter((c) => c.url.includes('/bulk-status/') && c.method === 'GET');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.length).toBeLessThanOrEqual(4); // about one per second for 1.2 s, not a busy loop
    for (let i = 1; i < polls.length; i++) expect((polls[i]?.at as number) - (polls[i - 1]?.at as number)).toBeGreaterThanOrEqual(950);
    // Done with the files: the client released the job.
    expect(rec.calls.at(-1)?.method).toBe('DELETE');
  });

  it('passes _since, so a second night gets only what changed', async () => {
    let first: BulkManifest | undefined;
    await collect(bulkExport({ fhirBase: p.sb.fhirBase, auth, group: 'care-team', types: ['Observation'], onManifest: (m) => (first = m), minPollMs: 200 }));
    const writer = new BackendServicesAuth({ ...authOptions(), scope: 'system/Observation.c' });
    const res = await fetch(`${p.sb.fhirBase}/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await writer.token()}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'night 2' }, subject: { reference: 'Patient/pop-00007' } }),
    });
    expect(res.status).toBe(201);
    const lines = await collect(bulkExport({ fhirBase: p.sb.fhirBase, auth, group: 'care-team', types: ['Observation'], since: first?.transactionTime }));
    expect(lines.map((l) => (JSON.parse(l.line) as { code: { text: string } }).code.text)).toEqual(['night 2']);
  });

  it('cancels the server job when aborted while waiting', async () => {
    const rec = recording();
    const controller = new AbortController();
    const run = collect(bulkExport({ fhirBase: p.sb.fhirBase, auth, group: 'care-team', fetch: rec.fetch, signal: controller.signal, onProgress: () => controller.abort() }));
    await expect(run).rejects.toThrow(/abort/i);
    const del = rec.calls.find((c) => c.method === 'DELETE');
    expect(del).toBeDefined();
    const after = await fetch(del?.url as string, { headers: { authorization: `Bearer ${await auth.token()}` } });
    expect(after.status).toBe(404);
  });

  it('renews the token once after a 401 and reports refusals with the server’s message', async () => {
    let calls = 0;
    const stale: TokenSource = {
      token: async () => (calls++ === 0 ? 'stale-token' : auth.token()),
      invalidate: () => undefined,
    };
    const lines = await collect(bulkExport({ fhirBase: p.sb.fhirBase, auth: stale, group: 'care-team', types: ['Patient'], minPollMs: 200 }));
    expect(lines.length).toBe(STORY_COUNT + GENERATED);
    await expect(collect(bulkExport({ fhirBase: p.sb.fhirBase, auth, group: 'care-team', types: ['Encounter'] }))).rejects.toThrow(/403 .*Encounter/);
    const wrongKey = new BackendServicesAuth({ ...authOptions(), clientId: 'not-registered' });
    await expect(wrongKey.token()).rejects.toThrow(/invalid_client/);
  });

  it('waits on 429 with an HTTP-date Retry-After, and reads Retry-After in both forms', async () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    let polls = 0;
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url?.startsWith('/fhir/Group')) return res.writeHead(202, { 'content-location': `${base}/status` }).end();
      if (req.method === 'DELETE') return res.writeHead(202).end();
      if (req.url === '/status' && polls++ === 0) return res.writeHead(429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }).end();
      if (req.url === '/status') {
        const manifest = { transactionTime: new Date().toISOString(), request: `${base}/fhir/Group/g/$export`, requiresAccessToken: false, output: [{ type: 'Patient', url: `${base}/file` }] };
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(manifest));
      }
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' }).end(`{"resourceType":"Patient","id":"a","auth":"${req.headers.authorization ?? 'none'}"}\n{"resourceType":"Patient","id":"b"}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const fhirBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
      const lines = await collect(bulkExport({ fhirBase, auth: { token: async () => 't', invalidate: () => undefined }, group: 'g', minPollMs: 10 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(950); // waited for the date (2 s ahead, to the second)
      expect(lines.map((l) => JSON.parse(l.line).id)).toEqual(['a', 'b']); // last line without a newline too
      expect(lines[0]?.line).toContain('"auth":"none"'); // requiresAccessToken false: no token to a file host
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('cuts NDJSON lines right when chunks split characters and lines (UTF-8, CRLF, blank lines)', async () => {
    const names = ['Zoë Ångström', 'Nguyễn Thị Minh', '李小龙 😀', 'Plain Ascii'];
    const body = Buffer.from(`${names.map((n, i) => JSON.stringify({ resourceType: 'Patient', id: `p${i}`, name: [{ text: n }] })).join('\r\n')}\r\n\n`, 'utf8');
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url?.startsWith('/fhir/Group')) return res.writeHead(202, { 'content-location': `${base}/status` }).end();
      if (req.method === 'DELETE') return res.writeHead(202).end();
      if (req.url === '/status') {
        const manifest = { transactionTime: new Date().toISOString(), request: `${base}/fhir/Group/g/$export`, requiresAccessToken: false, output: [{ type: 'Patient', url: `${base}/file` }] };
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(manifest));
      }
      // 3-byte writes, flushed one by one: most multi-byte characters and every line end are split.
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
      const write = (at: number) => (at >= body.length ? res.end() : res.write(body.subarray(at, at + 3), () => setImmediate(() => write(at + 3))));
      write(0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const fhirBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
      const lines = await collect(bulkExport({ fhirBase, auth: { token: async () => 't', invalidate: () => undefined }, group: 'g', minPollMs: 10 }));
      expect(lines.map((l) => JSON.parse(l.line).name[0].text)).toEqual(names);
      expect(lines.every((l) => l.type === 'Patient' && !/\s$/.test(l.line))).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function authOptions() {
  return (auth as unknown as { options: ConstructorParameters<typeof BackendServicesAuth>[0] }).options;
}
