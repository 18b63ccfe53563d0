/**
 * Loads every FHIR R4 Bundle (`*.json`: transaction, batch or collection) of a folder, e.g. Synthea
 * output. Entries keep their ids (taken from the resource or its urn:uuid fullUrl); urn:uuid and
 * conditional (`Type?identifier=s|v`) references are rewritten to `Type/id`; entries with `ifNoneExist`
 * that already match are skipped. Nothing in a file can stop the sandbox from starting: a file that is
 * not a Bundle, an `entry` that is not a list, an invalid resource, a type the sandbox does not serve,
 * or an id that would replace a seeded story's resource is skipped with one log line naming it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSearchRequest } from '@medplum/core';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import { checkedBody } from './fhir-engine.ts';
import type { SandboxRepository } from './fhir-store.ts';

export interface LoadReport {
  files: number;
  resources: number;
  /** One line per skipped file or resource, saying why. */
  skipped: string[];
}

export interface LoadOptions {
  /** Types the sandbox serves (others are skipped). */
  served: (resourceType: string) => boolean;
  /** "Type/id" keys that belong to the seeded stories and must never be replaced. */
  seeded: ReadonlySet<string>;
}

export async function loadBundleDir(dir: string, repo: SandboxRepository, opts: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = { files: 0, resources: 0, skipped: [] };
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    report.skipped.push(`${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return report;
  }
  for (const file of files) {
    const entries = readEntries(join(dir, file), file, report);
    if (!entries) continue;
    report.resources += await loadEntries(entries, repo, opts, (why) => report.skipped.push(`${file}: ${why}`));
    report.files++;
  }
  return report;
}

type LoadableEntry = BundleEntry & { resource: Resource };

function readEntries(path: string, file: string, report: LoadReport): LoadableEntry[] | undefined {
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    report.skipped.push(`${file}: not JSON`);
    return undefined;
  }
  const b = bundle as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
  if (!b || typeof b !== 'object' || b.resourceType !== 'Bundle' || !['transaction', 'batch', 'collection', 'searchset'].includes(String(b.type))) {
    report.skipped.push(`${file}: not a Bundle (transaction, batch or collection)`);
    return undefined;
  }
  if (b.entry === undefined) return [];
  if (!Array.isArray(b.entry)) {
    report.skipped.push(`${file}: Bundle.entry is not a list`);
    return undefined;
  }
  return b.entry.filter((e, i): e is LoadableEntry => {
    const ok = !!e && typeof e === 'object' && !!(e as BundleEntry).resource && typeof (e as BundleEntry).resource === 'object';
    if (!ok) report.skipped.push(`${file}: entry ${i} has no resource`);
    return ok;
  });
}

export async function loadEntries(entries: LoadableEntry[], repo: SandboxRepository, opts: LoadOptions, skip: (why: string) => void): Promise<number> {
  const ids = new Map<string, string>(); // fullUrl → Type/id
  const identifiers = new Map<string, string>(); // "Type?identifier=s|v" → Type/id
  for (const entry of entries) assignId(entry, ids, identifiers);
  let count = 0;
  for (const entry of entries) {
    const { resourceType, id } = entry.resource;
    const key = `${resourceType}/${id}`;
    if (typeof resourceType !== 'string' || !opts.served(resourceType)) {
      skip(`${key}: resource type not served by the sandbox`);
      continue;
    }
    if (opts.seeded.has(key)) {
      skip(`${key}: id of a seeded story's resource, not replaced`);
      continue;
    }
    if (entry.request?.ifNoneExist && (await exists(repo, resourceType, entry.request.ifNoneExist))) continue;
    const resource = rewriteReferences(entry.resource, ids, identifiers);
    try {
      checkedBody(resource, resourceType);
    } catch (err) {
      skip(`${key}: invalid resource (${(err as Error).message.slice(0, 160)})`);
      continue;
    }
    repo.create(resource, { keepId: true });
    count++;
  }
  return count;
}

function assignId(entry: LoadableEntry, ids: Map<string, string>, identifiers: Map<string, string>): void {
  const r = entry.resource;
  const fromUrl = typeof entry.fullUrl === 'string' && entry.fullUrl.startsWith('urn:uuid:') ? entry.fullUrl.slice('urn:uuid:'.length) : undefined;
  if (typeof r.id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(r.id)) r.id = fromUrl && /^[A-Za-z0-9\-.]{1,64}$/.test(fromUrl) ? fromUrl : crypto.randomUUID();
  const ref = `${r.resourceType}/${r.id}`;
  if (typeof entry.fullUrl === 'string') ids.set(entry.fullUrl, ref);
  const list = (r as { identifier?: unknown }).identifier;
  for (const identifier of Array.isArray(list) ? (list as { system?: string; value?: string }[]) : []) {
    if (identifier?.system && identifier.value) identifiers.set(`${r.resourceType}?identifier=${identifier.system}|${identifier.value}`, ref);
  }
}

async function exists(repo: SandboxRepository, resourceType: string, query: string): Promise<boolean> {
  try {
    const result = await repo.search({ ...parseSearchRequest(`${resourceType}?${query}`), count: 0 }, { allows: () => true });
    return result.total > 0;
  } catch {
    return false;
  }
}

function rewriteReferences<T extends Resource>(resource: T, ids: Map<string, string>, identifiers: Map<string, string>): T {
  const text = JSON.stringify(resource, (key, value: unknown) => {
    if (key !== 'reference' || typeof value !== 'string') return value;
    return ids.get(value) ?? identifiers.get(safeDecode(value)) ?? value;
  });
  return JSON.parse(text) as T;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
