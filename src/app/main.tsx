// App entry: completes the SMART authorization (FHIR.oauth2.ready) while React and the app load in
// parallel, then renders with the fhirclient-backed data layer. This first bundle holds only what the
// token exchange and the first chart reads need (no React): the exchange starts as early as it can.
// Every failure ends in a readable page, never a blank one. The launch's state key stays in the URL
// (per launch: two EHR iframes sharing sessionStorage never read each other's session), and what the
// launch page learned about the server is read from that launch's own digest.
import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';
import { parseCapabilities } from '../fhir/ehr/capabilities.ts';
import { scopeAllows } from '../fhir/ehr/scopes.ts';
import { loadDigest } from '../launch/launch-digest.ts';
import { startEarlyReads } from './features/launch-session/early-reads.ts';
import { classifyLaunchProblem, type LaunchProblem } from './features/launch-session/launch-problem.ts';
import { mark } from './lib/marks.ts';
import './styles.css';

FHIR.oauth2.settings.fullSessionStorageSupport = false;

const el = document.getElementById('root')!;
const appModule = import('./app-root.tsx');

async function fail(problem: LaunchProblem): Promise<void> {
  const { renderLaunchError } = await appModule;
  renderLaunchError(el, problem);
}

/**
 * GET /api/v1/session: the proxy checks the token now, while the chart is read, so the first engine
 * call finds the verdict cached (its answer is not needed here). The path is written out: importing
 * API_PREFIX would pull every contract schema into this first bundle.
 */
function warmTokenCheck(token: string, serverUrl: string): void {
  fetch('/api/v1/session', { headers: { Authorization: `Bearer ${token}`, 'X-FHIR-Server': serverUrl, Accept: 'application/json' } }).catch(() => undefined);
}

async function start(): Promise<void> {
  const early = classifyLaunchProblem(window.location.href);
  if (early) return fail(early);
  mark('main');
  let client: Client;
  try {
    client = await FHIR.oauth2.ready();
  } catch (error) {
    return fail(classifyLaunchProblem(window.location.href, error) ?? { kind: 'auth-error', detail: String(error) });
  }
  // A stale session left in this tab's storage (e.g. by a denied launch) has no token: relaunch.
  if (!client.state.tokenResponse?.access_token) return fail({ kind: 'relaunch', detail: 'This tab holds no completed authorization.' });
  mark('token');
  const patientId = client.getPatientId();
  const digest = loadDigest(sessionStorage, client.state.key);
  const capabilities = parseCapabilities(digest?.statement ?? null, digest?.smart ?? undefined);
  if (!patientId) {
    // No patient in context (provider launch, or standalone with user scopes): the care-team panel,
    // when the token may read a Group; otherwise say that the launch has no patient.
    if (scopeAllows(client.state.tokenResponse.scope, 'Group', 'r', 'user') === false) return fail({ kind: 'no-patient' });
    try {
      (await appModule).renderCareTeam(el, client, { capabilities, ...(digest?.site ? { site: digest.site } : {}) });
    } catch (error) {
      return fail({ kind: 'auth-error', detail: `The app failed to load: ${String(error)}` });
    }
    return;
  }
  // The chart reads start now, not after the app bundle has loaded and rendered.
  const reads = startEarlyReads(client, patientId, { capabilities, grantedScope: client.state.tokenResponse.scope });
  warmTokenCheck(client.state.tokenResponse.access_token, client.state.serverUrl);
  try {
    const { renderApp } = await appModule;
    mark('app-module');
    renderApp(el, client, patientId, { capabilities, early: reads, ...(digest?.site ? { site: digest.site } : {}) });
  } catch (error) {
    // The app bundle itself did not load: say so without React.
    el.innerHTML = '';
    const main = document.createElement('main');
    main.className = 'launch-error';
    main.innerHTML = '<div role="alert"><h1>Tidemark could not load</h1><p>Part of the app could not be downloaded. Reload the page, or relaunch from the EHR.</p></div>';
    const detail = document.createElement('p');
    detail.className = 'launch-error__detail';
    detail.textContent = String(error);
    main.firstElementChild?.append(detail);
    el.append(main);
  }
}

void start();
