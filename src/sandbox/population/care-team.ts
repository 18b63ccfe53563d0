/**
 * The Group `care-team`: every Patient in the sandbox (stories, SANDBOX_DATA, generated, created
 * through the API). Written at start and brought up to date before anyone reads it (a Group read
 * or search, a Bulk export): `sync()` compares the stored members with the stored Patients, so a
 * Patient created or deleted by any route (PUT, transaction, …) is reflected, and a client's
 * overwrite of the Group is put right.
 */
import type { Group, Resource } from '@medplum/fhirtypes';
import { PRACTITIONER_ID } from '../patients/index.ts';

export const CARE_TEAM_GROUP_ID = 'care-team';

/** What the Group needs of the sandbox's repository. */
export interface PatientStore {
  allOfType(resourceType: string): Resource[];
  createResource(resource: Resource): Promise<Resource>;
}

export class CareTeamGroup {
  private written: Resource | undefined;
  private members: string[] = [];

  constructor(private readonly repo: PatientStore) {}

  /** Rewrites the Group if its members differ from the stored Patients (O(patients), no write if equal). */
  async sync(): Promise<void> {
    const ids = this.repo.allOfType('Patient').map((p) => p.id as string);
    const stored = this.repo.allOfType('Group').find((g) => g.id === CARE_TEAM_GROUP_ID);
    if (stored && stored === this.written && sameMembers(ids, this.members)) return;
    ids.sort();
    await this.repo.createResource(careTeamGroup(ids));
    this.members = ids;
    this.written = this.repo.allOfType('Group').find((g) => g.id === CARE_TEAM_GROUP_ID);
  }
}

function sameMembers(ids: string[], members: string[]): boolean {
  if (ids.length !== members.length) return false;
  const known = new Set(members);
  return ids.every((id) => known.has(id));
}

export function careTeamGroup(patientIds: string[]): Group {
  return {
    resourceType: 'Group',
    id: CARE_TEAM_GROUP_ID,
    identifier: [{ system: 'urn:tidemark:sandbox:group', value: CARE_TEAM_GROUP_ID }],
    active: true,
    type: 'person',
    actual: true,
    name: 'Care team: every patient in the sandbox',
    quantity: patientIds.length,
    managingEntity: { reference: `Practitioner/${PRACTITIONER_ID}` },
    member: patientIds.map((id) => ({ entity: { reference: `Patient/${id}` } })),
  };
}
