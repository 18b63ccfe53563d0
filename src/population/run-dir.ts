// A run's directory (.data/population/runs/<id>/): run.json (state), shards/ (PHI while running,
// removed after success), checkpoint.ndjson, then feed.ndjson, failures.ndjson, summary.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const runStateSchema = z.object({
  id: z.string(),
  status: z.enum(['exporting', 'scoring', 'done']),
  fhirBase: z.string(),
  groupId: z.string(),
  startedAt: z.string(),
  asOf: z.string(),
  /** The `_since` the export used (null: a full export). */
  since: z.string().nullable(),
  /** Bulk Data transactionTime of the export: the next night's `_since`. */
  transactionTime: z.string().nullable(),
  shards: z.number().int().nonnegative(),
  patients: z.number().int().nonnegative(),
  mode: z.enum(['threads', 'bullmq']),
  finishedAt: z.string().nullable(),
});
export type RunState = z.infer<typeof runStateSchema>;

export class RunDir {
  constructor(readonly path: string) {}

  get shardsDir(): string {
    return join(this.path, 'shards');
  }
  get checkpointFile(): string {
    return join(this.path, 'checkpoint.ndjson');
  }
  get feedFile(): string {
    return join(this.path, 'feed.ndjson');
  }
  get failuresFile(): string {
    return join(this.path, 'failures.ndjson');
  }
  get summaryFile(): string {
    return join(this.path, 'summary.json');
  }

  read(): RunState {
    return runStateSchema.parse(JSON.parse(readFileSync(join(this.path, 'run.json'), 'utf8')));
  }

  /** Atomic: a crash leaves the old or the new state, never half of one. */
  save(state: RunState): void {
    const tmp = join(this.path, 'run.json.tmp');
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, join(this.path, 'run.json'));
  }
}

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

export function createRunDir(runsDir: string, id: string): RunDir {
  const path = join(runsDir, id);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return new RunDir(path);
}

/** Every run of this FHIR base and Group, newest first (unreadable run.json files are skipped). */
export function listRuns(runsDir: string, fhirBase: string, groupId: string): RunState[] {
  if (!existsSync(runsDir)) return [];
  const out: RunState[] = [];
  for (const name of readdirSync(runsDir)) {
    try {
      const s = new RunDir(join(runsDir, name)).read();
      if (s.fhirBase === fhirBase && s.groupId === groupId) out.push(s);
    } catch {
      // not a run directory
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
}

export function lastSuccessfulRun(runsDir: string, fhirBase: string, groupId: string): RunState | undefined {
  return listRuns(runsDir, fhirBase, groupId).find((r) => r.status === 'done');
}
