// JWT ids (jti) already used, each remembered until its token expires: in memory (bounded) by
// default, in Redis when REDIS_URL is set so that instances behind a load balancer share them.

export interface ReplayStore {
  /** Records `key` until `expiresAtMs`; false when it was already recorded (a replay). */
  claim(key: string, expiresAtMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown when the store is full of unexpired ids: refusing is safer than forgetting one. */
export class ReplayStoreFull extends Error {
  override name = 'ReplayStoreFull';
}

export class MemoryReplayStore implements ReplayStore {
  readonly #seen = new Map<string, number>();
  #lastSweep = 0;

  constructor(
    readonly maxEntries = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#seen.size;
  }

  async claim(key: string, expiresAtMs: number): Promise<boolean> {
    const now = this.now();
    const known = this.#seen.get(key);
    if (known !== undefined && known > now) return false;
    if (this.#seen.size >= this.maxEntries || now - this.#lastSweep > 60_000) this.#sweep(now);
    if (this.#seen.size >= this.maxEntries) throw new ReplayStoreFull('too many unexpired JWT ids');
    this.#seen.set(key, expiresAtMs);
    return true;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [k, exp] of this.#seen) if (exp <= now) this.#seen.delete(k);
  }

  async close(): Promise<void> {
    this.#seen.clear();
  }
}

/** The one ioredis call used (SET key value PX ms NX). */
export interface RedisSetNx {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  quit(): Promise<unknown>;
}

export class RedisReplayStore implements ReplayStore {
  constructor(
    private readonly redis: RedisSetNx,
    private readonly prefix = 'tidemark:jti:',
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, expiresAtMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(expiresAtMs - this.now()));
    // Atomic: only the first SET NX of a key succeeds, on whichever instance.
    return (await this.redis.set(this.prefix + key, '1', 'PX', ttl, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
