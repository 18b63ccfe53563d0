// App entry: completes the SMART authorization (FHIR.oauth2.ready), then renders with the
// fhirclient-backed data layer. Every failure ends in a readable page, never a blank one.
import FHIR from 'fhirclient';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { AppProviders } from './app-providers.tsx';
import { dataLayerFromClient } from './features/launch-session/from-fhir-client.ts';
import { classifyLaunchProblem, LaunchError } from './features/launch-session/launch-error.tsx';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

async function start(): Promise<void> {
  const early = classifyLaunchProblem(window.location.href);
  if (early) {
    root.render(<LaunchError problem={early} />);
    return;
  }
  let client;
  try {
    client = await FHIR.oauth2.ready();
  } catch (error) {
    root.render(<LaunchError problem={classifyLaunchProblem(window.location.href, error) ?? { kind: 'auth-error', detail: String(error) }} />);
    return;
  }
  const patientId = client.getPatientId();
  if (!patientId) {
    root.render(<LaunchError problem={{ kind: 'no-patient' }} />);
    return;
  }
  root.render(
    <AppProviders layer={dataLayerFromClient(client, patientId)}>
      <App />
    </AppProviders>,
  );
}

void start();
