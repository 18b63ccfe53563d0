/**
 * Probes of issue 10 §1 (authorization server), over HTTP: CORS on /auth/*, picked_patient with a
 * launch, codes and refresh tokens bound to the client, refresh rotation and expiry, introspection
 * authentication, a real id_token signature, and the consent page.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.ts';
import { authorize, ehrLaunch, launchToken, pkcePair, postForm, REDIRECT, startTestSandbox } from './helpers.ts';

/** Credentials of the resource server the sandbox registers by default (the proxy uses them). */
const RS_BASIC = `Basic ${Buffer.from('tidemark-proxy:tidemark-proxy-local-secret').toString('base64')}`;

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb.close());

async function codeFor(s: SandboxHandle, patient: string, scope: string, clientId = 'tidemark-test') {
  const launch = await ehrLaunch(s, patient);
  const { verifier, challenge } = pkcePair();
  const res = await authorize(s, { scope: `launch ${scope}`, launch, challenge, extra: { client_id: clientId } });
  return { code: new URL(res.headers.get('location') as string).searchParams.get('code') as string, verifier };
}

describe('CORS on /auth/* only for the app origins', () => {
  it('refuses a preflight to the token endpoint from another origin; allows the app origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${sb.url}/auth/token`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const app = await preflight('http://127.0.0.1:8080');
    expect(app.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
  });

  it('a page of another origin cannot read the patient picker or the landing page', async () => {
    const { challenge } = pkcePair();
    const q = new URLSearchParams({ response_type: 'code', client_id: 'x', redirect_uri: REDIRECT, scope: 'launch/patient patient/*.rs', aud: sb.fhirBase, code_challenge: challenge, code_challenge_method: 'S256' });
    for (const url of [`${sb.url}/auth/authorize?${q}`, `${sb.url}/`]) {
      const res = await fetch(url, { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('access-control-allow-origin'), url).toBeNull();
    }
  });
});

describe('picked_patient', () => {
  it('is ignored when the authorization carries a launch (the launch context wins)', async () => {
    const launch = await ehrLaunch(sb, 'improving');
    const { verifier, challenge } = pkcePair();
    const res = await authorize(sb, { scope: 'launch patient/*.rs', launch, challenge, extra: { picked_patient: 'thyroid' } });
    const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
    const token = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
    expect(((await token.json()) as { patient: string }).patient).toBe('improving');
  });
});

describe('codes and refresh tokens are bound to their client', () => {
  it('a code cannot be redeemed by another client_id, nor without one', async () => {
    const other = await codeFor(sb, 'sparse', 'patient/*.rs');
    const stolen = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code: other.code, redirect_uri: REDIRECT, code_verifier: other.verifier, client_id: 'attacker' });
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');
    const anonymous = await codeFor(sb, 'sparse', 'patient/*.rs');
    const none = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code: anonymous.code, redirect_uri: REDIRECT, code_verifier: anonymous.verifier });
    expect(none.status).toBeGreaterThanOrEqual(400);
  });

  it('a refresh token is refused for another client_id', async () => {
    const token = await launchToken(sb, 'item9', 'offline_access patient/*.rs');
    const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: token.refresh_token as string, client_id: 'attacker' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refresh tokens rotate: the new one works, the used one is refused afterwards', async () => {
    const token = await launchToken(sb, 'item9', 'offline_access patient/*.rs');
    const first = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: token.refresh_token as string, client_id: 'tidemark-test' });
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as { refresh_token?: string };
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(token.refresh_token);
    const replay = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: token.refresh_token as string, client_id: 'tidemark-test' });
    expect(replay.status).toBe(400);
    const next = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: rotated.refresh_token as string, client_id: 'tidemark-test' });
    // Replaying a used token revokes its whole family (OAuth 2.0 Security BCP §4.14.2).
    expect(next.status).toBe(400);
  });

  it('refresh tokens expire', async () => {
    const short = await startTestSandbox({ refreshLifetimeSeconds: 1 } as SandboxOptions);
    try {
      const token = await launchToken(short, 'item9', 'offline_access patient/*.rs');
      await new Promise((r) => setTimeout(r, 2100));
      const res = await postForm(`${short.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: token.refresh_token as string, client_id: 'tidemark-test' });
      expect(res.status).toBe(400);
    } finally {
      await short.close();
    }
  });
});

describe('introspection', () => {
  it('requires resource-server authentication', async () => {
    const token = await launchToken(sb, 'lithium', 'patient/*.rs');
    const anonymous = await postForm(`${sb.url}/auth/introspect`, { token: token.access_token });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('lithium');
    const wrong = await fetch(`${sb.url}/auth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('tidemark-proxy:wrong').toString('base64')}` },
      body: new URLSearchParams({ token: token.access_token }),
    });
    expect(wrong.status).toBe(401);
    const rs = await fetch(`${sb.url}/auth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: RS_BASIC },
      body: new URLSearchParams({ token: token.access_token }),
    });
    expect(rs.status).toBe(200);
    expect(await rs.json()).toMatchObject({ active: true, patient: 'lithium' });
  });
});

