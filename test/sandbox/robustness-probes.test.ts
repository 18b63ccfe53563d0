/**
 * Probes of issue 10 §1 (robustness), over HTTP: body limits (413), sorted searches on a huge chart
 * that must not starve other requests, SANDBOX_DATA files that must not crash start-up or replace a
 * seeded story, and writes that must be on disk before they are acknowledged.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHugeChart } from '../../src/sandbox/huge-chart.ts';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.ts';
import { freePort, waitForHttp } from '../e2e/harness.ts';
import { fhirGet, fhirPost, launchToken, startTestSandbox, tmpDataDir } from './helpers.ts';

describe('body limits', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it('answers 413 to an oversized unauthenticated POST to /auth/introspect', async () => {
    const res = await fetch(`${sb.url}/auth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(2 * 1024 * 1024)}`,
    });
    expect(res.status).toBe(413);
  });

  it('answers 413 to an oversized FHIR body, also when streamed without Content-Length', async () => {
    const token = (await launchToken(sb, 'sparse', 'patient/*.cruds')).access_token;
    const big = JSON.stringify({ resourceType: 'Observation', note: [{ text: 'x'.repeat(40 * 1024 * 1024) }] });
    const sized = await fetch(`${sb.fhirBase}/Observation`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body: big });
    expect(sized.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        const piece = new TextEncoder().encode('x'.repeat(1024 * 1024));
        for (let i = 0; i < 40; i++) controller.enqueue(piece);
        controller.close();
      },
    });
    const streamed = await fetch(`${sb.fhirBase}/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });
});

describe('sorted searches on a huge chart', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    const dir = tmpDataDir();
    writeHugeChart(dir, 12_000);
    sb = await startTestSandbox({ sandboxDataDir: dir });
  }, 120_000);
  afterAll(() => sb.close());

  it('a small read is answered while 12 clients keep sorted searches running (not after all of them)', async () => {
    const huge = (await launchToken(sb, 'huge', 'patient/*.rs')).access_token;
    const small = (await launchToken(sb, 'sparse', 'patient/*.rs')).access_token;
    let running = true;
    let completed = 0;
    let n = 0;
    const worker = async (i: number) => {
      while (running) {
        // A date bound that matches everything but differs per request: each one is a whole new search
        // (a repeated query's next pages are cut from its first scan, src/sandbox/search-cache.ts).
        const r = await fhirGet(sb, huge, `Observation?patient=huge&date=le${2100 + (n++ % 7000)}-01-01&_sort=${i % 2 ? '-date' : 'date'}&_count=20`);
        await r.arrayBuffer();
        completed++;
      }
    };
    const workers = Array.from({ length: 12 }, (_, i) => worker(i));
    await new Promise((r) => setTimeout(r, 1500)); // every worker has a sorted search in flight
    // Five small reads, one after another: how many sorted searches complete while each waits?
    let completedMeanwhile = 0;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = completed;
      const t0 = performance.now();
      const res = await fhirGet(sb, small, 'Patient/sparse');
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      waits.push(Math.round(performance.now() - t0));
      completedMeanwhile += completed - before;
      await new Promise((r) => setTimeout(r, 150));
    }
    running = false;
    await Promise.all(workers);
    console.log(`small reads waited ${waits.join(', ')} ms; ${completedMeanwhile} sorted searches completed meanwhile`);
    // Served in turn with the searches in flight (a slice each), not behind whole searches:
    // queued behind whole searches, 5 reads see ~5 × 6 of the 12 complete.
    expect(completedMeanwhile).toBeLessThan(12);
  }, 120_000);
});

describe('SANDBOX_DATA validation', () => {
  let sb: SandboxHandle;
  const lines: string[] = [];
  beforeAll(async () => {
    const dir = tmpDataDir();
    writeFileSync(join(dir, 'a-null.json'), 'null');
    writeFileSync(join(dir, 'b-entry-object.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: {} }));
    writeFileSync(join(dir, 'c-entry-null.json'), JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [null, { resource: null }, 42] }));
    writeFileSync(
      join(dir, 'd-mixed.json'),
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'improving', name: [{ family: 'Impostor' }] } },
          { resource: { resourceType: 'Observation', id: 'bad-obs', status: 42, subject: { reference: 'Patient/loaded-ok' } } },
          { resource: { resourceType: 'NotAType', id: 'x' } },
          { resource: { resourceType: 'Patient', id: 'loaded-ok', name: [{ family: 'Loaded' }] } },
        ],
      }),
    );
    sb = await startTestSandbox({ sandboxDataDir: dir, log: (line: string) => lines.push(line) } as SandboxOptions);
  });
  afterAll(() => sb?.close());

  it('starts, keeps the seeded story, loads the valid resource and skips the rest', async () => {
    const token = (await launchToken(sb, 'improving', 'user/*.rs')).access_token;
    const improving = (await (await fhirGet(sb, token, 'Patient/improving')).json()) as Patient;
    expect(improving.name?.[0]?.family).not.toBe('Impostor');
    expect((await fhirGet(sb, token, 'Patient/loaded-ok')).status).toBe(200);
    expect((await fhirGet(sb, token, 'Observation/bad-obs')).status).toBe(404);
  });

  it('says what it skipped and why, one clear line each', () => {
    const log = lines.join('\n');
    expect(log).toMatch(/a-null\.json.*not a Bundle/i);
    expect(log).toMatch(/b-entry-object\.json.*entry/i);
    expect(log).toMatch(/Patient\/improving.*seeded/i);
    expect(log).toMatch(/Observation\/bad-obs.*invalid/i);
    expect(log).toMatch(/NotAType/);
  });
});

describe('a write is on disk before it is acknowledged', () => {
  it('survives a SIGKILL right after the 201', async () => {
    const dir = tmpDataDir();
    const port = await freePort();
    const env = { ...process.env, SANDBOX_PORT: String(port), SANDBOX_DIR: dir, APP_URL: 'http://127.0.0.1:8080' };
    const start = () => spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], { env, stdio: 'ignore' });
    let child = start();
    const waitUp = (fhirBase: string) => waitForHttp(`${fhirBase}/metadata`, child);
    const sb = { url: `http://127.0.0.1:${port}`, fhirBase: `http://127.0.0.1:${port}/fhir`, startupMs: 0, close: async () => undefined };
    try {
      await waitUp(sb.fhirBase);
      const token = (await launchToken(sb, 'sparse', 'patient/*.cruds')).access_token;
      const res = await fhirPost(sb, token, 'Observation', {
        resourceType: 'Observation',
        status: 'final',
        identifier: [{ system: 'urn:probe:durable', value: 'kill-me' }],
        code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
        subject: { reference: 'Patient/sparse' },
        effectiveDateTime: '2024-01-01T00:00:00Z',
        valueInteger: 9,
      });
      expect(res.status).toBe(201);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      child = start();
      await waitUp(sb.fhirBase);
      const again = (await launchToken(sb, 'sparse', 'patient/*.rs')).access_token;
      const q = new URLSearchParams({ patient: 'sparse', code: 'http://loinc.org|44261-6', _count: '100' });
      const bundle = (await (await fhirGet(sb, again, `Observation?${q}`)).json()) as Bundle;
      expect(bundle.entry?.some((e) => JSON.stringify(e.resource).includes('kill-me'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
