// ClientAuth beyond the HTTP attacks: key rotation, replay memory bounded by exp, and replay
// protection shared between two service instances through a real redis-server.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdsAuthError, ClientAuth } from '../../src/cds/client-auth.ts';
import { MemoryReplayStore, RedisReplayStore, type RedisSetNx, type ReplayStore, ReplayStoreFull } from '../../src/cds/replay-store.ts';
import { type TestIssuer, testIssuer } from './helpers.ts';

const BASE = 'https://tidemark.example';
const PATH = '/cds-services/tidemark-patient-view';
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await testIssuer();
});
afterAll(() => issuer.close());

const auth = (replay: ReplayStore = new MemoryReplayStore(), cooldown = 0) =>
  new ClientAuth({ issuers: [{ iss: issuer.iss, jwksUrl: issuer.jwksUrl }], replay, jwksCooldownMs: cooldown });

describe('ClientAuth', () => {
  it('accepts a rotated key once the JWKS publishes it', async () => {
    const a = auth();
    await a.verify(`Bearer ${await issuer.mint({ aud: BASE + PATH })}`, PATH, BASE);
    await issuer.rotate();
    const hits = issuer.jwksHits();
    await expect(a.verify(`Bearer ${await issuer.mint({ aud: BASE + PATH })}`, PATH, BASE)).resolves.toEqual({ iss: issuer.iss });
    expect(issuer.jwksHits()).toBe(hits + 1);
  });

  it('an issuer with its own aud base is checked against that base, not ours', async () => {
    const a = new ClientAuth({
      issuers: [{ iss: issuer.iss, jwksUrl: issuer.jwksUrl, audBase: 'https://gateway.example/tm' }],
      replay: new MemoryReplayStore(),
    });
    await expect(a.verify(`Bearer ${await issuer.mint({ aud: BASE + PATH })}`, PATH, BASE)).rejects.toMatchObject({ reason: 'audience' });
    await expect(a.verify(`Bearer ${await issuer.mint({ aud: `https://gateway.example/tm${PATH}` })}`, PATH, BASE)).resolves.toBeTruthy();
  });

  it('names each failure', async () => {
    const a = auth();
    const reason = async (h: string | undefined) => a.verify(h, PATH, BASE).then(() => 'ok', (e: CdsAuthError) => e.reason);
    expect(await reason(undefined)).toBe('missing');
    expect(await reason('Basic abc')).toBe('missing');
    expect(await reason(`Bearer ${await issuer.mint({ aud: 'https://x.example/y' })}`)).toBe('audience');
    expect(await reason(`Bearer ${await issuer.mint({ aud: BASE + PATH, expIn: -300, iatAgo: 600 })}`)).toBe('expired');
    expect(await reason(`Bearer ${await issuer.mint({ aud: BASE + PATH, iss: 'https://nobody.example' })}`)).toBe('untrusted-issuer');
  });
});

describe('replay memory', () => {
  it('forgets a jti once its token has expired, and never before', async () => {
    let now = 1_000_000;
    const store = new MemoryReplayStore(10, () => now);
    expect(await store.claim('a', now + 5_000)).toBe(true);
    expect(await store.claim('a', now + 5_000)).toBe(false);
    now += 4_999;
    expect(await store.claim('a', now + 5_000)).toBe(false);
    now += 2;
    expect(await store.claim('a', now + 5_000)).toBe(true);
  });

  it('refuses rather than forgets when full of live ids, and recovers as they expire', async () => {
    let now = 0;
    const store = new MemoryReplayStore(3, () => now);
    for (const k of ['a', 'b', 'c']) await store.claim(k, 1_000);
    await expect(store.claim('d', 1_000)).rejects.toBeInstanceOf(ReplayStoreFull);
    now = 1_001;
    expect(await store.claim('d', 2_000)).toBe(true);
    expect(store.size).toBe(1);
  });
});

describe('replay protection shared through Redis (real redis-server)', () => {
  let redis: ChildProcess;
  let port = 0;
  const clients: Redis[] = [];
  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    redis = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
    probe.on('error', () => undefined); // refused until redis-server listens
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await probe.quit();
  });
  afterAll(async () => {
    for (const c of clients) await c.quit().catch(() => undefined);
    redis.kill('SIGTERM');
  });

  const store = () => {
    const c = new Redis({ port, host: '127.0.0.1' });
    clients.push(c);
    return new RedisReplayStore(c as unknown as RedisSetNx);
  };

  it('a token used on one instance is a replay on the other', async () => {
    const one = auth(store());
    const two = auth(store());
    const jwt = await issuer.mint({ aud: BASE + PATH, jti: randomUUID() });
    await expect(one.verify(`Bearer ${jwt}`, PATH, BASE)).resolves.toBeTruthy();
    await expect(two.verify(`Bearer ${jwt}`, PATH, BASE)).rejects.toMatchObject({ reason: 'replay' });
  });

  it('the key expires in Redis with the token', async () => {
    const s = store();
    expect(await s.claim('k1', Date.now() + 150)).toBe(true);
    expect(await s.claim('k1', Date.now() + 150)).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(await s.claim('k1', Date.now() + 150)).toBe(true);
  });
});
