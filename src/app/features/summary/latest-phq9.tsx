// The lines a clinician reads first: the latest PHQ-9 and GAD-7, band, baseline of the current episode,
// change and response — the engines' own reading of the scale (src/clinical bands), with the source.
import { GAD7, PHQ9, RESPONSE_LABELS, importantChangeOf, type Instrument } from '../../../clinical/index.ts';
import type { ClinicalMeasure } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';
import { bandLabel, latestOf, measureOf, scaleTrend } from '../trends/trend-data.ts';

function LatestScale({ instrument, chart, measures }: { instrument: Instrument; chart: ChartData; measures: ClinicalMeasure[] }) {
  const latest = latestOf(chart.assessments, instrument);
  if (!latest) return null;
  const m = measureOf(measures, instrument);
  const band = m?.severityBand ?? bandLabel(instrument, latest.score);
  const flags = m
    ? [
        m.remission ? 'in remission' : m.remission === false ? 'not in remission' : null,
        m.responseStatus ? RESPONSE_LABELS[m.responseStatus] : null,
        m.clinicallyImportantChange && !m.responseStatus ? 'clinically important change' : null,
      ].filter(Boolean)
    : [];
  // A rise from a low point (relapse after remission) is invisible in "change from baseline": name the
  // lowest score in between when the latest is an important change above it.
  const points = scaleTrend(instrument, chart.assessments, [], measures).points;
  const lowest = points.slice(0, -1).reduce<(typeof points)[number] | undefined>((lo, p) => (!lo || p.score < lo.score ? p : lo), undefined);
  const rise = lowest && latest.score - lowest.score >= importantChangeOf(instrument, instrument.maxScore) ? lowest : undefined;
  return (
    <div className="summary__phq9" data-instrument={instrument.key}>
      Latest {instrument.name} <strong>{latest.score}</strong>/{instrument.maxScore} ({band.toLowerCase()}) on {formatDate(latest.createdAt)}
      {m && m.points > 1 && m.baseline.at !== m.latest.at && (
        <>
          {' '}· baseline {m.baseline.score} on {formatDate(m.baseline.at)}
          {m.recurrence ? ' (start of this episode)' : ''} · change {m.changeFromBaseline > 0 ? '+' : ''}
          {m.changeFromBaseline}
        </>
      )}
      {m?.recurrence && (
        <>
          {' '}· <strong>recurrence</strong> after {m.recurrence.remissionScore} on {formatDate(m.recurrence.remissionAt)}
        </>
      )}
      {rise && !m?.recurrence && (
        <>
          {' '}· <strong>up {latest.score - rise.score}</strong> from its lowest, {rise.score} on {formatDate(rise.at)}
        </>
      )}
      {flags.length > 0 && <> · {flags.join(', ')}</>}
      <SourceRefs refs={[latest.sourceRef]} className="source-line--inline" label=" · source" />
    </div>
  );
}

/** PHQ-9 first; GAD-7 beside it when charted (anxiety is scored and shown, not only read). */
export function LatestPhq9({ chart, measures }: { chart: ChartData; measures: ClinicalMeasure[] }) {
  return (
    <>
      <LatestScale instrument={PHQ9} chart={chart} measures={measures} />
      <LatestScale instrument={GAD7} chart={chart} measures={measures} />
    </>
  );
}
