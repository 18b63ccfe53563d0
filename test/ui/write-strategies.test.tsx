// The save flow in the app, against the vendor models: the strategy is shown before saving, the
// preview says what goes where, "Write …" commits, and after a relaunch the same results are "already
// in the chart" and writing again adds nothing. Never a dead end: the note can be copied or downloaded.
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resetEnteredStores } from '../../src/app/features/phq9-entry/index.ts';
import { resetWriteBackCache } from '../../src/app/features/write-back/index.ts';
import { parseCapabilities } from '../../src/fhir/ehr/capabilities.ts';
import { fromBase64 } from '../../src/fhir/write/marker.ts';
import { siteServerConfig } from '../../src/fhir/write/site-config.ts';
import { capabilityStatement, FLOWSHEET_SYSTEM, smartConfiguration, vendorServer, type VendorName } from '../support/vendor-fhir.ts';
import { ALL_ENGINES_OK, FHIR_BASE, proxyHandlers, TYPICAL_CHART } from './fixtures.ts';
import { renderApp } from './render-app.tsx';
import { mswServer } from '../support/msw.ts';

const server = mswServer();
beforeEach(() => {
  sessionStorage.clear();
  resetEnteredStores();
  resetWriteBackCache();
});

const caps = (vendor: VendorName) => parseCapabilities(capabilityStatement(vendor), smartConfiguration(vendor, FHIR_BASE));
const layerFor = (vendor: VendorName, site?: ReturnType<typeof siteServerConfig.parse>) => ({
  capabilities: caps(vendor),
  fhirUser: 'Practitioner/dr-1',
  scope: vendor === 'epic' ? 'launch openid fhirUser patient/Observation.read patient/Observation.write patient/DocumentReference.read patient/DocumentReference.write' : undefined,
  ...(site ? { site } : {}),
});

async function openPreview(user: ReturnType<typeof userEvent.setup>) {
  // Query afresh each time: the button is re-rendered once the results are in.
  await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
  await user.click(screen.getByRole('button', { name: 'Save to chart' }));
  return screen.findByRole('region', { name: /^Preview/ });
}

describe('Cerner-like: the clinical note', () => {
  it('shows the strategy and the note before saving; writes it; after a relaunch it is already in the chart and a second save adds nothing', async () => {
    const vs = vendorServer('cerner', { base: FHIR_BASE, resources: TYPICAL_CHART as never });
    server.use(...vs.handlers, ...proxyHandlers(ALL_ENGINES_OK));
    renderApp(layerFor('cerner'));
    const user = userEvent.setup();
    const preview = await openPreview(user);
    expect(within(preview).getByTestId('write-strategy')).toHaveTextContent('Everything goes into one clinical note (DocumentReference).');
    expect(within(preview).getByTestId('write-strategy')).toHaveTextContent('Oracle Health creates Observations only for vital signs and laboratory results.');
    const rows = within(preview).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent('Clinical note — Progress note (DocumentReference)');
    expect(within(preview).getByText(/^Tidemark — measurement-based care summary/)).toBeInTheDocument();
    await user.click(within(preview).getByRole('button', { name: 'Write the clinical note to the chart' }));
    const written = await screen.findByRole('region', { name: 'Written to the chart' });
    const note = vs.all('DocumentReference')[0]!;
    expect(within(written).getByRole('link', { name: `DocumentReference/${note.id}` })).toHaveAttribute('href', `${FHIR_BASE}/DocumentReference/${note.id}`);
    expect(within(written).getByText(/each after checking the chart for it/)).toBeInTheDocument();
    expect(fromBase64((note.content as { attachment: { data: string } }[])[0]!.attachment.data)).toContain('Elevated relapse risk (68/100), rising.');

    // Relaunch: no client memory. The note is found by search before anything is written.
    cleanup();
    resetWriteBackCache();
    renderApp(layerFor('cerner'));
    const status = await waitFor(() => {
      const s = within(document.querySelector<HTMLElement>('[data-feature="write-back"]')!).getByRole('status');
      expect(s).toHaveTextContent('Already in the chart: this summary is saved. Saving again adds nothing.');
      return s;
    });
    expect(status).toBeInTheDocument();
    const again = await openPreview(user);
    await user.click(within(again).getByRole('button', { name: 'Write the clinical note to the chart' }));
    const second = await screen.findByRole('region', { name: 'Written to the chart' });
    expect(within(second).getByText('Already in the chart')).toBeInTheDocument();
    expect(vs.all('DocumentReference')).toHaveLength(1);
  });
});

describe('Epic-like: flowsheet values where the site mapped rows, and the note', () => {
  it('names the rows in the preview and writes one value and the note', async () => {
    const vs = vendorServer('epic', { base: FHIR_BASE, resources: TYPICAL_CHART as never });
    server.use(...vs.handlers, ...proxyHandlers(ALL_ENGINES_OK));
    const site = siteServerConfig.parse({ fhirBase: FHIR_BASE, flowsheetRows: { 'relapse-risk': { system: FLOWSHEET_SYSTEM, code: '1570000102', display: 'Tidemark relapse risk' } } });
    renderApp(layerFor('epic', site));
    const user = userEvent.setup();
    const preview = await openPreview(user);
    expect(within(preview).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual([
      'Flowsheet row Tidemark relapse risk (1570000102)',
      'Clinical note — Progress note (DocumentReference)',
    ]);
    await user.click(within(preview).getByRole('button', { name: 'Write 1 flowsheet value and the clinical note to the chart' }));
    await screen.findByRole('region', { name: 'Written to the chart' });
    expect(vs.all('Observation').filter((o) => (o.category as { coding: { code: string }[] }[])[0]!.coding[0]!.code === 'vital-signs')).toHaveLength(1);
    expect(vs.all('DocumentReference')).toHaveLength(1);
  });
});

describe('never a dead end', () => {
  it('a server that takes nothing of ours: no Write button; the note can be copied and downloaded', async () => {
    const vs = vendorServer('cerner', { base: FHIR_BASE, resources: TYPICAL_CHART as never });
    server.use(...vs.handlers, ...proxyHandlers(ALL_ENGINES_OK));
    renderApp({ ...layerFor('cerner'), site: siteServerConfig.parse({ fhirBase: FHIR_BASE, strategy: 'none' }) });
    const user = userEvent.setup();
    // after setup(): user-event installs its own clipboard stub
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const preview = await openPreview(user);
    expect(within(preview).getByTestId('write-strategy')).toHaveTextContent('Nothing can be written to this EHR');
    expect(within(preview).queryByRole('button', { name: /^Write/ })).not.toBeInTheDocument();
    await user.click(within(preview).getByRole('button', { name: 'Copy the note' }));
    expect(writeText).toHaveBeenCalledWith(expect.stringContaining('Tidemark — measurement-based care summary'));
    expect(await within(preview).findByText('The note is on the clipboard.')).toBeInTheDocument();
    expect(within(preview).getByRole('button', { name: 'Download the note' })).toBeEnabled();
    expect(within(preview).getByRole('button', { name: 'Download as FHIR JSON' })).toBeEnabled();
    expect(vs.log.filter((l) => l.startsWith('POST'))).toEqual([]);
  });
});
