// Symptom-scale trend panels (PHQ-9, and GAD-7 beside it): the engines' reading of the scale, a lazy
// chart and the values table with their sources.
import { lazy, Suspense } from 'react';
import { GAD7, PHQ9, type Instrument } from '../../../clinical/index.ts';
import type { ClinicalMeasure } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { DataTable } from '../../components/data-table.tsx';
import { EmptyState, Section, Skeleton } from '../../components/states.tsx';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';
import { bandsOf, isInstrument, measureOf, scaleTrend } from './trend-data.ts';

const loadChart = () => import('./scale-trend-chart.tsx');
const ScaleTrendChart = lazy(loadChart);

/** Start fetching and parsing recharts while the chart is still being read (idle network time). */
export function preloadTrendChart(): void {
  void loadChart();
}

/**
 * `deferChart`: while engine results are still arriving, the chart waits (its first render is the
 * heaviest work on the page) so the summary paints first.
 */
export function ScaleTrendPanel({ instrument, chart, measures, deferChart = false }: { instrument: Instrument; chart: ChartData; measures: ClinicalMeasure[]; deferChart?: boolean }) {
  const trend = scaleTrend(instrument, chart.assessments, chart.prescriptions, measures);
  const n = trend.points.length;
  const measure = measureOf(measures, instrument);
  const name = instrument.name;
  const item9 = instrument === PHQ9;
  return (
    <Section id={item9 ? 'trend' : `trend-${instrument.key}`} title={`${name} trend`}>
      {n === 0 ? (
        <EmptyState>No {name} in the chart — the trend needs at least two.</EmptyState>
      ) : n === 1 ? (
        <EmptyState>
          Only one {name} ({trend.points[0]!.score} on {formatDate(trend.points[0]!.at)}, {trend.points[0]!.band.toLowerCase()}) — trend needs at least two.
        </EmptyState>
      ) : (
        <>
          {measure && <p className="trend__measure">{measure.explanation}</p>}
          {deferChart ? (
            <Skeleton label="Loading the chart…" lines={5} />
          ) : (
            <Suspense fallback={<Skeleton label="Loading the chart…" lines={5} />}>
              <ScaleTrendChart trend={trend} />
            </Suspense>
          )}
          <ul className="legend" aria-label={`${name} chart legend`}>
            {bandsOf(instrument).map((b) => (
              <li key={b.className}>
                <span className={`legend__swatch legend__swatch--${b.className}`} aria-hidden="true" /> {b.label} {b.from}–{b.to}
              </li>
            ))}
            <li><span className="legend__mark legend__mark--response" aria-hidden="true">▲</span> Response (≥ 50% below a baseline of {instrument.caseThreshold} or more)</li>
            {instrument.remissionBelow !== null && (
              <li><span className="legend__mark legend__mark--remission" aria-hidden="true">■</span> Remission (&lt; {instrument.remissionBelow})</li>
            )}
            {item9 && <li><span className="legend__mark legend__mark--item9" aria-hidden="true">◯</span> Item 9 positive</li>}
            <li><span className="legend__mark legend__mark--med" aria-hidden="true">│</span> Medication start (solid) / stop (dashed)</li>
          </ul>
          <details className="card__more">
            <summary>{name} values ({n})</summary>
            <DataTable caption={`${name} totals, oldest first`} columns={['Date', 'Score', 'Band', ...(item9 ? ['Item 9'] : []), 'Marker', 'Source']}>
              {trend.points.map((p) => (
                <tr key={`${p.t}-${p.sourceRef ?? ''}`} className={p.item9 ? 'row--alert' : undefined}>
                  <td>{formatDate(p.at)}</td>
                  <td>{p.score}</td>
                  <td>{p.band}</td>
                  {item9 && <td>{p.item9 === null ? '—' : p.item9 > 0 ? `${p.item9} (positive)` : '0'}</td>}
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

/** The PHQ-9 trend (always shown), and the GAD-7 trend beside it when the chart holds any GAD-7. */
export function Phq9TrendPanel(props: { chart: ChartData; measures: ClinicalMeasure[]; deferChart?: boolean }) {
  const hasGad7 = props.chart.assessments.some((a) => isInstrument(a, GAD7));
  return (
    <>
      <ScaleTrendPanel instrument={PHQ9} {...props} />
      {hasGad7 && <ScaleTrendPanel instrument={GAD7} {...props} />}
    </>
  );
}
