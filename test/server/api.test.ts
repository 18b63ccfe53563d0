// Routing, auth, envelopes and statuses over real HTTP (fake backend: deterministic, engine-independent).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorEnvelope, ENDPOINTS, ENGINE_NAMES, successEnvelope, type EngineName } from '../../src/contract/index.ts';
import type { EngineBackend } from '../../src/server/backend.ts';
import { REQUEST_ID_RE } from '../../src/server/ids.ts';
import { authHeaders, fakeFhir, GOOD_TOKEN, rawRequest, SHORT_TOKEN, startTest } from './helpers.ts';
import { EXAMPLE_REQUESTS, RELAPSE_RESPONSE } from './fixtures.ts';

class FakeBackend implements EngineBackend {
  readonly kind = 'embedded' as const;
  calls: EngineName[] = [];
  async run(engine: EngineName): Promise<unknown> {
    this.calls.push(engine);
    if (engine === 'outcome') {
      const err = new Error('boom: patient Jane Doe PHQ-9 19');
      throw err;
    }
    return RELAPSE_RESPONSE;
  }
}

let fhir: Awaited<ReturnType<typeof fakeFhir>>;
let srv: Awaited<ReturnType<typeof startTest>>;
let backend: FakeBackend;
let staticDir: string;
const relapseBody = JSON.stringify(EXAMPLE_REQUESTS.relapse);

