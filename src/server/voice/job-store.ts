// Voice jobs kept server-side: in memory, or in Redis when REDIS_URL is set (any instance can then
// answer a poll). Each record carries its owner (hash of FHIR server + patient) and expires. Audio
// is never stored: only the job object (the reference's shape) and bookkeeping.
import { z } from 'zod';
import { voiceJob, type VoiceJob } from '../../contract/voice.ts';

export interface JobRecord {
  job: VoiceJob;
  /** hashKey(fhirBase, patient) of the token that created it. */
  owner: string;
  /** Epoch ms of the last poll of the upstream service (upstream mode). */
  polledAt?: number;
}

const jobRecord = z.object({ job: voiceJob, owner: z.string(), polledAt: z.number().optional() });

export interface JobStore {
  put(rec: JobRecord, ttlMs: number): Promise<void>;
  get(jobId: string): Promise<JobRecord | undefined>;
  /** True the first time it is called for `jobId` (webhook idempotency), false for every replay. */
  claimDelivery(jobId: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, { rec: JobRecord; expiresAt: number }>();
  readonly #deliveries = new Map<string, number>();
  constructor(
    private readonly maxJobs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async put(rec: JobRecord, ttlMs: number): Promise<void> {
    this.#sweep();
    this.#jobs.delete(rec.job.job_id);
    this.#jobs.set(rec.job.job_id, { rec: structuredClone(rec), expiresAt: this.now() + ttlMs });
    for (const k of this.#jobs.keys()) {
      if (this.#jobs.size <= this.maxJobs) break;
      this.#jobs.delete(k);
    }
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const e = this.#jobs.get(jobId);
    if (!e || e.expiresAt <= this.now()) return undefined;
    return structuredClone(e.rec);
  }

  async claimDelivery(jobId: string, ttlMs: number): Promise<boolean> {
    this.#sweep();
    if ((this.#deliveries.get(jobId) ?? 0) > this.now()) return false;
    this.#deliveries.set(jobId, this.now() + ttlMs);
    return true;
  }

  #sweep(): void {
    const now = this.now();
    for (const [k, e] of this.#jobs) if (e.expiresAt <= now) this.#jobs.delete(k);
    for (const [k, t] of this.#deliveries) if (t <= now) this.#deliveries.delete(k);
  }

  async close(): Promise<void> {
    this.#jobs.clear();
  }
}

/** The subset of ioredis used here. */
export interface RedisJobClient {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
  get(key: string): Promise<string | null>;
  quit(): Promise<unknown>;
}

export class RedisJobStore implements JobStore {
  constructor(
    private readonly redis: RedisJobClient,
    private readonly prefix = 'tidemark:voice:',
  ) {}

  async put(rec: JobRecord, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}job:${rec.job.job_id}`, JSON.stringify(rec), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const raw = await this.redis.get(`${this.prefix}job:${jobId}`);
    if (!raw) return undefined;
    const parsed = jobRecord.safeParse(JSON.parse(raw));
    return parsed.success ? (parsed.data as JobRecord) : undefined;
  }

  async claimDelivery(jobId: string, ttlMs: number): Promise<boolean> {
    const ok = await this.redis.set(`${this.prefix}delivery:${jobId}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return ok === 'OK';
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
