// Remote engine backend over loopback: success, timeout, retries, Retry-After, off-contract answers,
// and the API key never leaving the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import { ENDPOINTS, errorEnvelope, successEnvelope } from '../../src/contract/index.ts';
import { authHeaders, fakeFhir, listen, startTest } from './helpers.ts';
import { EXAMPLE_REQUESTS, RELAPSE_RESPONSE } from './fixtures.ts';

const API_KEY = 'att_sk_test_SuperSecretKey_9f2c41d07ab3';
type Mode = 'ok' | 'slow' | '500' | '500-then-ok' | '429-then-ok' | 'malformed' | 'off-contract' | '400' | '401' | 'always-429';

let mode: Mode = 'ok';
let hits: { at: number; auth?: string; requestId?: string; body: string }[] = [];
let upstream: Awaited<ReturnType<typeof listen>>;
let fhir: Awaited<ReturnType<typeof fakeFhir>>;
let srv: Awaited<ReturnType<typeof startTest>>;
const seen: string[] = [];

function reply(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

beforeAll(async () => {
  fhir = await fakeFhir();
  upstream = await listen((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      hits.push({
        at: Date.now(),
        auth: req.headers.authorization,
        requestId: req.headers['x-request-id'] as string | undefined,
        body: Buffer.concat(parts).toString(),
      });
      const ok = JSON.stringify({ ok: true, requestId: 'req_00000000000000000000', data: RELAPSE_RESPONSE });
      const n = hits.length;
      switch (mode) {
        case 'ok':
          return reply(res, 200, ok);
        case 'slow':
          return void setTimeout(() => !res.destroyed && reply(res, 200, ok), 3000);
        case '500':
          return reply(res, 500, JSON.stringify({ ok: false, error: { code: 'server_error', message: `key ${API_KEY}` } }));
        case '500-then-ok':
          return n === 1 ? reply(res, 503, '{}') : reply(res, 200, ok);
        case '429-then-ok':
          return n === 1 ? reply(res, 429, '{}', { 'retry-after': '1' }) : reply(res, 200, ok);
        case 'always-429':
          return reply(res, 429, '{}', { 'retry-after': '1' });
        case 'malformed':
          return reply(res, 200, '{"ok": true, "data": {');
        case 'off-contract':
          return reply(res, 200, JSON.stringify({ ok: true, requestId: 'x', data: { ...RELAPSE_RESPONSE, level: 'catastrophic' } }));
        case '400':
          return reply(
            res,
            400,
            JSON.stringify({
              ok: false,
              requestId: 'req_2ab90c37e51f4d6c80a1',
              error: { code: 'invalid_request', message: 'Telemetry validation failed.', issues: [{ path: 'avgSleepHours', message: 'Too big' }] },
            }),
          );
        case '401':
          return reply(res, 401, JSON.stringify({ ok: false, error: { code: 'invalid_token', message: `bad key ${API_KEY}` } }));
      }
    });
  });
  srv = await startTest({
    fhirServers: [fhir.base],
    engineUrl: `${upstream.url}/api/v1/`,
    engineApiKey: API_KEY,
    engineTimeoutMs: 1500,
    engineRetries: 2,
  });
});
afterAll(async () => {
  await srv?.close();
  await upstream?.close();
  await fhir?.close();
  // The key never reached a client or a log line.
  expect(seen.join('\n')).not.toContain(API_KEY);
  expect(srv.logs.text()).not.toContain(API_KEY);
  expect(srv.logs.text()).not.toContain('SuperSecret');
});

async function call(m: Mode) {
  mode = m;
  hits = [];
  const t0 = Date.now();
  const res = await fetch(`${srv.url}/api/v1/relapse/predict`, {
    method: 'POST',
    headers: authHeaders(fhir.base),
    body: JSON.stringify(EXAMPLE_REQUESTS.relapse),
  });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  return { res, text, body: JSON.parse(text), ms: Date.now() - t0 };
}

