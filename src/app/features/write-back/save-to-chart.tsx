// "Save to chart": preview exactly what will be written, write it once, show what was written.
// A failure never touches the results on screen (this component does not own them): it explains,
// offers Retry and "Download as FHIR JSON".
import type { Observation } from '@medplum/fhirtypes';
import { useId } from 'react';
import { ENDPOINTS } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import type { EngineResult } from '../../../fhir/write/index.ts';
import { DataTable } from '../../components/data-table.tsx';
import { formatDate, plural } from '../../lib/format.ts';
import { fhirUrl, type FhirRequest } from './api/fhir-writer.ts';
import { type ResultInChart, useResultsInChart } from './api/results-in-chart.ts';
import { useSaveToChart, useStableResults } from './api/use-save-to-chart.ts';
import type { WriteOutcome, WrittenEntry } from './api/write-to-chart.ts';
import { bundleFileName, downloadBundle, previewRows } from './preview-rows.ts';
import './write-back.css';

export interface SaveToChartProps {
  /** Successful engine results, one per engine ({patientId, engine, request, response}). */
  results: readonly EngineResult[];
  /** Observations built elsewhere (a voice sample) written with them; keep the array stable. */
  extra?: readonly Observation[];
  /** FHIR base URL (links to what was written). */
  serverUrl: string;
  /** Authenticated request to the FHIR server (fetchFhirWriter builds one from the SMART token). */
  fhirRequest: FhirRequest;
  /** Granted SMART scope string; when it lacks Observation create/write, nothing is posted. */
  scope?: string | null;
  onSaved?: (outcome: WriteOutcome) => void;
  /** When set, the button stays disabled with this reason (e.g. "Waiting for every result…"). */
  disabledReason?: string;
  /**
   * Tidemark results already read from the chart (ChartData.history). A result whose write identity
   * matches one of them is shown as already in the chart, with a link to that Observation.
   */
  chartHistory?: ChartData['history'];
}

const OUTCOME_LABEL: Record<WrittenEntry['outcome'], string> = {
  created: 'Created',
  existed: 'Already in the chart',
  failed: 'Failed',
  unknown: 'Saved',
};

function inChartSummary(list: readonly ResultInChart[]): string {
  const saved = list.filter((m) => m.stored).length;
  if (saved === list.length) return `Already in the chart: ${list.length === 1 ? 'this result is' : `all ${list.length} results are`} saved. Saving again adds nothing.`;
  return `${saved} of ${plural(list.length, 'result')} already in the chart; ${list.length - saved} not saved.`;
}

function outcomeSummary(o: WriteOutcome): string {
  const created = o.entries.filter((e) => e.outcome === 'created').length;
  const existed = o.entries.filter((e) => e.outcome === 'existed').length;
  const other = o.entries.length - created - existed;
  const parts = [created > 0 ? `${created} created` : '', existed > 0 ? `${existed} already in the chart` : '', other > 0 ? `${other} saved` : ''].filter(Boolean);
  return `Saved to the chart: ${parts.join(', ') || 'nothing to write'}.`;
}

