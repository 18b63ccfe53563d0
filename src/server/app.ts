// The Hono app: /api/v1/* (auth, validation, rate limit, engine backend) and the built app.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { Redis } from 'ioredis';
import { API_PREFIX, ENDPOINTS, ENGINE_NAMES, toIssues, type EngineName } from '../contract/index.ts';
import { TokenVerifier } from './auth.ts';
import { EmbeddedBackend, UpstreamBackend, type BackendKind, type EngineBackend } from './backend.ts';
import { matchFhirServer, type ServerConfig } from './config.ts';
import { ApiError, errorBody } from './errors.ts';
import { newRequestId } from './ids.ts';
import { createLogger, errorForLog, type Logger } from './logger.ts';
import { buildOpenApi } from './openapi.ts';
import {
  MemoryRateLimitStore,
  RateLimiter,
  RedisRateLimitStore,
  type RateLimitResult,
  type RateLimitStore,
  type RedisLike,
} from './rate-limit.ts';
import { buildCsp, HSTS, securityHeaders } from './security.ts';
import { mountCds, type CdsMount } from './cds-routes.ts';
import { StaticFiles } from './static.ts';
import { createVoiceService, type VoiceDeps, type VoiceOut, type VoiceService } from './voice/index.ts';

export interface ServerDeps {
  logger?: Logger;
  backend?: EngineBackend;
  rateLimitStore?: RateLimitStore;
  verifier?: TokenVerifier;
  /** fetch used for token checks (tests). */
  fetch?: typeof fetch;
  /** Clock of the CDS card rules (tests). */
  cdsNow?: () => Date;
  voice?: VoiceDeps;
}

export interface TidemarkInternals {
  config: ServerConfig;
  logger: Logger;
  backend: EngineBackend;
  verifier: TokenVerifier;
  /** CDS Hooks service, client authentication and feedback log. */
  cds: CdsMount;
  voice: VoiceService;
  /** Releases the rate-limit store (Redis connection). */
  close(): Promise<void>;
}

type Env = { Bindings: HttpBindings };
export type TidemarkApp = Hono<Env> & { tidemark: TidemarkInternals };

interface Route {
  methods: readonly string[];
  engine?: EngineName;
  kind: 'ping' | 'openapi' | 'session' | 'engine' | 'voice-analyze' | 'voice-job' | 'voice-webhook';
}

const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JSON_TYPE_RE = /^application\/(?:[\w.+-]+\+)?json(?:\s*;|$)/i;
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };
/** Where the launch page reads the site's write-back settings (SITE_CONFIG). */
export const SITE_CONFIG_PATH = '/site-config.json';

interface ReqState {
  requestId: string;
  route: string;
  backend: BackendKind | null;
  rate?: RateLimitResult;
  error?: unknown;
}

