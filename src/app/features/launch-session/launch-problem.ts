// Why a launch could not complete, worked out from the URL and fhirclient's ready() error (no React:
// main.tsx uses it before the app bundle has loaded).
export type LaunchProblem =
  | { kind: 'denied'; detail?: string }
  | { kind: 'relaunch'; detail?: string }
  | { kind: 'no-patient' }
  | { kind: 'app-refused'; code: string; detail?: string }
  | { kind: 'patient-mismatch'; detail: string }
  | { kind: 'auth-error'; detail: string };

/** RFC 6749 §5.2 token-endpoint error codes (and §4.1.2.1 authorization codes) we can name. */
const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
] as const;

/** The OAuth error code fhirclient appended to its HttpError message ("<status>\nURL: …\n<code>: <description>"). */
export function oauthErrorCode(message: string): string | null {
  // Look after the "URL: …" line only: the endpoint URL itself (…/token, …/oauth2/…) is not an error code.
  const body = message.split('\n').filter((line) => !/^URL:/i.test(line)).join('\n');
  const m = new RegExp(`(?:^|[\\s"'])(${OAUTH_ERRORS.join('|')})\\b`).exec(body);
  return m ? m[1]! : null;
}

/** Messages of fhirclient's ready() when this tab holds no usable authorization state. */
const NO_STATE = /No 'state' parameter found|No state found|'code' url parameter is required/i;

/** Classifies the URL and fhirclient's ready() error into something a clinician can act on. */
export function classifyLaunchProblem(href: string, error?: unknown): LaunchProblem | null {
  const params = new URL(href).searchParams;
  const code = params.get('error');
  const description = params.get('error_description') ?? undefined;
  if (code === 'access_denied') return { kind: 'denied', detail: description };
  if (code) return { kind: 'auth-error', detail: description ? `${code}: ${description}` : code };
  if (error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  if (NO_STATE.test(message)) return { kind: 'relaunch', detail: message };
  const oauth = oauthErrorCode(message);
  // A code that expired or was already used: a fresh launch from the EHR fixes it.
  if (oauth === 'invalid_grant') return { kind: 'relaunch', detail: message };
  // The EHR refuses the app itself (registration, client id, scopes): a relaunch does not help.
  if (oauth === 'invalid_client' || oauth === 'unauthorized_client' || oauth === 'invalid_scope' || oauth === 'unsupported_grant_type' || oauth === 'invalid_request')
    return { kind: 'app-refused', code: oauth, detail: message };
  return { kind: 'auth-error', detail: message };
}

