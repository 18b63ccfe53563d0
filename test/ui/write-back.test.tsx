// Save to chart: preview, one transaction of conditional creates, no duplicates, fallbacks, failures.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse, type HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineResult } from '../../src/fhir/write/index.ts';
import { buildWriteBundle } from '../../src/fhir/write/index.ts';
import { SaveToChart } from '../../src/app/features/write-back/save-to-chart.tsx';
import { fetchFhirWriter, type FhirRequest } from '../../src/app/features/write-back/api/fhir-writer.ts';
import { canWriteObservations } from '../../src/app/features/write-back/api/fhir-writer.ts';
import { resetWriteBackCache, saveOnce } from '../../src/app/features/write-back/api/use-save-to-chart.ts';
import { writeBundle } from '../../src/app/features/write-back/api/write-to-chart.ts';
import { resultIdentifierValue } from '../../src/fhir/write/index.ts';
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

function renderSave(props: { results?: EngineResult[]; scope?: string | null; request?: FhirRequest } = {}) {
  const r = props.results ?? results();
  return render(
    <div>
      <p data-testid="results">Elevated relapse risk (68/100), rising.</p>
      <SaveToChart results={r} serverUrl={FHIR_BASE} fhirRequest={props.request ?? writer()} scope={props.scope === undefined ? 'launch openid patient/*.read patient/Observation.write' : props.scope} />
    </div>,
  );
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
    for (const q of ws.posts[0]!.ifNoneExist) expect(q).toMatch(/^identifier=urn%3Atidemark%3Aresult%7C[0-9a-f]{64}$/);
    const links = within(written).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([`${FHIR_BASE}/Observation/obs-1`, `${FHIR_BASE}/Observation/obs-2`, `${FHIR_BASE}/Observation/obs-3`]);
    expect(within(written).getAllByText('Created')).toHaveLength(3);
    expect(screen.getByRole('status')).toHaveTextContent('Saved to the chart: 3 created.');
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
    const request = writer();
    // Concurrent saves join the one in flight (client guard) …
    await Promise.all(Array.from({ length: 10 }, () => saveOnce(request, bundle, FHIR_BASE)));
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
    expect(ws.posts[0]!.ifNoneExist).toContain(`identifier=urn%3Atidemark%3Aresult%7C${expected}`);
    // the results are still on screen
    expect(screen.getByText('Elevated relapse risk (68/100), rising.', { selector: '.card__headline' })).toBeInTheDocument();
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
    expect(alert).toHaveTextContent('rejected the Observations as invalid (422)');
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
    renderSave({ scope: 'launch openid fhirUser patient/*.read', request: async (url, init) => (posted(url, init), fetch(`${FHIR_BASE}/${url}`, init)) });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save to chart' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Save to chart' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This launch cannot write to the chart');
    expect(alert).toHaveTextContent('patient/*.read');
    expect(screen.getByRole('button', { name: 'Write 3 Observations to the chart' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Download as FHIR JSON' })).toBeEnabled();
    expect(posted).not.toHaveBeenCalled();
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
// ---------------------------------------------------------------- in-memory FHIR write server
// An in-memory FHIR write server for the write-back tests (msw): conditional create with
// If-None-Exist (identifier=system|value), transaction Bundles, and switchable failures.

type Obs = { resourceType: 'Observation'; id?: string; identifier?: { system?: string; value?: string }[]; [k: string]: unknown };

export interface WriteServer {
  handlers: HttpHandler[];
  /** Stored Observations by id. */
  store: Map<string, Obs>;
  /** Every POST: 'transaction' or 'create'. */
  posts: { kind: 'transaction' | 'create'; ifNoneExist: string[]; authorization: string | null }[];
  /** Number of stored Observations per identifier value. */
  countByIdentifier(): Map<string, number>;
}

export interface WriteServerOptions {
  /** How the base answers a transaction: 'ok', or an HTTP status meaning "not supported". */
  transaction?: 'ok' | 404 | 405 | 501;
  /** CapabilityStatement lists transaction (default true). */
  capabilityTransaction?: boolean;
  /** Answer every POST with this failure. */
  fail?: () => Response;
}

export function writeServer(opts: WriteServerOptions = {}): WriteServer {
  const store = new Map<string, Obs>();
  const posts: WriteServer['posts'] = [];
  let next = 1;

  function conditionalCreate(resource: Obs, ifNoneExist: string | null): { status: number; resource: Obs } {
    if (ifNoneExist) {
      const q = new URLSearchParams(ifNoneExist);
      const wanted = q.get('identifier');
      if (wanted) {
        const [system, value] = wanted.split('|');
        const match = [...store.values()].filter((o) => (o.identifier ?? []).some((i) => i.system === system && i.value === value));
        if (match.length === 1) return { status: 200, resource: match[0]! };
        if (match.length > 1) return { status: 412, resource: match[0]! };
      }
    }
    const id = `obs-${next++}`;
    const stored = { ...resource, id, meta: { versionId: '1' } } as Obs;
    store.set(id, stored);
    return { status: 201, resource: stored };
  }

  const handlers: HttpHandler[] = [
    http.get(`${FHIR_BASE}/metadata`, () =>
      HttpResponse.json({
        resourceType: 'CapabilityStatement',
        status: 'active',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        rest: [
          {
            mode: 'server',
            interaction: opts.capabilityTransaction === false ? [{ code: 'batch' }, { code: 'search-system' }] : [{ code: 'transaction' }, { code: 'batch' }],
          },
        ],
      }),
    ),
    http.post(FHIR_BASE, async ({ request }) => {
      const bundle = (await request.json()) as { resourceType: string; type: string; entry: { resource: Obs; request: { ifNoneExist?: string } }[] };
      posts.push({ kind: 'transaction', ifNoneExist: bundle.entry.map((e) => e.request.ifNoneExist ?? ''), authorization: request.headers.get('authorization') });
      if (opts.fail) return opts.fail();
      if (opts.transaction && opts.transaction !== 'ok')
        return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] }, { status: opts.transaction });
      const entry = bundle.entry.map((e) => {
        const r = conditionalCreate(e.resource, e.request.ifNoneExist ?? null);
        return {
          response: { status: r.status === 201 ? '201 Created' : '200 OK', location: `Observation/${r.resource.id}/_history/1` },
        };
      });
      return HttpResponse.json({ resourceType: 'Bundle', type: 'transaction-response', entry });
    }),
    http.post(`${FHIR_BASE}/Observation`, async ({ request }) => {
      const ifNoneExist = request.headers.get('if-none-exist');
      posts.push({ kind: 'create', ifNoneExist: [ifNoneExist ?? ''], authorization: request.headers.get('authorization') });
      if (opts.fail) return opts.fail();
      const r = conditionalCreate((await request.json()) as Obs, ifNoneExist);
      if (r.status === 412) return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'duplicate' }] }, { status: 412 });
      return HttpResponse.json(r.resource, { status: r.status, headers: { Location: `${FHIR_BASE}/Observation/${r.resource.id}/_history/1` } });
    }),
  ];

  return {
    handlers,
    store,
    posts,
    countByIdentifier() {
      const m = new Map<string, number>();
      for (const o of store.values()) for (const i of o.identifier ?? []) if (i.value) m.set(i.value, (m.get(i.value) ?? 0) + 1);
      return m;
    },
  };
}
