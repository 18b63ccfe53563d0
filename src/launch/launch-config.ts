// Pure launch configuration: URL + page config → the options for FHIR.oauth2.authorize.
// Kept apart from main.ts so it is unit-tested without a browser redirect.

export const DEFAULT_CLIENT_ID = 'tidemark';
export const DEFAULT_SANDBOX_ISS = 'http://127.0.0.1:8081/fhir';

/**
 * Launched without a patient (provider launch), the app shows the care-team panel and opens patients
 * from it: it reads the Group, every member's Patient and Tidemark results, and a chosen patient's
 * chart, with the user's own access (user/ scopes); it saves to that chart as in a patient launch.
 */
export const CARE_TEAM_SCOPES_V2 = [
  'user/Group.rs',
  'user/Patient.rs',
  'user/Observation.rs',
  'user/QuestionnaireResponse.rs',
  'user/MedicationRequest.rs',
  'user/MedicationStatement.rs',
  'user/Encounter.rs',
  'user/Observation.c',
] as const;
export const CARE_TEAM_SCOPES_V1 = [
  'user/Group.read',
  'user/Patient.read',
  'user/Observation.read',
  'user/QuestionnaireResponse.read',
  'user/MedicationRequest.read',
  'user/MedicationStatement.read',
  'user/Encounter.read',
  'user/Observation.write',
] as const;

/** SMART v2 scopes: read what the engines need, create Observations (write-back, issue 6). */
export const SCOPES_V2 = [
  'launch',
  'launch/patient',
  'openid',
  'fhirUser',
  'patient/Patient.rs',
  'patient/Observation.rs',
  'patient/MedicationRequest.rs',
  'patient/MedicationStatement.rs',
  'patient/QuestionnaireResponse.rs',
  'patient/Encounter.rs',
  'patient/Observation.c',
  ...CARE_TEAM_SCOPES_V2,
  'online_access',
] as const;

/** The same access in SMART v1 form, for servers that predate v2 scopes. */
export const SCOPES_V1 = [
  'launch',
  'launch/patient',
  'openid',
  'fhirUser',
  'patient/Patient.read',
  'patient/Observation.read',
  'patient/MedicationRequest.read',
  'patient/MedicationStatement.read',
  'patient/QuestionnaireResponse.read',
  'patient/Encounter.read',
  'patient/Observation.write',
  ...CARE_TEAM_SCOPES_V1,
  'online_access',
] as const;

export interface PageConfig {
  clientId?: string | null;
  scope?: string | null;
  defaultIss?: string | null;
}

export interface AuthorizeOptions {
  clientId: string;
  scope: string;
  redirectUri: string;
  pkceMode: 'required';
  iss: string;
  launch?: string;
}

export type LaunchPlan =
  | { kind: 'ehr' | 'standalone'; options: AuthorizeOptions }
  | { kind: 'error'; title: string; message: string };

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `scope` may be a full scope string, or the shorthands `v1` / `v2`. */
export function resolveScope(raw: string | null | undefined, standalone: boolean): string {
  const value = raw?.trim();
  let scopes: string[];
  if (!value || value === 'v2') scopes = [...SCOPES_V2];
  else if (value === 'v1') scopes = [...SCOPES_V1];
  else scopes = value.split(/\s+/);
  // A standalone launch has no EHR context to bind: the bare `launch` scope makes some servers refuse.
  if (standalone) scopes = scopes.filter((s) => s !== 'launch');
  return scopes.join(' ');
}

export function planLaunch(href: string, config: PageConfig = {}): LaunchPlan {
  const url = new URL(href);
  const params = url.searchParams;
  const error = params.get('error');
  if (error) {
    return {
      kind: 'error',
      title: error === 'access_denied' ? 'Access was not granted' : 'The EHR refused the launch',
      message: params.get('error_description') ?? error,
    };
  }
  const launch = params.get('launch')?.trim() || undefined;
  const issParam = params.get('iss')?.trim() || undefined;
  if (launch && !issParam) {
    return {
      kind: 'error',
      title: 'Launch is missing the FHIR server (iss)',
      message:
        'The EHR sent a launch code but no "iss" parameter, so Tidemark does not know which FHIR server to connect to. Relaunch from the EHR, or ask its administrator to check the app registration.',
    };
  }
  const iss = issParam ?? config.defaultIss ?? DEFAULT_SANDBOX_ISS;
  if (!isHttpUrl(iss)) {
    return {
      kind: 'error',
      title: 'Invalid FHIR server address',
      message: `"${iss}" is not an http(s) URL. Relaunch from the EHR.`,
    };
  }
  const clientId = params.get('client_id')?.trim() || config.clientId?.trim() || DEFAULT_CLIENT_ID;
  let scope = resolveScope(params.get('scope') ?? config.scope, !launch);
  // A standalone launch for the care-team panel asks for no patient to be picked.
  if (!launch && params.get('view') === 'care-team') scope = scope.split(' ').filter((s) => s !== 'launch/patient').join(' ');
  const options: AuthorizeOptions = {
    clientId,
    scope,
    // The launch page lives at /launch/; the app at / completes the flow with FHIR.oauth2.ready().
    redirectUri: '../',
    pkceMode: 'required',
    iss,
    ...(launch ? { launch } : {}),
  };
  return { kind: launch ? 'ehr' : 'standalone', options };
}

/** Reads `<meta name="tidemark:client-id" content="…">` style settings (no inline script under the CSP). */
export function readPageConfig(doc: Document): PageConfig {
  const meta = (name: string) => doc.querySelector<HTMLMetaElement>(`meta[name="tidemark:${name}"]`)?.content || null;
  return { clientId: meta('client-id'), scope: meta('scope'), defaultIss: meta('default-iss') };
}
