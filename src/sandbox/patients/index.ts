/** The synthetic patients: thirteen clinical stories plus the practitioner who launches the app. */
import type { Practitioner, Resource } from '@medplum/fhirtypes';
import { PRACTITIONER_ID, Story } from './builders.ts';
import { Rng, storySeed } from './prng.ts';
import { improving, item9, relapse, sparse, thyroid } from './stories-treatment.ts';
import { lithium, longterm, messy } from './stories-complex.ts';
import { clozapine, item9InProgress, item9Observation, maintenance, recurrence } from './stories-safety.ts';

export { PRACTITIONER_ID };

export const STORIES: Record<string, (s: Story) => void> = {
  improving,
  relapse,
  thyroid,
  item9,
  sparse,
  longterm,
  messy,
  lithium,
  'item9-observation': item9Observation,
  'item9-in-progress': item9InProgress,
  recurrence,
  clozapine,
  maintenance,
};

/** Start of the UTC day: every start on the same day yields identical resources. */
export function dayAnchor(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function generatePatients(now: Date, seed: number): Resource[] {
  const anchor = dayAnchor(now);
  const out: Resource[] = [practitioner()];
  for (const [id, tell] of Object.entries(STORIES)) {
    const story = new Story(id, anchor, new Rng(storySeed(seed, id)));
    tell(story);
    out.push(...story.resources);
  }
  return out;
}

function practitioner(): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: PRACTITIONER_ID,
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999984' }],
    active: true,
    name: [{ use: 'official', prefix: ['Dr.'], given: ['Alex'], family: 'Morgan' }],
    qualification: [{ code: { text: 'Psychiatrist' } }],
  };
}
