/**
 * Who may run a Bulk export, and of which types, decided by the sandbox's access layer (`api.reach`):
 * the token's actor must be a system or a user, and its scopes must grant read and search of each
 * type beyond one patient's compartment. A patient-context token never exports (its reach is one
 * compartment; Bulk Data is population access). Patient/$export is for system tokens only; a user
 * token may export a Group the user manages. Every exported resource is still checked with the read
 * reach (`allows`), so a narrower user policy or granular scope holds inside an export too.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { SandboxApi } from '../extensions.ts';
import { FhirError, forbidden } from '../fhir-errors.ts';
import type { AccessGrant } from '../tokens.ts';

export type ExportKind = 'system' | 'user';

export interface ExportAccess {
  kind: ExportKind;
  types: string[];
  /** Per type: may this resource be exported to this token? */
  allows: Map<string, (resource: Resource) => boolean>;
}

/** The types the token may export: all of `requested`, or every type of `exportable` it may read. Throws 403. */
export function exportAccess(api: Pick<SandboxApi, 'reach'>, grant: AccessGrant, requested: string[] | undefined, exportable: readonly string[]): ExportAccess {
  if (grant.actor !== 'system' && grant.actor !== 'user') throw forbidden('A patient-context token cannot run a Bulk export: it needs system/ (or user/) read and search scopes.');
  const allows = new Map<string, (resource: Resource) => boolean>();
  const refused: string[] = [];
  for (const type of requested ?? exportable) {
    const read = reachOf(api, grant, type, 'r');
    const search = reachOf(api, grant, type, 's');
    if (read && search) allows.set(type, read);
    else refused.push(type);
  }
  const refuse = (types: readonly string[]) => forbidden(`The token may not export ${types.join(', ')}: it needs system/<type>.rs (or user/<type>.rs) for each type.`);
  if (requested && refused.length > 0) throw refuse(refused);
  if (allows.size === 0) throw refuse(exportable);
  return { kind: grant.actor, types: [...allows.keys()], allows };
}

/** The reach's per-resource check when it spans patients; undefined when refused or held to one patient. */
function reachOf(api: Pick<SandboxApi, 'reach'>, grant: AccessGrant, type: string, permission: 'r' | 's'): ((r: Resource) => boolean) | undefined {
  try {
    const reach = api.reach(grant, type, permission);
    return reach.patient === undefined ? (r) => reach.allows(r) : undefined;
  } catch (err) {
    if (err instanceof FhirError && err.status === 403) return undefined;
    throw err;
  }
}
