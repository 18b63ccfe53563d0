/**
 * Who may run a Bulk export, and of which types: a token whose scopes grant read and search of each
 * type to its system or user actor. A patient-context token never exports (its reach is one
 * compartment; Bulk Data is population access). Patient/$export is for system tokens only; a user
 * token may export a Group the user manages.
 */
import { grantingContexts, parseScopes } from '../scopes.ts';
import type { ScopeContext } from '../scopes.ts';
import { isSystemGrant } from '../backend-services/client-credentials.ts';
import type { AccessGrant } from '../tokens.ts';

export type ExportKind = 'system' | 'user';

export type ExportAccess = { ok: true; kind: ExportKind; types: string[] } | { ok: false; status: 403; message: string };

/** The types the token may export (all of `requested`, or every type of `exportable` it reads). */
export function exportAccess(grant: AccessGrant, requested: string[] | undefined, exportable: readonly string[]): ExportAccess {
  const scopes = parseScopes(grant.scope);
  const kindFor = (type: string): ExportKind | undefined => {
    const r = grantingContexts(scopes, type, 'r');
    const s = grantingContexts(scopes, type, 's');
    const both = (ctx: ScopeContext) => r.has(ctx) && s.has(ctx);
    if (both('system') && isSystemGrant(grant)) return 'system';
    if (both('user')) return 'user';
    return undefined;
  };
  const candidates: readonly string[] = requested ?? exportable;
  const kinds = new Map(candidates.map((t) => [t, kindFor(t)]));
  const refused = candidates.filter((t) => kinds.get(t) === undefined);
  if (requested && refused.length > 0) return { ok: false, status: 403, message: refusal(grant, refused) };
  const types = candidates.filter((t) => kinds.get(t) !== undefined);
  if (types.length === 0) return { ok: false, status: 403, message: refusal(grant, candidates) };
  const kind = types.every((t) => kinds.get(t) === 'system') ? 'system' : 'user';
  return { ok: true, kind, types };
}

function refusal(grant: AccessGrant, types: readonly string[]): string {
  if (grant.context.patient) return 'A patient-context token cannot run a Bulk export: it needs system/ (or user/) read and search scopes.';
  return `The token may not export ${types.join(', ')}: it needs system/<type>.rs (or user/<type>.rs) for each type.`;
}
