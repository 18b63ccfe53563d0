import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ENGINES_OK,
  FHIR_BASE,
  TYPICAL_CHART,
  encounter,
  errorResponse,
  fhirHandlers,
  outcomeResponse,
  patient,
  phq9,
  proxyHandlers,
  relapseResponse,
  type EngineMocks,
  type ProxyLog,
} from './fixtures.ts';
import { renderApp, TEST_TOKEN } from './render-app.tsx';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function serve(resources: Parameters<typeof fhirHandlers>[0], engines: EngineMocks, log?: ProxyLog) {
  server.use(...fhirHandlers(resources), ...proxyHandlers(engines, log));
}

describe('summary', () => {
  it('lists results worst first, with the review flag and the disclaimer', async () => {
    serve(TYPICAL_CHART, ALL_ENGINES_OK);
    renderApp();
    const list = await screen.findByRole('list', { name: /most concerning first/i });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(4));
    await waitFor(() => expect(within(list).queryByText('Computing…')).toBeNull());
    const order = within(list)
      .getAllByRole('listitem')
      .map((li) => li.getAttribute('data-engine'));
    // biomarker "concern" and relapse "elevated" (both concerning; biomarker first by engine order… both review),
    // then medication "watch", then outcome "improving".
    expect(order.slice(2)).toEqual(['medication', 'outcome']);
    expect(order.slice(0, 2).sort()).toEqual(['biomarker', 'relapse']);
    expect(screen.getByText(/Requires clinician review \(2 of 4 results\)/)).toBeInTheDocument();
    expect(screen.getAllByText(/decision support for clinician review — not a diagnosis/i).length).toBeGreaterThan(0);
  });

  it('puts a high relapse risk ahead of everything else', async () => {
    serve(TYPICAL_CHART, {
      ...ALL_ENGINES_OK,
      relapse: () => relapseResponse({ level: 'high', score: 82 }, { status: 'high', headline: 'High relapse risk (82/100).', review: true }),
    });
    renderApp();
    const list = await screen.findByRole('list', { name: /most concerning first/i });
    await waitFor(() => expect(within(list).getAllByRole('listitem')[0]).toHaveAttribute('data-engine', 'relapse'));
    const summary = screen.getByRole('region', { name: 'Summary' });
    expect(within(summary).getByText('High relapse risk (82/100).', { selector: '.summary__lead' })).toBeInTheDocument();
  });

  it('sends the SMART token and the FHIR server to the proxy', async () => {
    const log: ProxyLog = { calls: [] };
    serve(TYPICAL_CHART, ALL_ENGINES_OK, log);
    renderApp();
    await screen.findByText('Elevated relapse risk (68/100), rising.', { selector: '.card__headline' });
    const relapse = log.calls.find((c) => c.engine === 'relapse')!;
    expect(relapse.headers.get('authorization')).toBe(`Bearer ${TEST_TOKEN}`);
    expect(relapse.headers.get('x-fhir-server')).toBe(FHIR_BASE);
    expect((relapse.body as { assessments: unknown[] }).assessments).toHaveLength(3);
  });
});

