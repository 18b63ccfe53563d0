// Renders the real App with a plain-fetch data layer (no fhirclient) against msw.
import { QueryClient } from '@tanstack/react-query';
import { render, type RenderOptions } from '@testing-library/react';
import { App } from '../../src/app/app.tsx';
import { AppProviders } from '../../src/app/app-providers.tsx';
import type { DataLayer } from '../../src/app/features/launch-session/data-layer.tsx';
import { UNKNOWN_CAPABILITIES } from '../../src/fhir/ehr/capabilities.ts';
import { FHIR_BASE, PATIENT_ID } from './fixtures.ts';

export const TEST_TOKEN = 'test-access-token';

export function testDataLayer(over: Partial<DataLayer> = {}): DataLayer {
  return {
    fhir: async (url) => {
      const res = await fetch(new URL(url, `${FHIR_BASE}/`), { headers: { Accept: 'application/fhir+json', Authorization: `Bearer ${TEST_TOKEN}` } });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText} for ${url}`);
      return res.json();
    },
    patientId: PATIENT_ID,
    serverUrl: FHIR_BASE,
    accessToken: async () => TEST_TOKEN,
    needPatientBanner: false,
    apiBase: 'http://app.test/api/v1',
    now: () => new Date('2026-06-28T12:00:00Z'),
    // Nothing known about the server (as without the launch page's discovery): plain FHIR, the server decides.
    capabilities: UNKNOWN_CAPABILITIES,
    ...over,
  };
}

export function renderApp(over: Partial<DataLayer> = {}, options: Pick<RenderOptions, 'onCaughtError' | 'onRecoverableError'> = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, retryDelay: 0, gcTime: Infinity } } });
  return render(
    <AppProviders layer={testDataLayer(over)} queryClient={queryClient}>
      <App />
    </AppProviders>,
    options,
  );
}
