// Shared test plumbing: fake FHIR/auth server, fake remote engine, log capture, raw HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/server/logger.ts';
import { defaultConfig, type ServerConfig } from '../../src/server/config.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import type { ServerDeps } from '../../src/server/app.ts';

export async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function readAll(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

export const GOOD_TOKEN = 'good-token-abc.DEF_123';
export const SHORT_TOKEN = 'short-lived-token';

/**
 * Fake FHIR servers on one port:
 * - `${url}/fhir`       smart-configuration with introspection_endpoint → `${url}/auth/introspect`
 * - `${url}/fhir-read`  smart-configuration without introspection → authenticated GET Patient?_count=1
 * - `${url}/fhir-down`  smart-configuration answers 500
 * - `${url}/v/r4/fhir`, `${url}/v/r4/sim/<code>/fhir`  launcher-style bases, as `${url}/fhir`
 * Tokens: GOOD_TOKEN (valid 1 h), SHORT_TOKEN (active, exp already passed), anything else inactive.
 */
export async function fakeFhir() {
  const counts = { introspect: 0, read: 0, discovery: 0, discoveredPaths: [] as string[] };
  const extraValid = new Set<string>();
  const valid = (t: string) => t === GOOD_TOKEN || extraValid.has(t);
  const srv = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/fhir/.well-known/smart-configuration') {
      counts.discovery++;
      return send(200, {
        authorization_endpoint: `${srv.url}/auth/authorize`,
        token_endpoint: `${srv.url}/auth/token`,
        introspection_endpoint: `${srv.url}/auth/introspect`,
      });
    }
    if (url.pathname === '/fhir-read/.well-known/smart-configuration') {
      counts.discovery++;
      return send(200, { authorization_endpoint: `${srv.url}/auth/authorize`, token_endpoint: `${srv.url}/auth/token` });
    }
    if (url.pathname === '/fhir-down/.well-known/smart-configuration') return send(500, { error: 'down' });
    // Launcher-style bases (settings encoded in the path): /v/r4/sim/<code>/fhir, all one server.
    if (/^\/v\/r4\/(sim\/[^/]+\/)?fhir\/\.well-known\/smart-configuration$/.test(url.pathname)) {
      counts.discovery++;
      counts.discoveredPaths.push(url.pathname);
      return send(200, { authorization_endpoint: `${srv.url}/auth/authorize`, token_endpoint: `${srv.url}/auth/token`, introspection_endpoint: `${srv.url}/auth/introspect` });
    }
    if (url.pathname === '/auth/introspect' && req.method === 'POST') {
      counts.introspect++;
      const form = new URLSearchParams(await readAll(req));
      const token = form.get('token') ?? '';
      const now = Math.floor(Date.now() / 1000);
      if (valid(token)) return send(200, { active: true, exp: now + 3600, scope: 'launch patient/*.read' });
      if (token === SHORT_TOKEN) return send(200, { active: true, exp: now - 10 });
      return send(200, { active: false });
    }
    if (url.pathname === '/fhir-read/Patient' && req.method === 'GET') {
      counts.read++;
      const auth = req.headers.authorization ?? '';
      if (auth === `Bearer ${GOOD_TOKEN}`) return send(200, { resourceType: 'Bundle', type: 'searchset', entry: [] });
      return send(401, { resourceType: 'OperationOutcome' });
    }
    send(404, { error: 'not found' });
  });
  return {
    ...srv,
    counts,
    extraValid,
    base: `${srv.url}/fhir`,
    readBase: `${srv.url}/fhir-read`,
    downBase: `${srv.url}/fhir-down`,
    launcherPrefix: `${srv.url}/v/r4/`,
  };
}

/** Captures pino output lines. */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
      cb();
    },
  });
  return { lines, logger: createLogger('info', stream), text: () => lines.join('\n') };
}

export async function startTest(
  overrides: Partial<ServerConfig>,
  deps: ServerDeps = {},
): Promise<RunningServer & { logs: ReturnType<typeof captureLogs> }> {
  const logs = captureLogs();
  const server = await startServer(defaultConfig({ port: 0, host: '127.0.0.1', ...overrides }), { logger: logs.logger, ...deps });
  return Object.assign(server, { logs });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http request that tolerates the server answering (and closing) before the body is sent. */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[] },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'POST', headers: opts.headers, agent: false });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    (async () => {
      for (const c of opts.chunks ?? []) {
        if (answered || req.destroyed) break;
        if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => undefined);
  });
}

export function authHeaders(fhirBase: string, token = GOOD_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-fhir-server': fhirBase, 'content-type': 'application/json' };
}
