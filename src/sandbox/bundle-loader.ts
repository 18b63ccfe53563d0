/**
 * Loads every FHIR R4 Bundle (`*.json`: transaction, batch or collection) of a folder, e.g.
 * Synthea output. Entries keep their ids (taken from the resource or its urn:uuid fullUrl);
 * urn:uuid and conditional (`Type?identifier=s|v`) references are rewritten to `Type/id`.
 * Entries with `ifNoneExist` that already match are skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { parseSearchRequest } from '@medplum/core';
import type { SandboxRepository } from './fhir-store.ts';

export interface LoadReport {
  files: number;
  resources: number;
  skipped: string[];
}

export async function loadBundleDir(dir: string, repo: SandboxRepository): Promise<LoadReport> {
  const report: LoadReport = { files: 0, resources: 0, skipped: [] };
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    let bundle: Bundle;
    try {
      bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Bundle;
    } catch {
      report.skipped.push(`${file}: not JSON`);
      continue;
    }
    if (bundle.resourceType !== 'Bundle' || !['transaction', 'batch', 'collection', 'searchset'].includes(bundle.type ?? '')) {
      report.skipped.push(`${file}: not a transaction/batch/collection Bundle`);
      continue;
    }
    report.resources += await loadBundle(bundle, repo);
    report.files++;
  }
  return report;
}

export async function loadBundle(bundle: Bundle, repo: SandboxRepository): Promise<number> {
  const entries = (bundle.entry ?? []).filter((e): e is BundleEntry & { resource: Resource } => !!e.resource);
  const ids = new Map<string, string>(); // fullUrl → Type/id
  const identifiers = new Map<string, string>(); // "Type?identifier=s|v" → Type/id
  for (const entry of entries) assignId(entry, ids, identifiers);
  let count = 0;
  for (const entry of entries) {
    if (entry.request?.ifNoneExist && (await exists(repo, entry.resource.resourceType, entry.request.ifNoneExist))) continue;
    const resource = rewriteReferences(entry.resource, ids, identifiers);
    await repo.createResource(resource);
    count++;
  }
  return count;
}

function assignId(entry: BundleEntry & { resource: Resource }, ids: Map<string, string>, identifiers: Map<string, string>): void {
  const r = entry.resource;
  const fromUrl = entry.fullUrl?.startsWith('urn:uuid:') ? entry.fullUrl.slice('urn:uuid:'.length) : undefined;
  r.id ??= fromUrl ?? crypto.randomUUID();
  const ref = `${r.resourceType}/${r.id}`;
  if (entry.fullUrl) ids.set(entry.fullUrl, ref);
  for (const identifier of (r as { identifier?: { system?: string; value?: string }[] }).identifier ?? []) {
    if (identifier.system && identifier.value) identifiers.set(`${r.resourceType}?identifier=${identifier.system}|${identifier.value}`, ref);
  }
}

async function exists(repo: SandboxRepository, resourceType: string, query: string): Promise<boolean> {
  const result = await repo.search(parseSearchRequest(`${resourceType}?${query}`));
  return (result.total ?? 0) > 0;
}

function rewriteReferences<T extends Resource>(resource: T, ids: Map<string, string>, identifiers: Map<string, string>): T {
  const text = JSON.stringify(resource, (key, value: unknown) => {
    if (key !== 'reference' || typeof value !== 'string') return value;
    return ids.get(value) ?? identifiers.get(decodeURIComponent(value)) ?? value;
  });
  return JSON.parse(text) as T;
}
