import type { RelapseResponse } from '../../../contract/index.ts';
import { formatNumber, humanize } from '../../lib/format.ts';

export function RelapseFactors({ result }: { result: RelapseResponse }) {
  return (
    <div className="relapse">
      <p className="relapse__score">
        <span className="relapse__number">{formatNumber(result.score)}</span>
        <span className="muted">/100 · {humanize(result.level)} · trend {result.trend}</span>
      </p>
      {result.symptomStatus && <p className="relapse__status">{result.symptomStatus}</p>}
      {result.levelReason && <p className="relapse__level-reason">Level: {result.levelReason}</p>}
      {result.recommendation && <p className="relapse__recommendation">{result.recommendation}</p>}
      <h4 className="facet__title">Factor breakdown</h4>
      <ul className="factors" aria-label="Relapse risk factors">
        {result.factors.map((f, i) => {
          const pct = f.maxPoints > 0 ? Math.min(100, (f.points / f.maxPoints) * 100) : 0;
          return (
            <li key={`${f.key}-${i}`} className={`factor factor--${f.available ? f.tone : 'none'}`} data-factor={f.key}>
              <div className="factor__row">
                <span className="factor__label">{f.label}</span>
                <span className="factor__points">
                  {f.available ? (
                    <>
                      <strong>{formatNumber(f.points)}</strong> of {formatNumber(f.maxPoints)} points
                    </>
                  ) : (
                    'no data'
                  )}
                </span>
              </div>
              <div
                className="factor__bar"
                role="img"
                aria-label={`${f.label}: ${formatNumber(f.points)} of ${formatNumber(f.maxPoints)} points`}
              >
                <span style={{ width: `${pct}%` }} />
              </div>
              <p className="factor__detail">{f.detail}</p>
            </li>
          );
        })}
      </ul>
      {result.topDriver && <p className="muted">Top driver: {result.topDriver}</p>}
    </div>
  );
}