describe('id_token', () => {
  it('is signed RS256 with a key published at the jwks_uri of the SMART configuration', async () => {
    const token = await launchToken(sb, 'improving', 'patient/*.rs');
    expect(decodeProtectedHeader(token.id_token as string).alg).toBe('RS256');
    const conf = (await (await fetch(`${sb.fhirBase}/.well-known/smart-configuration`)).json()) as { jwks_uri: string; issuer: string };
    const { payload } = await jwtVerify(token.id_token as string, createRemoteJWKSet(new URL(conf.jwks_uri)), { issuer: conf.issuer, audience: 'tidemark-test' });
    expect(payload.fhirUser).toMatch(/\/Practitioner\/practitioner-morgan$/);
  });
});

describe('consent page', () => {
  let consent: SandboxHandle;
  beforeAll(async () => {
    consent = await startTestSandbox({ consent: true });
  });
  afterAll(() => consent.close());

  it('cannot be framed', async () => {
    const launch = await ehrLaunch(consent, 'improving');
    const page = await authorize(consent, { scope: 'launch patient/*.rs', launch, challenge: pkcePair().challenge });
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('is not approved by GET', async () => {
    const launch = await ehrLaunch(consent, 'improving');
    const res = await authorize(consent, { scope: 'launch patient/*.rs', launch, challenge: pkcePair().challenge, extra: { consent: 'approve' } });
    const location = res.headers.get('location');
    expect(location === null || !new URL(location).searchParams.has('code')).toBe(true);
  });

  it('is approved by POST only with its CSRF token (cookie + form field)', async () => {
    const launch = await ehrLaunch(consent, 'improving');
    const page = await authorize(consent, { scope: 'launch patient/*.rs', launch, challenge: pkcePair().challenge });
    const html = await page.text();
    const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    expect(form).not.toBeNull();
    const fields = Object.fromEntries([...(form?.[2] ?? '').matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const action = new URL((form?.[1] ?? '').replace(/&amp;/g, '&'), consent.url).toString();
    const post = (body: Record<string, string>, withCookie: boolean) =>
      fetch(action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(withCookie ? { cookie } : {}) }, body: new URLSearchParams(body) });
    const noCookie = await post({ ...fields, decision: 'approve' }, false);
    expect(noCookie.status).toBe(403);
    const badToken = await post({ ...fields, csrf: 'forged', decision: 'approve' }, true);
    expect(badToken.status).toBe(403);
    const ok = await post({ ...fields, decision: 'approve' }, true);
    expect(ok.status).toBe(302);
    expect(new URL(ok.headers.get('location') as string).searchParams.get('code')).toBeTruthy();
  });
});

describe('security headers on sandbox pages', () => {
  it('the landing page sends nosniff, frame denial, a CSP and a referrer policy', async () => {
    const res = await fetch(`${sb.url}/`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
