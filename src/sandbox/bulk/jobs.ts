/**
 * Bulk export jobs: each runs in the background, walking its patients one at a time and streaming
 * NDJSON to files on disk (with back-pressure), so memory stays flat whatever the population.
 * Jobs live in memory; their files are removed when the job is cancelled or expires, and the whole
 * folder is cleared at start (a restart forgets every job).
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as yieldToServer } from 'node:timers/promises';
import type { Resource } from '@medplum/fhirtypes';
import { randomToken } from '../tokens.ts';

/** A file holds at most this many resources (by default), so clients can download in parallel. */
const MAX_LINES_PER_FILE = 100_000;
/** Patients written between two yields to the event loop (keeps the sandbox responsive). */
const PATIENTS_PER_SLICE = 200;

/** What an export reads of the sandbox's repository: one patient's resources of one type. */
export interface CompartmentReader {
  ofPatient(patientId: string, resourceType: string): Resource[];
}

export interface JobOwner {
  clientId: string;
  /** The token's subject (the client for system tokens, the practitioner for user tokens). */
  sub: string;
}

export interface OutputFile {
  type: string;
  name: string;
  count: number;
}

export interface ExportJob {
  id: string;
  owner: JobOwner;
  /** The kick-off URL, echoed in the manifest. */
  request: string;
  types: string[];
  /** Per type, whether the job's token may see a resource (the access layer's read reach). */
  allows: ReadonlyMap<string, (resource: Resource) => boolean>;
  since: number | undefined;
  /** When the export's view of the data was taken (ISO instant). */
  transactionTime: string;
  patients: string[];
  done: number;
  status: 'in-progress' | 'complete' | 'failed';
  outputs: OutputFile[];
  failure?: string;
  /** Epoch ms after which a finished job and its files are gone. */
  expiresAt: number | undefined;
  readonly dir: string;
  cancelled: boolean;
}

export interface JobStoreOptions {
  dir: string;
  /** How long a finished job's files stay downloadable. */
  ttlSeconds: number;
  /** Exports running at once; more get 429. */
  maxActive: number;
  /** Jobs kept (running or finished); starting one more drops the oldest finished one, so disk use stays bounded. */
  maxRetained?: number;
  /** A job starts writing this long after its kick-off, as on a busy hosted EHR (demos, polling tests). */
  startDelayMs?: number;
  maxLinesPerFile?: number;
  now?: () => number;
}

export class BulkJobStore {
  private readonly jobs = new Map<string, ExportJob>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly repo: CompartmentReader,
    private readonly options: JobStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    rmSync(options.dir, { recursive: true, force: true });
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  activeCount(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.status === 'in-progress') n++;
    return n;
  }

  canStart(): boolean {
    return this.activeCount() < this.options.maxActive;
  }

  start(input: Pick<ExportJob, 'owner' | 'request' | 'types' | 'allows' | 'since' | 'patients'>): ExportJob {
    this.dropOldestFinished();
    const id = randomToken(18);
    const job: ExportJob = {
      ...input,
      id,
      transactionTime: new Date(this.now()).toISOString(),
      done: 0,
      status: 'in-progress',
      outputs: [],
      expiresAt: undefined,
      dir: join(this.options.dir, id),
      cancelled: false,
    };
    this.jobs.set(id, job);
    void this.run(job);
    return job;
  }

  get(id: string): ExportJob | undefined {
    const job = this.jobs.get(id);
    if (job?.expiresAt !== undefined && job.expiresAt <= this.now()) {
      this.remove(job);
      return undefined;
    }
    return job;
  }

  /** Stops a running job (it notices before its next patient) and deletes its files. */
  cancel(job: ExportJob): void {
    job.cancelled = true;
    this.remove(job);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const job of this.jobs.values()) this.cancel(job);
  }

  private remove(job: ExportJob): void {
    this.jobs.delete(job.id);
    if (job.status !== 'in-progress') rmSync(job.dir, { recursive: true, force: true });
  }

  private dropOldestFinished(): void {
    const limit = this.options.maxRetained ?? 16;
    for (const job of this.jobs.values()) {
      if (this.jobs.size < limit) return;
      if (job.status !== 'in-progress') this.remove(job); // Map order is start order: oldest first
    }
  }

  private sweep(): void {
    for (const job of this.jobs.values()) this.get(job.id);
  }

  private async run(job: ExportJob): Promise<void> {
    const sinks = new Sinks(job.dir, this.options.maxLinesPerFile ?? MAX_LINES_PER_FILE);
    const until = Date.parse(job.transactionTime);
    try {
      if (this.options.startDelayMs) await sleep(this.options.startDelayMs);
      if (job.cancelled) return;
      mkdirSync(job.dir, { recursive: true });
      for (const patientId of job.patients) {
        if (job.cancelled) break;
        for (const type of job.types) {
          const allowed = job.allows.get(type);
          for (const resource of this.repo.ofPatient(patientId, type)) {
            if (!allowed?.(resource)) continue;
            const updated = Date.parse(resource.meta?.lastUpdated ?? '');
            // Changed since `_since` (inclusive: a boundary resource may come twice, never be missed),
            // and not after the transaction time (the next `_since` export picks those up).
            if (job.since !== undefined && !(updated >= job.since)) continue;
            if (updated > until) continue;
            await sinks.write(type, JSON.stringify(resource));
          }
        }
        job.done++;
        if (job.done % PATIENTS_PER_SLICE === 0) await yieldToServer();
      }
      job.outputs = await sinks.close();
      if (job.cancelled) return;
      job.status = 'complete';
    } catch (err) {
      await sinks.close().catch(() => undefined);
      job.status = 'failed';
      job.failure = err instanceof Error ? err.message : String(err);
    } finally {
      if (job.cancelled) rmSync(job.dir, { recursive: true, force: true });
      else job.expiresAt = this.now() + this.options.ttlSeconds * 1000;
    }
  }
}

/** One NDJSON file per type at a time, rolled over every `maxLines` lines. */
class Sinks {
  private readonly open = new Map<string, { stream: WriteStream; file: OutputFile }>();
  private readonly files: OutputFile[] = [];

  constructor(
    private readonly dir: string,
    private readonly maxLines: number,
  ) {}

  async write(type: string, json: string): Promise<void> {
    let sink = this.open.get(type);
    if (sink && sink.file.count >= this.maxLines) {
      await finish(sink.stream);
      sink = undefined;
    }
    if (!sink) {
      const part = this.files.filter((f) => f.type === type).length + 1;
      const file: OutputFile = { type, name: `${type}-${part}.ndjson`, count: 0 };
      sink = { stream: createWriteStream(join(this.dir, file.name), { mode: 0o600 }), file };
      this.open.set(type, sink);
      this.files.push(file);
    }
    sink.file.count++;
    if (!sink.stream.write(`${json}\n`)) await once(sink.stream, 'drain');
  }

  async close(): Promise<OutputFile[]> {
    await Promise.all([...this.open.values()].map((s) => finish(s.stream)));
    this.open.clear();
    return this.files;
  }
}

function finish(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
