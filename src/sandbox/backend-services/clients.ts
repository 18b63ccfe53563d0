/**
 * Registered SMART Backend Services clients: the sandbox's clients file (`SANDBOX_CLIENTS`, JSON,
 * validated with zod) plus, in the default development setup only, the population run's dev client,
 * whose public JWKS is the file the run writes next to its private key on first use.
 * The file is re-read when it changes, so a client registered while the sandbox runs is found.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { isLoopbackRedirect as isLoopbackUrl } from '../smart-auth.ts';

export interface RegisteredClient {
  clientId: string;
  /** The scopes this client may be granted (space-separated SMART v2 `system/` scopes). */
  scope: string;
  jwks: { kind: 'inline'; keys: JwksDocument } | { kind: 'file'; path: string } | { kind: 'uri'; url: string };
  /** Token requests accepted from loopback addresses only (the dev client). */
  loopbackOnly: boolean;
}

export type JwksDocument = { keys: Record<string, unknown>[] };

const jwksDocument = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });
const systemScopes = z
  .string()
  .trim()
  .min(1)
  .refine((s) => s.split(/\s+/).every((x) => x.startsWith('system/')), 'only system/ scopes can be registered');

const clientEntry = z
  .object({
    client_id: z.string().min(1).max(200),
    scope: systemScopes,
    jwks: jwksDocument.optional(),
    jwks_uri: z.url().optional(),
    jwks_file: z.string().min(1).optional(),
  })
  .refine((c) => [c.jwks, c.jwks_uri, c.jwks_file].filter((x) => x !== undefined).length === 1, 'give exactly one of jwks, jwks_uri, jwks_file')
  .refine((c) => !c.jwks_uri || c.jwks_uri.startsWith('https:') || isLoopbackUrl(c.jwks_uri), 'jwks_uri must be https (or loopback)');

export const clientsFile = z.object({ clients: z.array(clientEntry) });
export type ClientsFile = z.infer<typeof clientsFile>;

export interface DevClient {
  clientId: string;
  scope: string;
  publicJwksFile: string;
}

export class ClientRegistry {
  private fromFile = new Map<string, RegisteredClient>();
  private loadedMtime = -1;

  /**
   * @param file the clients file; a missing file means no registered clients (not an error)
   * @param dev the development client, or undefined where it must not exist (vendor profiles, non-loopback host)
   */
  constructor(
    private readonly file: string | undefined,
    private readonly dev: DevClient | undefined,
  ) {
    this.reload();
  }

  /** The client, re-reading the clients file first if it changed since the last read. */
  find(clientId: string): RegisteredClient | undefined {
    try {
      this.reload();
    } catch {
      // A file broken while running keeps the last good registrations; start-up reports the error.
    }
    if (this.dev && clientId === this.dev.clientId) {
      return { clientId, scope: this.dev.scope, jwks: { kind: 'file', path: this.dev.publicJwksFile }, loopbackOnly: true };
    }
    return this.fromFile.get(clientId);
  }

  /** Throws with a readable message on an invalid file (start-up refuses a bad configuration). */
  private reload(): void {
    if (!this.file) return;
    let mtime: number;
    try {
      mtime = statSync(this.file).mtimeMs;
    } catch {
      this.fromFile = new Map();
      this.loadedMtime = -1;
      return;
    }
    if (mtime === this.loadedMtime) return;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`${this.file}: not JSON (${(err as Error).message})`);
    }
    const parsed = clientsFile.safeParse(json);
    if (!parsed.success) throw new Error(`${this.file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const base = dirname(resolve(this.file));
    this.fromFile = new Map(parsed.data.clients.map((c) => [c.client_id, toClient(c, base)]));
    this.loadedMtime = mtime;
  }
}

function toClient(c: ClientsFile['clients'][number], base: string): RegisteredClient {
  const jwks: RegisteredClient['jwks'] = c.jwks
    ? { kind: 'inline', keys: c.jwks as JwksDocument }
    : c.jwks_uri
      ? { kind: 'uri', url: c.jwks_uri }
      : { kind: 'file', path: resolve(base, c.jwks_file as string) };
  return { clientId: c.client_id, scope: c.scope.split(/\s+/).join(' '), jwks, loopbackOnly: false };
}
