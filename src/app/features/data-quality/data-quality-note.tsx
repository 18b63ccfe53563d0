import type { ChartData, ExcludedEntry } from '../../../fhir/chart.ts';
import { SourceLink } from '../../components/source-refs.tsx';
import { plural } from '../../lib/format.ts';

export function excludedSummary(excluded: ExcludedEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of excluded) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
  const parts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
  return `${plural(excluded.length, 'entry', 'entries')} left out: ${parts.join(', ')}`;
}

const NOTE_KINDS_SHOWN_FIRST = new Set(['capped', 'other']);

/** Never a silent zero: every chart entry Tidemark did not use is counted, with its reason. */
export function DataQualityNote({ chart }: { chart: ChartData }) {
  const notes = chart.notes ?? [];
  // Searches that could not be read or were capped matter more than merge/timezone notes.
  const important = notes.filter((n) => NOTE_KINDS_SHOWN_FIRST.has(n.kind));
  if (chart.excluded.length === 0 && notes.length === 0) return null;
  return (
    <section className="dq" aria-label="Data quality">
      {important.length > 0 && (
        <div className="dq-warning" role="status">
          <strong>Part of the chart could not be read:</strong>
          <ul className="dq-note__list">
            {important.map((n, i) => (
              <li key={i}>{n.detail}</li>
            ))}
          </ul>
        </div>
      )}
      {chart.excluded.length > 0 && (
        <details className="dq-note">
          <summary>
            <span className="dq-note__icon" aria-hidden="true">i</span> {excludedSummary(chart.excluded)}
          </summary>
          <ul className="dq-note__list">
            {chart.excluded.map((e, i) => (
              <li key={`${e.sourceRef}-${i}`}>
                <SourceLink sourceRef={e.sourceRef} /> — {e.reason}: {e.detail}
              </li>
            ))}
          </ul>
        </details>
      )}
      {notes.length > important.length && (
        <details className="dq-note dq-note--minor">
          <summary>{plural(notes.length - important.length, 'note')} on how entries were read</summary>
          <ul className="dq-note__list">
            {notes
              .filter((n) => !NOTE_KINDS_SHOWN_FIRST.has(n.kind))
              .map((n, i) => (
                <li key={i}>
                  <SourceLink sourceRef={n.sourceRef} /> — {n.detail}
                </li>
              ))}
          </ul>
        </details>
      )}
    </section>
  );
}
