/**
 * The Group `care-team`: every Patient in the sandbox (stories, SANDBOX_DATA, generated, created
 * through the API). Written at start and brought up to date before anyone reads it (a Group read
 * or search, a Bulk export): `sync()` compares the stored members with the stored Patients, so a
 * Patient created or deleted by any route (PUT, transaction, …) is reflected, and a client's
 * overwrite of the Group is put right. It is derived data: stored with `restore` (no journal entry,
 * no history), so 10,000 members rewritten now and then cost no disk and no memory growth.
 */
import type { Group } from '@medplum/fhirtypes';
import type { SandboxRepository, Stored } from '../fhir-store.ts';
import { PRACTITIONER_ID } from '../patients/index.ts';

export const CARE_TEAM_GROUP_ID = 'care-team';

export class CareTeamGroup {
  private written: Stored | undefined;
  private members: string[] = [];
  private version = 0;

  constructor(
    private readonly repo: Pick<SandboxRepository, 'allOfType' | 'read' | 'restore'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Rewrites the Group if its members differ from the stored Patients (O(patients), no write if equal). */
  sync(): Group {
    const ids = this.repo.allOfType('Patient').map((p) => p.id);
    const stored = this.repo.read('Group', CARE_TEAM_GROUP_ID);
    if (stored && stored === this.written && sameMembers(ids, this.members)) return stored as Group;
    ids.sort();
    // A version above any a client may have written, so ETags and vread stay monotonic.
    this.version = Math.max(this.version, Number(stored?.meta.versionId) || 0) + 1;
    const group = careTeamGroup(ids);
    this.repo.restore({ ...group, id: CARE_TEAM_GROUP_ID, meta: { versionId: String(this.version), lastUpdated: this.now().toISOString() } });
    this.members = ids;
    this.written = this.repo.read('Group', CARE_TEAM_GROUP_ID);
    return this.written as Group;
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
