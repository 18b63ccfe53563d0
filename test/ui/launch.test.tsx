import { describe, expect, it } from 'vitest';
import { parseCapabilities, servesType, smartScopeVersion } from '../../src/fhir/ehr/capabilities.ts';
import { chooseWriteStrategy } from '../../src/fhir/write/strategy.ts';
import { authorizeOptions, buildScope, DEFAULT_SANDBOX_ISS, planLaunch, resolveScope, SCOPES_V1 } from '../../src/launch/launch-config.ts';
import { capabilityStatement, smartConfiguration, type VendorName } from '../support/vendor-fhir.ts';
import { render, screen } from '@testing-library/react';
import { classifyLaunchProblem, LaunchError } from '../../src/app/features/launch-session/launch-error.tsx';

const APP = 'http://127.0.0.1:8080/launch/';

describe('launch plan', () => {
  it('EHR launch: iss + launch from the URL, PKCE wherever the server offers it, redirect to the app at /; scopes decided after discovery', () => {
    const plan = planLaunch(`${APP}?iss=${encodeURIComponent('http://127.0.0.1:8081/fhir')}&launch=abc`);
    expect(plan).toMatchObject({
      kind: 'ehr',
      scopeOverride: null,
      options: { iss: 'http://127.0.0.1:8081/fhir', launch: 'abc', clientId: 'tidemark', redirectUri: '../', pkceMode: 'ifSupported' },
    });
  });

  it('standalone: defaults to the sandbox, without the bare launch scope', () => {
    const plan = planLaunch(APP);
    expect(plan.kind).toBe('standalone');
    if (plan.kind === 'standalone') {
      expect(plan.options.iss).toBe(DEFAULT_SANDBOX_ISS);
      expect(plan.options.launch).toBeUndefined();
      expect(plan.options.scope.split(' ')).not.toContain('launch');
      expect(plan.options.scope.split(' ')).toContain('launch/patient');
    }
  });

  it('scope and client id can be overridden (v1 shorthand, or a full string)', () => {
    expect(resolveScope('v1', false)).toBe(SCOPES_V1.join(' '));
    expect(resolveScope('auto', false)).toBeNull();
    const plan = planLaunch(`${APP}?iss=https://ehr.example/fhir&launch=x&client_id=abc&scope=${encodeURIComponent('launch openid patient/*.read')}`);
    expect(plan).toMatchObject({ options: { clientId: 'abc', scope: 'launch openid patient/*.read' } });
    expect(planLaunch(APP, { clientId: 'from-meta' })).toMatchObject({ options: { clientId: 'from-meta' } });
  });

  it('refuses a launch code without iss, an invalid iss, and reports a denied authorization', () => {
    expect(planLaunch(`${APP}?launch=abc`)).toMatchObject({ kind: 'error', title: expect.stringMatching(/missing the FHIR server/) });
    expect(planLaunch(`${APP}?iss=javascript:alert(1)`)).toMatchObject({ kind: 'error', title: 'Invalid FHIR server address' });
    expect(planLaunch(`${APP}?error=access_denied`)).toMatchObject({ kind: 'error', title: 'Access was not granted' });
  });
});

describe('authorize options', () => {
  it('each launch has its own state key; in an EHR iframe the authorization completes inside the frame', () => {
    const plan = planLaunch(`${APP}?iss=https://ehr.example/fhir&launch=x`);
    if (plan.kind === 'error') throw new Error(plan.message);
    expect(authorizeOptions(plan.options, 'openid', 'k1', true)).toMatchObject({ stateKey: 'k1', completeInTarget: true, scope: 'openid', launch: 'x' });
    expect(authorizeOptions(plan.options, 'openid', 'k2', false)).not.toHaveProperty('completeInTarget');
  });
});

