// SMART launch page: works out EHR vs standalone launch, then hands over to fhirclient, which
// discovers the server's endpoints and redirects to its authorization page (PKCE S256 required).
import FHIR from 'fhirclient';
import './launch.css';
import { planLaunch, readPageConfig } from './launch-config.ts';

const statusEl = document.getElementById('launch-status');

function show(title: string, message: string, isError: boolean): void {
  if (!statusEl) return;
  statusEl.replaceChildren();
  statusEl.className = isError ? 'launch launch--error' : 'launch';
  statusEl.setAttribute('role', isError ? 'alert' : 'status');
  const h = document.createElement('h1');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = message;
  statusEl.append(h, p);
}

async function main(): Promise<void> {
  const plan = planLaunch(window.location.href, readPageConfig(document));
  if (plan.kind === 'error') {
    show(plan.title, plan.message, true);
    return;
  }
  show(
    'Connecting to the EHR…',
    plan.kind === 'ehr' ? `Authorizing with ${plan.options.iss}` : `Standalone launch against ${plan.options.iss}`,
    false,
  );
  try {
    await FHIR.oauth2.authorize(plan.options);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    show(
      'Could not start the authorization',
      `Tidemark could not reach the authorization server for ${plan.options.iss}: ${detail}. Check that the EHR is available and relaunch.`,
      true,
    );
  }
}

void main();
