import type { DmseResponse } from '../../../contract/index.ts';
import { formatNumber, humanize } from '../../lib/format.ts';

export function DmseSignals({ result }: { result: DmseResponse }) {
  return (
    <ul className="facet__list" aria-label="Digital MSE signals">
      {result.signals.map((s, i) => (
        <li key={`${s.signalKey}-${i}`}>
          <strong>{s.label}</strong>
          {s.metricValue !== null && `: ${formatNumber(s.metricValue, 2)} ${s.metricUnit}`}
          {s.interpretation && ` — ${humanize(s.interpretation)}`} <span className="muted">({s.referenceRange})</span>
        </li>
      ))}
    </ul>
  );
}