beforeAll(async () => {
  fhir = await fakeFhir();
  backend = new FakeBackend();
  staticDir = mkdtempSync(join(tmpdir(), 'tidemark-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
  mkdirSync(join(staticDir, 'launch'));
  writeFileSync(join(staticDir, 'launch', 'index.html'), '<!doctype html><title>launch</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'app-abc123.js'), 'console.log(1)');
  srv = await startTest(
    {
      fhirServers: [fhir.base, fhir.readBase, `${fhir.downBase}/`, fhir.launcherPrefix],
      staticDir,
      trustProxy: true,
      cspConnectSrc: ['https://auth.example.org'],
    },
    { backend },
  );
});
afterAll(async () => {
  await srv?.close();
  await fhir?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

const api = (p: string) => `${srv.url}/api/v1${p}`;

async function expectError(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text);
  const env = errorEnvelope.parse(body);
  expect(env.error.code).toBe(code);
  expect(env.requestId).toMatch(REQUEST_ID_RE);
  expect(res.headers.get('x-request-id')).toBe(env.requestId);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(res.headers.get(h), h).toMatch(/^\d+$/);
  expect(text).not.toMatch(/\bat .*\.ts:\d+/); // never a stack
  return env;
}

function post(path: string, body: string, headers: Record<string, string> = authHeaders(fhir.base)) {
  return fetch(api(path), { method: 'POST', headers, body });
}

describe('public routes', () => {
  it('GET /ping → 200 envelope with request id, rate headers, no-store', async () => {
    const res = await fetch(api('/ping'));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, data: { status: 'ok', backend: 'embedded' } });
    expect(body.requestId).toMatch(REQUEST_ID_RE);
    expect(res.headers.get('x-request-id')).toBe(body.requestId);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-ratelimit-limit')).toBe('600');
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(600);
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('GET /openapi.json → OpenAPI 3.1 generated from the contract', async () => {
    const res = await fetch(api('/openapi.json'));
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.smartToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorEnvelope).toBeTruthy();
    for (const e of ENGINE_NAMES) {
      const op = doc.paths[`/api/v1${ENDPOINTS[e].path}`].post;
      expect(op.requestBody.content['application/json'].schema.$ref).toBe(`#/components/schemas/${e[0]!.toUpperCase()}${e.slice(1)}Request`);
      for (const s of ['200', '400', '401', '403', '413', '415', '429', '500', '502', '504']) expect(op.responses[s], `${e} ${s}`).toBeTruthy();
    }
    // Input io: defaults make fields optional in requests (hasActiveMedication has a default).
    expect(doc.components.schemas.RelapseRequest.required ?? []).not.toContain('hasActiveMedication');
    expect(doc.components.schemas.RelapseRequest.properties.assessments.maxItems).toBe(500);
    expect(doc.components.schemas.RelapseResponse.properties.level.enum).toEqual(['low', 'moderate', 'elevated', 'high']);
  });

  it('404 not_found for unknown /api routes (any method)', async () => {
    await expectError(await fetch(api('/nope')), 404, 'not_found');
    await expectError(await fetch(`${srv.url}/api/v2/ping`, { method: 'POST' }), 404, 'not_found');
    await expectError(await fetch(`${srv.url}/api`), 404, 'not_found');
  });

  it('405 method_not_allowed with Allow', async () => {
    const r1 = await fetch(api('/relapse/predict'));
    expect(r1.headers.get('allow')).toBe('POST');
    await expectError(r1, 405, 'method_not_allowed');
    const r2 = await fetch(api('/ping'), { method: 'DELETE' });
    expect(r2.headers.get('allow')).toBe('GET, HEAD');
    await expectError(r2, 405, 'method_not_allowed');
  });
});

describe('site configuration', () => {
  it('GET /site-config.json serves the write-back settings (none configured here) as JSON, never cached stale', async () => {
    const res = await fetch(`${srv.url}/site-config.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual({ servers: [] });
  });
});

describe('authentication', () => {
  it('401 unauthorized: missing or malformed Authorization, or missing X-FHIR-Server', async () => {
    await expectError(await post('/relapse/predict', relapseBody, { 'content-type': 'application/json', 'x-fhir-server': fhir.base }), 401, 'unauthorized');
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', `Token ${GOOD_TOKEN}`, 'Bearer ä']) {
      const res = await post('/relapse/predict', relapseBody, { ...authHeaders(fhir.base), authorization });
      await expectError(res, 401, 'unauthorized');
    }
    const { 'x-fhir-server': _, ...noServer } = authHeaders(fhir.base);
    await expectError(await post('/relapse/predict', relapseBody, noServer), 401, 'unauthorized');
  });

  it('403 forbidden: X-FHIR-Server not in FHIR_SERVERS', async () => {
    await expectError(await post('/relapse/predict', relapseBody, authHeaders('https://evil.example/fhir')), 403, 'forbidden');
    await expectError(await post('/relapse/predict', relapseBody, authHeaders(`${fhir.base}x`)), 403, 'forbidden');
  });

  it('a FHIR_SERVERS prefix accepts every base under it (launcher /v/r4/sim/<code>/fhir), checked against that base', async () => {
    const sim = `${fhir.launcherPrefix}sim/eyJrIjoxfQ/fhir`;
    const before = fhir.counts.discoveredPaths.length;
    const res = await post('/relapse/predict', relapseBody, authHeaders(sim));
    expect(res.status, await res.text()).toBe(200);
    expect(fhir.counts.discoveredPaths.slice(before)).toEqual(['/v/r4/sim/eyJrIjoxfQ/fhir/.well-known/smart-configuration']);
    expect((await post('/relapse/predict', relapseBody, authHeaders(`${fhir.launcherPrefix}fhir/`))).status).toBe(200);
  });

  it('403 forbidden: bases that only look like they are under a prefix (attacks)', async () => {
    const origin = new URL(fhir.launcherPrefix).origin;
    const host = new URL(fhir.launcherPrefix).host;
    for (const header of [
      `${origin}/v/r4-evil/fhir`,
      `${origin}/v/r4/../../fhir-evil`,
      `${origin}/v/r4/%2e%2e/fhir-evil`,
      `${origin}/v/r4%2Fevil/fhir`,
      `${origin}/v/r4//fhir`,
      `http://user@${host}/v/r4/fhir`,
      `http://${host}@evil.example/v/r4/fhir`,
      `http://${host}.evil.example/v/r4/fhir`,
      `${origin}/v/r4/fhir?x=1`,
      `${origin}/V/R4/fhir`,
    ]) {
      await expectError(await post('/relapse/predict', relapseBody, authHeaders(header)), 403, 'forbidden');
    }
  });

  it('401 invalid_token: introspection says inactive, or exp already passed', async () => {
    await expectError(await post('/relapse/predict', relapseBody, authHeaders(fhir.base, 'revoked-token')), 401, 'invalid_token');
    await expectError(await post('/relapse/predict', relapseBody, authHeaders(fhir.base, SHORT_TOKEN)), 401, 'invalid_token');
  });

  it('valid token → 200 contract envelope; verdict cached (introspection called once)', async () => {
    const token = 'cache-test-token';
    fhir.extraValid.add(token);
    const before = fhir.counts.introspect;
    for (let i = 0; i < 3; i++) {
      const res = await post('/relapse/predict', relapseBody, authHeaders(fhir.base, token));
      expect(res.status).toBe(200);
      const env = successEnvelope(ENDPOINTS.relapse.response).parse(await res.json());
      expect(env.requestId).toBe(res.headers.get('x-request-id'));
    }
    expect(fhir.counts.introspect - before).toBe(1);
    // Trailing slash in X-FHIR-Server is the same server and the same cache entry.
    const res = await post('/relapse/predict', relapseBody, authHeaders(`${fhir.base}/`, token));
    expect(res.status).toBe(200);
    expect(fhir.counts.introspect - before).toBe(1);
  });

  it('GET /session checks the token once; the engine call that follows finds the verdict cached', async () => {
    const token = 'warm-up-token';
    fhir.extraValid.add(token);
    const before = fhir.counts.introspect;
    const res = await fetch(api('/session'), { headers: authHeaders(fhir.base, token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, data: { verified: true, fhirServer: fhir.base } });
    expect((await post('/relapse/predict', relapseBody, authHeaders(fhir.base, token))).status).toBe(200);
    expect(fhir.counts.introspect - before).toBe(1);
    await expectError(await fetch(api('/session'), { headers: authHeaders(fhir.base, 'not-a-valid-token') }), 401, 'invalid_token');
    await expectError(await fetch(api('/session'), { headers: authHeaders('https://evil.example/fhir', token) }), 403, 'forbidden');
  });

  it('negative verdicts are cached too', async () => {
    const before = fhir.counts.introspect;
    for (let i = 0; i < 3; i++) await expectError(await post('/relapse/predict', relapseBody, authHeaders(fhir.base, 'neg-cache')), 401, 'invalid_token');
    expect(fhir.counts.introspect - before).toBe(1);
  });

  it('server without introspection: authenticated FHIR read decides (200 → valid, 401 → invalid_token)', async () => {
    const before = fhir.counts.read;
    expect((await post('/relapse/predict', relapseBody, authHeaders(fhir.readBase))).status).toBe(200);
    await expectError(await post('/relapse/predict', relapseBody, authHeaders(fhir.readBase, 'wrong')), 401, 'invalid_token');
    expect(fhir.counts.read - before).toBe(2);
    expect((await post('/relapse/predict', relapseBody, authHeaders(fhir.readBase))).status).toBe(200);
    expect(fhir.counts.read - before).toBe(2);
  });

  it('FHIR server failing the check → 502 upstream_error (not cached as a verdict)', async () => {
    await expectError(await post('/relapse/predict', relapseBody, authHeaders(fhir.downBase)), 502, 'upstream_error');
  });
});

describe('request body', () => {
  it('415 for a non-JSON content type (or none)', async () => {
    await expectError(await post('/relapse/predict', relapseBody, { ...authHeaders(fhir.base), 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(
      await post('/relapse/predict', relapseBody, { ...authHeaders(fhir.base), 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
    const r = await rawRequest(api('/relapse/predict'), {
      headers: { authorization: `Bearer ${GOOD_TOKEN}`, 'x-fhir-server': fhir.base },
      chunks: [relapseBody],
    });
    expect(r.status).toBe(415);
  });

  it('accepts application/json with charset and +json types', async () => {
    expect((await post('/relapse/predict', relapseBody, { ...authHeaders(fhir.base), 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect((await post('/relapse/predict', relapseBody, { ...authHeaders(fhir.base), 'content-type': 'application/vnd.api+json' })).status).toBe(200);
  });

  it('400 invalid_request for bad JSON', async () => {
    const env = await expectError(await post('/relapse/predict', '{"assessments": ['), 400, 'invalid_request');
    expect(env.error.issues?.length).toBeGreaterThan(0);
    await expectError(await post('/relapse/predict', ''), 400, 'invalid_request');
  });

  it('400 invalid_request for schema errors, with issues[{path,message}]', async () => {
    const env = await expectError(
      await post('/relapse/predict', JSON.stringify({ assessments: [{ score: 'x' }], avgSleepHours: 99, extra: 1 })),
      400,
      'invalid_request',
    );
    const paths = env.error.issues!.map((i) => i.path);
    expect(paths).toContain('avgSleepHours');
    expect(paths).toContain('assessments.0.score');
    expect(backend.calls.length).toBeGreaterThanOrEqual(0);
  });

  it('413 when Content-Length is over 1 MB (rejected before reading)', async () => {
    const big = `{"assessments":[],"sessionRef":"${'a'.repeat(1024 * 1024)}"}`;
    const r = await rawRequest(api('/relapse/predict'), {
      headers: { ...authHeaders(fhir.base), 'content-length': String(Buffer.byteLength(big)) },
      chunks: [big],
    });
    expect(r.status).toBe(413);
    expect(errorEnvelope.parse(JSON.parse(r.body)).error.code).toBe('payload_too_large');
    expect(r.headers['x-request-id']).toMatch(REQUEST_ID_RE);
  });

  it('413 when a chunked body (no Content-Length) grows over 1 MB', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const r = await rawRequest(api('/relapse/predict'), {
      headers: { ...authHeaders(fhir.base), 'transfer-encoding': 'chunked' },
      chunks: ['{"assessments":[', ...Array.from({ length: 24 }, () => chunk), ']}'],
    });
    expect(r.status).toBe(413);
    expect(errorEnvelope.parse(JSON.parse(r.body)).error.code).toBe('payload_too_large');
  });

  it('a body just under 1 MB is read (then judged by the schema)', async () => {
    const body = `{"assessments":[],"sessionRef":"x"${' '.repeat(1024 * 1024 - 100)}}`;
    const res = await post('/relapse/predict', body);
    expect(res.status).toBe(200);
  });
});

describe('server errors', () => {
  it('500 server_error never leaks the stack or the error message; the log line has no message either', async () => {
    const res = await post('/outcome/score', JSON.stringify(EXAMPLE_REQUESTS.outcome));
    const env = await expectError(res, 500, 'server_error');
    expect(JSON.stringify(env)).not.toContain('boom');
    expect(JSON.stringify(env)).not.toContain('Jane');
    const line = srv.logs.lines.map((l) => JSON.parse(l)).find((l) => l.requestId === env.requestId);
    expect(line).toMatchObject({ status: 500, route: '/api/v1/outcome/score', backend: 'embedded', errorName: 'Error' });
    expect(JSON.stringify(line)).not.toContain('Jane');
  });
});

describe('logs', () => {
  it('one JSON line per request with requestId, method, route, status, latency, backend — never tokens or bodies', async () => {
    const res = await fetch(`${api('/relapse/predict')}?secret=q`, { method: 'POST', headers: authHeaders(fhir.base), body: relapseBody });
    const id = res.headers.get('x-request-id');
    const lines = srv.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.requestId === id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'POST', route: '/api/v1/relapse/predict', status: 200, backend: 'embedded' });
    expect(typeof lines[0].latencyMs).toBe('number');
    const all = srv.logs.text();
    expect(all).not.toContain(GOOD_TOKEN);
    expect(all).not.toContain('moderately severe');
    expect(all).not.toContain('secret=q');
  });
});

describe('static app and security headers', () => {
  it('/ → index.html with CSP, nosniff, no-referrer, no X-Frame-Options', async () => {
    const res = await fetch(`${srv.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>app</title>');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).toContain("frame-ancestors 'self' http://127.0.0.1:8081 http://localhost:8081");
    expect(csp).toMatch(new RegExp(`connect-src 'self' ${new URL(fhir.base).origin.replace(/[.]/g, '\\.')} https://auth\\.example\\.org`));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('/launch/ → launch/index.html; /launch redirects keeping the query (iss, launch)', async () => {
    const res = await fetch(`${srv.url}/launch/?iss=x&launch=y`);
    expect(await res.text()).toContain('<title>launch</title>');
    const r2 = await fetch(`${srv.url}/launch?iss=x&launch=y`, { redirect: 'manual' });
    expect(r2.status).toBe(301);
    expect(r2.headers.get('location')).toBe('/launch/?iss=x&launch=y');
  });

  it('hashed assets get a long immutable cache; traversal and unknown paths 404', async () => {
    const res = await fetch(`${srv.url}/assets/app-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${srv.url}/nope.js`)).status).toBe(404);
    const r = await rawRequest(`${srv.url}/assets/%2e%2e/%2e%2e/etc/passwd`, { method: 'GET' });
    expect(r.status).toBe(404);
  });

  it('HSTS only when the request came over TLS (X-Forwarded-Proto with TRUST_PROXY)', async () => {
    const res = await fetch(`${srv.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const r2 = await fetch(api('/ping'), { headers: { 'x-forwarded-proto': 'https' } });
    expect(r2.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('non-GET on the app → 405', async () => {
    expect((await fetch(`${srv.url}/`, { method: 'POST' })).status).toBe(405);
  });
});
