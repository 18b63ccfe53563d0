/**
 * Keeps resources written through the API across restarts, durably: a write is acknowledged only
 * once it is on disk. Synthetic and loaded patients are regenerated on each start (their dates follow
 * the current day), so only writes are stored:
 *  - `<dataDir>/store.json`   snapshot { version: 1, written: { "Type/id": resource | null } },
 *    replaced atomically (temp file + fsync + rename + fsync of the folder);
 *  - `<dataDir>/journal.jsonl` one line per flush (all writes of a request or transaction), appended
 *    and fsynced before the response; a torn last line (crash mid-append) is ignored on restore.
 * At start the journal is folded into a new snapshot and emptied. Concurrent flushes share one append
 * + fsync (group commit), so many small writes do not each wait for their own fsync.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change, SandboxRepository, Stored } from './fhir-store.ts';

interface StoreFile {
  version: 1;
  written: Record<string, Stored | null>;
}

export class Persistence {
  private readonly snapshot: string;
  private readonly journal: string;
  /** Everything written since start (snapshot + journal), for the next snapshot. */
  private readonly written = new Map<string, Stored | null>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly repo: SandboxRepository,
  ) {
    this.snapshot = join(dataDir, 'store.json');
    this.journal = join(dataDir, 'journal.jsonl');
  }

  reset(): void {
    rmSync(this.snapshot, { force: true });
    rmSync(this.journal, { force: true });
  }

  /** Replays the snapshot and the journal (ids, versions, dates kept), then compacts them. */
  restore(): number {
    for (const [key, resource] of Object.entries(readSnapshot(this.snapshot))) this.written.set(key, resource);
    for (const line of readLines(this.journal)) for (const [key, resource] of Object.entries(line)) this.written.set(key, resource);
    for (const [key, resource] of this.written) {
      const [type, id] = key.split('/') as [string, string];
      if (resource) this.repo.restore(resource);
      else this.repo.delete(type, id);
    }
    this.repo.takeChanges();
    if (this.written.size > 0) this.compact();
    return this.written.size;
  }

  /** Resolves once every change made so far is on disk (one append + fsync for all waiting writers). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const changes = this.repo.takeChanges();
    if (changes.length === 0) return Promise.resolve();
    this.flushing = this.append(changes).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async append(changes: Change[]): Promise<void> {
    for (const c of changes) this.written.set(c.key, c.resource);
    const line = `${JSON.stringify(Object.fromEntries(changes.map((c) => [c.key, c.resource])))}\n`;
    mkdirSync(this.dataDir, { recursive: true });
    await appendFile(this.journal, line);
    const handle = await open(this.journal, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Writes a full snapshot atomically and empties the journal (start-up and shutdown). */
  compact(): void {
    mkdirSync(this.dataDir, { recursive: true });
    for (const c of this.repo.takeChanges()) this.written.set(c.key, c.resource);
    const body: StoreFile = { version: 1, written: Object.fromEntries(this.written) };
    const tmp = `${this.snapshot}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(body));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.snapshot);
    syncDir(this.dataDir);
    rmSync(this.journal, { force: true });
  }
}

function readSnapshot(file: string): Record<string, Stored | null> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as StoreFile;
    return parsed && typeof parsed.written === 'object' && parsed.written !== null ? parsed.written : {};
  } catch {
    return {};
  }
}

function readLines(file: string): Record<string, Stored | null>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      return parsed && typeof parsed === 'object' ? [parsed as Record<string, Stored | null>] : [];
    } catch {
      return []; // a torn last line: that write was never acknowledged
    }
  });
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}
