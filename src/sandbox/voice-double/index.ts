/**
 * TEST DOUBLE of the voice-biomarker service (reference v2) — not the real service, not a model.
 * It keeps the reference's contract so the proxy's upstream mode is tested end to end offline:
 * X-Account-ID/X-API-Key, jobs (pending → running → done), per-account credits, sliding-window rate
 * limits with Retry-After, the reference's error codes, and completion webhooks signed with
 * HMAC-SHA256 and retried on failure. Acoustic features come from our embedded analysis; its
 * condition scores are a hash of the audio, labelled as such: they mean nothing.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { VOICE_CONDITIONS, VOICE_USE_CASES, type VoiceCondition, type VoiceJob, type VoiceLevel, type VoiceSignal, type VoiceUseCase } from '../../contract/voice.ts';
import type { embeddedConditionResult, embeddedUseCaseResult, probeAudio } from '../../voice/index.ts';

/** The analysis (and its WebAssembly decoders) loads on the first upload, not with the sandbox. */
let voiceModule: Promise<typeof import('../../voice/index.ts')> | undefined;
const loadVoice = () => (voiceModule ??= import('../../voice/index.ts'));

export interface VoiceDoubleOptions {
  accounts?: Record<string, { apiKey: string; credits: number }>;
  /** Requests per minute per account (the reference's Standard plan: 10 general, 5 analyze). */
  rate?: { general: number; analyze: number };
  /** How long a job stays `running` after upload. */
  processingMs?: number;
  /** First webhook retry delay; doubles, at most 5 retries (as the reference promises). */
  webhookRetryMs?: number;
  now?: () => number;
}

export interface WebhookDelivery {
  jobId: string;
  url: string;
  status: number | null;
  body: string;
  signature: string;
}

interface Account {
  id: string;
  apiKey: string;
  credits: number;
  webhook?: { url: string; secret: string };
  hits: { general: number[]; analyze: number[] };
}

interface StoredJob {
  job: VoiceJob;
  account: string;
  webhook?: { url: string; secret: string };
}

type ErrorSpec = { status: number; code: string; retryAfter?: number };

export interface VoiceDouble {
  app: Hono;
  /** Webhook deliveries attempted (tests). */
  deliveries: WebhookDelivery[];
  /** Errors to answer the next requests with, in order (e.g. a 500 to test retries). */
  inject(...errors: ErrorSpec[]): void;
  /** Sends a job's completion webhook again, byte for byte (a replayed delivery). */
  redeliver(jobId: string): Promise<number | null>;
  credits(account: string): number;
  setCredits(account: string, credits: number): void;
  /** Resolves when no job is processing and no webhook delivery is pending. */
  idle(): Promise<void>;
  close(): void;
}

export const DOUBLE_ACCOUNT = { id: 'sandbox-voice-account', apiKey: 'sandbox-voice-key-not-secret' };

const MESSAGES: Record<string, string> = {
  UNAUTHORIZED: 'X-Account-ID or X-API-Key is missing or invalid.',
  INSUFFICIENT_CREDITS: 'No credits remaining for the account.',
  NOT_FOUND: 'Resource not found.',
  INVALID_USE_CASE: 'The use_case value is not recognized.',
  INVALID_CONDITION: 'The condition value is not recognized.',
  AUDIO_POOR_QUALITY: 'Recording conditions may be below the threshold used for analysis.',
  AUDIO_TOO_SHORT: 'Audio duration is below the minimum required threshold.',
  AUDIO_TOO_LONG: 'Audio duration exceeds the maximum of 1200 seconds.',
  UNSUPPORTED_FORMAT: 'Audio format is not supported.',
  RATE_LIMIT_EXCEEDED: 'Rate limit reached.',
  PROCESSING_ERROR: 'Internal processing error.',
  BAD_REQUEST: 'webhook_url and webhook_secret_key must be provided together.',
};

const LEVELS: VoiceLevel[] = ['none', 'low', 'consider', 'moderate', 'elevated'];

