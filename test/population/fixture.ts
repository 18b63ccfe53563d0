/** Test fixture for population access: a sandbox with generated patients and Backend Services keys. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { DEV_CLIENT_ID, ensureDevKey } from '../../src/population/dev-key.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.ts';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface PopulationSandbox {
  sb: SandboxHandle;
  dir: string;
  keyDir: string;
  dataDir: string;
  tokenEndpoint: string;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tidemark-population-'));
}

/** A sandbox on a free port with `population` generated patients; the dev key folder is empty until `devKey()`. */
export async function startPopulationSandbox(opts: SandboxOptions = {}, dir = tempDir()): Promise<PopulationSandbox> {
  const keyDir = join(dir, 'key');
  const dataDir = join(dir, 'sandbox');
  const sb = await startSandbox({ port: 0, reset: true, quiet: true, dataDir, devKeyDir: keyDir, population: 20, ...opts });
  return { sb, dir, keyDir, dataDir, tokenEndpoint: `${sb.url}/auth/token` };
}

export interface AssertionInput {
  jwk: JWK;
  alg?: string;
  kid?: string;
  iss?: string;
  sub?: string;
  aud?: string;
  /** Seconds from now. */
  exp?: number;
  jti?: string;
}

export async function signAssertion(input: AssertionInput, defaults: { clientId: string; aud: string }): Promise<string> {
  const alg = input.alg ?? (input.jwk.alg as string);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, kid: input.kid ?? (input.jwk.kid as string), typ: 'JWT' })
    .setIssuer(input.iss ?? defaults.clientId)
    .setSubject(input.sub ?? defaults.clientId)
    .setAudience(input.aud ?? defaults.aud)
    .setExpirationTime(now + (input.exp ?? 240))
    .setJti(input.jti ?? crypto.randomUUID())
    .sign(await importJWK(input.jwk, alg));
}

export function tokenRequest(tokenEndpoint: string, form: Record<string, string>): Promise<Response> {
  return fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

/** A backend-services token for the dev client (its key created on first use). */
export async function devSystemToken(p: PopulationSandbox, scope = 'system/*.rs'): Promise<string> {
  const key = await ensureDevKey(p.keyDir);
  const assertion = await signAssertion({ jwk: key.privateJwk }, { clientId: DEV_CLIENT_ID, aud: p.tokenEndpoint });
  const res = await tokenRequest(p.tokenEndpoint, { grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
  if (res.status !== 200) throw new Error(`token ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function keyPair(alg: 'RS384' | 'ES384', kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    privateJwk: { ...(await exportJWK(privateKey)), alg, kid },
    publicJwk: { ...(await exportJWK(publicKey)), alg, kid, use: 'sig' },
  };
}

export function writeJson(path: string, value: unknown): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
  return path;
}

export function bulkHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: 'application/fhir+json', prefer: 'respond-async' };
}

/** Polls a status URL until 200 (or fails after ~10 s). */
export async function pollManifest(statusUrl: string, token: string): Promise<{ manifest: BulkTestManifest; polls: Response[] }> {
  const polls: Response[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(statusUrl, { headers: { authorization: `Bearer ${token}` } });
    polls.push(res);
    if (res.status === 200) return { manifest: (await res.json()) as BulkTestManifest, polls };
    if (res.status !== 202) throw new Error(`status ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('export did not finish');
}

export interface BulkTestManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

export async function ndjson(url: string, token: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`download ${res.status}`);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
