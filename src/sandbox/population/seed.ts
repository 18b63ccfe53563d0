/**
 * Seeds `population` generated patients (SANDBOX_POPULATION) after the stories and SANDBOX_DATA,
 * one patient at a time so only one patient's resources exist outside the repository at once.
 * Their ids (`pop-00001` …) never collide with a story's or a loaded patient's: an existing id is
 * left as it is and reported.
 */
import type { SandboxRepository } from '../fhir-store.ts';
import { dayAnchor } from '../patients/index.ts';
import { generatePopulation } from '../patients/population.ts';

export function seedPopulation(repo: Pick<SandboxRepository, 'create' | 'read'>, now: Date, seed: number, population: number): { patients: number; skipped: number } {
  let patients = 0;
  let skipped = 0;
  for (const resources of generatePopulation(population, dayAnchor(now), seed)) {
    const patientId = resources[0]?.id as string;
    if (repo.read('Patient', patientId)) {
      skipped++;
      continue;
    }
    for (const resource of resources) repo.create(resource, { keepId: true });
    patients++;
  }
  return { patients, skipped };
}
