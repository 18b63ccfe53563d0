// What the clinician sees when the launch cannot complete: never a blank page.
import type { LaunchProblem } from './launch-problem.ts';

export { classifyLaunchProblem, type LaunchProblem, oauthErrorCode } from './launch-problem.ts';

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