describe('upstream backend', () => {
  it('forwards with the key, the request id and the validated body; passes a contract envelope back', async () => {
    const { res, body } = await call('ok');
    expect(res.status).toBe(200);
    const env = successEnvelope(ENDPOINTS.relapse.response).parse(body);
    expect(env.requestId).toBe(res.headers.get('x-request-id'));
    expect(env.requestId).not.toBe('req_00000000000000000000');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.auth).toBe(`Bearer ${API_KEY}`);
    expect(hits[0]!.requestId).toBe(env.requestId);
    expect(JSON.parse(hits[0]!.body)).toMatchObject({ avgSleepHours: 5.2, hasActiveMedication: true });
    const ping = await (await fetch(`${srv.url}/api/v1/ping`)).json();
    expect(ping.data.backend).toBe('upstream');
  });

  it('slow upstream → 504 upstream_timeout within the configured timeout', async () => {
    const { res, body, ms } = await call('slow');
    expect(res.status).toBe(504);
    expect(errorEnvelope.parse(body).error.code).toBe('upstream_timeout');
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(2500);
  });

  it('500 → retried with backoff, then 502 upstream_error', async () => {
    const { res, body } = await call('500');
    expect(res.status).toBe(502);
    expect(errorEnvelope.parse(body).error.code).toBe('upstream_error');
    expect(hits).toHaveLength(3);
    expect(hits[2]!.at - hits[0]!.at).toBeGreaterThanOrEqual(100);
  });

  it('a transient 503 is retried into a success', async () => {
    const { res } = await call('500-then-ok');
    expect(res.status).toBe(200);
    expect(hits).toHaveLength(2);
  });

  it('429 with Retry-After is honoured, then success', async () => {
    const { res, ms } = await call('429-then-ok');
    expect(res.status).toBe(200);
    expect(hits).toHaveLength(2);
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(1500);
  });

  it('429 whose Retry-After would cross the deadline → 429 rate_limited with Retry-After, no useless wait', async () => {
    const { res, body, ms } = await call('always-429');
    // 1 s + 1 s of waits cannot fit in 1.5 s: one retry at most.
    expect(res.status).toBe(429);
    expect(errorEnvelope.parse(body).error.code).toBe('rate_limited');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(ms).toBeLessThan(1500);
  });

  it('malformed JSON → 502 upstream_error', async () => {
    const { res, body } = await call('malformed');
    expect(res.status).toBe(502);
    expect(errorEnvelope.parse(body).error.code).toBe('upstream_error');
    expect(hits).toHaveLength(1);
  });

  it('off-contract JSON → 502 upstream_error', async () => {
    const { res, body } = await call('off-contract');
    expect(res.status).toBe(502);
    expect(errorEnvelope.parse(body).error.code).toBe('upstream_error');
  });

  it('upstream 400 invalid_request → 400 with its issues', async () => {
    const { res, body } = await call('400');
    expect(res.status).toBe(400);
    const env = errorEnvelope.parse(body);
    expect(env.error.code).toBe('invalid_request');
    expect(env.error.issues).toEqual([{ path: 'avgSleepHours', message: 'Too big' }]);
    expect(env.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('upstream rejecting the key → 502 without details of the key', async () => {
    const { res, text } = await call('401');
    expect(res.status).toBe(502);
    expect(text).not.toContain(API_KEY);
    expect(hits).toHaveLength(1);
  });

  it('unreachable upstream → 502', async () => {
    const s = await startTest({ fhirServers: [fhir.base], engineUrl: 'http://127.0.0.1:1/api/v1', engineApiKey: API_KEY, engineTimeoutMs: 2000, engineRetries: 1 });
    try {
      const res = await fetch(`${s.url}/api/v1/relapse/predict`, { method: 'POST', headers: authHeaders(fhir.base), body: JSON.stringify(EXAMPLE_REQUESTS.relapse) });
      const text = await res.text();
      seen.push(text);
      expect(res.status).toBe(502);
      expect(s.logs.text()).not.toContain(API_KEY);
    } finally {
      await s.close();
    }
  });
});
