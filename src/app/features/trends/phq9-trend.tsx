import { lazy, Suspense } from 'react';
import type { ClinicalMeasure } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { DataTable } from '../../components/data-table.tsx';
import { EmptyState, Section, Skeleton } from '../../components/states.tsx';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';
import { phq9Trend, PHQ9_BANDS } from './trend-data.ts';

const loadChart = () => import('./phq9-trend-chart.tsx');
const Phq9TrendChart = lazy(loadChart);

/** Start fetching and parsing recharts while the chart is still being read (idle network time). */
export function preloadTrendChart(): void {
  void loadChart();
}

/**
 * `deferChart`: while engine results are still arriving, the chart waits (its first render is the
 * heaviest work on the page) so the summary paints first.
 */
export function Phq9TrendPanel({ chart, measures, deferChart = false }: { chart: ChartData; measures: ClinicalMeasure[]; deferChart?: boolean }) {
  const trend = phq9Trend(chart.assessments, chart.prescriptions, measures);
  const n = trend.points.length;
  const measure = measures.find((m) => /phq-?9/i.test(m.instrumentId) || /phq-?9/i.test(m.instrumentName));
  return (
    <Section id="trend" title="PHQ-9 trend">
      {n === 0 ? (
        <EmptyState>No PHQ-9 in the chart — the trend needs at least two.</EmptyState>
      ) : n === 1 ? (
        <EmptyState>
          Only one PHQ-9 ({trend.points[0]!.score} on {formatDate(trend.points[0]!.at)}, {trend.points[0]!.band.toLowerCase()}) — trend needs at least
          two.
        </EmptyState>
      ) : (
        <>
          {measure && <p className="trend__measure">{measure.explanation}</p>}
          {deferChart ? (
            <Skeleton label="Loading the chart…" lines={5} />
          ) : (
            <Suspense fallback={<Skeleton label="Loading the chart…" lines={5} />}>
              <Phq9TrendChart trend={trend} />
            </Suspense>
          )}
          <ul className="legend" aria-label="Chart legend">
            {PHQ9_BANDS.map((b) => (
              <li key={b.className}>
                <span className={`legend__swatch legend__swatch--${b.className}`} aria-hidden="true" /> {b.label} {b.from}–{b.to}
              </li>
            ))}
            <li><span className="legend__mark legend__mark--response" aria-hidden="true">▲</span> Response (≥ 50% below baseline)</li>
            <li><span className="legend__mark legend__mark--remission" aria-hidden="true">■</span> Remission (&lt; 5)</li>
            <li><span className="legend__mark legend__mark--item9" aria-hidden="true">◯</span> Item 9 positive</li>
            <li><span className="legend__mark legend__mark--med" aria-hidden="true">│</span> Medication start (solid) / stop (dashed)</li>
          </ul>
          <details className="card__more">
            <summary>PHQ-9 values ({n})</summary>
            <DataTable caption="PHQ-9 totals, oldest first" columns={['Date', 'Score', 'Band', 'Item 9', 'Marker', 'Source']}>
              {trend.points.map((p) => (
                <tr key={`${p.t}-${p.sourceRef ?? ''}`} className={p.item9 ? 'row--alert' : undefined}>
                  <td>{formatDate(p.at)}</td>
                  <td>{p.score}</td>
                  <td>{p.band}</td>
                  <td>{p.item9 === null ? '—' : p.item9 > 0 ? `${p.item9} (positive)` : '0'}</td>
                  <td>{p === trend.baseline ? 'Baseline' : p.remission ? 'Remission' : p.response ? 'Response' : ''}</td>
                  <td>
                    <SourceRefs refs={[p.sourceRef]} label="" className="source-line--inline" />
                  </td>
                </tr>
              ))}
            </DataTable>
            {trend.medEvents.length > 0 && (
              <ul className="facet__list">
                {trend.medEvents.map((e, i) => (
                  <li key={i}>
                    {formatDate(e.at)}: {e.label} {e.kind === 'start' ? 'started' : 'stopped'}
                  </li>
                ))}
              </ul>
            )}
          </details>
        </>
      )}
    </Section>
  );
}