export function createServer(config: ServerConfig, deps: ServerDeps = {}): TidemarkApp {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const backend =
    deps.backend ??
    (config.engineUrl && config.engineApiKey
      ? new UpstreamBackend({
          baseUrl: config.engineUrl,
          apiKey: config.engineApiKey,
          timeoutMs: config.engineTimeoutMs,
          retries: config.engineRetries,
        })
      : new EmbeddedBackend());
  const verifier =
    deps.verifier ??
    new TokenVerifier({ cacheSize: config.tokenCacheSize, timeoutMs: config.authTimeoutMs, fetch: deps.fetch });
  const store =
    deps.rateLimitStore ??
    (config.redisUrl
      ? new RedisRateLimitStore(
          new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 500, enableAutoPipelining: true }) as unknown as RedisLike,
        )
      : new MemoryRateLimitStore());
  let storeWarned = 0;
  const limiter = new RateLimiter(store, (err) => {
    // Fail open, but say so (at most once a minute).
    if (Date.now() - storeWarned > 60_000) {
      storeWarned = Date.now();
      logger.warn({ ...errorForLog(err) }, 'rate limit store unavailable; allowing requests');
    }
  });
  const staticFiles = new StaticFiles(config.staticDir);
  const siteConfigJson = Buffer.from(JSON.stringify(config.siteConfig), 'utf8');
  const baseHeaders = securityHeaders(buildCsp(config));
  let openapiJson: string | undefined;

  const routes = new Map<string, Route>([
    [`${API_PREFIX}/ping`, { methods: ['GET', 'HEAD'], kind: 'ping' }],
    [`${API_PREFIX}/openapi.json`, { methods: ['GET', 'HEAD'], kind: 'openapi' }],
    [`${API_PREFIX}/session`, { methods: ['GET'], kind: 'session' }],
  ]);
  for (const e of ENGINE_NAMES) routes.set(`${API_PREFIX}${ENDPOINTS[e].path}`, { methods: ['POST'], kind: 'engine', engine: e });
  const voice = createVoiceService(config, logger, { fhirFetch: deps.fetch, ...deps.voice });
  routes.set(`${API_PREFIX}/voice/analyze`, { methods: ['POST'], kind: 'voice-analyze' });
  routes.set(`${API_PREFIX}/voice/webhook`, { methods: ['POST'], kind: 'voice-webhook' });
  const voiceJobRoute: Route = { methods: ['GET', 'HEAD'], kind: 'voice-job' };
  const VOICE_JOBS = `${API_PREFIX}/voice/jobs/`;

  function clientIp(c: Context<Env>): string {
    if (config.trustProxy) {
      const xff = c.req.header('x-forwarded-for');
      if (xff) {
        const parts = xff.split(',');
        const last = parts[parts.length - 1]?.trim();
        if (last) return last;
      }
    }
    return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
  }

  function overTls(c: Context<Env>): boolean {
    if ((c.env?.incoming?.socket as TLSSocket | undefined)?.encrypted) return true;
    if (config.trustProxy) {
      const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
      return proto === 'https';
    }
    return false;
  }

  async function limit(st: ReqState, key: string, max: number): Promise<void> {
    st.rate = await limiter.consume(key, max);
    if (!st.rate.allowed) {
      const retry = Math.max(1, Math.ceil((st.rate.resetAt - Date.now()) / 1000));
      throw new ApiError('rate_limited', 'Too many requests; retry after the time given in Retry-After.', {
        headers: { 'Retry-After': String(retry) },
      });
    }
  }

  async function api(c: Context<Env>, st: ReqState): Promise<Out> {
    const path = c.req.path;
    const method = c.req.method;
    const ipKey = `ip:${clientIp(c)}`;
    const route = routes.get(path) ?? (path.startsWith(VOICE_JOBS) && path.length > VOICE_JOBS.length ? voiceJobRoute : undefined);
    if (!route) {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      throw new ApiError('not_found', `No API route ${path}.`);
    }
    st.route = route === voiceJobRoute ? `${VOICE_JOBS}:id` : path;
    if (method === 'OPTIONS') {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      return { status: 204, body: null, headers: { Allow: [...route.methods, 'OPTIONS'].join(', ') } };
    }
    if (!route.methods.includes(method)) {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      throw new ApiError('method_not_allowed', `Use ${route.methods[0]} for ${path}.`, {
        headers: { Allow: route.methods.join(', ') },
      });
    }
    if (route.kind === 'ping') {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      return json(200, { ok: true, requestId: st.requestId, data: { status: 'ok', backend: backend.kind } });
    }
    if (route.kind === 'openapi') {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      openapiJson ??= JSON.stringify(buildOpenApi());
      return { status: 200, body: openapiJson, headers: { ...JSON_HEADERS } };
    }

    if (route.kind === 'voice-webhook') {
      // Server to server, signed by the voice service (no SMART token): counted per address.
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      return voiceOut(st, await voice.webhook(await readBody(c, config.bodyLimitBytes), c.req.header('x-webhook-signature')));
    }
    const engine = route.engine as EngineName;
    if (route.kind === 'engine') st.backend = backend.kind;
    else if (route.kind !== 'session') st.backend = voice.kind;

    // Who is calling.
    const auth = c.req.header('authorization');
    const m = auth && auth.length <= 8192 ? BEARER_RE.exec(auth) : null;
    const token = m?.[1];
    if (!token) {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      throw new ApiError('unauthorized', 'Send Authorization: Bearer <SMART access token>.', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const serverHeader = c.req.header('x-fhir-server');
    if (!serverHeader) {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      throw new ApiError('unauthorized', 'Send X-FHIR-Server: <FHIR base URL the token was issued for>.');
    }
    const fhirBase = matchFhirServer(config.fhirServers, serverHeader);
    if (!fhirBase) {
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      throw new ApiError('forbidden', 'This FHIR server is not accepted by this deployment.');
    }
    const tokenKey = TokenVerifier.keyOf(fhirBase, token);
    const cached = verifier.cached(tokenKey);
    let verdict = cached;
    if (!verdict) {
      // Token checks cost a call to the FHIR server: they count against the client address.
      await limit(st, ipKey, config.rateLimitIpPerMinute);
      verdict = await verifier.verify(fhirBase, token, tokenKey);
    }
    if (verdict !== 'valid') {
      if (cached) await limit(st, ipKey, config.rateLimitIpPerMinute);
      throw new ApiError('invalid_token', 'The access token was rejected by its FHIR server.', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    await limit(st, `tok:${tokenKey}`, config.rateLimitPerMinute);
    // The token check alone: the app asks right after the token exchange, so the check runs while
    // the chart is read and the first engine call finds the verdict cached.
    if (route.kind === 'session') return json(200, { ok: true, requestId: st.requestId, data: { verified: true, fhirServer: fhirBase } });
    if (route.kind !== 'engine') {
      const caller = { fhirBase, token, tokenKey, patient: verifier.patientOf(tokenKey), patientHeader: c.req.header('x-patient-id') };
      if (route.kind === 'voice-job') return voiceOut(st, await voice.job(decodeURIComponent(path.slice(VOICE_JOBS.length)), caller));
      const size = c.req.header('content-length');
      if (size !== undefined && Number(size) > config.voiceBodyLimitBytes) throw tooLarge(config.voiceBodyLimitBytes);
      return voiceOut(st, await voice.analyze(c.req.header('content-type'), await readBody(c, config.voiceBodyLimitBytes), caller));
    }

    // What is sent.
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > config.bodyLimitBytes) throw tooLarge(config.bodyLimitBytes);
    const type = c.req.header('content-type');
    if (!type || !JSON_TYPE_RE.test(type)) {
      throw new ApiError('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).');
    }
    const raw = await readBody(c, config.bodyLimitBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError('invalid_request', 'The body is not valid JSON.', { issues: [{ path: '', message: 'Invalid JSON' }] });
    }
    const parsed = ENDPOINTS[engine].request.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('invalid_request', 'The request failed schema validation.', { issues: toIssues(parsed.error) });
    }

    const data = await backend.run(engine, parsed.data, st.requestId);
    return json(200, { ok: true, requestId: st.requestId, data });
  }

  function voiceOut(st: ReqState, out: VoiceOut): Out {
    return json(out.status, { ok: true, requestId: st.requestId, data: out.data });
  }

  // Headers are assembled as a plain object and the Response built once: @hono/node-server then
  // writes them directly (touching Response.headers afterwards would materialize a Headers object).
  // Object.assign rather than `{ ...baseHeaders, ...out.headers, … }`: on Node 20 (V8 11.3) a
  // literal that starts with a spread takes a slow runtime path for every later property, and so
  // do properties added to its result afterwards (measured: ~1 µs vs ~0.1 µs per response).
  function finish(c: Context<Env>, st: ReqState, out: Out, t0: number, isApi: boolean): Response {
    const h: Record<string, string> = Object.assign({}, baseHeaders, out.headers);
    h['X-Request-Id'] = st.requestId;
    if (overTls(c)) h['Strict-Transport-Security'] = HSTS;
    if (isApi) {
      h['Cache-Control'] = 'no-store';
      if (st.rate) {
        h['X-RateLimit-Limit'] = String(st.rate.limit);
        h['X-RateLimit-Remaining'] = String(st.rate.remaining);
        h['X-RateLimit-Reset'] = String(Math.ceil(st.rate.resetAt / 1000));
      }
    }
    const res = new Response(out.body as BodyInit | null, { status: out.status, headers: h });
    const line = {
      requestId: st.requestId,
      method: c.req.method,
      route: st.route,
      status: res.status,
      latencyMs: Math.round((performance.now() - t0) * 100) / 100,
      backend: st.backend,
      ...(st.error ? errorForLog(st.error) : {}),
    };
    if (res.status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
    return res;
  }

  function errorResponse(st: ReqState, err: unknown): Out {
    let apiErr: ApiError;
    if (err instanceof ApiError) apiErr = err;
    else {
      st.error = err;
      apiErr = new ApiError('server_error', 'Unexpected error processing the request.');
    }
    const headers: Record<string, string> = { ...JSON_HEADERS, ...apiErr.opts.headers };
    if (apiErr.code === 'payload_too_large') headers.Connection = 'close';
    return { status: apiErr.status, body: errorBody(st.requestId, apiErr), headers };
  }

  const app = new Hono<Env>();
  const cds = mountCds(app, { config, logger, limiter, baseHeaders, clientIp, overTls, fetch: deps.fetch, now: deps.cdsNow });
  app.all('*', async (c) => {
    const t0 = performance.now();
    const path = c.req.path;
    const isApi = path === '/api' || path.startsWith('/api/');
    const st: ReqState = { requestId: newRequestId(), route: isApi ? 'unmatched' : 'static', backend: null };
    let res: Out;
    try {
      if (isApi) res = await api(c, st);
      else {
        const method = c.req.method;
        if (method !== 'GET' && method !== 'HEAD') {
          res = { status: 405, body: 'Method not allowed\n', headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' } };
        } else if (path === SITE_CONFIG_PATH) {
          // The site's write-back settings (no secrets, no PHI), read by the launch page.
          res = { status: 200, body: siteConfigJson, headers: { ...JSON_HEADERS, 'Cache-Control': 'no-cache' } };
        } else {
          const url = new URL(c.req.url);
          res = await staticFiles.serve(path, url.search, method);
        }
      }
    } catch (err) {
      res = errorResponse(st, err);
    }
    return finish(c, st, res, t0, isApi);
  });
  app.onError((err, c) => {
    // Unreachable in practice (the handler catches); still never leak a stack.
    logger.error({ ...errorForLog(err) }, 'unhandled');
    return c.json({ ok: false, requestId: newRequestId(), error: { code: 'server_error', message: 'Unexpected error processing the request.' } }, 500);
  });

  const tidemark: TidemarkInternals = {
    config,
    logger,
    backend,
    verifier,
    cds,
    voice,
    close: async () => {
      await Promise.all([store.close(), cds.close(), voice.close()]);
    },
  };
  return Object.assign(app, { tidemark });
}

interface Out {
  status: number;
  body: string | Uint8Array | null;
  headers: Record<string, string>;
}

function json(status: number, body: unknown): Out {
  // Encoded to UTF-8 once, here: given a string, @hono/node-server measures its UTF-8 length
  // (Buffer.byteLength) and then encodes it again on write. Engine text contains non-Latin-1
  // characters (—, →, ™), so both passes take V8's slower two-byte path.
  return { status, body: Buffer.from(JSON.stringify(body), 'utf8'), headers: { ...JSON_HEADERS } };
}

function tooLarge(limit: number): ApiError {
  const size = limit >= 4 * 1024 * 1024 ? `${Math.round(limit / 1024 / 1024)} MB` : `${Math.round(limit / 1024)} KB`;
  return new ApiError('payload_too_large', `The body is over ${size}.`);
}

/** Reads the body up to `limit` bytes (streamed count: Content-Length may be absent or wrong). */
export async function readBody(c: Context<Env>, limit: number): Promise<Buffer> {
  const incoming = c.env?.incoming as IncomingMessage | undefined;
  if (incoming && typeof incoming.on === 'function') {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onError);
        incoming.off('close', onClose);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          cleanup();
          incoming.pause();
          reject(tooLarge(limit));
        } else chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(Buffer.concat(chunks, size));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new ApiError('invalid_request', 'The request body could not be read.', { issues: [{ path: '', message: err.message.slice(0, 100) }] }));
      };
      const onClose = () => {
        if (!incoming.complete) onError(new Error('connection closed before the body ended'));
      };
      incoming.on('data', onData);
      incoming.on('end', onEnd);
      incoming.on('error', onError);
      incoming.on('close', onClose);
    });
  }
  // Other runtimes / app.request(): the web stream.
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  return Buffer.concat(parts, size);
}