export function createVoiceDouble(opts: VoiceDoubleOptions = {}): VoiceDouble {
  const now = opts.now ?? Date.now;
  const rate = opts.rate ?? { general: 10, analyze: 5 };
  const accounts = new Map<string, Account>();
  for (const [id, a] of Object.entries(opts.accounts ?? { [DOUBLE_ACCOUNT.id]: { apiKey: DOUBLE_ACCOUNT.apiKey, credits: 1000 } })) {
    accounts.set(id, { id, apiKey: a.apiKey, credits: a.credits, hits: { general: [], analyze: [] } });
  }
  const jobs = new Map<string, StoredJob>();
  const deliveries: WebhookDelivery[] = [];
  const injected: ErrorSpec[] = [];
  const pending = new Set<Promise<unknown>>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;

  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };
  const later = (ms: number) =>
    track(
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      }),
    );

  const fail = (c: Context, status: number, code: string, headers: Record<string, string> = {}) => {
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    return c.json({ code, message: MESSAGES[code] ?? code, status }, status as 400);
  };

  /** Authentication, injected errors and the sliding-window limit, in the service's order. */
  function gate(c: Context, kind: 'general' | 'analyze'): Account | Response {
    const a = accounts.get(c.req.header('x-account-id') ?? '');
    if (!a || c.req.header('x-api-key') !== a.apiKey) return fail(c, 401, 'UNAUTHORIZED');
    const forced = injected.shift();
    if (forced) return fail(c, forced.status, forced.code, forced.retryAfter !== undefined ? { 'Retry-After': String(forced.retryAfter) } : {});
    const hits = a.hits[kind];
    const t = now();
    while (hits.length > 0 && hits[0]! <= t - 60_000) hits.shift();
    if (hits.length >= rate[kind]) return fail(c, 429, 'RATE_LIMIT_EXCEEDED', { 'Retry-After': String(Math.max(1, Math.ceil((hits[0]! + 60_000 - t) / 1000))) });
    hits.push(t);
    return a;
  }

  async function deliver(stored: StoredJob, body: string): Promise<number | null> {
    const hook = stored.webhook ?? accounts.get(stored.account)?.webhook;
    if (!hook) return null;
    const signature = createHmac('sha256', hook.secret).update(body).digest('hex');
    let status: number | null = null;
    try {
      const res = await fetch(hook.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Webhook-Signature': signature }, body, signal: AbortSignal.timeout(30_000) });
      status = res.status;
      await res.body?.cancel();
    } catch {
      status = null;
    }
    deliveries.push({ jobId: stored.job.job_id, url: hook.url, status, body, signature });
    return status;
  }

  async function complete(stored: StoredJob, work: Promise<VoiceJob['result']>): Promise<void> {
    let result: VoiceJob['result'] = null;
    try {
      result = await work;
    } catch {
      stored.job = { ...stored.job, status: 'failed' };
      return;
    }
    await later(opts.processingMs ?? 1500);
    if (closed) return;
    stored.job = { ...stored.job, status: 'done', completed_at: new Date(now()).toISOString(), result } as VoiceJob;
    const body = JSON.stringify(stored.job);
    let delay = opts.webhookRetryMs ?? 1000;
    for (let attempt = 0; attempt <= 5 && !closed; attempt++) {
      const status = await deliver(stored, body);
      if (status === null && !(stored.webhook ?? accounts.get(stored.account)?.webhook)) return;
      if (status !== null && status >= 200 && status < 300) return;
      await later(delay);
      delay *= 2;
    }
  }

  const app = new Hono();

  app.post('/v2/use-case/analyze', (c) => analyze(c, 'use_case'));
  app.post('/v2/condition/analyze', (c) => analyze(c, 'condition'));

  async function analyze(c: Context, type: 'use_case' | 'condition'): Promise<Response> {
    const a = gate(c, 'analyze');
    if (a instanceof Response) return a;
    if (a.credits <= 0) return fail(c, 402, 'INSUFFICIENT_CREDITS');
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      return fail(c, 400, 'UNSUPPORTED_FORMAT');
    }
    const url = form.get('webhook_url');
    const secret = form.get('webhook_secret_key');
    if (!!url !== !!secret) return fail(c, 400, 'BAD_REQUEST');
    const name = String(form.get(type) ?? '');
    if (type === 'use_case' && !(VOICE_USE_CASES as readonly string[]).includes(name)) return fail(c, 400, 'INVALID_USE_CASE');
    if (type === 'condition' && !(VOICE_CONDITIONS as readonly string[]).includes(name)) return fail(c, 400, 'INVALID_CONDITION');
    const file = form.get('audio');
    if (!(file instanceof Blob)) return fail(c, 400, 'UNSUPPORTED_FORMAT');
    const audio = new Uint8Array(await file.arrayBuffer());
    const { analyzeAudio, AudioError, checkDuration, chunksOf, embeddedConditionResult, embeddedUseCaseResult, probeAudio } = await loadVoice();
    let probe: ReturnType<typeof probeAudio>;
    try {
      probe = probeAudio(audio);
      checkDuration(probe);
    } catch (err) {
      if (err instanceof AudioError) return fail(c, 400, err.code.toUpperCase());
      throw err;
    }
    const measures = await analyzeAudio(chunksOf(audio), probe.format);
    if ((measures.quality.voice_percentage ?? 0) < 5) return fail(c, 422, 'AUDIO_POOR_QUALITY');
    a.credits -= 1;
    const digest = createHash('sha256').update(audio).digest();
    const job = {
      job_id: randomUUID(),
      status: 'running',
      created_at: new Date(now()).toISOString().replace('Z', ''), // the reference allows timestamps without a designator
      completed_at: null,
      result: null,
      audio_content_type: probe.contentType,
      audio_size_bytes: audio.length,
      audio_duration_seconds: Math.round(probe.durationSeconds * 10) / 10,
      audio_sample_rate: probe.sampleRate,
      job_type: type,
      api_version: 'v2',
      use_case: type === 'use_case' ? name : null,
      condition: type === 'condition' ? name : null,
    } as VoiceJob;
    const stored: StoredJob = { job, account: a.id, ...(url && secret ? { webhook: { url: String(url), secret: String(secret) } } : {}) };
    jobs.set(job.job_id, stored);
    const result =
      type === 'use_case' ? withFakeLevels(embeddedUseCaseResult(name as VoiceUseCase, measures), digest) : withFakeCondition(embeddedConditionResult(name as VoiceCondition, measures), digest);
    void track(complete(stored, Promise.resolve(result)));
    return c.json(job);
  }

  app.get('/v2/jobs/:id', (c) => {
    const a = gate(c, 'general');
    if (a instanceof Response) return a;
    const s = jobs.get(c.req.param('id'));
    if (!s || s.account !== a.id) return fail(c, 404, 'NOT_FOUND');
    return c.json(s.job);
  });

  app.get('/v2/jobs', (c) => {
    const a = gate(c, 'general');
    if (a instanceof Response) return a;
    const mine = [...jobs.values()].filter((s) => s.account === a.id).reverse();
    const page = Math.max(0, Number(c.req.query('page') ?? 0) || 0);
    const size = 20;
    return c.json({
      jobs: mine.slice(page * size, page * size + size).map((s) => ({ job_id: s.job.job_id, status: s.job.status, created_at: s.job.created_at })),
      page,
      total_pages: Math.ceil(mine.length / size),
    });
  });

  app.get('/v2/account/credits', (c) => {
    const a = gate(c, 'general');
    if (a instanceof Response) return a;
    return c.json({ credits: a.credits });
  });

  app.post('/v2/account/webhook', async (c) => {
    const a = gate(c, 'general');
    if (a instanceof Response) return a;
    const body = (await c.req.json().catch(() => null)) as { url?: unknown; secret_key?: unknown } | null;
    if (typeof body?.url !== 'string' || typeof body.secret_key !== 'string') return fail(c, 400, 'BAD_REQUEST');
    a.webhook = { url: body.url, secret: body.secret_key };
    return c.json({ success: true, message: 'Webhook configured' });
  });

  return {
    app,
    deliveries,
    inject: (...errors) => void injected.push(...errors),
    redeliver: async (jobId) => {
      const s = jobs.get(jobId);
      return s ? deliver(s, JSON.stringify(s.job)) : null;
    },
    credits: (id) => accounts.get(id)?.credits ?? 0,
    setCredits: (id, n) => {
      const a = accounts.get(id);
      if (a) a.credits = n;
    },
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** Stand-in scores: a hash of the audio (stable per recording, meaningless), mapped to levels. */
function fakeScore(digest: Buffer, i: number): number {
  return digest[i % digest.length]! / 255;
}

function fakeSignal(s: VoiceSignal, digest: Buffer, i: number): VoiceSignal {
  const score = Math.round(fakeScore(digest, i) * 100) / 100;
  const level = LEVELS[Math.min(4, Math.floor(score * 5))]!;
  return { model_id: s.model_id, label: s.label, score, level, flagged: ['consider', 'moderate', 'elevated'].includes(level) };
}

const ACTION: Record<VoiceLevel, 'none' | 'monitor' | 'consider' | 'review' | 'escalate' | 'inconclusive'> = {
  none: 'none',
  low: 'monitor',
  consider: 'consider',
  moderate: 'review',
  elevated: 'escalate',
  inconclusive: 'inconclusive',
};

const DOUBLE_NOTE = 'TEST DOUBLE: levels are derived from a hash of the audio, not from a model.';

function withFakeLevels(r: ReturnType<typeof embeddedUseCaseResult>, digest: Buffer): ReturnType<typeof embeddedUseCaseResult> {
  const signals = r.signals.map((s, i) => fakeSignal(s, digest, i));
  const worst = signals.reduce((w, s) => (LEVELS.indexOf(s.level) > LEVELS.indexOf(w) ? s.level : w), 'none' as VoiceLevel);
  return {
    ...r,
    signals,
    summary: {
      ...r.summary,
      overall_level: worst,
      recommended_action: ACTION[worst],
      flagged_count: signals.filter((s) => s.flagged).length,
      primary_signals: [...signals].sort((a, b) => (b.score ?? 0) - (a.score ?? 0)).slice(0, 3).map((s) => s.model_id),
      description: { ...r.summary.description, summary: `${DOUBLE_NOTE} ${r.summary.description.summary}` },
    },
  };
}

function withFakeCondition(r: ReturnType<typeof embeddedConditionResult>, digest: Buffer): ReturnType<typeof embeddedConditionResult> {
  const s = fakeSignal(r.signal, digest, 0);
  return { ...r, signal: { ...r.signal, ...s, reason: undefined, recommended_action: ACTION[s.level], description: { ...r.signal.description, summary: `${DOUBLE_NOTE} ${r.signal.description.summary}` } } };
}

/** Runs the double as its own HTTP server (tests); the sandbox mounts `app` under /voice-double instead. */
export async function startVoiceDouble(opts: VoiceDoubleOptions = {}): Promise<VoiceDouble & { url: string; stop(): Promise<void> }> {
  const double = createVoiceDouble(opts);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: double.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as { port: number };
  return Object.assign(double, {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        double.close();
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  });
}
