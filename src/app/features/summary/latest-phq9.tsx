import type { ClinicalMeasure } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';
import { latestPhq9 } from '../safety/derive-safety.ts';
import { bandOf, phq9Trend } from '../trends/trend-data.ts';

/** One line a clinician reads first: the latest PHQ-9, its band, and where it stands against baseline. */
export function LatestPhq9({ chart, measures }: { chart: ChartData; measures: ClinicalMeasure[] }) {
  const latest = latestPhq9(chart.assessments);
  if (!latest) return null;
  const m = measures.find((x) => /phq-?9/i.test(x.instrumentId) || /phq-?9/i.test(x.instrumentName));
  const band = m?.severityBand ?? bandOf(latest.score);
  const flags = m
    ? [m.remission && 'remission', !m.remission && m.response && 'response', m.clinicallyImportantChange && 'clinically important change'].filter(Boolean)
    : [];
  // A rise from a low point (relapse after remission) is invisible in "change from baseline": name
  // the lowest score in between when the latest is a clinically important 5 points above it.
  const points = phq9Trend(chart.assessments, [], measures).points;
  const lowest = points.slice(1, -1).reduce<(typeof points)[number] | undefined>((lo, p) => (!lo || p.score < lo.score ? p : lo), undefined);
  const rise = lowest && latest.score - lowest.score >= 5 ? lowest : undefined;
  return (
    <div className="summary__phq9">
      Latest PHQ-9 <strong>{latest.score}</strong>/27 ({band.toLowerCase()}) on {formatDate(latest.createdAt)}
      {m && m.points > 1 && m.baseline.at !== m.latest.at && (
        <>
          {' '}· baseline {m.baseline.score} on {formatDate(m.baseline.at)} · change {m.changeFromBaseline > 0 ? '+' : ''}
          {m.changeFromBaseline}
        </>
      )}
      {rise && (
        <>
          {' '}· <strong>up {latest.score - rise.score}</strong> from its lowest, {rise.score} on {formatDate(rise.at)}
        </>
      )}
      {flags.length > 0 && <> · {flags.join(', ')}</>}
      <SourceRefs refs={[latest.sourceRef]} className="source-line--inline" label=" · source" />
    </div>
  );
}
