// RelapseHistory wired to the app's chart and engine runs (what app.tsx renders).
import type { ChartData } from '../../../fhir/chart.ts';
import type { EngineRuns } from '../scores/api/run-engine.ts';
import { RelapseHistory } from './relapse-history.tsx';

export function RelapseHistoryPanel({ chart, runs }: { chart: ChartData; runs: EngineRuns }) {
  return <RelapseHistory history={chart.history.relapse} current={runs.relapse.data ?? null} />;
}

export default RelapseHistoryPanel;
