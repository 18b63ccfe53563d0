/** Test helpers: run the SMART EHR launch + PKCE flow against a running sandbox over HTTP. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.ts';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.ts';

export const REDIRECT = 'http://127.0.0.1:8080/';

export function tmpDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tidemark-sandbox-'));
}

export function startTestSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  return startSandbox({ port: 0, reset: true, dataDir: tmpDataDir(), quiet: true, ...opts });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function ehrLaunch(sb: SandboxHandle, patient: string, extra = ''): Promise<string> {
  const res = await fetch(`${sb.url}/ehr-launch?patient=${encodeURIComponent(patient)}${extra}`, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`ehr-launch ${res.status}`);
  const location = new URL(res.headers.get('location') as string);
  return location.searchParams.get('launch') as string;
}

export interface AuthorizeInput {
  scope: string;
  launch?: string;
  challenge: string;
  state?: string;
  redirectUri?: string;
  aud?: string;
  extra?: Record<string, string>;
}

export async function authorize(sb: SandboxHandle, input: AuthorizeInput): Promise<Response> {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: 'tidemark-test',
    redirect_uri: input.redirectUri ?? REDIRECT,
    scope: input.scope,
    state: input.state ?? 'st-123',
    aud: input.aud ?? sb.fhirBase,
    code_challenge: input.challenge,
    code_challenge_method: 'S256',
    ...(input.launch ? { launch: input.launch } : {}),
    ...(input.extra ?? {}),
  });
  return fetch(`${sb.url}/auth/authorize?${q.toString()}`, { redirect: 'manual' });
}

export async function postForm(url: string, body: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  patient?: string;
  encounter?: string;
  id_token?: string;
  refresh_token?: string;
  need_patient_banner?: boolean;
}

/** The whole EHR launch: ehr-launch → authorize → token. */
export async function launchToken(sb: SandboxHandle, patient: string, scope: string): Promise<TokenResponse> {
  const launch = await ehrLaunch(sb, patient);
  const { verifier, challenge } = pkcePair();
  const res = await authorize(sb, { scope: `launch openid fhirUser ${scope}`, launch, challenge });
  const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
  const token = await postForm(`${sb.url}/auth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    client_id: 'tidemark-test',
  });
  if (token.status !== 200) throw new Error(`token ${token.status} ${await token.text()}`);
  return (await token.json()) as TokenResponse;
}

export function fhirGet(sb: SandboxHandle, token: string, path: string): Promise<Response> {
  const url = path.startsWith('http') ? path : `${sb.fhirBase}/${path}`;
  return fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
}

export function fhirPost(sb: SandboxHandle, token: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sb.fhirBase}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...headers },
    body: JSON.stringify(body),
  });
}

export function decodeJwt(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
}

/** RFC 7662 introspection as the resource server the sandbox registers by default (the proxy's). */
export function introspect(sb: SandboxHandle, token: string): Promise<Response> {
  return fetch(`${sb.url}/auth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('tidemark-proxy:tidemark-proxy-local-secret').toString('base64')}` },
    body: new URLSearchParams({ token }),
  });
}
