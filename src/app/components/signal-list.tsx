import type { ReactNode } from 'react';
import type { ModuleSignal } from '../../contract/index.ts';
import { formatDate, formatNumber } from '../lib/format.ts';
import { SourceRefs } from './source-refs.tsx';

const TONE_CLASS: Record<ModuleSignal['tone'], string> = {
  positive: 'ok',
  neutral: 'unknown',
  watch: 'watch',
  concern: 'concern',
  critical: 'critical',
};

/** Engine signals, each with the chart data it came from. */
export function SignalList({
  signals,
  label,
  sourceData,
}: {
  signals: ModuleSignal[];
  label: string;
  sourceData: (s: ModuleSignal) => ReactNode;
}) {
  if (signals.length === 0) return <p className="empty-state">No signals.</p>;
  return (
    <ul className="signals" aria-label={label}>
      {signals.map((s, i) => (
        <li key={`${s.signalKey}-${i}`} className={`signal signal--${TONE_CLASS[s.tone]}`}>
          <div className="signal__head">
            <span className={`badge badge--${TONE_CLASS[s.tone]}`}>{s.tone}</span>
            <strong className="signal__label">{s.label}</strong>
            {s.metricValue !== null && (
              <span className="signal__metric">
                {formatNumber(s.metricValue, 2)}
                {s.metricUnit ? ` ${s.metricUnit}` : ''}
              </span>
            )}
          </div>
          <p className="signal__detail">{s.detail}</p>
          <div className="signal__source">
            {sourceData(s)}
            {s.observedAt && <span className="muted">Observed {formatDate(s.observedAt)}. </span>}
            <SourceRefs refs={[s.sourceRef]} className="source-line--inline" />
          </div>
        </li>
      ))}
    </ul>
  );
}
