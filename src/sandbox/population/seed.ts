/**
 * Seeds the sandbox: the stories, then `population` generated patients, one patient at a time.
 * Every seeded resource gets `meta.lastUpdated` = the start of the seeding day, so a restart on the
 * same day changes nothing a Bulk `_since` export would see, and a new day's data (whose dates move
 * with the day) counts as changed.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { SandboxRepository } from '../fhir-store.ts';
import { dayAnchor, generatePatients } from '../patients/index.ts';
import { generatePopulation } from '../patients/population.ts';

export async function seedPatients(repo: SandboxRepository, now: Date, seed: number, population: number): Promise<void> {
  const anchor = dayAnchor(now);
  const lastUpdated = anchor.toISOString();
  for (const resource of generatePatients(now, seed)) await repo.createResource(stamped(resource, lastUpdated));
  for (const patient of generatePopulation(population, anchor, seed)) {
    for (const resource of patient) await repo.createResource(stamped(resource, lastUpdated));
  }
}

function stamped<T extends Resource>(resource: T, lastUpdated: string): T {
  resource.meta = { ...resource.meta, lastUpdated };
  return resource;
}
