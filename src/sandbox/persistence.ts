/**
 * Keeps resources written through the API across restarts. Synthetic and loaded patients are
 * regenerated on each start (their dates follow the current day), so only writes are stored:
 * `<dataDir>/store.json` = { version, written: { "Type/id": resource | null } }.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { SandboxRepository } from './fhir-store.ts';

interface StoreFile {
  version: 1;
  written: Record<string, Resource | null>;
}

export class Persistence {
  private timer: NodeJS.Timeout | undefined;
  private readonly file: string;

  constructor(
    private readonly dataDir: string,
    private readonly repo: SandboxRepository,
  ) {
    this.file = join(dataDir, 'store.json');
  }

  reset(): void {
    rmSync(this.file, { force: true });
  }

  /** Replays stored writes into the repository (ids and versions kept). */
  async restore(): Promise<number> {
    let stored: StoreFile;
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8')) as StoreFile;
    } catch {
      return 0;
    }
    let count = 0;
    for (const [key, resource] of Object.entries(stored.written ?? {})) {
      const [type, id] = key.split('/') as [string, string];
      if (resource) await this.repo.createResource(resource);
      else await this.repo.deleteResource(type, id).catch(() => undefined);
      this.repo.written.set(key, resource as (Resource & { id: string }) | null);
      count++;
    }
    return count;
  }

  /** Debounced: a burst of writes (a transaction) produces one file write. */
  scheduleSave(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, 100);
  }

  saveNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(this.dataDir, { recursive: true });
    const body: StoreFile = { version: 1, written: Object.fromEntries(this.repo.written) };
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(body));
    renameSync(tmp, this.file); // atomic on the same file system: never a half-written store
  }
}
