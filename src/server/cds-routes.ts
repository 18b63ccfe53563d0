// CDS Hooks on the app server: GET /cds-services, POST /cds-services/<id>, POST /cds-services/<id>/feedback.
// Every call but the CORS preflight carries an EHR-signed JWT (src/cds/client-auth); CORS is open
// (`*`, never with credentials): no cookie or other ambient authority exists, so the JWT is the only key.
import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import { Redis } from 'ioredis';
import {
  CdsAuthError,
  CdsError,
  CdsHooksService,
  ClientAuth,
  type HookTiming,
  MemoryReplayStore,
  RedisReplayStore,
  type RedisSetNx,
  type ReplayStore,
  ReplayStoreFull,
} from '../cds/index.ts';
import { readBody } from './app.ts';
import { normalizeBaseUrl, type ServerConfig } from './config.ts';
import { ApiError } from './errors.ts';
import { newRequestId } from './ids.ts';
import { errorForLog, type Logger } from './logger.ts';
import type { RateLimiter, RateLimitResult } from './rate-limit.ts';
import { HSTS } from './security.ts';

type Env = { Bindings: HttpBindings };

/** Prefetch of a five-year chart runs to a few MB; well above it, below anything abusive. */
export const CDS_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
const JSON_TYPE_RE = /^application\/(?:[\w.+-]+\+)?json(?:\s*;|$)/i;
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
  'Access-Control-Expose-Headers': 'X-Request-Id',
  'Access-Control-Max-Age': '600',
};

export interface CdsRouteDeps {
  config: ServerConfig;
  logger: Logger;
  limiter: RateLimiter;
  baseHeaders: Record<string, string>;
  clientIp(c: Context<Env>): string;
  overTls(c: Context<Env>): boolean;
  fetch?: typeof fetch | undefined;
  replayStore?: ReplayStore;
  now?: (() => Date) | undefined;
}

export interface CdsMount {
  service: CdsHooksService;
  auth: ClientAuth;
  /** The public base URL when CDS_BASE_URL is not configured (set once the server has bound its port). */
  setBaseUrl(url: string): void;
  close(): Promise<void>;
}

interface Line {
  requestId: string;
  route: string;
  iss?: string;
  authFailure?: string;
  cards?: number;
  timing?: Partial<HookTiming>;
  rate?: RateLimitResult;
  error?: unknown;
}

