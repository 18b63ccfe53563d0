// A failed lazy chunk or a chart that throws stays in its own panel: the item-9 banner and the
// summary stay on screen.
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ALL_ENGINES_OK, fhirHandlers, PATIENT_ID, phq9, proxyHandlers, TYPICAL_CHART } from './fixtures.ts';
import { renderApp } from './render-app.tsx';
import { mswServer } from '../support/msw.ts';

// The PHQ-9 trend chart's chunk cannot be downloaded; the relapse-history chart throws while rendering (once).
const relapseChart = vi.hoisted(() => ({ throws: true }));
vi.mock('../../src/app/features/trends/scale-trend-chart.tsx', () => {
  throw new TypeError('Failed to fetch dynamically imported module: /assets/scale-trend-chart-x.js');
});
vi.mock('../../src/app/features/relapse-history/relapse-history-chart.tsx', () => ({
  default: () => {
    if (relapseChart.throws) throw new Error('chart render failed');
    return <p>relapse chart drawn</p>;
  },
}));

const server = mswServer();

/** A relapse result Tidemark wrote earlier: the relapse-history panel then draws its (lazy) chart. */
const earlierRelapse = {
  resourceType: 'Observation',
  id: 'tm-1',
  status: 'final',
  identifier: [{ system: 'urn:tidemark:result', value: 'a'.repeat(64) }],
  code: { coding: [{ system: 'urn:tidemark:engine', code: 'relapse_risk' }] },
  subject: { reference: `Patient/${PATIENT_ID}` },
  effectiveDateTime: '2026-05-16T09:00:00Z',
  valueInteger: 40,
  interpretation: [{ text: 'moderate' }],
};

describe('error boundaries around the lazily loaded parts', () => {
  it('a failed chart chunk and a chart render error leave the safety banner and the summary in place', async () => {
    const caught: string[] = [];
    server.use(...fhirHandlers([...TYPICAL_CHART, earlierRelapse, phq9('phq-4', '2026-06-20T09:00:00Z', 16, { item9: 2 })]), ...proxyHandlers(ALL_ENGINES_OK));
    // The detail panels render from a deferred value: an error there is first retried synchronously by
    // React (reported as "recoverable"), then caught by the panel's boundary.
    renderApp({}, { onCaughtError: (e) => caught.push(String(e)), onRecoverableError: () => {} });
    const trendFailed = await screen.findByRole('region', { name: 'The PHQ-9 trend (not shown)' });
    expect(trendFailed).toHaveTextContent('could not be downloaded');
    expect(within(trendFailed).getByRole('button', { name: 'Reload the app' })).toBeInTheDocument();
    const historyFailed = await screen.findByRole('region', { name: 'Relapse risk over time (not shown)' });
    expect(historyFailed).toHaveTextContent('chart render failed');
    expect(caught.join('\n')).toMatch(/chart render failed/);
    // Still there: the banner, the summary headline, and the cards.
    expect(screen.getByRole('alert', { name: /PHQ-9 item 9 positive/ })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Summary' })).toHaveTextContent('Elevated relapse risk (68/100), rising.');
    expect(screen.getByRole('region', { name: 'Results in detail' })).toBeInTheDocument();

    // A passing render error: "Try again" brings the panel back, the banner never left.
    relapseChart.throws = false;
    await userEvent.setup().click(within(historyFailed).getByRole('button', { name: 'Try again' }));
    await screen.findByText('relapse chart drawn');
    expect(screen.getByRole('alert', { name: /PHQ-9 item 9 positive/ })).toBeInTheDocument();
  });
});
