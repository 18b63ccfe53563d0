import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { authorize, decodeJwt, ehrLaunch, fhirGet, introspect, launchToken, pkcePair, postForm, REDIRECT, startTestSandbox } from './helpers.ts';

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb.close());

describe('SMART discovery', () => {
  it('publishes smart-configuration with PKCE S256 and the required capabilities', async () => {
    const res = await fetch(`${sb.fhirBase}/.well-known/smart-configuration`);
    expect(res.status).toBe(200);
    const conf = (await res.json()) as Record<string, string[] | string>;
    expect(conf.authorization_endpoint).toBe(`${sb.url}/auth/authorize`);
    expect(conf.token_endpoint).toBe(`${sb.url}/auth/token`);
    expect(conf.introspection_endpoint).toBe(`${sb.url}/auth/introspect`);
    expect(conf.code_challenge_methods_supported).toEqual(['S256']);
    for (const cap of ['launch-ehr', 'launch-standalone', 'client-public', 'context-ehr-patient', 'permission-v1', 'permission-v2', 'sso-openid-connect']) {
      expect(conf.capabilities).toContain(cap);
    }
  });

  it('serves a CapabilityStatement with oauth-uris without a token', async () => {
    const res = await fetch(`${sb.fhirBase}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const cs = (await res.json()) as { rest: { security: { extension: { url: string }[] } }[] };
    expect(cs.rest[0]?.security.extension[0]?.url).toContain('oauth-uris');
  });
});

describe('EHR launch with PKCE', () => {
  it('runs ehr-launch → authorize → token → FHIR read', async () => {
    const launchRes = await fetch(`${sb.url}/ehr-launch?patient=improving`, { redirect: 'manual' });
    expect(launchRes.status).toBe(302);
    const target = new URL(launchRes.headers.get('location') as string);
    expect(`${target.origin}${target.pathname}`).toBe('http://127.0.0.1:8080/launch/');
    expect(target.searchParams.get('iss')).toBe(sb.fhirBase);

    const { verifier, challenge } = pkcePair();
    const auth = await authorize(sb, { scope: 'launch openid fhirUser patient/*.read', launch: target.searchParams.get('launch') as string, challenge, state: 'abc' });
    expect(auth.status).toBe(302);
    const back = new URL(auth.headers.get('location') as string);
    expect(back.searchParams.get('state')).toBe('abc');
    const code = back.searchParams.get('code') as string;

    const tokenRes = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
    expect(tokenRes.status).toBe(200);
    const token = (await tokenRes.json()) as Record<string, unknown>;
    expect(token).toMatchObject({ token_type: 'Bearer', patient: 'improving', need_patient_banner: true, expires_in: 3600 });
    expect(typeof token.encounter).toBe('string');
    const claims = decodeJwt(token.id_token as string);
    expect(claims.fhirUser).toMatch(/\/fhir\/Practitioner\/practitioner-morgan$/);

    const read = await fhirGet(sb, token.access_token as string, 'Patient/improving');
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe('improving');

    // The code is single use.
    const again = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
    expect(again.status).toBe(400);
  });

  it('rejects a PKCE verifier that does not match the challenge', async () => {
    const launch = await ehrLaunch(sb, 'relapse');
    const { challenge } = pkcePair();
    const auth = await authorize(sb, { scope: 'launch patient/*.read', launch, challenge });
    const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
    const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkcePair().verifier, client_id: 'tidemark-test' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('requires PKCE, a loopback redirect and the right aud', async () => {
    const { challenge } = pkcePair();
    const external = await authorize(sb, { scope: 'patient/*.read', challenge, redirectUri: 'https://evil.example/cb' });
    expect(external.status).toBe(400);
    const noPkce = await authorize(sb, { scope: 'patient/*.read', challenge: '' });
    expect(new URL(noPkce.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
    const wrongAud = await authorize(sb, { scope: 'patient/*.read', challenge, aud: 'https://other.example/fhir' });
    expect(new URL(wrongAud.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('shows a patient picker for a standalone launch, then issues the picked patient', async () => {
    const { verifier, challenge } = pkcePair();
    const picker = await authorize(sb, { scope: 'launch/patient patient/*.rs', challenge });
    expect(picker.status).toBe(200);
    expect(await picker.text()).toContain('picked_patient=thyroid');
    const picked = await authorize(sb, { scope: 'launch/patient patient/*.rs', challenge, extra: { picked_patient: 'thyroid' } });
    const code = new URL(picked.headers.get('location') as string).searchParams.get('code') as string;
    const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
    expect(((await res.json()) as { patient: string }).patient).toBe('thyroid');
  });

  it('propagates a simulated access_denied from the launch', async () => {
    const launch = await ehrLaunch(sb, 'sparse', '&sim=access_denied');
    const res = await authorize(sb, { scope: 'launch patient/*.read', launch, challenge: pkcePair().challenge });
    expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('access_denied');
  });
});

describe('refresh and introspection', () => {
  it('issues a refresh token for offline_access that yields a working access token', async () => {
    const token = await launchToken(sb, 'item9', 'offline_access patient/*.read');
    expect(token.refresh_token).toBeTruthy();
    const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'refresh_token', refresh_token: token.refresh_token as string });
    expect(res.status).toBe(200);
    const refreshed = (await res.json()) as { access_token: string; patient: string };
    expect(refreshed.access_token).not.toBe(token.access_token);
    expect(refreshed.patient).toBe('item9');
    expect((await fhirGet(sb, refreshed.access_token, 'Patient/item9')).status).toBe(200);
  });

  it('introspects active and unknown tokens (RFC 7662) for the registered resource server', async () => {
    const token = await launchToken(sb, 'lithium', 'patient/Observation.rs');
    const res = await introspect(sb, token.access_token);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ active: true, patient: 'lithium', client_id: 'tidemark-test', sub: 'practitioner-morgan' });
    expect(body.scope).toContain('patient/Observation.rs');
    expect(typeof body.exp).toBe('number');
    const unknown = await introspect(sb, 'nope');
    expect(await unknown.json()).toEqual({ active: false });
  });
});

describe('token expiry', () => {
  it('answers 401 once a short-lived token has expired', async () => {
    const short = await startTestSandbox({ tokenLifetimeSeconds: 1 });
    try {
      const token = await launchToken(short, 'sparse', 'patient/*.read');
      expect((await fhirGet(short, token.access_token, 'Patient/sparse')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const res = await fhirGet(short, token.access_token, 'Patient/sparse');
      expect(res.status).toBe(401);
      expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      const introspected = await introspect(short, token.access_token);
      expect(((await introspected.json()) as { active: boolean }).active).toBe(false);
    } finally {
      await short.close();
    }
  });
});

describe('consent page and simulated errors', () => {
  it('shows a consent page when configured, and honours Deny (POSTed with its CSRF token)', async () => {
    const consent = await startTestSandbox({ consent: true });
    try {
      const launch = await ehrLaunch(consent, 'improving');
      const page = await authorize(consent, { scope: 'launch patient/*.read', launch, challenge: pkcePair().challenge });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Allow');
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] as string;
      const denied = await fetch(`${consent.url}/auth/authorize/consent`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: (page.headers.get('set-cookie') ?? '').split(';')[0] as string },
        body: new URLSearchParams({ request: field('request'), csrf: field('csrf'), decision: 'deny' }),
      });
      expect(new URL(denied.headers.get('location') as string).searchParams.get('error')).toBe('access_denied');
    } finally {
      await consent.close();
    }
  });

  it('simulates invalid_client at the token endpoint', async () => {
    const launch = await ehrLaunch(sb, 'improving', '&sim=invalid_client');
    const { verifier, challenge } = pkcePair();
    const auth = await authorize(sb, { scope: 'launch patient/*.read', launch, challenge });
    const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
    const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('simulates an already expired access token', async () => {
    const launch = await ehrLaunch(sb, 'improving', '&sim=expired_token');
    const { verifier, challenge } = pkcePair();
    const auth = await authorize(sb, { scope: 'launch patient/*.read', launch, challenge });
    const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
    const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
    const token = (await res.json()) as { access_token: string; expires_in: number };
    expect(token.expires_in).toBe(0);
    expect((await fhirGet(sb, token.access_token, 'Patient/improving')).status).toBe(401);
  });
});
