// "Save to chart": shows how this EHR takes results (the strategy, chosen from its capabilities),
// previews exactly what will be written where, writes it once, and says what was written where,
// with links. Never a dead end: the note and the FHIR JSON can always be copied or downloaded.
// A failure never touches the results on screen (this component does not own them).
import { useId, useState } from 'react';
import { ENDPOINTS } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import type { WriteOutcome, WrittenEntry } from '../../../fhir/write/execute.ts';
import type { WritePlan } from '../../../fhir/write/plan.ts';
import { DataTable } from '../../components/data-table.tsx';
import { formatDate, plural } from '../../lib/format.ts';
import { fhirUrl, type FhirRequest } from './api/fhir-writer.ts';
import { type ResultInChart, useResultsInChart } from './api/results-in-chart.ts';
import { type UseSaveToChartOptions, useSaveToChart, useStableResults } from './api/use-save-to-chart.ts';
import { bundleFileName, copyText, downloadBundle, downloadText, previewRows, writeLabel } from './preview-rows.ts';
import './write-back.css';

/** The hook's inputs (see UseSaveToChartOptions), with the writer named for the component. */
export interface SaveToChartProps
  extends Pick<UseSaveToChartOptions, 'results' | 'extra' | 'serverUrl' | 'scope' | 'onSaved' | 'capabilities' | 'site' | 'entered' | 'chartPhq9' | 'safety' | 'author' | 'now'> {
  /** Authenticated request to the FHIR server (fetchFhirWriter builds one from the SMART token). */
  fhirRequest: FhirRequest;
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

const MODE_TEXT: Record<WriteOutcome['mode'], string> = {
  transaction: 'Written in one transaction.',
  individual: 'Written one by one (this server does not take transactions).',
  search: 'Written one by one, each after checking the chart for it (this EHR has no conditional create).',
};

function inChartSummary(list: readonly ResultInChart[]): string {
  const saved = list.filter((m) => m.stored).length;
  if (saved === list.length) return `Already in the chart: ${list.length === 1 ? 'this result is' : `all ${list.length} results are`} saved. Saving again adds nothing.`;
  return `${saved} of ${plural(list.length, 'result')} already in the chart; ${list.length - saved} not saved.`;
}

function outcomeSummary(o: WriteOutcome): string {
  const created = o.entries.filter((e) => e.outcome === 'created').length;
  const existed = o.entries.filter((e) => e.outcome === 'existed').length;
  const failed = o.entries.filter((e) => e.outcome === 'failed').length;
  const other = o.entries.length - created - existed - failed;
  const parts = [
    created > 0 ? `${created} created` : '',
    existed > 0 ? `${existed} already in the chart` : '',
    other > 0 ? `${other} saved` : '',
    failed > 0 ? `${failed} not saved (see below)` : '',
  ].filter(Boolean);
  return `Saved to the chart: ${parts.join(', ') || 'nothing to write'}.`;
}

export function SaveToChart(props: SaveToChartProps) {
  const { serverUrl, fhirRequest, scope, disabledReason, chartHistory } = props;
  const results = useStableResults(props.results);
  const { strategy, plan, buildError, state, canWrite, notAllowed, existing, openPreview, cancel, save } = useSaveToChart({
    results,
    extra: props.extra,
    request: fhirRequest,
    serverUrl,
    scope,
    onSaved: props.onSaved,
    capabilities: props.capabilities,
    site: props.site,
    entered: props.entered,
    chartPhq9: props.chartPhq9,
    safety: props.safety,
    author: props.author,
    now: props.now,
    settled: !disabledReason,
  });
  const matched = useResultsInChart(results, chartHistory);
  // Coded Observations: matched against the chart's Tidemark results. Other strategies: by search.
  const inChart = strategy?.kind === 'observations' && chartHistory && matched?.some((m) => m.stored) ? matched : null;
  const searchedAll = !!plan && !!existing && plan.writes.length > 0 && plan.writes.every((w) => existing.has(w.identity));
  const allInChart = (!!inChart && inChart.every((m) => m.stored)) || searchedAll;
  const titleId = useId();
  const rows = plan ? previewRows(plan) : [];
  const patientId = results[0]?.patientId ?? 'patient';
  const saving = state.phase === 'saving';

  const status =
    state.phase === 'saving'
      ? `Saving to the chart…`
      : state.phase === 'saved'
        ? outcomeSummary(state.outcome)
        : state.phase === 'preview' && plan
          ? `Preview: ${writeLabel(plan).replace(/^Write /, '').replace(/ to the chart$/, '')} will be written.`
          : state.phase === 'idle' && inChart
            ? inChartSummary(inChart)
            : state.phase === 'idle' && searchedAll
              ? 'Already in the chart: this summary is saved. Saving again adds nothing.'
              : '';

  if (results.length === 0 && !props.extra?.length) {
    return (
      <div className="write-back" data-feature="write-back">
        <button type="button" className="button" disabled title="No finished results to save yet">
          Save to chart
        </button>
      </div>
    );
  }

  return (
    <div className="write-back" data-feature="write-back" data-strategy={strategy?.kind}>
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
              disabled={!plan || saving || state.phase === 'preview' || !!disabledReason}
              title={disabledReason ?? (allInChart ? 'Everything is already in the chart; saving again adds nothing.' : undefined)}
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
      {buildError && <p className="text-error">Could not prepare what to write: {buildError.message}</p>}

      {(state.phase === 'preview' || state.phase === 'saving' || state.phase === 'failed') && plan && (
        <section className="write-back__panel" aria-labelledby={titleId}>
          <h3 id={titleId} className="write-back__title">
            {state.phase === 'failed' ? 'Not saved' : `Preview — what will be written to the chart, and where`}
          </h3>
          <div className="write-back__strategy" data-testid="write-strategy">
            <p className="write-back__strategy-label">
              <strong>How this EHR takes results:</strong> {plan.strategy.label}
            </p>
            <ul className="write-back__reasons">
              {plan.strategy.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </div>
          {canWrite === false && state.phase !== 'failed' && (
            <div className="error-state" role="alert">
              <p className="error-state__title">This launch cannot write to the chart</p>
              <p className="error-state__message">
                The access token was not granted write access to {notAllowed.join(' or ')} (scope: <code>{scope}</code>). Nothing will be sent; you can
                copy or download the note and the FHIR JSON instead.
              </p>
            </div>
          )}
          {canWrite !== false && notAllowed.length > 0 && state.phase !== 'failed' && (
            <p className="muted">
              Not written (this launch may not create {notAllowed.join(', ')}): those rows are in the note to copy or download.
            </p>
          )}
          {state.phase === 'failed' && (
            <div className="error-state" role="alert">
              <p className="error-state__title">Nothing new was saved to the chart</p>
              <p className="error-state__message">{state.error.message}</p>
              {state.error.partial.length > 0 && (
                <p className="error-state__message">
                  {plural(state.error.partial.length, 'item')} went through before the failure; a retry will not duplicate them.
                </p>
              )}
              <p className="error-state__message">The results on screen are unchanged. Copy or download the note and the FHIR JSON below.</p>
            </div>
          )}
          {plan.writes.length === 0 ? (
            <p>Nothing can be written to this EHR. The note below holds everything: copy it into the chart, or download it.</p>
          ) : (
            <PreviewTable rows={rows} existing={existing} />
          )}
          <NoteView plan={plan} open={plan.strategy.kind !== 'observations'} />
          <details className="write-back__json">
            <summary>Show the FHIR JSON</summary>
            <pre>{JSON.stringify(plan.bundle, null, 2)}</pre>
          </details>
          <div className="write-back__actions">
            {state.phase === 'failed'
              ? state.error.kind !== 'no-scope' && (
                  <button type="button" className="button" onClick={save}>
                    Retry
                  </button>
                )
              : plan.writes.length > 0 && (
                  <button type="button" className="button" onClick={save} disabled={saving || canWrite === false} aria-disabled={saving || canWrite === false}>
                    {saving ? 'Saving…' : writeLabel(plan)}
                  </button>
                )}
            <ExitButtons plan={plan} patientId={patientId} />
            <button type="button" className="button button--secondary" onClick={cancel} disabled={saving}>
              {state.phase === 'failed' ? 'Close' : 'Cancel'}
            </button>
          </div>
        </section>
      )}

      {state.phase === 'saved' && plan && (
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
                {e.display} <span className="muted">({e.where})</span>
                {e.url ? (
                  <>
                    {' — '}
                    <a href={e.url} target="_blank" rel="noreferrer">
                      {e.resourceType}/{e.id}
                    </a>
                  </>
                ) : e.outcome === 'failed' ? (
                  <span className="text-error"> — {e.error}</span>
                ) : (
                  <span className="muted"> — the server did not return an id</span>
                )}
              </li>
            ))}
          </ul>
          <p className="muted write-back__mode">
            {MODE_TEXT[state.outcome.mode]} Saving the same results again never creates a duplicate.
          </p>
          {state.outcome.entries.some((e) => e.outcome === 'failed') && (
            <div className="write-back__actions">
              <button type="button" className="button" onClick={save}>
                Retry what failed
              </button>
              <ExitButtons plan={plan} patientId={patientId} />
            </div>
          )}
        </section>
      )}
    </div>
  );
}

