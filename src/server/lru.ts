/** A bounded LRU map with per-entry expiry (Map keeps insertion order; re-insert on hit). */
export class LruCache<V> {
  readonly #map = new Map<string, { value: V; expiresAt: number }>();
  constructor(
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.#map.delete(key);
      return undefined;
    }
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.#map.size > this.maxEntries) {
      const oldest = this.#map.keys().next().value;
      if (oldest === undefined) break;
      this.#map.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
