import type { OutcomeResponse } from '../../../contract/index.ts';
import { formatNumber, humanize } from '../../lib/format.ts';

export function OutcomeComponents({ result }: { result: OutcomeResponse }) {
  return (
    <div className="outcome">
      <p className="relapse__score">
        {/* A composite of 0 with no trajectory is "not known", not "no change". */}
        <span className="relapse__number">{result.direction === 'insufficient_data' ? '—' : formatNumber(result.score)}</span>
        <span className="muted"> (−100 to +100) · {humanize(result.direction)}</span>
      </p>
      <ul className="facet__list" aria-label="Outcome components">
        {result.components.map((c, i) => (
          <li key={`${c.key}-${i}`}>
            <strong>{c.label}</strong>: {c.available ? `${c.contribution > 0 ? '+' : ''}${formatNumber(c.contribution)}` : 'no data'} — {c.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}