interface Out {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function mountCds(app: Hono<Env>, deps: CdsRouteDeps): CdsMount {
  const { config, logger, limiter } = deps;
  let baseUrl = config.cdsBaseUrl ?? `http://127.0.0.1:${config.port}`;
  const replay =
    deps.replayStore ??
    (config.redisUrl
      ? new RedisReplayStore(new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 500 }) as unknown as RedisSetNx)
      : new MemoryReplayStore());
  const auth = new ClientAuth({ issuers: config.cdsTrustedIssuers, replay, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const service = new CdsHooksService({
    baseUrl: () => baseUrl,
    fhirServers: new Set(config.fhirServers.map(normalizeBaseUrl)),
    fhirTimeoutMs: config.cdsFhirTimeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });

  async function route(c: Context<Env>, line: Line): Promise<Out> {
    const path = c.req.path;
    const method = c.req.method;
    const [id, sub, ...rest] = path.slice('/cds-services/'.length).split('/');
    const kind = path === '/cds-services' ? 'discovery' : id && !rest.length && (sub === undefined || sub === 'feedback') ? (sub ? 'feedback' : 'hook') : null;
    line.route = kind === 'discovery' ? '/cds-services' : kind ? `/cds-services/${id}${sub ? '/feedback' : ''}` : 'unmatched';
    if (method === 'OPTIONS') return { status: 204, body: null };
    const allowed = kind === 'discovery' ? ['GET', 'HEAD'] : ['POST'];
    if (kind && !allowed.includes(method)) return error(405, 'method_not_allowed', `Use ${allowed[0]} for ${line.route}.`, { Allow: `${allowed.join(', ')}, OPTIONS` });

    const client = await authenticate(c, line, kind ? path : '/cds-services/unmatched');
    line.iss = client.iss;
    if (!kind || (kind !== 'discovery' && !service.has(id!))) return error(404, 'not_found', `No CDS service at ${path}.`);
    if (kind === 'discovery') return { status: 200, body: service.discovery() };

    const body = await readJson(c);
    if (kind === 'feedback') return { status: 200, body: service.recordFeedback(id!, body) };
    const timing: Partial<HookTiming> = {};
    line.timing = timing;
    const res = await service.call(id!, body, timing);
    line.cards = res.cards.length;
    return { status: 200, body: res };
  }

  async function authenticate(c: Context<Env>, line: Line, path: string) {
    const ip = deps.clientIp(c);
    await limit(line, `cds-ip:${ip}`, config.cdsRateLimitPerMinute);
    try {
      const client = await auth.verify(c.req.header('authorization'), path, baseUrl);
      await limit(line, `cds-iss:${client.iss}`, config.cdsRateLimitPerMinute);
      return client;
    } catch (err) {
      if (!(err instanceof CdsAuthError)) throw err;
      line.authFailure = err.reason;
      // Failed attempts count against the caller's address like the proxy's unauthenticated traffic.
      await limit(line, `ip:${ip}`, config.rateLimitIpPerMinute);
      throw new ApiError(err.reason === 'missing' ? 'unauthorized' : 'invalid_token', err.message, {
        headers: { 'WWW-Authenticate': err.reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"' },
      });
    }
  }

  async function limit(line: Line, key: string, max: number): Promise<void> {
    line.rate = await limiter.consume(key, max);
    if (!line.rate.allowed) {
      const retry = Math.max(1, Math.ceil((line.rate.resetAt - Date.now()) / 1000));
      throw new ApiError('rate_limited', 'Too many requests; retry after the time given in Retry-After.', { headers: { 'Retry-After': String(retry) } });
    }
  }

  async function readJson(c: Context<Env>): Promise<unknown> {
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > CDS_BODY_LIMIT_BYTES) throw new ApiError('payload_too_large', 'The body is too large.');
    if (!JSON_TYPE_RE.test(c.req.header('content-type') ?? '')) {
      throw new ApiError('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).');
    }
    try {
      return JSON.parse((await readBody(c, CDS_BODY_LIMIT_BYTES)).toString('utf8'));
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('invalid_request', 'The body is not valid JSON.', { issues: [{ path: '', message: 'Invalid JSON' }] });
    }
  }

  function failure(err: unknown, line: Line): Out {
    if (err instanceof CdsError) return error(err.status, err.code, err.message, undefined, err.issues);
    if (err instanceof ApiError) return error(err.status, err.code, err.message, err.opts.headers, err.opts.issues);
    if (err instanceof ReplayStoreFull) return error(429, 'rate_limited', 'Too many calls in flight; retry shortly.', { 'Retry-After': '5' });
    line.error = err;
    return error(500, 'server_error', 'Unexpected error processing the request.');
  }

  function error(status: number, code: string, message: string, headers?: Record<string, string>, issues?: unknown[]): Out {
    return { status, body: { ok: false, error: { code, message, ...(issues ? { issues: issues.slice(0, 100) } : {}) } }, ...(headers ? { headers } : {}) };
  }

  async function handle(c: Context<Env>): Promise<Response> {
    const t0 = performance.now();
    const line: Line = { requestId: newRequestId(), route: 'unmatched' };
    let out: Out;
    try {
      out = await route(c, line);
    } catch (err) {
      out = failure(err, line);
    }
    const body = out.body && typeof out.body === 'object' && 'ok' in out.body ? { ...out.body, requestId: line.requestId } : out.body;
    const h: Record<string, string> = Object.assign({}, deps.baseHeaders, CORS, out.headers);
    h['X-Request-Id'] = line.requestId;
    h['Cache-Control'] = 'no-store';
    if (body !== null) h['Content-Type'] = 'application/json; charset=utf-8';
    if (deps.overTls(c)) h['Strict-Transport-Security'] = HSTS;
    const res = new Response(body === null || c.req.method === 'HEAD' ? null : JSON.stringify(body), { status: out.status, headers: h });
    const log = {
      requestId: line.requestId,
      method: c.req.method,
      route: line.route,
      status: out.status,
      latencyMs: Math.round((performance.now() - t0) * 100) / 100,
      ...(line.iss ? { iss: line.iss } : {}),
      ...(line.authFailure ? { authFailure: line.authFailure } : {}),
      ...(line.cards !== undefined ? { cards: line.cards } : {}),
      ...(line.timing?.chartMs !== undefined ? { chartMs: round(line.timing.chartMs), rulesMs: round(line.timing.rulesMs ?? 0), prefetched: line.timing.prefetched, fetched: line.timing.fetched } : {}),
      ...(line.error ? errorForLog(line.error) : {}),
    };
    if (out.status >= 500) logger.error(log, 'cds');
    else logger.info(log, 'cds');
    return res;
  }

  app.all('/cds-services', handle);
  app.all('/cds-services/*', handle);
  return {
    service,
    auth,
    setBaseUrl(url: string) {
      if (!config.cdsBaseUrl) baseUrl = normalizeBaseUrl(url);
    },
    close: () => replay.close(),
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
