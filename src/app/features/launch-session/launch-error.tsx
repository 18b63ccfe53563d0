// What the clinician sees when the launch cannot complete: never a blank page.
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

const COPY: Record<LaunchProblem['kind'], { title: string; body: string }> = {
  denied: {
    title: 'Access was not granted',
    body: 'Tidemark needs your permission to read this patient’s assessments, medications and labs. Relaunch from the EHR and approve the request to continue.',
  },
  relaunch: {
    title: 'Please relaunch Tidemark from the EHR',
    body: 'This session has expired or was not started from the EHR (for example after a page reload in a new tab). Open Tidemark again from the patient’s chart.',
  },
  'no-patient': {
    title: 'No patient selected',
    body: 'The EHR did not provide a patient for this session. Open a patient’s chart and launch Tidemark from there.',
  },
  'app-refused': {
    title: 'The EHR did not accept Tidemark',
    body: 'The EHR’s authorization server refused this app’s registration or the access it asked for, so relaunching will not help. Ask your EHR administrator to check Tidemark’s client id, redirect URI and allowed scopes.',
  },
  'patient-mismatch': {
    title: 'This is not the patient the EHR authorized',
    body: 'The patient in the EHR’s authorization does not match the patient Tidemark was about to show, so nothing is shown. Relaunch Tidemark from the patient’s chart.',
  },
  'auth-error': {
    title: 'The launch could not complete',
    body: 'The EHR’s authorization did not complete. Relaunch from the EHR; if it happens again, contact your EHR administrator.',
  },
};

export function LaunchError({ problem }: { problem: LaunchProblem }) {
  const copy = COPY[problem.kind];
  const detail = 'detail' in problem ? problem.detail : undefined;
  const code = problem.kind === 'app-refused' ? problem.code : undefined;
  return (
    // The page's main landmark holds the alert (role="alert" on <main> itself would hide the landmark).
    <main className="launch-error" aria-labelledby="launch-error-title">
      <div role="alert">
      <h1 id="launch-error-title">{copy.title}</h1>
      <p>{copy.body}</p>
      {code && (
        <p>
          The EHR answered <code>{code}</code>.
        </p>
      )}
      {detail && (
        <details>
          <summary>Technical detail</summary>
          <p className="launch-error__detail">{detail}</p>
        </details>
      )}
      </div>
    </main>
  );
}
