import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ALL_ENGINES_OK, fhirHandlers, patient, phq9, proxyHandlers, type FhirServerLog, type ProxyLog } from './fixtures.ts';
import { renderApp } from './render-app.tsx';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

it('follows every page of a long chart (five years of PHQ-9, 3 per page)', { timeout: 60_000 }, async () => {
  const start = Date.parse('2021-07-01T09:00:00Z');
  const resources = [patient(), ...Array.from({ length: 60 }, (_, i) => phq9(`phq-${i}`, new Date(start + i * 30 * 86_400_000).toISOString(), 5 + (i % 15)))];
  const log: FhirServerLog = { searches: [] };
  const proxy: ProxyLog = { calls: [] };
  server.use(...fhirHandlers(resources, { pageSize: 3, log }), ...proxyHandlers(ALL_ENGINES_OK, proxy));
  renderApp();
  // Twenty sequential pages: allow for a loaded machine (the assertion below is what matters).
  await userEvent.click(await screen.findByText('PHQ-9 values (60)', {}, { timeout: 30_000 }));
  expect(log.searches.filter((s) => s.includes('_offset')).length).toBeGreaterThanOrEqual(19);
  const relapse = proxy.calls.find((c) => c.engine === 'relapse');
  expect(relapse).toBeDefined();
  expect((relapse!.body as { assessments: unknown[] }).assessments).toHaveLength(60);
});
