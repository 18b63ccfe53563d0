// Save to chart: preview, one transaction of conditional creates, no duplicates, fallbacks, failures.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChartData, StoredResult } from '../../src/fhir/chart.ts';
import type { EngineResult } from '../../src/fhir/write/index.ts';
import { buildWriteBundle } from '../../src/fhir/write/index.ts';
import { SaveToChart } from '../../src/app/features/write-back/save-to-chart.tsx';
import { fetchFhirWriter, type FhirRequest } from '../../src/app/features/write-back/api/fhir-writer.ts';
import { canWriteObservations } from '../../src/app/features/write-back/api/fhir-writer.ts';
import { resetWriteBackCache, saveOnce } from '../../src/app/features/write-back/api/use-save-to-chart.ts';
import { writeBundle } from '../../src/app/features/write-back/api/write-to-chart.ts';
import { resultIdentifierValue } from '../../src/fhir/write/index.ts';
import { UNKNOWN_CAPABILITIES } from '../../src/fhir/ehr/capabilities.ts';
import { buildWritePlan } from '../../src/fhir/write/plan.ts';
import { chooseWriteStrategy } from '../../src/fhir/write/strategy.ts';
import {
  ALL_ENGINES_OK,
  biomarkerResponse,
  FHIR_BASE,
  fhirHandlers,
  outcomeResponse,
  PATIENT_ID,
  proxyHandlers,
  relapseResponse,
  TYPICAL_CHART,
  type ProxyLog,
} from './fixtures.ts';
import { renderApp } from './render-app.tsx';
import { writeServer } from './write-server.ts';

const TOKEN = 'write-token';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(() => resetWriteBackCache());

const ASSESSMENTS = [
  { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 14, maxScore: 27, createdAt: '2026-04-01T09:00:00Z', sourceRef: 'Observation/phq-2' },
  { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 11, maxScore: 27, createdAt: '2026-05-15T09:00:00Z', sourceRef: 'Observation/phq-3' },
];

function results(): EngineResult[] {
  return [
    { patientId: PATIENT_ID, engine: 'relapse', request: { assessments: ASSESSMENTS, avgSleepHours: 5.2, hasActiveMedication: true, daysSinceLastVisit: 38 }, response: relapseResponse() },
    { patientId: PATIENT_ID, engine: 'outcome', request: { assessments: ASSESSMENTS, activeMedications: 1, biomarkerWatchCount: 1 }, response: outcomeResponse() },
  ] as EngineResult[];
}

function writer(): FhirRequest {
  return fetchFhirWriter({ serverUrl: FHIR_BASE, accessToken: async () => TOKEN });
}

function renderSave(props: { results?: EngineResult[]; scope?: string | null; request?: FhirRequest; chartHistory?: ChartData['history'] } = {}) {
  const r = props.results ?? results();
  return render(
    <div>
      <p data-testid="results">Elevated relapse risk (68/100), rising.</p>
      <SaveToChart results={r} serverUrl={FHIR_BASE} fhirRequest={props.request ?? writer()} scope={props.scope === undefined ? 'launch openid patient/*.read patient/Observation.write' : props.scope} chartHistory={props.chartHistory} />
    </div>,
  );
}

/**
 * The save flow's own live region. Not `screen.getByRole('status')`: while a lazily loaded chart is
 * still arriving (slow under CPU load), its loading skeleton is a role="status" region too.
 */
function saveStatus(): HTMLElement {
  const area = document.querySelector<HTMLElement>('[data-feature="write-back"]');
  if (!area) throw new Error('Save to chart is not on screen');
  return within(area).getByRole('status');
}

async function openPreview(opts: { rendered?: boolean } = {}) {
  if (!opts.rendered) renderSave();
  const user = userEvent.setup();
  await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
  await user.click(screen.getByRole('button', { name: 'Save to chart' }));
  const preview = await screen.findByRole('region', { name: /Preview/ });
  return { user, preview };
}

