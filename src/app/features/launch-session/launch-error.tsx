// What the clinician sees when the launch cannot complete: never a blank page.
export type LaunchProblem =
  | { kind: 'denied'; detail?: string }
  | { kind: 'relaunch'; detail?: string }
  | { kind: 'no-patient' }
  | { kind: 'auth-error'; detail: string };

/** Classifies the URL and fhirclient's ready() error into something a clinician can act on. */
export function classifyLaunchProblem(href: string, error?: unknown): LaunchProblem | null {
  const params = new URL(href).searchParams;
  const code = params.get('error');
  const description = params.get('error_description') ?? undefined;
  if (code === 'access_denied') return { kind: 'denied', detail: description };
  if (code) return { kind: 'auth-error', detail: description ? `${code}: ${description}` : code };
  if (error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  // No state / expired session / token endpoint refusal (code reused or expired).
  if (/state|session|expired|invalid_grant|No 'code'|not found in session|token/i.test(message)) return { kind: 'relaunch', detail: message };
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
  'auth-error': {
    title: 'The launch could not complete',
    body: 'The EHR’s authorization did not complete. Relaunch from the EHR; if it happens again, contact your EHR administrator.',
  },
};

export function LaunchError({ problem }: { problem: LaunchProblem }) {
  const copy = COPY[problem.kind];
  const detail = 'detail' in problem ? problem.detail : undefined;
  return (
    <main className="launch-error" role="alert" aria-labelledby="launch-error-title">
      <h1 id="launch-error-title">{copy.title}</h1>
      <p>{copy.body}</p>
      {detail && (
        <details>
          <summary>Technical detail</summary>
          <p className="launch-error__detail">{detail}</p>
        </details>
      )}
    </main>
  );
}
