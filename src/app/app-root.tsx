// Everything behind the launch: loaded in parallel with the SMART token exchange (see main.tsx).
import type Client from 'fhirclient/lib/Client';
import type { Root } from 'react-dom/client';
import { App } from './app.tsx';
import { AppProviders } from './app-providers.tsx';
import { dataLayerFromClient, type LaunchFacts } from './features/launch-session/from-fhir-client.ts';
import { preloadTrendChart } from './features/trends/phq9-trend.tsx';

export function renderApp(root: Root, client: Client, patientId: string, facts: LaunchFacts): void {
  preloadTrendChart();
  root.render(
    <AppProviders layer={dataLayerFromClient(client, patientId, facts)}>
      <App />
    </AppProviders>,
  );
}