describe('preview', () => {
  it('shows one row per Observation with code, value, interpretation, date and note before anything is written', async () => {
    const ws = writeServer();
    server.use(...ws.handlers);
    const { preview } = await openPreview();
    const rows = within(preview).getAllByRole('row').slice(1);
    // relapse result, outcome result, one PHQ-9 depression severity (same PHQ-9 → one entry)
    expect(rows).toHaveLength(3);
    const relapse = rows.find((r) => /relapse/i.test(r.textContent ?? ''))!;
    expect(within(relapse).getByText('68')).toBeInTheDocument();
    expect(within(relapse).getByText('High (elevated)')).toBeInTheDocument();
    expect(within(relapse).getByText('Elevated relapse risk (68/100), rising.')).toBeInTheDocument();
    expect(within(relapse).getByText('28 Jun 2026')).toBeInTheDocument();
    expect(within(preview).getByText('Depression severity (PHQ-9)')).toBeInTheDocument();
    expect(within(preview).getByText('Moderate')).toBeInTheDocument();
    expect(within(preview).getByText('Show the FHIR JSON')).toBeInTheDocument();
    expect(within(preview).getByText(/"ifNoneExist": "identifier=urn%3Atidemark%3Aresult%7C/)).toBeInTheDocument();
    expect(ws.posts).toHaveLength(0);
  });
});

describe('saving', () => {
  it('posts one transaction with If-None-Exist on every entry and shows what was written with links', async () => {
    const ws = writeServer();
    server.use(...ws.handlers);
    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    const written = await screen.findByRole('region', { name: 'Written to the chart' });
    expect(ws.posts).toHaveLength(1);
    expect(ws.posts[0]!.kind).toBe('transaction');
    expect(ws.posts[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(ws.posts[0]!.ifNoneExist).toHaveLength(3);
    for (const q of ws.posts[0]!.ifNoneExist) expect(q).toMatch(/^identifier=urn%3Atidemark%3Aresult%7C[0-9a-f]{64}&subject=Patient%2F[A-Za-z0-9.-]+$/);
    const links = within(written).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([`${FHIR_BASE}/Observation/obs-1`, `${FHIR_BASE}/Observation/obs-2`, `${FHIR_BASE}/Observation/obs-3`]);
    expect(within(written).getAllByText('Created')).toHaveLength(3);
    expect(saveStatus()).toHaveTextContent('Saved to the chart: 3 created.');
    expect(screen.getByTestId('results')).toBeInTheDocument();
  });

  it('a double click posts once; saving again after a relaunch says "already in the chart" and writes nothing new', async () => {
    const ws = writeServer();
    server.use(...ws.handlers);
    const first = await openPreview();
    const confirm = within(first.preview).getByRole('button', { name: 'Write 3 Observations to the chart' });
    await first.user.dblClick(confirm);
    await screen.findByRole('region', { name: 'Written to the chart' });
    expect(ws.posts).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Save to chart' })).not.toBeInTheDocument();

    // A relaunch: no client-side memory, same results → the server's If-None-Exist answers 200.
    cleanup();
    resetWriteBackCache();
    renderSave();
    const again = await openPreview({ rendered: true });
    await again.user.click(within(again.preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    const written = await screen.findByRole('region', { name: 'Written to the chart' });
    expect(within(written).getAllByText('Already in the chart')).toHaveLength(3);
    expect(ws.store.size).toBe(3);
  });

  it('20 saves of the same results (concurrent and sequential) leave one Observation per identifier', async () => {
    const ws = writeServer();
    server.use(...ws.handlers);
    const bundle = await buildWriteBundle(results());
    const plan = await buildWritePlan({ strategy: chooseWriteStrategy(UNKNOWN_CAPABILITIES), patientId: PATIENT_ID, results: results(), entered: [], chartPhq9: null, safety: [], now: new Date() });
    const request = writer();
    // Concurrent saves join the one in flight (client guard) …
    await Promise.all(Array.from({ length: 10 }, () => saveOnce(request, plan, FHIR_BASE)));
    expect(ws.posts).toHaveLength(1);
    // … and sequential saves without any client memory rely on If-None-Exist.
    for (let i = 0; i < 10; i++) await writeBundle(request, bundle, { serverUrl: FHIR_BASE });
    expect(ws.posts).toHaveLength(11);
    const counts = ws.countByIdentifier();
    expect(counts.size).toBe(3);
    expect([...counts.values()]).toEqual([1, 1, 1]);
    // individual creates too
    for (let i = 0; i < 20; i++) await writeBundle(request, bundle, { serverUrl: FHIR_BASE, transaction: false });
    expect([...ws.countByIdentifier().values()]).toEqual([1, 1, 1]);
  });

  it('falls back to individual conditional creates when the server answers the transaction with 405', async () => {
    const ws = writeServer({ transaction: 405 });
    server.use(...ws.handlers);
    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    const written = await screen.findByRole('region', { name: 'Written to the chart' });
    expect(ws.posts.map((p) => p.kind)).toEqual(['transaction', 'create', 'create', 'create']);
    for (const p of ws.posts.slice(1)) expect(p.ifNoneExist[0]).toMatch(/^identifier=urn%3Atidemark%3Aresult%7C/);
    expect(within(written).getAllByRole('link')).toHaveLength(3);
    expect(within(written).getByText(/one by one/)).toBeInTheDocument();
  });

  it.each([404, 501] as const)('also falls back on %i', async (status) => {
    const ws = writeServer({ transaction: status });
    server.use(...ws.handlers);
    const bundle = await buildWriteBundle(results());
    const out = await writeBundle(writer(), bundle, { serverUrl: FHIR_BASE });
    expect(out.mode).toBe('individual');
    expect(out.entries.map((e) => e.outcome)).toEqual(['created', 'created', 'created']);
  });

  it('uses individual creates straight away when the CapabilityStatement has no transaction', async () => {
    const ws = writeServer({ capabilityTransaction: false });
    server.use(...ws.handlers);
    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    await screen.findByRole('region', { name: 'Written to the chart' });
    expect(ws.posts.map((p) => p.kind)).toEqual(['create', 'create', 'create']);
  });
});

describe('in the app', () => {
  it('saves the exact requests the engines answered (identifiers match the proxy calls)', async () => {
    const ws = writeServer();
    const log: ProxyLog = { calls: [] };
    server.use(...ws.handlers, ...fhirHandlers(TYPICAL_CHART), ...proxyHandlers(ALL_ENGINES_OK, log));
    renderApp();
    const user = userEvent.setup();
    await screen.findByText('Elevated relapse risk (68/100), rising.', { selector: '.card__headline' });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Save to chart' }));
    const preview = await screen.findByRole('region', { name: /Preview/ });
    const confirm = within(preview).getByRole('button', { name: /^Write \d+ Observations to the chart$/ });
    await user.click(confirm);
    await screen.findByRole('region', { name: 'Written to the chart' });
    expect(ws.posts).toHaveLength(1);
    const relapseCall = log.calls.find((c) => c.engine === 'relapse')!;
    const expected = await resultIdentifierValue({ patientId: PATIENT_ID, engine: 'relapse', request: relapseCall.body, response: relapseResponse() } as EngineResult);
    expect(ws.posts[0]!.ifNoneExist).toContain(`identifier=urn%3Atidemark%3Aresult%7C${expected}&subject=Patient%2F${PATIENT_ID}`);
    // the results are still on screen
    expect(screen.getByText('Elevated relapse risk (68/100), rising.', { selector: '.card__headline' })).toBeInTheDocument();
  });
});

describe('already in the chart (matched by write identity, across launches)', () => {
  const stored = (engine: StoredResult['engine'], id: string, identifier: string): StoredResult => ({
    engine,
    score: 68,
    status: 'elevated',
    computedAt: '2026-06-28T12:00:00.000Z',
    inputs: {},
    sourceRef: `Observation/${id}`,
    identifier,
  });

  it('marks the results whose identity is in the chart, with a link, and only the others "not saved"', async () => {
    const ws = writeServer();
    server.use(...ws.handlers);
    const [relapse] = results();
    const history: ChartData['history'] = {
      relapse: [stored('relapse', 'tm-old', 'f'.repeat(64)), stored('relapse', 'tm-9', await resultIdentifierValue(relapse!))],
      // same engine, different inputs or version: another identity, so not this result
      outcome: [stored('outcome', 'tm-other', 'e'.repeat(64))],
    };
    renderSave({ chartHistory: history });
    const list = await screen.findByRole('list', { name: 'Current results in the chart' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['Already in the chart Tidemark Relapse risk — Observation/tm-9', 'Not saved Tidemark Outcome']);
    expect(within(items[0]!).getByRole('link', { name: 'Observation/tm-9' })).toHaveAttribute('href', `${FHIR_BASE}/Observation/tm-9`);
    expect(saveStatus()).toHaveTextContent('1 of 2 results already in the chart; 1 not saved.');
    // not everything is saved: the Save button is the primary action, no "already" mark
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Save to chart' })).not.toHaveClass('button--secondary');
    expect(screen.queryByText('Already in the chart', { selector: '.write-back__done' })).not.toBeInTheDocument();
    expect(ws.posts).toHaveLength(0);
  });

  it('without chart history nothing is claimed', async () => {
    server.use(...writeServer().handlers);
    renderSave({ chartHistory: {} });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    expect(screen.queryByRole('list', { name: 'Current results in the chart' })).not.toBeInTheDocument();
    expect(screen.queryByText(/already in the chart/i)).not.toBeInTheDocument();
  });

  it('after a save and a relaunch: "already in the chart" with links, and the relapse trend shows the current point once, saved', async () => {
    const ws = writeServer();
    server.use(...ws.handlers, ...fhirHandlers(TYPICAL_CHART), ...proxyHandlers(ALL_ENGINES_OK));
    renderApp();
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    // before saving: the trend says "not saved"
    const before = await screen.findByRole('region', { name: 'Relapse risk over time' });
    expect(within(before).getByText('Now: 68/100 (elevated), not saved.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save to chart' }));
    const preview = await screen.findByRole('region', { name: /Preview/ });
    await user.click(within(preview).getByRole('button', { name: /^Write \d+ Observations to the chart$/ }));
    await screen.findByRole('region', { name: 'Written to the chart' });
    const written = [...ws.store.values()];

    // Relaunch: no client memory; the chart now holds what was written.
    cleanup();
    resetWriteBackCache();
    server.resetHandlers();
    server.use(...ws.handlers, ...fhirHandlers([...TYPICAL_CHART, ...(written as unknown as typeof TYPICAL_CHART)]), ...proxyHandlers(ALL_ENGINES_OK));
    renderApp();
    const list = await screen.findByRole('list', { name: 'Current results in the chart' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(4);
    for (const li of items) expect(li).toHaveTextContent(/^Already in the chart Tidemark .+ — Observation\/obs-\d+$/);
    const relapseId = written.find((o) => JSON.stringify(o.code).includes('Relapse'))!.id!;
    const relapseItem = items.find((li) => /Relapse risk/.test(li.textContent ?? ''))!;
    expect(within(relapseItem).getByRole('link')).toHaveAttribute('href', `${FHIR_BASE}/Observation/${relapseId}`);
    expect(screen.getByText('Already in the chart', { selector: '.write-back__done' })).toBeInTheDocument();
    expect(saveStatus()).toHaveTextContent('Already in the chart: all 4 results are saved.');
    expect(screen.getByRole('button', { name: 'Save to chart' })).toHaveClass('button--secondary');
    expect(screen.queryByText('Not saved', { selector: '.badge' })).not.toBeInTheDocument();

    // The relapse trend: the saved result is the current point, drawn once and labelled saved.
    const history = screen.getByRole('region', { name: 'Relapse risk over time' });
    const table = await within(history).findByRole('table', { name: 'Relapse risk scores, oldest first' });
    await waitFor(() =>
      expect(
        within(table)
          .getAllByRole('row')
          .slice(1)
          .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent)),
      ).toEqual([['28 Jun 2026 (now)', '68', 'Elevated', `Saved — Observation/${relapseId}`]]),
    );
    expect(within(history).queryByText(/not saved/i)).not.toBeInTheDocument();
    expect(within(history).getByText(/Now \(saved\)/)).toBeInTheDocument();
    expect(ws.store.size).toBe(written.length);
  });
});

describe('failures keep the results and offer retry and download', () => {
  it('403: explains, offers Retry and Download as FHIR JSON; Retry succeeds once allowed', async () => {
    let forbidden = true;
    const ok = writeServer();
    server.use(
      http.post(FHIR_BASE, () =>
        forbidden
          ? HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Write access denied' }] }, { status: 403 })
          : undefined,
      ),
      ...ok.handlers,
    );
    const createObjectURL = vi.fn(() => 'blob:tidemark');
    const revokeObjectURL = vi.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});

    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The EHR refused the write (403)');
    expect(alert).toHaveTextContent('Write access denied');
    expect(screen.getByTestId('results')).toHaveTextContent('Elevated relapse risk (68/100), rising.');

    await user.click(screen.getByRole('button', { name: 'Download as FHIR JSON' }));
    expect(createObjectURL).toHaveBeenCalledTimes(1);
    const blob = (createObjectURL.mock.calls[0] as unknown as [Blob])[0];
    const json = JSON.parse(await blob.text()) as { resourceType: string; type: string; entry: unknown[] };
    expect(json).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    expect(json.entry).toHaveLength(3);
    expect(click).toHaveBeenCalled();
    click.mockRestore();

    forbidden = false;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByRole('region', { name: 'Written to the chart' });
    expect(ok.store.size).toBe(3);
  });

  it('422: shows the OperationOutcome text', async () => {
    const ws = writeServer({
      fail: () =>
        HttpResponse.json(
          { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invariant', details: { text: 'Observation.effective[x] is required' }, expression: ['Observation.effective'] }] },
          { status: 422 },
        ),
    });
    server.use(...ws.handlers);
    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('rejected the results as invalid (422)');
    expect(alert).toHaveTextContent('Observation.effective[x] is required (Observation.effective)');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download as FHIR JSON' })).toBeInTheDocument();
    expect(screen.getByTestId('results')).toBeInTheDocument();
  });

  it('network error: explains and keeps everything', async () => {
    const ws = writeServer({ fail: () => HttpResponse.error() });
    server.use(...ws.handlers);
    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not reach the EHR');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeEnabled();
    expect(screen.getByTestId('results')).toBeInTheDocument();
    // the preview rows are still there to read
    expect(screen.getAllByText('Elevated relapse risk (68/100), rising.').length).toBeGreaterThan(1);
  });

  it('401: asks to relaunch', async () => {
    const ws = writeServer({ fail: () => new HttpResponse(null, { status: 401 }) });
    server.use(...ws.handlers);
    const { user, preview } = await openPreview();
    await user.click(within(preview).getByRole('button', { name: 'Write 3 Observations to the chart' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Relaunch Tidemark from the EHR');
  });

  it('token without a write scope: explained before posting, nothing posted, download offered', async () => {
    const ws = writeServer();
    server.use(...ws.handlers);
    const posted = vi.fn();
    renderSave({
      scope: 'launch openid fhirUser patient/*.read',
      request: async (url, init) => {
        posted(url, init);
        return fetch(`${FHIR_BASE}/${url}`, init);
      },
    });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Save to chart' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This launch cannot write to the chart');
    expect(alert).toHaveTextContent('patient/*.read');
    expect(screen.getByRole('button', { name: 'Write 3 Observations to the chart' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Download as FHIR JSON' })).toBeEnabled();
    // only the CapabilityStatement was read; nothing was posted
    expect(posted.mock.calls.map(([url, init]) => `${(init as { method: string }).method} ${url}`)).toEqual(['GET metadata']);
    expect(ws.posts).toHaveLength(0);
  });
});

describe('scope parsing', () => {
  it.each([
    ['patient/Observation.write', true],
    ['user/*.write', true],
    ['patient/*.*', true],
    ['patient/Observation.cruds', true],
    ['patient/Observation.c?category=survey', true],
    ['system/Observation.cu', true],
    ['patient/Observation.read', false],
    ['patient/Observation.rs', false],
    ['patient/Patient.write openid', false],
    ['', null],
    [undefined, null],
  ] as const)('%s → %s', (scope, expected) => {
    expect(canWriteObservations(scope)).toBe(expected);
  });
});

// keep the biomarker fixture in use: its flagged signal becomes an extra Observation
describe('signals', () => {
  it('writes a flagged biomarker signal as its own Observation', async () => {
    const bundle = await buildWriteBundle([{ patientId: PATIENT_ID, engine: 'biomarker', request: { labs: [] }, response: biomarkerResponse() } as unknown as EngineResult]);
    expect(bundle.entry).toHaveLength(2);
  });
});
