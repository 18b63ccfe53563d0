// /api/v1/voice/*: create a job from a multipart upload (embedded analysis or the upstream service),
// answer polls for jobs of the caller's own patient on the caller's own FHIR server, and take the
// upstream service's signed completion webhooks (once per job). Audio lives only in memory for the
// length of one analysis or one forward: never stored, never logged.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { toIssues } from '../../contract/envelope.ts';
import { VOICE_LIMITS, voiceAnalyzeFields, voiceJob, type VoiceAnalyzeFields, type VoiceJob } from '../../contract/voice.ts';
import type { AudioProbe } from '../../voice/index.ts';

/** The analysis (and its WebAssembly decoders) loads on the first voice upload, not at server start. */
let voiceModule: Promise<typeof import('../../voice/index.ts')> | undefined;
const loadVoice = () => (voiceModule ??= import('../../voice/index.ts'));
import { isTimeout } from '../auth.ts';
import type { ServerConfig } from '../config.ts';
import { ApiError } from '../errors.ts';
import { hashKey } from '../ids.ts';
import { errorForLog, type Logger } from '../logger.ts';
import type { JobRecord, JobStore } from './job-store.ts';
import type { VoiceUpstream } from './upstream.ts';

export interface VoiceCaller {
  fhirBase: string;
  token: string;
  tokenKey: string;
  /** Patient the token was issued for, from its introspection. */
  patient: string | undefined;
  /** X-Patient-Id, for servers whose introspection does not name the patient. */
  patientHeader: string | undefined;
}

export interface VoiceOut {
  status: number;
  data: unknown;
}

export interface VoiceServiceOptions {
  config: ServerConfig;
  logger: Logger;
  store: JobStore;
  upstream?: VoiceUpstream;
  fetch?: typeof fetch;
  now?: () => number;
}

/** An embedded job not finished after this long died with its instance: it is reported failed. */
const STALE_MS = 15 * 60_000;
const PATIENT_CHECK_TTL_MS = 5 * 60_000;
const PATIENT_ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
/** Embedded jobs waiting for a free analysis slot (each holds ≤32 MB of audio). */
const MAX_QUEUED = 8;

export class VoiceService {
  readonly kind: 'embedded' | 'upstream';
  readonly stats = { analysesStarted: 0, webhooksProcessed: 0, webhookReplays: 0, webhooksRefused: 0 };
  readonly #o: VoiceServiceOptions;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #patientChecks = new Map<string, number>();
  readonly #queue: Array<() => Promise<void>> = [];
  readonly #running = new Set<Promise<void>>();

  constructor(o: VoiceServiceOptions) {
    this.#o = o;
    this.kind = o.upstream ? 'upstream' : 'embedded';
    this.#now = o.now ?? Date.now;
    this.#ttlMs = o.config.voiceJobTtlSeconds * 1000;
  }

  // ------------------------------------------------------------------ routes

