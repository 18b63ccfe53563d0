// "Enter today's PHQ-9": said plainly when the chart gives none, nine items required, scored at once
// through the same path as a charted PHQ-9 (item 9 → the safety banner), and saved to the chart.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetEnteredStores } from '../../src/app/features/phq9-entry/index.ts';
import { resetWriteBackCache } from '../../src/app/features/write-back/index.ts';
import { FHIR_BASE, fhirHandlers, medicationRequest, patient, phq9, realEngineHandlers, type ProxyLog } from './fixtures.ts';
import { renderApp } from './render-app.tsx';
import { writeServer } from './write-server.ts';
import { mswServer } from '../support/msw.ts';

const NOW = new Date('2026-06-28T12:00:00Z');
const server = mswServer();
beforeEach(() => {
  sessionStorage.clear();
  resetEnteredStores();
  resetWriteBackCache();
});

const NO_PHQ9 = [patient(), medicationRequest('rx-1', { rxnorm: '36437', name: 'sertraline', authoredOn: '2026-03-01' })];

/** Answers items 1–9 (only those given), then scores. */
async function enter(user: ReturnType<typeof userEvent.setup>, answers: (number | null)[]) {
  const form = document.querySelector<HTMLElement>('[data-feature="phq9-entry"]')!;
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i];
    if (a === null || a === undefined) continue;
    const item = within(form).getAllByRole('group')[i]!;
    await user.click(within(item).getAllByRole('radio')[a]!);
  }
  await user.click(within(form).getByRole('button', { name: 'Score this PHQ-9' }));
}

describe('when the chart gives no PHQ-9', () => {
  it('says so plainly, shows the form at once, and refuses an incomplete PHQ-9 (a skipped item is never 0)', async () => {
    server.use(...fhirHandlers(NO_PHQ9), ...realEngineHandlers(NOW));
    renderApp();
    const panel = await screen.findByRole('region', { name: 'No PHQ-9 in the chart' });
    expect(panel).toHaveTextContent('This chart holds no PHQ-9 that Tidemark can read.');
    expect(within(panel).getAllByRole('group')).toHaveLength(9);
    expect(within(panel).getAllByRole('group')[8]).toHaveTextContent('9. Thoughts that you would be better off dead, or of hurting yourself in some way');
    const user = userEvent.setup();
    await enter(user, [1, 1, 1, 1, null, 1, 1, null, 0]);
    expect(within(panel).getByRole('alert')).toHaveTextContent('items 5, 8 are unanswered');
    expect(within(panel).getByText(/so far — 2 items to answer/)).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'PHQ-9 entered in Tidemark' })).not.toBeInTheDocument();
  });

  it('names a refused search as the reason', async () => {
    server.use(
      http.get(`${FHIR_BASE}/Observation`, ({ request }) =>
        new URL(request.url).searchParams.get('code')?.includes('44261-6') ? new HttpResponse(null, { status: 403 }) : undefined,
      ),
      ...fhirHandlers(NO_PHQ9),
      ...realEngineHandlers(NOW),
    );
    renderApp();
    const panel = await screen.findByRole('region', { name: 'No PHQ-9 in the chart' });
    expect(panel).toHaveTextContent(/could not read the questionnaires in this chart \(could not be read — the EHR refused the search \(403/);
  });

  it('an entered PHQ-9 with item 9 positive raises the banner and is scored by the engines like a charted one', async () => {
    const log: ProxyLog = { calls: [] };
    server.use(...fhirHandlers(NO_PHQ9), ...realEngineHandlers(NOW, log));
    renderApp();
    await screen.findByRole('region', { name: 'No PHQ-9 in the chart' });
    expect(screen.queryByRole('alert', { name: /item 9 positive/i })).not.toBeInTheDocument();
    await enter(userEvent.setup(), [2, 2, 1, 2, 1, 2, 1, 1, 2]);
    const banner = await screen.findByRole('alert', { name: /item 9 positive/i });
    expect(banner).toHaveTextContent('More than half the days');
    expect(banner).toHaveTextContent('28 Jun 2026');
    // The engines were asked again, with the entered PHQ-9 and its nine answers.
    await waitFor(() => {
      const relapse = log.calls.filter((c) => c.engine === 'relapse').at(-1);
      const a = (relapse?.body as { assessments?: { score: number; items?: { index: number; score: number }[] }[] } | undefined)?.assessments;
      expect(a?.[0]?.score).toBe(14);
      expect(a?.[0]?.items?.find((i) => i.index === 9)?.score).toBe(2);
    });
    const entered = screen.getByRole('list', { name: 'PHQ-9 entered in Tidemark' });
    expect(entered).toHaveTextContent('14/27 (moderate), item 9: More than half the days (2) — positive');
    expect(entered).toHaveTextContent('Not saved to the chart yet');
  });
});

describe('saving an entered PHQ-9', () => {
  it('open server: written as a QuestionnaireResponse with the results; the list says where, with a link', async () => {
    const ws = writeServer();
    server.use(...ws.handlers, ...fhirHandlers([...NO_PHQ9, phq9('phq-1', '2026-04-01T09:00:00Z', 9)]), ...realEngineHandlers(NOW));
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Enter today’s PHQ-9' }));
    await enter(user, [0, 1, 0, 1, 0, 0, 1, 0, 1]);
    await screen.findByRole('alert', { name: /item 9 positive/i });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Save to chart' }));
    const write = await screen.findByRole('button', { name: /^Write \d+ Observations and 1 QuestionnaireResponse to the chart$/ });
    await user.click(write);
    await screen.findByRole('region', { name: 'Written to the chart' });
    const qr = [...ws.store.values()].find((r) => r.resourceType === 'QuestionnaireResponse');
    expect(qr).toBeDefined();
    const entered = screen.getByRole('list', { name: 'PHQ-9 entered in Tidemark' });
    await waitFor(() => expect(entered).toHaveTextContent('Saved to the chart (QuestionnaireResponse (PHQ-9 form)'));
    expect(within(entered).getByRole('link')).toHaveAttribute('href', `${FHIR_BASE}/QuestionnaireResponse/${qr!.id}`);
  });
});
