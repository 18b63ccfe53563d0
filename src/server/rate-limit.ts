// Fixed-window rate limiting behind a small store interface: in memory by default, Redis when
// REDIS_URL is set (several instances share limits). Keys are "tok:<sha256>" or "ip:<address>".

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the current window ends. */
  resetAt: number;
}

export interface RateLimitStore {
  /** Count one hit for `key` in a window of `windowMs`; returns the count so far and the window end. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }>;
  close(): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  #lastSweep = 0;
  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  get size(): number {
    return this.#windows.size;
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const now = this.now();
    this.#sweep(now, windowMs);
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return { count: w.count, resetAt: w.resetAt };
  }

  #sweep(now: number, windowMs: number): void {
    if (now - this.#lastSweep >= windowMs) {
      this.#lastSweep = now;
      for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
    }
    // Too many live keys (e.g. an address flood): drop the oldest windows, O(1) per hit.
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < this.maxKeys) break;
      this.#windows.delete(k);
    }
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }
}

/** The subset of ioredis used here (a MULTI of SET NX PX, INCR, PTTL); easy to fake in tests. */
export interface RedisLike {
  multi(): RedisPipelineLike;
  quit(): Promise<unknown>;
}
export interface RedisPipelineLike {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): RedisPipelineLike;
  incr(key: string): RedisPipelineLike;
  pttl(key: string): RedisPipelineLike;
  exec(): Promise<[Error | null, unknown][] | null>;
}

export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix = 'tidemark:rl:',
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const k = this.prefix + key;
    // Atomic: create the window with its expiry if absent, count, read the time left.
    const replies = await this.redis.multi().set(k, '0', 'PX', windowMs, 'NX').incr(k).pttl(k).exec();
    if (!replies) throw new Error('rate limit transaction aborted');
    for (const [err] of replies) if (err) throw err;
    const count = Number(replies[1]?.[1]);
    let ttl = Number(replies[2]?.[1]);
    if (!Number.isFinite(count)) throw new Error('unexpected rate limit reply');
    if (!Number.isFinite(ttl) || ttl < 0) ttl = windowMs;
    return { count, resetAt: this.now() + ttl };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

export async function createRedisStore(url: string): Promise<RedisRateLimitStore> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true, commandTimeout: 500 });
  return new RedisRateLimitStore(redis as unknown as RedisLike);
}

export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly onStoreError: (err: unknown) => void = () => undefined,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Fails open (allows) when the store is unreachable: a Redis outage must not take the API down. */
  async consume(key: string, limit: number): Promise<RateLimitResult> {
    try {
      const { count, resetAt } = await this.store.hit(key, this.windowMs);
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetAt };
    } catch (err) {
      this.onStoreError(err);
      return { allowed: true, limit, remaining: limit, resetAt: this.now() + this.windowMs };
    }
  }
}
