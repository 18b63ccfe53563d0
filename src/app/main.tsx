// App entry: completes the SMART authorization (FHIR.oauth2.ready) while the React app loads in
// parallel, then renders with the fhirclient-backed data layer. Every failure ends in a readable
// page, never a blank one. The launch's state key stays in the URL (per launch: two EHR iframes
// sharing sessionStorage never read each other's session), and what the launch page learned about
// the server is read from that launch's own digest.
import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';
import { createRoot } from 'react-dom/client';
import { parseCapabilities } from '../fhir/ehr/capabilities.ts';
import { loadDigest } from '../launch/launch-digest.ts';
import { startEarlyReads } from './features/launch-session/early-reads.ts';
import { classifyLaunchProblem, LaunchError } from './features/launch-session/launch-error.tsx';
import { mark } from './lib/marks.ts';
import './styles.css';

FHIR.oauth2.settings.fullSessionStorageSupport = false;

const root = createRoot(document.getElementById('root')!);

/**
 * GET /api/v1/session: the proxy checks the token now (its answer is not needed here). The path is
 * written out: importing API_PREFIX would pull every contract schema into this first bundle.
 */
function warmTokenCheck(token: string, serverUrl: string): void {
  fetch('/api/v1/session', { headers: { Authorization: `Bearer ${token}`, 'X-FHIR-Server': serverUrl, Accept: 'application/json' } }).catch(() => undefined);
}

async function start(): Promise<void> {
  const early = classifyLaunchProblem(window.location.href);
  if (early) {
    root.render(<LaunchError problem={early} />);
    return;
  }
  // The token exchange and the app bundle (React Query, zod, FHIR mapping) load at the same time.
  mark('main');
  const appModule = import('./app-root.tsx');
  let client: Client;
  try {
    client = await FHIR.oauth2.ready();
  } catch (error) {
    root.render(<LaunchError problem={classifyLaunchProblem(window.location.href, error) ?? { kind: 'auth-error', detail: String(error) }} />);
    return;
  }
  // A stale session left in this tab's storage (e.g. by a denied launch) has no token: relaunch.
  if (!client.state.tokenResponse?.access_token) {
    root.render(<LaunchError problem={{ kind: 'relaunch', detail: 'This tab holds no completed authorization.' }} />);
    return;
  }
  mark('token');
  const patientId = client.getPatientId();
  if (!patientId) {
    root.render(<LaunchError problem={{ kind: 'no-patient' }} />);
    return;
  }
  const digest = loadDigest(sessionStorage, client.state.key);
  const capabilities = parseCapabilities(digest?.statement ?? null, digest?.smart ?? undefined);
  // The chart reads start now, not after the app bundle has loaded and rendered; so does the proxy's
  // check of the token against its server, so the first engine call finds the verdict cached.
  const reads = startEarlyReads(client, patientId, { capabilities, grantedScope: client.state.tokenResponse.scope });
  warmTokenCheck(client.state.tokenResponse.access_token, client.state.serverUrl);
  try {
    const { renderApp } = await appModule;
    mark('app-module');
    renderApp(root, client, patientId, { capabilities, early: reads, ...(digest?.site ? { site: digest.site } : {}) });
  } catch (error) {
    root.render(<LaunchError problem={{ kind: 'auth-error', detail: `The app failed to load: ${String(error)}` }} />);
  }
}

void start();
