// Everything behind the launch: React, the app and the error pages, loaded in parallel with the SMART
// token exchange (main.tsx holds only what the exchange and the first chart reads need).
import type Client from 'fhirclient/lib/Client';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './app.tsx';
import { AppProviders } from './app-providers.tsx';
import { CareTeamApp, careTeamGroupOf } from './features/care-team/index.ts';
import { dataLayerFromClient, type LaunchFacts } from './features/launch-session/from-fhir-client.ts';
import { LaunchError, type LaunchProblem } from './features/launch-session/launch-error.tsx';
import { preloadTrendChart } from './features/trends/phq9-trend.tsx';

let root: Root | null = null;
const rootOf = (el: HTMLElement) => (root ??= createRoot(el));

export function renderApp(el: HTMLElement, client: Client, patientId: string, facts: LaunchFacts): void {
  preloadTrendChart();
  rootOf(el).render(
    <AppProviders layer={dataLayerFromClient(client, patientId, facts)}>
      <App />
    </AppProviders>,
  );
}

export function renderLaunchError(el: HTMLElement, problem: LaunchProblem): void {
  rootOf(el).render(<LaunchError problem={problem} />);
}

/** No patient in context (provider launch, or standalone with user scopes): the care-team panel. */
export function renderCareTeam(el: HTMLElement, client: Client, facts: LaunchFacts): void {
  preloadTrendChart();
  rootOf(el).render(
    <StrictMode>
      <CareTeamApp
        fhir={(url) => client.request<unknown>({ url, headers: { Accept: 'application/fhir+json' } })}
        groupId={careTeamGroupOf(document)}
        layerFor={(patientId) => dataLayerFromClient(client, patientId, facts)}
      />
    </StrictMode>,
  );
}