describe('PHQ-9 item 9 safety banner', () => {
  it('appears for a positive item 9 with the date, the answer and the protocol reminder', async () => {
    serve([...TYPICAL_CHART, phq9('phq-4', '2026-06-20T09:00:00Z', 16, { item9: 2 })], ALL_ENGINES_OK);
    renderApp();
    const alert = await screen.findByRole('alert', { name: /item 9 positive/i });
    expect(alert).toHaveTextContent('More than half the days');
    expect(alert).toHaveTextContent('20 Jun 2026');
    expect(alert).toHaveTextContent(/local suicide-risk protocol/i);
    expect(within(alert).getByRole('button', { name: 'Observation/phq-4' })).toBeInTheDocument();
  });

  it('leads with the latest answer (0) and lists an older positive answer with its age, never hiding it', async () => {
    serve([...TYPICAL_CHART, phq9('phq-0', '2026-01-10T09:00:00Z', 20, { item9: 1 }), phq9('phq-4', '2026-06-20T09:00:00Z', 9, { item9: 0 })], ALL_ENGINES_OK);
    renderApp();
    const alert = await screen.findByRole('alert', { name: 'PHQ-9 item 9 — earlier positive answers' });
    expect(alert).toHaveTextContent(/Latest answer: on 20 Jun 2026 the patient answered “Not at all” \(0 of 3\)/);
    expect(alert).toHaveTextContent('1 of 3 (“Several days”) on 10 Jan 2026 — 6 months ago');
    expect(alert).not.toHaveTextContent(/item 9 positive/i);
    expect(within(alert).getByRole('button', { name: 'Observation/phq-0' })).toBeInTheDocument();
  });

  it('is absent when every item-9 answer is 0', async () => {
    serve([...TYPICAL_CHART, phq9('phq-4', '2026-06-20T09:00:00Z', 9, { item9: 0 })], ALL_ENGINES_OK);
    renderApp();
    await screen.findByText('Elevated relapse risk (68/100), rising.', { selector: '.card__headline' });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('appears when an engine reports the finding even if the chart mapping did not', async () => {
    serve(TYPICAL_CHART, {
      ...ALL_ENGINES_OK,
      relapse: () => ({
        ...relapseResponse(),
        safety: [{ kind: 'phq9_item9', answer: 3, at: '2026-05-15T09:00:00Z', sourceRef: 'Observation/phq-3', message: 'Item 9 answered "Nearly every day".' }],
      }),
    });
    renderApp();
    const alert = await screen.findByRole('alert', { name: /item 9 positive/i });
    expect(alert).toHaveTextContent('Nearly every day');
  });
});

describe('engine failures', () => {
  it('shows one failing engine with its error and Retry while the others render', async () => {
    let relapseFails = true;
    serve(TYPICAL_CHART, {
      ...ALL_ENGINES_OK,
      relapse: () => (relapseFails ? errorResponse(502, 'upstream_error', 'The relapse engine is unavailable.') : relapseResponse()),
    });
    renderApp();
    const card = (await screen.findByRole('heading', { name: 'Relapse risk', level: 3 })).closest('article')!;
    await within(card).findByText(/The relapse engine is unavailable\./);
    // The others still render.
    expect(await screen.findByText('Outcome improving (+22).', { selector: '.card__headline' })).toBeInTheDocument();
    expect(screen.getByText('TSH high (6.2 mIU/L).', { selector: '.card__headline' })).toBeInTheDocument();
    const summary = screen.getByRole('region', { name: 'Summary' });
    expect(within(summary).getByText('Unavailable')).toBeInTheDocument();

    relapseFails = false;
    await userEvent.click(within(card).getByRole('button', { name: 'Retry' }));
    expect(await within(card).findByText('Elevated relapse risk (68/100), rising.')).toBeInTheDocument();
  });

  it('says "relaunch" when the proxy rejects the token', async () => {
    serve(TYPICAL_CHART, { ...ALL_ENGINES_OK, outcome: () => errorResponse(401, 'invalid_token', 'Token rejected by its FHIR server.') });
    renderApp();
    const card = (await screen.findByRole('heading', { name: 'Outcome', level: 3 })).closest('article')!;
    expect(await within(card).findByText(/Relaunch Tidemark from the EHR/)).toBeInTheDocument();
  });

  it('rejects an off-contract engine answer instead of rendering it', async () => {
    serve(TYPICAL_CHART, { ...ALL_ENGINES_OK, outcome: () => HttpResponse.json({ ok: true, requestId: 'r', data: { object: 'outcome.score', score: 'high' } }) });
    renderApp();
    const card = (await screen.findByRole('heading', { name: 'Outcome', level: 3 })).closest('article')!;
    expect(await within(card).findByText(/did not match the API contract/)).toBeInTheDocument();
  });

  it('shows a chart read error with Retry when the FHIR server is down', async () => {
    server.use(http.get(`${FHIR_BASE}/*`, () => HttpResponse.json({}, { status: 503 })), ...proxyHandlers(ALL_ENGINES_OK));
    renderApp();
    expect(await screen.findByText('Could not read the chart')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });
});

describe('sparse and messy charts', () => {
  it('explains that a single PHQ-9 cannot make a trend', async () => {
    serve([patient(), phq9('phq-1', '2026-05-01T09:00:00Z', 12)], {
      relapse: () => relapseResponse(),
      outcome: () => outcomeResponse({ status: 'insufficient_data', headline: 'One PHQ-9 only.', review: false }),
    });
    renderApp();
    expect(await screen.findByText(/Only one PHQ-9 .* — trend needs at least two\./)).toBeInTheDocument();
    // Engines without data are not called and say so.
    const card = (await screen.findByRole('heading', { name: 'Biomarkers (labs)', level: 3 })).closest('article')!;
    expect(within(card).getByText(/chart holds no data this engine uses/)).toBeInTheDocument();
  });

  it('counts the entries it left out, by reason', async () => {
    serve(
      [
        ...TYPICAL_CHART,
        phq9('phq-err', '2026-04-10T09:00:00Z', 25, { status: 'entered-in-error' }),
        phq9('phq-err2', '2026-04-11T09:00:00Z', 24, { status: 'entered-in-error' }),
        phq9('phq-cxl', '2026-04-12T09:00:00Z', 3, { status: 'cancelled' }),
        encounter('enc-2', '2026-06-01T10:00:00Z'),
      ],
      ALL_ENGINES_OK,
    );
    renderApp();
    const note = await screen.findByText(/3 entries left out: 2 entered-in-error, 1 cancelled/);
    await userEvent.click(note);
    expect(await screen.findByRole('button', { name: 'Observation/phq-cxl' })).toBeVisible();
  });
});

describe('relapse factor breakdown', () => {
  it('shows each factor as points of max, exactly as the engine returned them', async () => {
    const result = relapseResponse();
    serve(TYPICAL_CHART, { ...ALL_ENGINES_OK, relapse: () => result });
    renderApp();
    const factors = await screen.findByRole('list', { name: 'Relapse risk factors' });
    for (const f of result.factors) {
      const item = within(factors).getByText(f.label).closest('li')!;
      if (f.available) expect(item).toHaveTextContent(`${f.points} of ${f.maxPoints} points`);
      else expect(item).toHaveTextContent('no data');
      expect(within(item).getByRole('img')).toHaveAccessibleName(`${f.label}: ${f.points} of ${f.maxPoints} points`);
    }
    expect(screen.getByText('68', { selector: '.relapse__number' })).toBeInTheDocument();
  });
});

describe('sources and banner', () => {
  it('shows the signal source data and opens the chart resource', async () => {
    serve(TYPICAL_CHART, ALL_ENGINES_OK);
    renderApp();
    const card = (await screen.findByRole('heading', { name: 'Biomarkers (labs)', level: 3 })).closest('article')!;
    await within(card).findByText(/From the chart: TSH 6\.2 mIU\/L/);
    await userEvent.click(within(card).getAllByRole('button', { name: 'Observation/lab-tsh' })[0]!);
    expect(await within(card).findByText(/Observation\/lab-tsh TSH = 6\.2 mIU\/L/)).toBeInTheDocument();
  });

  it('shows the patient banner only when the EHR asks for it', async () => {
    serve(TYPICAL_CHART, ALL_ENGINES_OK);
    const { unmount } = renderApp({ needPatientBanner: true });
    const banner = await screen.findByRole('region', { name: 'Patient' });
    await within(banner).findByText('Alex Rivera');
    expect(banner).toHaveTextContent('Born 12 Mar 1984 (42 y)');
    expect(banner).toHaveTextContent('Female');
    unmount();
    renderApp({ needPatientBanner: false });
    await screen.findByRole('region', { name: 'Summary' });
    expect(screen.queryByRole('region', { name: 'Patient' })).toBeNull();
  });
});

describe('expired session', () => {
  it('asks to relaunch when the FHIR server answers 401', async () => {
    server.use(http.get(`${FHIR_BASE}/*`, () => HttpResponse.json({}, { status: 401 })), ...proxyHandlers(ALL_ENGINES_OK));
    renderApp();
    expect(await screen.findByText('Session expired')).toBeInTheDocument();
    expect(screen.getByText(/Relaunch Tidemark from the patient's chart/)).toBeInTheDocument();
  });
});
