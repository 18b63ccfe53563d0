// Rate limits: per token, per client address, headers, Retry-After; memory and Redis stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelope } from '../../src/contract/index.ts';
import type { EngineBackend } from '../../src/server/backend.ts';
import {
  MemoryRateLimitStore,
  RateLimiter,
  RedisRateLimitStore,
  type RedisLike,
  type RedisPipelineLike,
} from '../../src/server/rate-limit.ts';
import { authHeaders, fakeFhir, startTest } from './helpers.ts';
import { EXAMPLE_REQUESTS, RELAPSE_RESPONSE } from './fixtures.ts';

const backend: EngineBackend = { kind: 'embedded', run: async () => RELAPSE_RESPONSE };
let fhir: Awaited<ReturnType<typeof fakeFhir>>;
beforeAll(async () => {
  fhir = await fakeFhir();
});
afterAll(async () => {
  await fhir?.close();
});

describe('rate limiting over HTTP', () => {
  it('per token: 429 rate_limited with Retry-After and X-RateLimit-* headers; other tokens unaffected', async () => {
    const srv = await startTest({ fhirServers: [fhir.base], rateLimitPerMinute: 5, rateLimitIpPerMinute: 1000 }, { backend });
    try {
      fhir.extraValid.add('tok-a');
      fhir.extraValid.add('tok-b');
      const send = (token: string) =>
        fetch(`${srv.url}/api/v1/relapse/predict`, { method: 'POST', headers: authHeaders(fhir.base, token), body: JSON.stringify(EXAMPLE_REQUESTS.relapse) });
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await send('tok-a');
        expect(r.status).toBe(200);
        expect(r.headers.get('x-ratelimit-limit')).toBe('5');
        remaining.push(r.headers.get('x-ratelimit-remaining')!);
      }
      expect(remaining).toEqual(['4', '3', '2', '1', '0']);
      const limited = await send('tok-a');
      expect(limited.status).toBe(429);
      const env = errorEnvelope.parse(await limited.json());
      expect(env.error.code).toBe('rate_limited');
      expect(env.requestId).toBe(limited.headers.get('x-request-id'));
      const retry = Number(limited.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
      expect((await send('tok-b')).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('per IP for unauthenticated traffic (ping, 401s, 404s)', async () => {
    const srv = await startTest({ fhirServers: [fhir.base], rateLimitPerMinute: 1000, rateLimitIpPerMinute: 3 }, { backend });
    try {
      expect((await fetch(`${srv.url}/api/v1/ping`)).status).toBe(200);
      expect((await fetch(`${srv.url}/api/v1/nope`)).status).toBe(404);
      expect((await fetch(`${srv.url}/api/v1/relapse/predict`, { method: 'POST', body: '{}' })).status).toBe(401);
      const r = await fetch(`${srv.url}/api/v1/ping`);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      // A verified token (cached verdict) has its own bucket.
      fhir.extraValid.add('tok-ip');
      // Its first check needs the IP bucket, which is exhausted.
      const first = await fetch(`${srv.url}/api/v1/relapse/predict`, { method: 'POST', headers: authHeaders(fhir.base, 'tok-ip'), body: '{}' });
      expect(first.status).toBe(429);
    } finally {
      await srv.close();
    }
  });

  it('store failure fails open (logs a warning, serves the request)', async () => {
    const broken = { hit: async () => Promise.reject(new Error('redis down')), close: async () => undefined };
    const srv = await startTest({ fhirServers: [fhir.base] }, { backend, rateLimitStore: broken });
    try {
      const r = await fetch(`${srv.url}/api/v1/ping`);
      expect(r.status).toBe(200);
      expect(srv.logs.text()).toContain('rate limit store unavailable');
    } finally {
      await srv.close();
    }
  });
});

describe('stores', () => {
  it('memory store: fixed window resets after the window', async () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(new MemoryRateLimitStore(() => now), undefined, 60_000, () => now);
    for (let i = 0; i < 3; i++) expect((await limiter.consume('k', 3)).allowed).toBe(true);
    const r = await limiter.consume('k', 3);
    expect(r).toMatchObject({ allowed: false, remaining: 0, resetAt: 1_060_000 });
    now += 60_000;
    expect(await limiter.consume('k', 3)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('memory store stays bounded under a flood of keys', async () => {
    const store = new MemoryRateLimitStore(Date.now, 1000);
    for (let i = 0; i < 5000; i++) await store.hit(`ip:${i}`, 60_000);
    expect(store.size).toBeLessThanOrEqual(1000);
    // The newest keys keep counting.
    expect((await store.hit('ip:4999', 60_000)).count).toBe(2);
  });

  it('Redis store: SET NX PX + INCR + PTTL in one MULTI (against an in-process fake of those commands)', async () => {
    let now = 5_000;
    const data = new Map<string, { v: number; exp: number }>();
    const live = (k: string) => {
      const e = data.get(k);
      if (e && e.exp <= now) data.delete(k);
      return data.get(k);
    };
    const commands: string[] = [];
    const fake: RedisLike = {
      multi() {
        const ops: (() => unknown)[] = [];
        const p: RedisPipelineLike = {
          set(k, v, px, ms, nx) {
            commands.push(`SET ${k} ${v} ${px} ${ms} ${nx}`);
            ops.push(() => (live(k) ? null : (data.set(k, { v: Number(v), exp: now + ms }), 'OK')));
            return p;
          },
          incr(k) {
            commands.push(`INCR ${k}`);
            ops.push(() => {
              const e = live(k) ?? { v: 0, exp: Infinity };
              e.v++;
              data.set(k, e);
              return e.v;
            });
            return p;
          },
          pttl(k) {
            commands.push(`PTTL ${k}`);
            ops.push(() => {
              const e = live(k);
              return !e ? -2 : e.exp === Infinity ? -1 : e.exp - now;
            });
            return p;
          },
          async exec() {
            return ops.map((op) => [null, op()] as [null, unknown]);
          },
        };
        return p;
      },
      quit: async () => 'OK',
    };
    const store = new RedisRateLimitStore(fake, 'rl:', () => now);
    const limiter = new RateLimiter(store, undefined, 60_000, () => now);
    expect(await limiter.consume('tok:x', 2)).toMatchObject({ allowed: true, remaining: 1, resetAt: 65_000 });
    now += 10_000;
    expect(await limiter.consume('tok:x', 2)).toMatchObject({ allowed: true, remaining: 0, resetAt: 65_000 });
    expect((await limiter.consume('tok:x', 2)).allowed).toBe(false);
    now += 50_000;
    expect(await limiter.consume('tok:x', 2)).toMatchObject({ allowed: true, remaining: 1, resetAt: 125_000 });
    expect(commands.slice(0, 3)).toEqual(['SET rl:tok:x 0 PX 60000 NX', 'INCR rl:tok:x', 'PTTL rl:tok:x']);
    await store.close();
  });
});
