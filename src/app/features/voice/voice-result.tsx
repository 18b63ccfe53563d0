// A finished voice job: audio quality first (issues in plain words, with what to do), then the vocal
// features against their published ranges, then condition levels — never without the quality verdict.
import type { AudioQuality, VocalFeature, VoiceSignal } from '../../../contract/index.ts';
import { formatNumber } from '../../lib/format.ts';
import { issueAdvice, levelMeaning } from './quality-text.ts';

const BADGE: Record<VocalFeature['value_interpretation'], string> = {
  'within range': 'badge--ok',
  'slightly elevated': 'badge--watch',
  reduced: 'badge--watch',
  high: 'badge--concern',
  low: 'badge--concern',
};

export function QualityVerdict({ quality }: { quality: AudioQuality }) {
  const ok = quality.issues.length === 0;
  return (
    <section className={`voice__quality ${ok ? 'voice__quality--ok' : 'voice__quality--issues'}`} aria-labelledby="voice-quality-title">
      <h3 id="voice-quality-title" className="voice__subtitle">
        Recording quality: {ok ? 'adequate for measurement' : 'problems found'}
      </h3>
      <p className="muted">
        Speech in {quality.voice_percentage === null ? '—' : `${formatNumber(quality.voice_percentage, 0)} %`} of the recording · clarity{' '}
        {quality.audio_clarity === null ? '—' : `${formatNumber(quality.audio_clarity, 0)} of 100`}
        {typeof quality.snr_db === 'number' && ` (signal-to-noise ${formatNumber(quality.snr_db, 0)} dB)`}
      </p>
      {!ok && (
        <ul className="voice__issues">
          {quality.issues.map((i) => {
            const a = issueAdvice(i, quality);
            return (
              <li key={i} data-issue={i}>
                <strong>{a.title}.</strong> {a.todo}
              </li>
            );
          })}
        </ul>
      )}
      {!ok && <p className="voice__caveat">Every value below is affected: read it with this in mind, or record again.</p>}
    </section>
  );
}

export function FeatureTable({ features }: { features: readonly VocalFeature[] }) {
  if (features.length === 0) return <p className="muted">No vocal features could be measured from this recording.</p>;
  return (
    <table className="voice__features">
      <caption className="voice__subtitle">Vocal features</caption>
      <thead>
        <tr>
          <th scope="col">Feature</th>
          <th scope="col">Value</th>
          <th scope="col">Reading</th>
          <th scope="col">Published range</th>
        </tr>
      </thead>
      <tbody>
        {features.map((f) => (
          <tr key={f.feature} data-feature={f.feature}>
            <th scope="row">{f.label}</th>
            <td>
              {formatNumber(f.value, 2)} {f.unit}
            </td>
            <td>
              <span className={`badge ${BADGE[f.value_interpretation]}`}>{f.value_interpretation}</span>
            </td>
            <td>
              {f.reference_range ?? '—'}
              {f.caution && <div className="voice__caution">{f.caution}</div>}
              {f.source && <div className="muted voice__source">{f.source}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ConditionLevels({ signals, quality }: { signals: readonly VoiceSignal[]; quality: AudioQuality }) {
  const ok = quality.issues.length === 0;
  // One reason shared by every level (embedded mode: no model) is said once.
  const shared = signals.length > 1 && signals.every((s) => s.reason && s.reason === signals[0]!.reason) ? signals[0]!.reason : undefined;
  return (
    <section className="voice__levels" aria-labelledby="voice-levels-title">
      <h3 id="voice-levels-title" className="voice__subtitle">
        Condition levels
      </h3>
      {/* The quality verdict travels with the levels, always. */}
      <p className={ok ? 'muted' : 'voice__caveat'} data-testid="levels-quality">
        Recording quality: {ok ? 'adequate' : `problems found (${quality.issues.join(', ').replace(/_/g, ' ')}) — levels are unreliable`}.
      </p>
      {shared && <p className="muted">{shared}</p>}
      <ul className="voice__level-list">
        {signals.map((s) => (
          <li key={s.model_id}>
            <strong>{s.label}</strong>: <span className={`badge ${s.flagged ? 'badge--concern' : 'badge--unknown'}`}>{s.level}</span>{' '}
            <span className="muted">{levelMeaning(s.level)}</span>
            {s.reason && s.reason !== shared && <div className="muted">{s.reason}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}