export function SaveToChart({ results: given, extra, serverUrl, fhirRequest, scope, onSaved, disabledReason, chartHistory }: SaveToChartProps) {
  const results = useStableResults(given);
  const { bundle, buildError, state, canWrite, openPreview, cancel, save } = useSaveToChart({ results, extra, request: fhirRequest, serverUrl, scope, onSaved });
  const matched = useResultsInChart(results, chartHistory);
  // Shown only when the chart was read and holds at least one of the current results.
  const inChart = chartHistory && matched?.some((m) => m.stored) ? matched : null;
  const allInChart = !!inChart && inChart.every((m) => m.stored);
  const titleId = useId();
  const rows = bundle ? previewRows(bundle) : [];
  const n = rows.length;
  const patientId = results[0]?.patientId ?? 'patient';
  const download = () => bundle && downloadBundle(bundle, bundleFileName(patientId));
  const saving = state.phase === 'saving';

  const status =
    state.phase === 'saving'
      ? `Saving ${plural(n, 'Observation')} to the chart…`
      : state.phase === 'saved'
        ? outcomeSummary(state.outcome)
        : state.phase === 'preview'
          ? `Preview: ${plural(n, 'Observation')} will be written.`
          : state.phase === 'idle' && inChart
            ? inChartSummary(inChart)
            : '';

  if (results.length === 0 && !extra?.length) {
    return (
      <div className="write-back" data-feature="write-back">
        <button type="button" className="button" disabled title="No finished results to save yet">
          Save to chart
        </button>
      </div>
    );
  }

  return (
    <div className="write-back" data-feature="write-back">
      <div className="write-back__bar">
        {state.phase === 'saved' ? (
          <span className="write-back__done">
            <span aria-hidden="true">✓ </span>Saved to chart
          </span>
        ) : (
          <>
            {allInChart && (
              <span className="write-back__done">
                <span aria-hidden="true">✓ </span>Already in the chart
              </span>
            )}
            <button
              type="button"
              className={allInChart ? 'button button--secondary' : 'button'}
              onClick={openPreview}
              disabled={!bundle || saving || state.phase === 'preview' || !!disabledReason}
              title={disabledReason ?? (allInChart ? 'Every result is already in the chart; saving again adds nothing.' : undefined)}
              aria-expanded={state.phase !== 'idle'}
            >
              Save to chart
            </button>
          </>
        )}
      </div>
      <p className="write-back__status" role="status" aria-live="polite">
        {status}
      </p>
      {inChart && state.phase !== 'saved' && <InChartList list={inChart} serverUrl={serverUrl} />}
      {buildError && <p className="text-error">Could not prepare the Observations: {buildError.message}</p>}

      {(state.phase === 'preview' || state.phase === 'saving' || state.phase === 'failed') && bundle && (
        <section className="write-back__panel" aria-labelledby={titleId}>
          <h3 id={titleId} className="write-back__title">
            {state.phase === 'failed' ? 'Not saved' : `Preview — ${plural(n, 'Observation')} will be written to the chart`}
          </h3>
          {canWrite === false && state.phase !== 'failed' && (
            <div className="error-state" role="alert">
              <p className="error-state__title">This launch cannot write to the chart</p>
              <p className="error-state__message">
                The access token was not granted Observation write access (scope: <code>{scope}</code>). Nothing will be sent; you can download the
                results as FHIR JSON instead.
              </p>
            </div>
          )}
          {state.phase === 'failed' && (
            <div className="error-state" role="alert">
              <p className="error-state__title">The results were not saved to the chart</p>
              <p className="error-state__message">{state.error.message}</p>
              {state.error.partial.length > 0 && (
                <p className="error-state__message">
                  {plural(state.error.partial.length, 'Observation')} went through before the failure; a retry will not duplicate them.
                </p>
              )}
              <p className="error-state__message">The results on screen are unchanged.</p>
            </div>
          )}
          <PreviewTable rows={rows} />
          <details className="write-back__json">
            <summary>Show the FHIR JSON</summary>
            <pre>{JSON.stringify(bundle, null, 2)}</pre>
          </details>
          <div className="write-back__actions">
            {state.phase === 'failed' ? (
              state.error.kind !== 'no-scope' && (
                <button type="button" className="button" onClick={save}>
                  Retry
                </button>
              )
            ) : (
              <button type="button" className="button" onClick={save} disabled={saving || canWrite === false} aria-disabled={saving || canWrite === false}>
                {saving ? 'Saving…' : `Write ${plural(n, 'Observation')} to the chart`}
              </button>
            )}
            <button type="button" className="button button--secondary" onClick={download}>
              Download as FHIR JSON
            </button>
            <button type="button" className="button button--secondary" onClick={cancel} disabled={saving}>
              {state.phase === 'failed' ? 'Close' : 'Cancel'}
            </button>
          </div>
        </section>
      )}

      {state.phase === 'saved' && (
        <section className="write-back__panel" aria-labelledby={titleId}>
          <h3 id={titleId} className="write-back__title">
            Written to the chart
          </h3>
          <ul className="write-back__written">
            {state.outcome.entries.map((e) => (
              <li key={e.identifier} data-outcome={e.outcome}>
                <span className={`badge ${e.outcome === 'created' ? 'badge--ok' : e.outcome === 'failed' ? 'badge--error' : 'badge--unknown'}`}>
                  {OUTCOME_LABEL[e.outcome]}
                </span>{' '}
                {e.display}
                {e.url ? (
                  <>
                    {' — '}
                    <a href={e.url} target="_blank" rel="noreferrer">
                      Observation/{e.id}
                    </a>
                  </>
                ) : (
                  <span className="muted"> — the server did not return an id</span>
                )}
              </li>
            ))}
          </ul>
          <p className="muted write-back__mode">
            {state.outcome.mode === 'transaction' ? 'Written in one transaction.' : 'Written one by one (this server does not take transactions).'} Saving
            the same results again never creates a duplicate.
          </p>
        </section>
      )}
    </div>
  );
}

/** Per current result: already in the chart (link to its Observation) or not saved. */
function InChartList({ list, serverUrl }: { list: readonly ResultInChart[]; serverUrl: string }) {
  return (
    <ul className="write-back__in-chart" aria-label="Current results in the chart">
      {list.map((m) => (
        <li key={m.identifier} data-in-chart={m.stored ? 'yes' : 'no'}>
          <span className={`badge ${m.stored ? 'badge--ok' : 'badge--unknown'}`}>{m.stored ? 'Already in the chart' : 'Not saved'}</span> Tidemark{' '}
          {ENDPOINTS[m.engine].title}
          {m.stored && (
            <>
              {' — '}
              <a href={fhirUrl(serverUrl, m.stored.sourceRef)} target="_blank" rel="noreferrer">
                {m.stored.sourceRef}
              </a>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function PreviewTable({ rows }: { rows: ReturnType<typeof previewRows> }) {
  return (
    <DataTable className="write-back__table" caption="Observations to be written" columns={['Code', 'Value', 'Interpretation', 'Effective', 'Note']}>
      {rows.map((r) => (
        <tr key={r.identifier}>
          <th scope="row" title={r.codings.join('\n')}>
            {r.code}
          </th>
          <td>{r.value}</td>
          <td>{r.interpretation}</td>
          <td>{formatDate(r.effective)}</td>
          <td>{r.note}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export default SaveToChart;
