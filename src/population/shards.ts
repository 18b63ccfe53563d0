// Groups bulk NDJSON per patient without holding the population in memory: each line is
// hash-partitioned by its patient into one of N on-disk shard files ("<patientId>\t<json>"), then
// shards are read back one at a time and split into per-patient batches.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Aim for about this many patients per shard (memory per shard stays flat as the population grows). */
export const PATIENTS_PER_SHARD = 250;
const MIN_SHARDS = 4;
const MAX_SHARDS = 1024;

export function shardCountFor(expectedPatients: number | undefined): number {
  if (!expectedPatients || expectedPatients <= 0) return 64;
  return Math.min(MAX_SHARDS, Math.max(MIN_SHARDS, Math.ceil(expectedPatients / PATIENTS_PER_SHARD)));
}

/** FNV-1a 32-bit: stable across processes and machines (the same patient always lands in the same shard). */
export function shardOf(patientId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < patientId.length; i++) {
    h ^= patientId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export const shardFile = (dir: string, shard: number) => join(dir, `shard-${String(shard).padStart(4, '0')}.tsv`);

const REF = /"(?:subject|patient|beneficiary)":\{(?:[^{}]|\{[^{}]*\})*?"reference":"(?:[^"]*\/)?Patient\/([A-Za-z0-9\-.]{1,64})"/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The patient a resource belongs to: its own id for a Patient, else subject/patient/beneficiary.
 * A cheap scan first (most lines); JSON.parse when the scan finds nothing.
 */
export function patientOfLine(resourceType: string, line: string): string | undefined {
  if (resourceType !== 'Patient') {
    const m = REF.exec(line);
    if (m) return m[1];
  }
  let r: { resourceType?: string; id?: unknown; subject?: { reference?: unknown }; patient?: { reference?: unknown }; beneficiary?: { reference?: unknown } };
  try {
    r = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (r.resourceType === 'Patient') return typeof r.id === 'string' && ID.test(r.id) ? r.id : undefined;
  for (const ref of [r.subject?.reference, r.patient?.reference, r.beneficiary?.reference]) {
    const m = typeof ref === 'string' ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
    if (m) return m[1];
  }
  return undefined;
}

export interface ShardStats {
  lines: number;
  patients: number;
  /** Lines that named no patient (left out, counted). */
  unassigned: number;
  bytes: number;
}

/** Appends lines to N shard files through bounded buffers (back-pressure from the slowest file). */
export class ShardWriter {
  private readonly streams: WriteStream[] = [];
  readonly stats: ShardStats = { lines: 0, patients: 0, unassigned: 0, bytes: 0 };

  constructor(
    readonly dir: string,
    readonly shards: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (let i = 0; i < shards; i++) this.streams.push(createWriteStream(shardFile(dir, i), { flags: 'w', mode: 0o600, highWaterMark: 64 * 1024 }));
  }

  /** Adds one NDJSON line of `resourceType`; resolves at once unless that shard's buffer is full. */
  async add(resourceType: string, line: string): Promise<void> {
    const text = line.trim();
    if (text === '') return;
    const patientId = patientOfLine(resourceType, text);
    if (!patientId) {
      this.stats.unassigned++;
      return;
    }
    if (resourceType === 'Patient') this.stats.patients++;
    this.stats.lines++;
    const row = `${patientId}\t${text}\n`;
    this.stats.bytes += row.length;
    const stream = this.streams[shardOf(patientId, this.shards)]!;
    if (!stream.write(row)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    await Promise.all(this.streams.map((s) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))));
  }
}

/** One patient's NDJSON lines (any resource type, in file order). */
export interface PatientLines {
  patientId: string;
  lines: string[];
}

/**
 * Reads one shard and groups its lines per patient (patients in first-seen order). A shard is a few
 * MB (about PATIENTS_PER_SHARD charts): read whole, cut at newline bytes, each line decoded on its own.
 */
const NEWLINE = 0x0a;
const TAB = 0x09;

export async function readShard(dir: string, shard: number): Promise<PatientLines[]> {
  const byPatient = new Map<string, string[]>();
  // Cut as bytes and decoded line by line: a line without non-ASCII text stays a one-byte string
  // (one accented name would otherwise make the whole shard, and every line cut from it, two-byte).
  const bytes = await readFile(shardFile(dir, shard));
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    const tab = bytes.indexOf(TAB, start);
    if (tab > start && tab < end) {
      const id = bytes.toString('latin1', start, tab); // ids are [A-Za-z0-9-.]
      let list = byPatient.get(id);
      if (!list) {
        list = [];
        byPatient.set(id, list);
      }
      list.push(bytes.toString('utf8', tab + 1, end));
    } // else a torn last line after a crash
    start = end + 1;
  }
  // Sorted by id: the batches (and so BullMQ job ids) are the same on every run over the same data.
  return [...byPatient.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([patientId, lines]) => ({ patientId, lines }));
}

/** Splits a shard's patients into batches of at most `size`. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
