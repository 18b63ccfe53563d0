// Every sandbox story through the real mapping and the real engines (msw stands in for the
// sandbox's FHIR server and for the proxy): what the browser test will see, in jsdom.
import { cleanup, screen, waitFor, within } from '@testing-library/react';
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

  it('item9-observation and item9-in-progress: the banner shows an item-9 answer that was never scored', async () => {
    launch('item9-observation');
    const a = await screen.findByRole('alert', { name: /item 9 positive/i });
    expect(a).toHaveTextContent('“More than half the days” (2 of 3)');
    cleanup();
    launch('item9-in-progress');
    const b = await screen.findByRole('alert', { name: /item 9 positive/i });
    expect(b).toHaveTextContent('“Several days” (1 of 3)');
    expect(b).toHaveTextContent('(charted as in-progress)');
  });

  it('maintenance: an old positive item 9 is listed with its age under the latest answer (0)', async () => {
    launch('maintenance');
    const alert = await screen.findByRole('alert', { name: 'PHQ-9 item 9 — earlier positive answers' });
    expect(alert).toHaveTextContent(/Latest answer: on .* “Not at all” \(0 of 3\)/);
    expect(alert).toHaveTextContent(/2 of 3 \(“More than half the days”\) on .* — 2 years ago/);
  });

  it('clozapine: the critical ANC is on the alert banner; no card advises routine monitoring', async () => {
    launch('clozapine');
    const alert = await screen.findByRole('alert', { name: 'Critical lab value' });
    expect(alert).toHaveTextContent(/Absolute neutrophil count 0\.4 ×10³\/µL on .* \(< 1 ×10³\/µL\)/);
    const relapse = await screen.findByRole('article', { name: 'Relapse risk' });
    await within(relapse).findByText(/Critical lab: Absolute neutrophil count/, { selector: '.relapse__recommendation' });
    for (const card of screen.getAllByRole('article')) expect(card).not.toHaveTextContent(/routine monitoring/i);
  });

  it('recurrence: 3 → 27 is high relapse risk, with the implied item 9 on the banner', async () => {
    launch('recurrence');
    await screen.findByRole('alert', { name: /item 9 positive/i });
    const relapse = await screen.findByRole('article', { name: 'Relapse risk' });
    expect(await within(relapse).findByText(/· High ·/)).toBeInTheDocument();
    expect(within(relapse).getByText(/PHQ-9 27 is severe/, { selector: '.relapse__level-reason' })).toBeInTheDocument();
  });

  it('improving: the GAD-7 is shown beside the PHQ-9 with its band and change', async () => {
    launch('improving');
    await summaryReady();
    const gad = document.querySelector('.summary__phq9[data-instrument="gad7"]')!;
    expect(gad).toHaveTextContent(/Latest GAD-7 \d+\/21 \((minimal|mild)\) on .* · change -\d+/);
    expect(await screen.findByRole('region', { name: 'GAD-7 trend' })).toBeInTheDocument();
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