describe('the scopes asked for follow the server and the write strategy', () => {
  const scopeFor = (vendor: VendorName, standalone = false) => {
    const caps = parseCapabilities(capabilityStatement(vendor), smartConfiguration(vendor, 'https://ehr.example/fhir'));
    const strategy = chooseWriteStrategy(caps);
    return buildScope({
      version: smartScopeVersion(caps.smart),
      serves: (t) => servesType(caps, t),
      creates: strategy.creates,
      reads: strategy.reads,
      online: true,
      standalone,
    }).split(' ');
  };

  it('open server (permission-v2): v2 reads per resource, Observation and QuestionnaireResponse create', () => {
    const s = scopeFor('open');
    expect(s).toEqual(expect.arrayContaining(['launch', 'patient/Observation.rs', 'patient/Encounter.rs', 'patient/Observation.c', 'patient/QuestionnaireResponse.c', 'online_access']));
    expect(s.some((x) => x.includes('*'))).toBe(false);
  });

  it('Epic (permission-v1 only): v1 scopes, DocumentReference write for the note, no Observation write without mapped rows', () => {
    const s = scopeFor('epic');
    expect(s).toEqual(expect.arrayContaining(['patient/Observation.read', 'patient/DocumentReference.read', 'patient/DocumentReference.write']));
    expect(s).not.toContain('patient/Observation.write');
    expect(s.some((x) => /\.(rs|c|cruds)$/.test(x))).toBe(false);
  });

  it('Cerner (no wildcards): explicit per resource, only types it serves, the note as DocumentReference create', () => {
    const s = scopeFor('cerner');
    expect(s).toEqual(expect.arrayContaining(['patient/Observation.rs', 'patient/DocumentReference.c', 'patient/DocumentReference.rs']));
    expect(s).not.toContain('patient/MedicationStatement.rs'); // not served: asking could make the server refuse
    expect(s.some((x) => x.includes('*'))).toBe(false);
  });

  it('a standalone launch leaves out the bare launch scope', () => {
    expect(scopeFor('open', true)).not.toContain('launch');
    expect(scopeFor('open', true)).toContain('launch/patient');
  });
});

describe('launch problems on the app page', () => {
  it('classifies denied consent, expired state and other failures', () => {
    expect(classifyLaunchProblem('http://a/?error=access_denied&state=x')).toEqual({ kind: 'denied' });
    expect(classifyLaunchProblem('http://a/?error=server_error&error_description=boom')).toEqual({ kind: 'auth-error', detail: 'server_error: boom' });
    expect(classifyLaunchProblem('http://a/')).toBeNull();
    expect(classifyLaunchProblem('http://a/', new Error('No state found! Please (re)launch the app.'))).toMatchObject({ kind: 'relaunch' });
    expect(classifyLaunchProblem('http://a/', new Error('Failed to fetch'))).toMatchObject({ kind: 'auth-error' });
  });

  // fhirclient's HttpError message: "<status> <text>\nURL: <token endpoint>\n<error>: <description>".
  const tokenError = (status: string, url: string, body: string) => new Error(`${status}\nURL: ${url}\n${body}`);

  it.each([
    // the endpoint URL contains "token" (and "oauth2", "session"): that alone says nothing
    ['401 Unauthorized', 'https://ehr.example/oauth2/token', 'invalid_client: Client authentication failed', 'app-refused'],
    ['400 Bad Request', 'https://ehr.example/auth/token', 'unauthorized_client: not allowed for this grant', 'app-refused'],
    ['400 Bad Request', 'https://ehr.example/session/token', 'invalid_scope: patient/*.cruds', 'app-refused'],
    ['400 Bad Request', 'https://ehr.example/auth/token', 'invalid_grant: authorization code expired', 'relaunch'],
    ['500 Internal Server Error', 'https://ehr.example/auth/token', '', 'auth-error'],
    ['503 Service Unavailable', 'https://ehr.example/token', 'temporarily_unavailable', 'auth-error'],
  ] as const)('token endpoint %s at %s with "%s" → %s', (status, url, body, kind) => {
    expect(classifyLaunchProblem('http://a/?state=s&code=c', tokenError(status, url, body))?.kind).toBe(kind);
  });

  it('names the OAuth code the EHR answered (for the administrator), not a made-up session expiry', () => {
    const p = classifyLaunchProblem('http://a/', tokenError('401 Unauthorized', 'https://ehr.example/token', 'invalid_client: bad'));
    expect(p).toEqual({ kind: 'app-refused', code: 'invalid_client', detail: expect.stringContaining('invalid_client') });
  });
});

describe('launch problem screens', () => {
  it('invalid_client says the EHR did not accept the app, names the code, and never says the session expired', () => {
    render(<LaunchError problem={{ kind: 'app-refused', code: 'invalid_client', detail: '401 Unauthorized' }} />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('The EHR did not accept Tidemark');
    expect(alert).toHaveTextContent('invalid_client');
    expect(alert).not.toHaveTextContent(/expired/i);
  });
});
