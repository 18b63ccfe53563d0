// Pure launch configuration: URL + page config → the options for FHIR.oauth2.authorize, and the
// scopes to ask for once the server's capabilities are known. Kept apart from main.ts so it is
// unit-tested without a browser redirect.
import { resourceScope, type ScopeVersion } from '../fhir/ehr/scopes.ts';

export const DEFAULT_CLIENT_ID = 'tidemark';
export const DEFAULT_SANDBOX_ISS = 'http://127.0.0.1:8081/fhir';

/** SMART v2 scopes for an open server (coded Observations): read what the engines need, create Observations. */
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
  /** PKCE S256 whenever the server lists it (Oracle's 2024 pages say it is not implemented there). */
  pkceMode: 'ifSupported';
  iss: string;
  launch?: string;
}

export type LaunchPlan =
  /** `scopeOverride`: the scope the page or URL insists on; null = decide from the server's capabilities. */
  | { kind: 'ehr' | 'standalone'; options: AuthorizeOptions; scopeOverride: string | null; careTeam: boolean }
  | { kind: 'error'; title: string; message: string };

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `scope` may be a full scope string, `v1` / `v2` (the default scopes in that syntax), or `auto`
 * (empty): decided from the server's capabilities once discovered (null here).
 */
export function resolveScope(raw: string | null | undefined, standalone: boolean): string | null {
  const value = raw?.trim();
  let scopes: string[];
  if (!value || value === 'auto') return null;
  if (value === 'v2') scopes = [...SCOPES_V2];
  else if (value === 'v1') scopes = [...SCOPES_V1];
  else scopes = value.split(/\s+/);
  return withLaunchContext(scopes, standalone).join(' ');
}

/** A standalone launch has no EHR context to bind: the bare `launch` scope makes some servers refuse. */
function withLaunchContext(scopes: string[], standalone: boolean): string[] {
  return standalone ? scopes.filter((s) => s !== 'launch') : scopes;
}

/** The resource types Tidemark reads for one patient (the chart searches, and the patient banner). */
export const READ_TYPES = ['Patient', 'Observation', 'QuestionnaireResponse', 'MedicationRequest', 'MedicationStatement', 'Encounter'] as const;

export interface ScopeInputs {
  /** SMART v2 only where the server advertises permission-v2. */
  version: ScopeVersion;
  /** Types the server serves (CapabilityStatement); every type when unknown. */
  serves: (type: string) => boolean;
  /** What the chosen write strategy creates and reads back. */
  creates: readonly string[];
  reads: readonly string[];
  /** Ask for a refresh token (online_access) where the server may issue one. */
  online: boolean;
  standalone: boolean;
  /**
   * Also ask for user/ scopes (the care-team panel). An EHR launch cannot know beforehand whether the
   * EHR will put a patient in context, so it asks for both; a standalone launch asks only when
   * `?view=care-team` says so (then without `launch/patient`: no patient is picked).
   */
  careTeam?: boolean;
}

/**
 * The scopes to ask for: one explicit scope per resource (servers such as Oracle's refuse wildcards),
 * reads for what Tidemark reads, creates for what the write strategy writes, in the server's syntax.
 */
export function buildScope(inputs: ScopeInputs): string {
  const reads = [...new Set([...READ_TYPES, ...inputs.reads])].filter(inputs.serves);
  const creates = [...new Set(inputs.creates)].filter(inputs.serves);
  const careTeamOnly = inputs.careTeam === true && inputs.standalone;
  // Launched without a patient (provider launch), the app shows the care-team panel: the Group, then every
  // member's Patient and results, and a chosen patient's chart, read and saved with the user's own access.
  const userReads = inputs.careTeam ? [...new Set(['Group', ...READ_TYPES, ...inputs.reads])].filter(inputs.serves) : [];
  const scopes = [
    'launch',
    ...(careTeamOnly ? [] : ['launch/patient']),
    'openid',
    'fhirUser',
    ...(careTeamOnly ? [] : reads.map((t) => resourceScope(inputs.version, t, 'read'))),
    ...(careTeamOnly ? [] : creates.map((t) => resourceScope(inputs.version, t, 'create'))),
    ...userReads.map((t) => resourceScope(inputs.version, t, 'read', 'user')),
    ...(inputs.careTeam ? creates.map((t) => resourceScope(inputs.version, t, 'create', 'user')) : []),
    ...(inputs.online ? ['online_access'] : []),
  ];
  return withLaunchContext(scopes, inputs.standalone).join(' ');
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
  // The care-team panel: any EHR launch may come without a patient; a standalone one says so.
  const careTeam = Boolean(launch) || params.get('view') === 'care-team';
  let scopeOverride = resolveScope(params.get('scope') ?? config.scope, !launch);
  // A standalone launch for the care-team panel asks for no patient to be picked.
  if (scopeOverride && !launch && params.get('view') === 'care-team') scopeOverride = scopeOverride.split(' ').filter((s) => s !== 'launch/patient').join(' ');
  const options: AuthorizeOptions = {
    clientId,
    scope: scopeOverride ?? withLaunchContext([...SCOPES_V1], !launch).join(' '),
    // The launch page lives at /launch/; the app at / completes the flow with FHIR.oauth2.ready().
    redirectUri: '../',
    pkceMode: 'ifSupported',
    iss,
    ...(launch ? { launch } : {}),
  };
  return { kind: launch ? 'ehr' : 'standalone', options, scopeOverride, careTeam };
}

/** Reads `<meta name="tidemark:client-id" content="…">` style settings (no inline script under the CSP). */
export function readPageConfig(doc: Document): PageConfig {
  const meta = (name: string) => doc.querySelector<HTMLMetaElement>(`meta[name="tidemark:${name}"]`)?.content || null;
  return { clientId: meta('client-id'), scope: meta('scope'), defaultIss: meta('default-iss') };
}

/**
 * The options for FHIR.oauth2.authorize: this launch's own state key (kept in the app's URL, so two
 * launches sharing sessionStorage never read each other's), and, embedded in an EHR iframe, the
 * authorization completed inside the frame itself (not handed to the EHR's window).
 */
export function authorizeOptions(options: AuthorizeOptions, scope: string, stateKey: string, inFrame: boolean): AuthorizeOptions & { stateKey: string; completeInTarget?: true } {
  return { ...options, scope, stateKey, ...(inFrame ? { completeInTarget: true as const } : {}) };
}
