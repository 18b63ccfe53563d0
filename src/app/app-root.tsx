// Everything behind the launch: loaded in parallel with the SMART token exchange (see main.tsx).
import type Client from 'fhirclient/lib/Client';
import type { Root } from 'react-dom/client';
import { StrictMode } from 'react';
import { App } from './app.tsx';
import { AppProviders } from './app-providers.tsx';
import { CareTeamApp, careTeamGroupOf } from './features/care-team/index.ts';
import type { EarlyReads } from './features/launch-session/early-reads.ts';
import { dataLayerFromClient } from './features/launch-session/from-fhir-client.ts';
import { preloadTrendChart } from './features/trends/phq9-trend.tsx';

export function renderApp(root: Root, client: Client, patientId: string, early?: EarlyReads): void {
  preloadTrendChart();
  root.render(
    <AppProviders layer={dataLayerFromClient(client, patientId, early)}>
      <App />
    </AppProviders>,
  );
}

/** No patient in context: the care-team panel, read with the same session (user scopes). */
export function renderCareTeam(root: Root, client: Client): void {
  preloadTrendChart();
  root.render(
    <StrictMode>
      <CareTeamApp
        fhir={(url) => client.request<unknown>({ url, headers: { Accept: 'application/fhir+json' } })}
        groupId={careTeamGroupOf(document)}
        layerFor={(patientId) => dataLayerFromClient(client, patientId)}
      />
    </StrictMode>,
  );
}
