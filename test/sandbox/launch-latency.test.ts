/**
 * The provider launch (`/ehr-launch` without a patient: user/ scopes, fhirUser, no patient context)
 * and SANDBOX_LATENCY_MS (every FHIR and auth response delayed), over HTTP.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { authorize, fhirGet, introspect, pkcePair, postForm, REDIRECT, startTestSandbox } from './helpers.ts';
import { STORIES as SANDBOX_STORIES } from '../../src/sandbox/patients/index.ts';

/** The sandbox's story patients (the stories grow as clinical situations are added). */
const STORY_COUNT = Object.keys(SANDBOX_STORIES).length;

async function providerToken(sb: SandboxHandle, scope: string): Promise<Record<string, unknown>> {
  const launchRes = await fetch(`${sb.url}/ehr-launch`, { redirect: 'manual' });
  expect(launchRes.status).toBe(302);
  const target = new URL(launchRes.headers.get('location') as string);
  expect(target.pathname).toBe('/launch/');
  const { verifier, challenge } = pkcePair();
  const auth = await authorize(sb, { scope, launch: target.searchParams.get('launch') as string, challenge });
  const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
  const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('provider launch (no patient)', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it('issues a user/ token with fhirUser and no patient context, reaching every patient', async () => {
    const token = await providerToken(sb, 'launch openid fhirUser user/Patient.rs user/Observation.rs');
    expect(token.patient).toBeUndefined();
    expect(token.encounter).toBeUndefined();
    expect(token.scope).toContain('user/Observation.rs');
    expect(decodeJwt(token.id_token as string).fhirUser).toBe(`${sb.fhirBase}/Practitioner/practitioner-morgan`);
    const patients = (await (await fhirGet(sb, token.access_token as string, 'Patient?_count=100')).json()) as Bundle;
    expect(patients.total).toBe(STORY_COUNT);
    expect((await fhirGet(sb, token.access_token as string, 'Observation?patient=longterm&_count=1')).status).toBe(200);
    const seen = (await (await introspect(sb, token.access_token as string)).json()) as Record<string, unknown>;
    expect(seen).toMatchObject({ active: true, fhirUser: `${sb.fhirBase}/Practitioner/practitioner-morgan` });
    expect(seen.patient).toBeUndefined();
  });

  it('patient/ scopes grant nothing without a patient in context', async () => {
    const token = await providerToken(sb, 'launch patient/Observation.rs');
    expect((await fhirGet(sb, token.access_token as string, 'Observation?patient=relapse')).status).toBe(403);
  });

  it('an unknown patient is still a 404', async () => {
    expect((await fetch(`${sb.url}/ehr-launch?patient=nobody`, { redirect: 'manual' })).status).toBe(404);
  });
});

describe('SANDBOX_LATENCY_MS', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startTestSandbox({ latencyMs: 150 });
  });
  afterAll(() => sb.close());

  async function took(url: string, init?: RequestInit): Promise<number> {
    const t0 = performance.now();
    const res = await fetch(url, { redirect: 'manual', ...init });
    await res.arrayBuffer();
    return performance.now() - t0;
  }

  it('delays every FHIR and auth response by at least the configured milliseconds', async () => {
    const token = (await providerToken(sb, 'launch user/Patient.rs')).access_token as string;
    const auth = { headers: { authorization: `Bearer ${token}` } };
    for (const [label, ms] of [
      ['metadata', await took(`${sb.fhirBase}/metadata`)],
      ['smart-configuration', await took(`${sb.fhirBase}/.well-known/smart-configuration`)],
      ['read', await took(`${sb.fhirBase}/Patient/relapse`, auth)],
      ['search', await took(`${sb.fhirBase}/Patient?_count=1`, auth)],
      ['jwks', await took(`${sb.url}/auth/jwks`)],
      ['token error', await took(`${sb.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'nope' }) })],
      ['ehr-launch', await took(`${sb.url}/ehr-launch?patient=relapse`)],
    ] as const) {
      expect(ms, label).toBeGreaterThanOrEqual(148);
    }
  });
});
