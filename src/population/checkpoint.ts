// The run's checkpoint: an append-only journal of finished patients (their compact outcome) and
// finished shards, fsync'ed per batch. After a crash the run resumes from it: finished shards are
// skipped, and in an unfinished shard only the patients not yet journaled are scored again. Writes
// stay single because each result carries its write identity (If-None-Exist), so a patient scored
// twice around a crash still has one Observation per result.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { PatientOutcome } from './score-patient.ts';

type Entry = { t: 'p'; shard: number; o: PatientOutcome } | { t: 's'; shard: number };

export class Checkpoint {
  private readonly fd: number;
  /** Shards whose every patient is journaled. */
  readonly doneShards = new Set<number>();
  /** Journaled patients of shards not yet done (the only ids kept in memory). */
  private readonly partial = new Map<number, Set<string>>();
  patientsDone = 0;

  constructor(readonly file: string) {
    if (existsSync(file)) this.load();
    this.fd = openSync(file, 'a', 0o600);
  }

  private load(): void {
    for (const e of readEntries(this.file)) {
      if (e.t === 's') {
        this.doneShards.add(e.shard);
        this.partial.delete(e.shard);
      } else if (!this.doneShards.has(e.shard)) {
        const set = this.partial.get(e.shard) ?? new Set<string>();
        this.partial.set(e.shard, set);
        set.add(e.o.patientId);
      }
      if (e.t === 'p') this.patientsDone++;
    }
  }

  /** Patients of `shard` already journaled (empty for a shard not started). */
  doneIn(shard: number): ReadonlySet<string> {
    return this.partial.get(shard) ?? new Set();
  }

  record(shard: number, outcomes: readonly PatientOutcome[]): void {
    if (outcomes.length === 0) return;
    this.append(outcomes.map((o) => JSON.stringify({ t: 'p', shard, o } satisfies Entry)).join('\n'));
    this.patientsDone += outcomes.length;
  }

  shardDone(shard: number): void {
    this.append(JSON.stringify({ t: 's', shard } satisfies Entry));
    this.doneShards.add(shard);
    this.partial.delete(shard);
  }

  private append(text: string): void {
    writeSync(this.fd, `${text}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every outcome in the journal (a torn last line after a crash is ignored). */
export function* journaledOutcomes(file: string): Generator<PatientOutcome> {
  const seen = new Set<string>();
  for (const e of readEntries(file)) {
    if (e.t !== 'p' || seen.has(e.o.patientId)) continue;
    seen.add(e.o.patientId);
    yield e.o;
  }
}

function* readEntries(file: string): Generator<Entry> {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      yield JSON.parse(line) as Entry;
    } catch {
      // torn write
    }
  }
}
