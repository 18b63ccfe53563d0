// RelapseHistory wired to the app's chart and engine runs (what app.tsx renders): the current
// result's write identity tells whether it is already in the chart (read back from an earlier save).
import { useMemo } from 'react';
import type { ChartData } from '../../../fhir/chart.ts';
import type { EngineRuns } from '../scores/api/run-engine.ts';
import { useResultsInChart } from '../write-back/api/results-in-chart.ts';
import { useEngineResults } from '../write-back/save-to-chart-area.tsx';
import { RelapseHistory } from './relapse-history.tsx';

export function RelapseHistoryPanel({ chart, runs }: { chart: ChartData; runs: EngineRuns }) {
  const results = useEngineResults(chart, runs);
  const relapse = useMemo(() => results.filter((r) => r.engine === 'relapse'), [results]);
  const identity = useResultsInChart(relapse, chart.history)?.[0]?.identifier;
  return <RelapseHistory history={chart.history.relapse} current={runs.relapse.data ?? null} currentIdentifier={identity} />;
}

export default RelapseHistoryPanel;
