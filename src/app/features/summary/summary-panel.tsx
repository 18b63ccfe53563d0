import { useLayoutEffect } from 'react';
import type { ClinicalMeasure } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { ToneBadge } from '../../components/tone-badge.tsx';
import { Skeleton } from '../../components/states.tsx';
import type { EngineRuns } from '../scores/api/run-engine.ts';
import { summaryRows } from '../scores/engine-results.ts';
import { SaveToChartArea } from '../write-back/save-to-chart-area.tsx';
import { mark } from '../../lib/marks.ts';
import { LatestPhq9 } from './latest-phq9.tsx';

export const DISCLAIMER =
  'Decision support for clinician review — not a diagnosis. Results are computed by deterministic rules from the chart data shown, and may be incomplete when the chart is.';

export function SummaryPanel({ chart, runs, measures = [] }: { chart: ChartData | undefined; runs: EngineRuns; measures?: ClinicalMeasure[] }) {
  const rows = summaryRows(runs);
  const ready = rows.filter((r) => r.state === 'ready');
  const lead = ready[0];
  const reviewCount = ready.filter((r) => r.requiresReview).length;
  const hasLead = lead !== undefined;
  useLayoutEffect(() => {
    if (hasLead) mark('summary-lead');
  }, [hasLead]);
  return (
    <section className="panel summary" aria-labelledby="summary-title">
      <div className="summary__head">
        <h2 id="summary-title" className="panel__title">
          Summary
        </h2>
        {chart && <SaveToChartArea chart={chart} runs={runs} />}
      </div>
      {!chart || (rows.length > 0 && ready.length === 0 && rows.some((r) => r.state === 'pending')) ? (
        <Skeleton label="Computing the summary…" lines={3} />
      ) : rows.length === 0 ? (
        <p className="empty-state">The chart holds no assessments, medications, labs or sleep data Tidemark can use.</p>
      ) : (
        <>
          {lead && <p className="summary__lead">{lead.headline}</p>}
          <LatestPhq9 chart={chart} measures={measures} />
          {reviewCount > 0 && (
            <p className="review-flag">
              <span aria-hidden="true">⚑ </span>Requires clinician review ({reviewCount} of {ready.length} results)
            </p>
          )}
          <ol className="summary__list" aria-label="Results, most concerning first">
            {rows.map((r) => (
              <li key={r.engine} className={`summary__row summary__row--${r.state}`} data-engine={r.engine}>
                <span className="summary__engine">{r.title}</span>
                {r.state === 'ready' ? (
                  <ToneBadge tone={r.tone} status={r.status} />
                ) : (
                  <span className={`badge badge--${r.state === 'error' ? 'error' : 'unknown'}`}>
                    {r.state === 'error' ? 'Unavailable' : 'Computing…'}
                  </span>
                )}
                <span className="summary__headline">
                  {r.state === 'error' ? `Could not be computed — see its card below.` : r.headline}
                </span>
                {r.safety && <span className="summary__review summary__safety">Safety</span>}
                {r.requiresReview && <span className="summary__review">Review</span>}
              </li>
            ))}
          </ol>
        </>
      )}
      <p className="disclaimer">{DISCLAIMER}</p>
    </section>
  );
}
