// The SMART session's lifetime: refresh the access token before it expires where the EHR issued a
// refresh token (at most once a minute: Oracle Health throttles refreshes to that), and where it did
// not (Epic public clients), warn before expiry so the clinician can relaunch while what is on screen
// stays. A plain store (subscribe/getSnapshot) with injected clock and timers; no React, no fhirclient.

export type SessionPhase = 'active' | 'refreshing' | 'expiring' | 'expired';

export interface SessionSnapshot {
  phase: SessionPhase;
  /** When the access token expires (epoch ms), null when the EHR did not say. */
  expiresAt: number | null;
  /** A refresh token was issued. */
  canRefresh: boolean;
  /** Why the last refresh failed (then the session runs out like one without a refresh token). */
  refreshError: string | null;
}

export interface SessionOptions {
  expiresAt: number | null;
  canRefresh: boolean;
  /** Refreshes the access token; resolves with the new expiry (epoch ms) or null when not given. */
  refresh: () => Promise<number | null>;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** At most one refresh a minute (Oracle Health's documented limit; harmless elsewhere). */
export const MIN_REFRESH_INTERVAL_MS = 60_000;

/** Refresh this long before expiry: a minute, or a fifth of a short token's life. */
function refreshLead(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(5_000, lifetimeMs / 5));
}

/** Warn this long before expiry: two minutes, or a third of a short token's life. */
function warnLead(lifetimeMs: number): number {
  return Math.min(120_000, Math.max(5_000, lifetimeMs / 3));
}

export class SessionController {
  #snapshot: SessionSnapshot;
  readonly #listeners = new Set<() => void>();
  readonly #opts: Required<Omit<SessionOptions, 'expiresAt' | 'canRefresh'>>;
  #timer: unknown = null;
  #lastRefresh = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | null = null;
  #issuedAt: number;

  constructor(opts: SessionOptions) {
    this.#opts = {
      refresh: opts.refresh,
      now: opts.now ?? Date.now,
      setTimer: opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
    this.#issuedAt = this.#opts.now();
    this.#snapshot = { phase: 'active', expiresAt: opts.expiresAt, canRefresh: opts.canRefresh, refreshError: null };
    this.#schedule();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.#snapshot;

  /** The session's clock (injected in tests). */
  now = (): number => this.#opts.now();

  stop(): void {
    if (this.#timer !== null) this.#opts.clearTimer(this.#timer);
    this.#timer = null;
  }

  /** Before a request: refresh first when the token has run out and a refresh is allowed now. */
  async ensureFresh(): Promise<void> {
    const s = this.#snapshot;
    if (s.expiresAt === null || this.#opts.now() < s.expiresAt - 5_000) return;
    if (s.canRefresh && !s.refreshError && this.#opts.now() - this.#lastRefresh >= MIN_REFRESH_INTERVAL_MS) await this.refreshNow();
  }

  /** Refresh now (joins one in flight); never more than once a minute. */
  refreshNow(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (this.#opts.now() - this.#lastRefresh < MIN_REFRESH_INTERVAL_MS) return Promise.resolve();
    this.#lastRefresh = this.#opts.now();
    this.#set({ phase: 'refreshing' });
    this.#inflight = this.#opts
      .refresh()
      .then(
        (expiresAt) => {
          this.#issuedAt = this.#opts.now();
          this.#set({ phase: 'active', expiresAt, refreshError: null });
        },
        (error: unknown) => {
          this.#set({ refreshError: error instanceof Error ? error.message : String(error) });
          this.#set({ phase: this.#phaseWithoutRefresh() });
        },
      )
      .finally(() => {
        this.#inflight = null;
        this.#schedule();
      });
    return this.#inflight;
  }

  #set(patch: Partial<SessionSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const l of this.#listeners) l();
  }

  #phaseWithoutRefresh(): SessionPhase {
    const { expiresAt } = this.#snapshot;
    if (expiresAt === null) return 'active';
    const left = expiresAt - this.#opts.now();
    if (left <= 0) return 'expired';
    return left <= warnLead(expiresAt - this.#issuedAt) ? 'expiring' : 'active';
  }

  #schedule(): void {
    this.stop();
    const { expiresAt, canRefresh, refreshError } = this.#snapshot;
    if (expiresAt === null) return;
    const now = this.#opts.now();
    const lifetime = Math.max(0, expiresAt - this.#issuedAt);
    if (canRefresh && !refreshError) {
      const at = Math.max(expiresAt - refreshLead(lifetime), this.#lastRefresh + MIN_REFRESH_INTERVAL_MS);
      this.#timer = this.#opts.setTimer(() => void this.refreshNow(), Math.max(0, at - now));
      return;
    }
    const phase = this.#phaseWithoutRefresh();
    if (phase !== this.#snapshot.phase) this.#set({ phase });
    if (phase === 'expired') return;
    const next = phase === 'active' ? expiresAt - warnLead(lifetime) : expiresAt;
    this.#timer = this.#opts.setTimer(() => this.#schedule(), Math.max(0, next - now));
  }
}
