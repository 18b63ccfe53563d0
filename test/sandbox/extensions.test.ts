/**
 * The extension API other parts build on (notes/sandbox-api.md): an extra grant type issuing system
 * tokens, an extra `/fhir/...$operation` route ahead of the FHIR routes, a seeded Group, discovery
 * additions, and the access layer's patient / user / system reach — tried over HTTP.
 */
import type { Bundle, Group } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxExtension, SandboxHandle } from '../../src/sandbox/index.ts';
import { FhirError } from '../../src/sandbox/fhir-errors.ts';
import { fhirGet, launchToken, postForm, startTestSandbox } from './helpers.ts';
import { STORIES as SANDBOX_STORIES } from '../../src/sandbox/patients/index.ts';

/** The sandbox's story patients (the stories grow as clinical situations are added). */
const STORY_COUNT = Object.keys(SANDBOX_STORIES).length;

const testExtension: SandboxExtension = {
  name: 'test-population',
  grants: {
    // A stand-in for client_credentials: any client named "system-test" gets what it asks for.
    client_credentials: (c, form, api) => {
      if (form.client_id !== 'system-test') return api.oauthError(c, 401, 'invalid_client', 'unknown client');
      return api.tokenResponse(c, { clientId: 'system-test', scope: form.scope ?? '', context: {}, sub: 'system-test', actor: 'system' });
    },
  },
  seed(api) {
    const members = api.repo.allOfType('Patient').map((p) => ({ entity: { reference: `Patient/${p.id}` } }));
    api.repo.create({ resourceType: 'Group', id: 'care-team', type: 'person', actual: true, member: members } as Group, { keepId: true });
  },
  routes(app, api) {
    app.get('/fhir/Group/:id/$member-count', (c) => {
      try {
        const grant = api.authenticate(c);
        const reach = api.reach(grant, 'Patient', 'r');
        const patients = api.repo.allOfType('Patient').filter((p) => reach.allows(p));
        return api.fhirJson(c, 200, { group: c.req.param('id'), patients: patients.length });
      } catch (err) {
        return api.fhirError(c, err);
      }
    });
    app.get('/fhir/boom', (c) => api.fhirError(c, new FhirError(418, 'teapot', 'processing')));
  },
  smartConfiguration(conf) {
    conf.grant_types_supported.push('client_credentials');
    conf.capabilities.push('client-confidential-asymmetric');
  },
};

let sb: SandboxHandle;
let system: string;
beforeAll(async () => {
  sb = await startTestSandbox({ extensions: [testExtension] });
  const res = await postForm(`${sb.url}/auth/token`, { grant_type: 'client_credentials', client_id: 'system-test', scope: 'system/Patient.rs system/Group.rs system/Observation.rs' });
  system = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(() => sb.close());

describe('extension grant types and routes', () => {
  it('an extension grant type answers at /auth/token; unknown ones stay unsupported', async () => {
    expect(system).toBeTruthy();
    const bad = await postForm(`${sb.url}/auth/token`, { grant_type: 'client_credentials', client_id: 'nobody' });
    expect(bad.status).toBe(401);
    const unknown = await postForm(`${sb.url}/auth/token`, { grant_type: 'password', username: 'x' });
    expect(((await unknown.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('an extension route under /fhir wins over the FHIR routes and sees the token’s reach', async () => {
    const res = await fhirGet(sb, system, 'Group/care-team/$member-count');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { patients: number }).patients).toBe(STORY_COUNT);
    const patient = (await launchToken(sb, 'relapse', 'patient/*.rs')).access_token;
    const held = await fhirGet(sb, patient, 'Group/care-team/$member-count');
    expect(((await held.json()) as { patients: number }).patients).toBe(1);
    expect((await fhirGet(sb, 'nope', 'Group/care-team/$member-count')).status).toBe(401);
    expect((await fhirGet(sb, system, 'boom')).status).toBe(418);
  });

  it('discovery carries the extension’s additions', async () => {
    const conf = (await (await fetch(`${sb.fhirBase}/.well-known/smart-configuration`)).json()) as { grant_types_supported: string[]; capabilities: string[] };
    expect(conf.grant_types_supported).toContain('client_credentials');
    expect(conf.capabilities).toContain('client-confidential-asymmetric');
  });
});

describe('patient / user / system reach', () => {
  it('a system token reads across patients by its scopes, and only the types they name', async () => {
    const all = (await (await fhirGet(sb, system, 'Patient?_count=100')).json()) as Bundle;
    expect(all.total).toBe(STORY_COUNT);
    expect((await fhirGet(sb, system, 'Observation?patient=relapse&_count=1')).status).toBe(200);
    expect((await fhirGet(sb, system, 'MedicationRequest?patient=relapse')).status).toBe(403);
  });

  it('Group care-team (every patient a member) is readable by user and system tokens, not by a patient token', async () => {
    expect((await fhirGet(sb, system, 'Group/care-team')).status).toBe(200);
    const user = (await launchToken(sb, 'relapse', 'user/*.rs')).access_token;
    expect((await fhirGet(sb, user, 'Group/care-team')).status).toBe(200);
    const patient = (await launchToken(sb, 'relapse', 'patient/*.rs')).access_token;
    expect((await fhirGet(sb, patient, 'Group/care-team')).status).toBe(403);
  });

  it('system/ scopes asked by a user’s authorization are refused (invalid_scope)', async () => {
    await expect(launchToken(sb, 'relapse', 'system/*.rs')).rejects.toThrow();
  });
});