  async analyze(contentType: string | undefined, body: Uint8Array, caller: VoiceCaller): Promise<VoiceOut> {
    const owner = await this.#owner(caller);
    const { audio, fields } = await parseUpload(contentType, body);
    const probe = await probeOrThrow(audio);
    let job: VoiceJob;
    if (this.#o.upstream) {
      job = { ...(await this.#o.upstream.submit(audio, probe.contentType, fields)), analysed_by: 'upstream' };
      await this.#o.store.put({ job, owner, polledAt: this.#now() }, this.#ttlMs);
    } else {
      this.#checkCapacity();
      job = this.#newJob(probe, fields);
      // Stored before the analysis starts, so its own updates (running, progress, done) come after.
      await this.#o.store.put({ job, owner }, this.#ttlMs);
      this.#enqueue(job, owner, audio, probe, fields);
    }
    this.#o.logger.info({ jobId: job.job_id, backend: this.kind, format: probe.format, seconds: Math.round(probe.durationSeconds) }, 'voice job created');
    return { status: 200, data: job };
  }

  async job(jobId: string, caller: VoiceCaller): Promise<VoiceOut> {
    const owner = await this.#owner(caller);
    const rec = jobId.length <= 128 ? await this.#o.store.get(jobId) : undefined;
    // Someone else's job and no job at all answer the same: ids are not an oracle.
    if (!rec || rec.owner !== owner) throw new ApiError('not_found', 'No such voice job for this patient.');
    if (this.#o.upstream) await this.#refresh(rec);
    else if ((rec.job.status === 'pending' || rec.job.status === 'running') && this.#now() - Date.parse(rec.job.created_at) > STALE_MS) {
      rec.job = { ...rec.job, status: 'failed', progress: null };
      await this.#o.store.put(rec, this.#ttlMs);
    }
    return { status: 200, data: rec.job };
  }

  async webhook(raw: Uint8Array, signature: string | undefined): Promise<VoiceOut> {
    const secret = this.#o.config.voiceWebhookSecret;
    if (!secret || !this.#o.upstream) throw new ApiError('not_found', 'No voice webhook is configured on this deployment.');
    if (!verifySignature(secret, raw, signature)) {
      this.stats.webhooksRefused++;
      throw new ApiError('unauthorized', 'The webhook signature does not match.');
    }
    let parsed: ReturnType<typeof voiceJob.safeParse>;
    try {
      parsed = voiceJob.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
    } catch {
      throw new ApiError('invalid_request', 'The webhook body is not JSON.');
    }
    if (!parsed.success) throw new ApiError('invalid_request', 'The webhook body is not a voice job.', { issues: toIssues(parsed.error) });
    const job = parsed.data;
    if (!(await this.#o.store.claimDelivery(job.job_id, this.#ttlMs))) {
      this.stats.webhookReplays++;
      return { status: 200, data: { received: true, duplicate: true } };
    }
    const rec = await this.#o.store.get(job.job_id);
    if (rec) await this.#o.store.put({ ...rec, job: { ...job, analysed_by: 'upstream' }, polledAt: this.#now() }, this.#ttlMs);
    this.stats.webhooksProcessed++;
    this.#o.logger.info({ jobId: job.job_id, known: !!rec, status: job.status }, 'voice webhook processed');
    return { status: 200, data: { received: true } };
  }

  /** Resolves when every queued and running embedded analysis has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#queue.length > 0) await Promise.all([...this.#running]);
  }

  async close(): Promise<void> {
    this.#queue.length = 0;
    await Promise.all([...this.#running]);
    await this.#o.store.close();
  }

  // ------------------------------------------------------------------ who owns a job

  /** hash(FHIR server, patient): the patient from the token's introspection, else X-Patient-Id checked by a read with the token. */
  async #owner(c: VoiceCaller): Promise<string> {
    const claimed = c.patientHeader?.trim() || undefined;
    if (claimed !== undefined && !PATIENT_ID_RE.test(claimed)) throw new ApiError('invalid_request', 'X-Patient-Id is not a FHIR id.');
    if (c.patient) {
      if (claimed && claimed !== c.patient) throw new ApiError('forbidden', 'X-Patient-Id is not the patient this token was issued for.');
      return hashKey('voice-owner', c.fhirBase, c.patient);
    }
    if (!claimed) {
      throw new ApiError('forbidden', 'Voice jobs belong to a patient: this token names none. Send X-Patient-Id with the patient in context.');
    }
    const key = hashKey(c.tokenKey, claimed);
    if ((this.#patientChecks.get(key) ?? 0) <= this.#now()) {
      await this.#canRead(c, claimed);
      if (this.#patientChecks.size > 10_000) this.#patientChecks.clear();
      this.#patientChecks.set(key, this.#now() + PATIENT_CHECK_TTL_MS);
    }
    return hashKey('voice-owner', c.fhirBase, claimed);
  }

  async #canRead(c: VoiceCaller, patient: string): Promise<void> {
    let res: Response;
    try {
      res = await (this.#o.fetch ?? fetch)(`${c.fhirBase}/Patient/${encodeURIComponent(patient)}`, {
        headers: { authorization: `Bearer ${c.token}`, accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(this.#o.config.authTimeoutMs),
      });
    } catch (err) {
      throw new ApiError(isTimeout(err) ? 'upstream_timeout' : 'upstream_error', 'The FHIR server could not confirm access to the patient.');
    }
    await res.body?.cancel();
    if (res.ok) return;
    if (res.status === 401 || res.status === 403 || res.status === 404) throw new ApiError('forbidden', 'This token cannot read that patient.');
    throw new ApiError('upstream_error', 'The FHIR server could not confirm access to the patient.');
  }

  // ------------------------------------------------------------------ embedded analysis

  #newJob(probe: AudioProbe, fields: VoiceAnalyzeFields): VoiceJob {
    const common = {
      job_id: randomUUID(),
      status: 'pending' as const,
      created_at: new Date(this.#now()).toISOString(),
      completed_at: null,
      api_version: 'v2',
      audio_content_type: probe.contentType,
      audio_size_bytes: probe.sizeBytes,
      audio_duration_seconds: Math.round(probe.durationSeconds * 100) / 100,
      audio_sample_rate: probe.sampleRate,
      analysed_by: 'embedded' as const,
      progress: 0,
      result: null,
    };
    return fields.use_case
      ? { ...common, job_type: 'use_case', use_case: fields.use_case, condition: null }
      : { ...common, job_type: 'condition', use_case: null, condition: fields.condition! };
  }

  /** Queued uploads hold their audio in memory: beyond a few, the caller is asked to come back. */
  #checkCapacity(): void {
    if (this.#queue.length >= MAX_QUEUED) {
      throw new ApiError('rate_limited', 'Voice analysis is busy; retry after the time given in Retry-After.', { headers: { 'Retry-After': '30' } });
    }
  }

  #enqueue(job: VoiceJob, owner: string, audio: Uint8Array, probe: AudioProbe, fields: VoiceAnalyzeFields): void {
    this.#queue.push(() => this.#run(job, owner, audio, probe, fields));
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#o.config.voiceConcurrency && this.#queue.length > 0) {
      const task = this.#queue.shift()!;
      const p: Promise<void> = task().finally(() => {
        this.#running.delete(p);
        this.#pump();
      });
      this.#running.add(p);
    }
  }

  async #run(job: VoiceJob, owner: string, audio: Uint8Array, probe: AudioProbe, fields: VoiceAnalyzeFields): Promise<void> {
    const save = (j: VoiceJob) => this.#o.store.put({ job: j, owner }, this.#ttlMs);
    this.stats.analysesStarted++;
    let current: VoiceJob = { ...job, status: 'running' };
    try {
      await save(current);
      let saved = 0;
      const { analyzeAudio, chunksOf, embeddedConditionResult, embeddedUseCaseResult } = await loadVoice();
      const measures = await analyzeAudio(chunksOf(audio), probe.format, {
        expectedSeconds: probe.durationSeconds,
        yieldToLoop: () => yieldNow(),
        onProgress: (f) => {
          const pct = Math.floor(f * 100);
          if (pct - saved < 10) return;
          saved = pct;
          current = { ...current, progress: pct };
          void save(current).catch(() => undefined);
        },
      });
      const result = fields.use_case ? embeddedUseCaseResult(fields.use_case, measures) : embeddedConditionResult(fields.condition!, measures);
      current = { ...current, status: 'done', progress: 100, completed_at: new Date(this.#now()).toISOString(), result } as VoiceJob;
      await save(current);
    } catch (err) {
      this.#o.logger.warn({ jobId: job.job_id, ...errorForLog(err) }, 'voice analysis failed');
      await save({ ...current, status: 'failed', progress: null, completed_at: new Date(this.#now()).toISOString() }).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------ upstream polling

  /** Polls the service for a running job: every 3 s without webhooks, every 30 s as a fallback with them. */
  async #refresh(rec: JobRecord): Promise<void> {
    const up = this.#o.upstream!;
    if (rec.job.status === 'done' || rec.job.status === 'failed') return;
    const every = up.webhookConfigured ? 30_000 : 3_000;
    if (this.#now() - (rec.polledAt ?? 0) < every) return;
    try {
      const fresh = await up.poll(rec.job.job_id);
      if (!fresh) return;
      rec.job = { ...fresh, analysed_by: 'upstream' };
      rec.polledAt = this.#now();
      await this.#o.store.put(rec, this.#ttlMs);
    } catch (err) {
      // A failed poll leaves the job as it was; the next poll tries again.
      this.#o.logger.warn({ jobId: rec.job.job_id, ...errorForLog(err) }, 'voice job poll failed');
    }
  }
}

/** HMAC-SHA256 hex of the raw body with the secret, compared in constant time. */
export function verifySignature(secret: string, raw: Uint8Array, signature: string | undefined): boolean {
  const given = signature?.trim().replace(/^sha256=/i, '') ?? '';
  if (!/^[0-9a-f]{64}$/i.test(given)) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export function signBody(secret: string, raw: string | Uint8Array): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

async function parseUpload(contentType: string | undefined, body: Uint8Array): Promise<{ audio: Uint8Array; fields: VoiceAnalyzeFields }> {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) {
    throw new ApiError('unsupported_media_type', 'Send multipart/form-data with an `audio` file and `use_case` or `condition`.');
  }
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ApiError('invalid_request', 'The multipart body could not be read.');
  }
  const file = form.get('audio');
  if (!(file instanceof Blob)) throw new ApiError('invalid_request', 'The `audio` file is missing.', { issues: [{ path: 'audio', message: 'Required file' }] });
  if (file.size > VOICE_LIMITS.maxBytes) throw new ApiError('payload_too_large', 'The audio is over 32 MB.');
  const fields: Record<string, string> = {};
  for (const [k, v] of form.entries()) {
    if (k === 'audio') continue;
    if (typeof v !== 'string') throw new ApiError('invalid_request', `Field ${k.slice(0, 40)} must be text.`);
    fields[k] = v;
  }
  const parsed = voiceAnalyzeFields.safeParse(fields);
  if (!parsed.success) throw new ApiError('invalid_request', 'The voice request failed validation.', { issues: toIssues(parsed.error) });
  return { audio: new Uint8Array(await file.arrayBuffer()), fields: parsed.data };
}

async function probeOrThrow(audio: Uint8Array): Promise<AudioProbe> {
  const { AudioError, checkDuration, probeAudio } = await loadVoice();
  try {
    const probe = probeAudio(audio);
    checkDuration(probe);
    return probe;
  } catch (err) {
    if (err instanceof AudioError) throw new ApiError(err.code, err.message);
    throw err;
  }
}
