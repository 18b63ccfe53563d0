import type { ReactNode } from 'react';
import { ENDPOINTS, type EngineName, type Intelligence, type SafetyFinding } from '../../../contract/index.ts';
import { ErrorState, Skeleton } from '../../components/states.tsx';
import { SourceRefs } from '../../components/source-refs.tsx';
import { ToneBadge } from '../../components/tone-badge.tsx';
import { formatDate, formatPercent, humanize, inputLabel } from '../../lib/format.ts';
import { toneOf } from '../../lib/status-tone.ts';
import { EngineCallError, type EngineRun } from '../scores/api/run-engine.ts';
import { headlineWithoutSafety } from '../scores/engine-results.ts';

function errorText(error: Error): { title: string; message: string } {
  if (error instanceof EngineCallError) {
    if (error.sessionExpired) {
      return { title: 'Session expired', message: 'The EHR session has ended. Relaunch Tidemark from the EHR to continue.' };
    }
    const id = error.requestId ? ` (request ${error.requestId})` : '';
    return { title: 'Could not compute this result', message: `${error.message}${id}` };
  }
  return { title: 'Could not compute this result', message: error.message };
}

function Confidence({ c }: { c: Intelligence['confidence'] }) {
  return (
    <div className="facet">
      <h4 className="facet__title">Confidence</h4>
      <p>
        <strong>{humanize(c.level)}</strong> <span className="muted">({formatPercent(c.score)})</span>
      </p>
      {c.reasons.length > 0 && (
        <ul className="facet__list">
          {c.reasons.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function DataQuality({ q }: { q: Intelligence['dataQuality'] }) {
  return (
    <div className="facet">
      <h4 className="facet__title">Data quality</h4>
      <p>
        <strong>{formatPercent(q.completeness)}</strong> complete
        {q.freshness.newestInputAt && <span className="muted"> · newest input {formatDate(q.freshness.newestInputAt)}</span>}
      </p>
      {q.missingInputs.length > 0 && <p className="facet__note">Missing: {q.missingInputs.map(inputLabel).join(', ')}</p>}
      {q.freshness.staleInputs.length > 0 && (
        <p className="facet__note">Stale: {q.freshness.staleInputs.map(inputLabel).join(', ')}</p>
      )}
    </div>
  );
}

function Change({ change }: { change: NonNullable<Intelligence['change']> }) {
  return (
    <div className="facet facet--wide">
      <h4 className="facet__title">What changed</h4>
      <p>
        {humanize(change.direction)}
        {change.previousStatus && ` from ${humanize(change.previousStatus)}`} to {humanize(change.currentStatus)}
        {change.delta !== null && ` (${change.delta > 0 ? '+' : ''}${change.delta})`}
        {change.previousComputedAt && <span className="muted"> since {formatDate(change.previousComputedAt)}</span>}
      </p>
      {change.explanations.length > 0 && (
        <ul className="facet__list">
          {change.explanations.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** One line naming the safety findings this result carries. */
export function safetyNote(safety: readonly SafetyFinding[]): string {
  const item9 = safety.filter((f) => f.kind === 'phq9_item9');
  const labs = safety.filter((f) => f.kind === 'critical_lab');
  const parts: string[] = [];
  if (item9.some((f) => f.current !== false)) parts.push('a positive PHQ-9 item 9 (same-day suicide-risk assessment)');
  else if (item9.length > 0) parts.push('an earlier positive PHQ-9 item 9');
  if (labs.length > 0) parts.push(`${labs.length === 1 ? 'a critical lab value' : `${labs.length} critical lab values`} (act today)`);
  return `Safety: ${parts.join(' and ')}.`;
}

export function EngineCard({ run, children }: { run: EngineRun; children?: ReactNode }) {
  const title = ENDPOINTS[run.engine as EngineName].title;
  const id = `engine-${run.engine}`;
  const data = run.data;
  const intel = data?.intelligence;
  return (
    <article className="card" aria-labelledby={`${id}-title`} data-engine={run.engine}>
      <header className="card__head">
        <h3 id={`${id}-title`} className="card__title">
          {title}
        </h3>
        {intel && <ToneBadge tone={toneOf(intel.summary.status, intel.interpretationScale)} status={intel.summary.status} />}
      </header>
      {!run.hasRequest ? (
        <p className="empty-state">Not run: the chart holds no data this engine uses.</p>
      ) : run.isPending ? (
        <Skeleton label={`Computing ${title}…`} lines={4} />
      ) : run.error && !data ? (
        <ErrorState {...errorText(run.error)} onRetry={run.refetch} />
      ) : intel ? (
        <>
          <p className="card__headline">{headlineWithoutSafety(intel.summary.headline, data.safety ?? [])}</p>
          {intel.summary.requiresClinicianReview && <p className="review-flag review-flag--small">Requires clinician review</p>}
          {(data.safety ?? []).length > 0 ? (
            // Beside a safety finding no card shows routine advice (e.g. "Low risk — routine monitoring").
            <p className="card__safety">
              <span aria-hidden="true">! </span>
              {safetyNote(data.safety)} See the safety banner at the top of the page first.
            </p>
          ) : (
            intel.interpretationScale[intel.summary.status] && <p className="muted card__scale">{intel.interpretationScale[intel.summary.status]}</p>
          )}
          {children}
          <div className="facets">
            <Confidence c={intel.confidence} />
            <DataQuality q={intel.dataQuality} />
            {intel.change && <Change change={intel.change} />}
          </div>
          <details className="card__more">
            <summary>Inputs, codes and method</summary>
            <ul className="facet__list">
              {intel.provenance.inputs.map((input, i) => (
                <li key={`${input.name}-${i}`}>
                  {inputLabel(input.name)}: <strong>{input.value === null ? '—' : String(input.value)}</strong>
                  {input.observedAt && <span className="muted"> ({formatDate(input.observedAt)})</span>}
                  {!input.contributed && <span className="muted"> — not used</span>}
                  {input.sourceRef && <SourceRefs refs={[input.sourceRef]} className="source-line--inline" />}
                </li>
              ))}
            </ul>
            {intel.codes.length > 0 && (
              <p className="muted">
                Codes:{' '}
                {intel.codes.map((c, i) => (
                  <span key={`${c.system}|${c.code}|${c.mapsTo}|${i}`} className="code" title={c.system}>
                    {c.display} ({c.code})
                  </span>
                ))}
              </p>
            )}
            <p className="muted">
              {humanize(intel.provenance.method)}, engine {intel.provenance.engineVersion}, computed {formatDate(intel.provenance.generatedAt)}.
            </p>
          </details>
          <SourceRefs refs={intel.provenance.inputs.map((i) => i.sourceRef)} />
          {data.disclaimer && <p className="disclaimer disclaimer--small">{data.disclaimer}</p>}
        </>
      ) : null}
    </article>
  );
}
