// Every sandbox story through the real mapping and the real engines (msw stands in for the
// sandbox's FHIR server and for the proxy): what the browser test will see, in jsdom.
import { screen, waitFor, within } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, type RelapseResponse } from '../../src/contract/index.ts';
import { runEngine } from '../../src/engines/index.ts';
import { generatePatients, STORIES } from '../../src/sandbox/patients/index.ts';
import { fhirHandlers, realEngineHandlers, type ProxyLog } from './fixtures.ts';
import { renderApp } from './render-app.tsx';

const NOW = new Date('2026-11-25T12:00:00Z');
const resources = generatePatients(NOW, 42) as unknown as Parameters<typeof fhirHandlers>[0];

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function launch(patientId: string, log?: ProxyLog) {
  server.use(...fhirHandlers(resources), ...realEngineHandlers(NOW, log));
  renderApp({ patientId, now: () => NOW });
}

async function summaryReady() {
  const list = await screen.findByRole('list', { name: /most concerning first/i }, { timeout: 10_000 });
  await waitFor(() => expect(within(list).queryByText('Computing…')).toBeNull(), { timeout: 10_000 });
  return list;
}

describe('sandbox stories render with the real engines', () => {
  for (const story of Object.keys(STORIES)) {
    it(`${story}: a summary with no engine failing`, async () => {
      launch(story);
      const list = await summaryReady();
      expect(within(list).queryByText('Unavailable')).toBeNull();
      expect(screen.queryByText('Could not read the chart')).toBeNull();
    });
  }

  it('item9: the safety banner shows the latest positive answer', async () => {
    launch('item9');
    const alert = await screen.findByRole('alert', { name: /item 9 positive/i });
    expect(alert).toHaveTextContent(/Several days|More than half the days|Nearly every day/);
    expect(alert).toHaveTextContent(/suicide-risk protocol/);
  });

  it('improving: no safety banner', async () => {
    launch('improving');
    await summaryReady();
    expect(screen.queryByRole('alert', { name: /item 9/i })).toBeNull();
  });

  it('relapse: the factor breakdown equals the engine output for the request the app sent', async () => {
    const log: ProxyLog = { calls: [] };
    launch('relapse', log);
    const factors = await screen.findByRole('list', { name: 'Relapse risk factors' }, { timeout: 10_000 });
    const call = log.calls.find((c) => c.engine === 'relapse')!;
    const expected = runEngine('relapse', ENDPOINTS.relapse.request.parse(call.body), { now: NOW }) as RelapseResponse;
    for (const f of expected.factors) {
      const item = within(factors).getByText(f.label).closest('li')!;
      expect(within(item).getByRole('img')).toHaveAccessibleName(
        `${f.label}: ${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(f.points)} of ${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(f.maxPoints)} points`,
      );
    }
    expect(screen.getByText(String(Math.round(expected.score * 10) / 10), { selector: '.relapse__number' })).toBeInTheDocument();
  });

  it('sparse: the trend explains it needs two PHQ-9s', async () => {
    launch('sparse');
    expect(await screen.findByText(/Only one PHQ-9 .* — trend needs at least two\./, {}, { timeout: 10_000 })).toBeInTheDocument();
  });

  it('messy: left-out entries are counted', async () => {
    launch('messy');
    expect(await screen.findByText(/\d+ entries left out: .*entered-in-error/, {}, { timeout: 10_000 })).toBeInTheDocument();
  });
});
