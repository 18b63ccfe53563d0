/**
 * The public keys a client's assertions are checked against, by jose: an inline JWKS, a JWKS file
 * (re-read when it changes, so a freshly created dev key is trusted without a restart) or a
 * `jwks_uri` (fetched and cached by jose's remote key set: 10 min, refetched on an unknown kid).
 */
import { readFileSync, statSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { JwksDocument, RegisteredClient } from './clients.ts';

type KeySet = JWTVerifyGetKey;

export class KeySets {
  private readonly remote = new Map<string, KeySet>();
  private readonly files = new Map<string, { mtime: number; set: KeySet }>();

  /** Undefined when the client's key file does not exist (yet). */
  forClient(client: RegisteredClient): KeySet | undefined {
    const source = client.jwks;
    if (source.kind === 'inline') return createLocalJWKSet(source.keys as Parameters<typeof createLocalJWKSet>[0]);
    if (source.kind === 'uri') return this.remoteSet(source.url);
    return this.fileSet(source.path);
  }

  private remoteSet(url: string): KeySet {
    let set = this.remote.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      this.remote.set(url, set);
    }
    return set;
  }

  private fileSet(path: string): KeySet | undefined {
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.files.get(path);
    if (cached?.mtime === mtime) return cached.set;
    const doc = JSON.parse(readFileSync(path, 'utf8')) as JwksDocument;
    const set = createLocalJWKSet(doc as Parameters<typeof createLocalJWKSet>[0]);
    this.files.set(path, { mtime, set });
    return set;
  }
}
