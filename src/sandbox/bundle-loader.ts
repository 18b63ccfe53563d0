/**
 * Loads every FHIR R4 Bundle (`*.json`: transaction, batch or collection) of a folder, e.g. Synthea
 * output. Entries keep their ids (taken from the resource or its urn:uuid fullUrl); urn:uuid and
 * conditional (`Type?identifier=s|v`) references are rewritten to `Type/id`; entries with `ifNoneExist`
 * that already match are skipped. Nothing in a file can stop the sandbox from starting: a file that is
 * not a Bundle, an `entry` that is not a list, an invalid resource, a type the sandbox does not serve,
 * or an id that would replace a seeded story's resource is skipped with one log line naming it.
 * Validation (medplum's validator, ~0.4 ms a resource) is remembered per file content in the data
 * folder (`validated.json`), so a restart with the same Synthea export does not pay it again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  /** Folder for the validation memo (the sandbox's data folder); none → always validate. */
  cacheDir?: string;
}

/** File content hash → "Type/id" → why it is invalid (a file known valid maps to {}). */
type ValidationMemo = Record<string, Record<string, string>>;

export async function loadBundleDir(dir: string, repo: SandboxRepository, opts: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = { files: 0, resources: 0, skipped: [] };
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    report.skipped.push(`${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return report;
  }
  const memo = readMemo(opts.cacheDir);
  const used: ValidationMemo = {};
  for (const file of files) {
    const text = readText(join(dir, file), file, report);
    if (text === undefined) continue;
    const entries = readEntries(text, file, report);
    if (!entries) continue;
    const hash = createHash('sha256').update(text).digest('hex');
    const invalid = memo[hash];
    const found: Record<string, string> = {};
    report.resources += await loadEntries(entries, repo, opts, (why) => report.skipped.push(`${file}: ${why}`), invalid, found);
    used[hash] = invalid ?? found;
    report.files++;
  }
  writeMemo(opts.cacheDir, used);
  return report;
}

function readText(path: string, file: string, report: LoadReport): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    report.skipped.push(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function readMemo(dir: string | undefined): ValidationMemo {
  if (!dir) return {};
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'validated.json'), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as ValidationMemo) : {};
  } catch {
    return {};
  }
}

function writeMemo(dir: string | undefined, memo: ValidationMemo): void {
  if (!dir || Object.keys(memo).length === 0) return;
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `validated.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(memo));
    renameSync(tmp, join(dir, 'validated.json'));
  } catch {
    // Only a speed-up: a read-only folder just means validating again next time.
  }
}

type LoadableEntry = BundleEntry & { resource: Resource };

function readEntries(text: string, file: string, report: LoadReport): LoadableEntry[] | undefined {
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
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

/**
 * Loads one Bundle's entries. `known` (from the memo) lists the file's invalid resources, so validation
 * is skipped; without it each resource is validated and the invalid ones are recorded in `found`.
 */
export async function loadEntries(
  entries: LoadableEntry[],
  repo: SandboxRepository,
  opts: LoadOptions,
  skip: (why: string) => void,
  known?: Readonly<Record<string, string>>,
  found: Record<string, string> = {},
): Promise<number> {
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
    const problem = known ? known[key] : validationProblem(resource, resourceType);
    if (problem !== undefined) {
      found[key] = problem;
      skip(`${key}: invalid resource (${problem})`);
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

function validationProblem(resource: Resource, resourceType: string): string | undefined {
  try {
    checkedBody(resource, resourceType);
    return undefined;
  } catch (err) {
    return (err as Error).message.slice(0, 160);
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
