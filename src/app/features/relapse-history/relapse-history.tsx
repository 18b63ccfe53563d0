// Relapse risk over time, read from the chart's own earlier Tidemark results (no server storage).
import { lazy, Suspense } from 'react';
import type { EngineResponse } from '../../../contract/index.ts';
import type { StoredResult } from '../../../fhir/chart.ts';
import { DataTable } from '../../components/data-table.tsx';
import { EmptyState, Section, Skeleton } from '../../components/states.tsx';
import { formatDate, humanize, plural } from '../../lib/format.ts';
import { useIsResultSaved } from '../write-back/api/use-save-to-chart.ts';
import { RELAPSE_BANDS, relapseHistoryData } from './relapse-history-data.ts';
import './relapse-history.css';

const RelapseHistoryChart = lazy(() => import('./relapse-history-chart.tsx'));

export interface RelapseHistoryProps {
  /** ChartData.history.relapse: earlier Tidemark relapse results, oldest first. */
  history: readonly StoredResult[] | undefined;
  /** The relapse result computed in this session, when there is one. */
  current?: EngineResponse<'relapse'> | null;
  /** Whether `current` is already in the chart; default: saved in this session via Save to chart. */
  currentSaved?: boolean;
  /**
   * Write identity of `current` (urn:tidemark:result identifier value). An earlier result in the
   * chart with the same identity is the current result, already saved: drawn once, labelled saved.
   */
  currentIdentifier?: string;
}

export const EMPTY_MESSAGE = 'No earlier Tidemark relapse results in the chart yet — save this one to start a trend.';

export const SAVED_ONLY_MESSAGE = 'No earlier Tidemark relapse results in the chart yet — the current one is saved, so the trend starts here.';

export function RelapseHistory({ history, current, currentSaved, currentIdentifier }: RelapseHistoryProps) {
  const savedInSession = useIsResultSaved(current ?? null);
  const data = relapseHistoryData(history, current, currentSaved ?? savedInSession, currentIdentifier);
  const now = data.points.find((p) => p.current);
  const saved = !!now?.saved;
  return (
    <Section id="relapse-history" title="Relapse risk over time">
      {data.fromChart === 0 ? (
        <>
          <EmptyState>{EMPTY_MESSAGE}</EmptyState>
          {now && (
            <p className="relapse-history__now">
              Now: {now.score}/100 ({now.level}){saved ? ', saved to the chart' : ', not saved'}.
            </p>
          )}
        </>
      ) : (
        <>
          <p className="relapse-history__lead">
            {data.earlier === 0
              ? SAVED_ONLY_MESSAGE
              : `${plural(data.earlier, 'earlier result')} from the chart${now ? (saved ? ', plus the current one (saved).' : ', plus the current one (not saved).') : '.'}`}
          </p>
          <Suspense fallback={<Skeleton label="Loading the chart…" lines={4} />}>
            <RelapseHistoryChart data={data} />
          </Suspense>
          <ul className="legend" aria-label="Chart legend">
            {RELAPSE_BANDS.map((b) => (
              <li key={b.level}>
                <span className={`legend__swatch relapse-history__swatch--${b.level}`} aria-hidden="true" /> {b.label} {b.from}
                {b.to === 100 ? '–100' : `–${b.to - 1}`}
              </li>
            ))}
            {now && (
              <li>
                <span className="relapse-history__mark" aria-hidden="true">
                  ◇
                </span>{' '}
                Now{saved ? ' (saved)' : ' (not saved)'}
              </li>
            )}
          </ul>
        </>
      )}
      {data.fromChart > 0 && (
        <DataTable className="relapse-history__table" caption="Relapse risk scores, oldest first" columns={['Date', 'Score (0–100)', 'Level', 'In the chart']}>
          {data.points.map((p) => (
            <tr key={`${p.t}-${p.sourceRef ?? 'now'}`} className={p.current ? 'relapse-history__row--now' : undefined}>
              <td>{p.current ? `${formatDate(p.at)} (now)` : formatDate(p.at)}</td>
              <td>{p.score}</td>
              <td>{humanize(p.level)}</td>
              <td>{p.current ? (p.saved ? (p.sourceRef ? `Saved — ${p.sourceRef}` : 'Saved') : 'Not saved') : p.sourceRef}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {data.unscored.length > 0 && (
        <p className="muted relapse-history__note">
          {plural(data.unscored.length, 'earlier result')} without a usable score or date not plotted ({data.unscored.map((u) => u.sourceRef).join(', ')}).
        </p>
      )}
    </Section>
  );
}

export default RelapseHistory;