/** The note (the same text written by the note strategies), shown in full. */
function NoteView({ plan, open }: { plan: WritePlan; open: boolean }) {
  return (
    <details className="write-back__json write-back__note" open={open}>
      <summary>{plan.strategy.kind === 'observations' ? 'Show the same results as a clinical note' : 'The clinical note'}</summary>
      <pre>{plan.note.text}</pre>
    </details>
  );
}

/** Copy or download the note, download the FHIR JSON: available whatever the EHR accepts. */
function ExitButtons({ plan, patientId }: { plan: WritePlan; patientId: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <>
      <button type="button" className="button button--secondary" onClick={() => void copyText(plan.note.text).then(setCopied)}>
        Copy the note
      </button>
      <button type="button" className="button button--secondary" onClick={() => downloadText(plan.note.text, bundleFileName(patientId, new Date(), 'note.txt'), 'text/plain;charset=utf-8')}>
        Download the note
      </button>
      <button type="button" className="button button--secondary" onClick={() => downloadBundle(plan.bundle, bundleFileName(patientId))}>
        Download as FHIR JSON
      </button>
      {copied !== null && (
        <span className="muted" role="status">
          {copied ? 'The note is on the clipboard.' : 'The browser did not allow copying: select the note’s text above instead.'}
        </span>
      )}
    </>
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

function PreviewTable({ rows, existing }: { rows: ReturnType<typeof previewRows>; existing: ReadonlyMap<string, { id: string | null }> | null }) {
  return (
    <DataTable className="write-back__table" caption="To be written" columns={['What', 'Where', 'Value', 'Interpretation', 'Effective', 'Note']}>
      {rows.map((r) => (
        <tr key={r.identifier}>
          <th scope="row" title={r.codings.join('\n')}>
            {r.what}
            {existing?.has(r.identifier) && <span className="badge badge--ok"> Already in the chart</span>}
          </th>
          <td>{r.where}</td>
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
