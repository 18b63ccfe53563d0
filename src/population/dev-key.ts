/**
 * The population run's development key: an ES384 key pair created on first use in `.data/population/`
 * (private JWK mode 0600 in a 0700 folder; public JWKS beside it). The local sandbox registers the
 * dev client `tidemark-population` with that public JWKS file, re-reading it when it changes, so
 * the run is trusted without a manual step. Against a real EHR, register the public JWKS there.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

export const DEV_CLIENT_ID = 'tidemark-population';
export const DEV_KEY_DIR = '.data/population';
export const PRIVATE_KEY_FILE = 'private-key.jwk.json';
export const PUBLIC_JWKS_FILE = 'public-jwks.json';
/** What the dev client is registered for: reading everything and writing results back. */
export const DEV_CLIENT_SCOPE = 'system/*.rs system/Observation.c system/DocumentReference.c';

export interface SigningKey {
  /** Private JWK with `kid` and `alg` (RS384 or ES384). */
  privateJwk: JWK & { kid: string; alg: string };
  publicJwks: { keys: JWK[] };
}

/** Loads the key from `dir`, creating it (and the public JWKS file) on first use. */
export async function ensureDevKey(dir = DEV_KEY_DIR): Promise<SigningKey> {
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  let privateJwk = readJwk(privatePath);
  if (!privateJwk) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const created = await createPrivateJwk();
    try {
      // 'wx': two runs starting at once never overwrite each other's key; the loser reads the winner's.
      writeFileSync(privatePath, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      privateJwk = created;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      privateJwk = readJwk(privatePath);
      if (!privateJwk) throw new Error(`${privatePath} exists but is not a private JWK`);
    }
  }
  const publicJwks = { keys: [publicPart(privateJwk)] };
  writePublicJwks(join(dir, PUBLIC_JWKS_FILE), publicJwks);
  return { privateJwk, publicJwks };
}

async function createPrivateJwk(): Promise<SigningKey['privateJwk']> {
  const { privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: 'ES384', use: 'sig' };
}

/** The public members of an EC or RSA JWK (never `d`, `p`, `q`, `dp`, `dq`, `qi`). */
export function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y, n, e, kid, alg } = jwk;
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg, use: 'sig', key_ops: ['verify'] }).filter(([, v]) => v !== undefined));
}

function readJwk(path: string): SigningKey['privateJwk'] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const jwk = JSON.parse(text) as JWK;
  if (typeof jwk.d !== 'string' || typeof jwk.kid !== 'string' || (jwk.alg !== 'ES384' && jwk.alg !== 'RS384')) {
    throw new Error(`${path}: not a private RS384/ES384 JWK with a kid`);
  }
  return jwk as SigningKey['privateJwk'];
}

/** Rewritten only when it differs, so the sandbox's cached key set stays valid. */
function writePublicJwks(path: string, jwks: { keys: JWK[] }): void {
  const text = `${JSON.stringify(jwks, null, 2)}\n`;
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path); // atomic: the sandbox never reads a half-written JWKS
}
