// An entered PHQ-9 as the engines and the safety path read every PHQ-9: an Assessment with its nine
// item answers (item 9 included), so the same rules apply to it as to one read from the chart.
import type { Assessment } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { PHQ9, phq9Band } from '../../../fhir/terminology.ts';
import { phq9Total } from '../../../fhir/write/phq9-entry.ts';
import type { EnteredEntry } from './entered-store.ts';

/** The sourceRef an entered PHQ-9 carries until it is in the chart (shown as "entered in Tidemark"). */
export const enteredRef = (e: Pick<EnteredEntry, 'identity'>) => `Tidemark/entered-phq9-${e.identity.slice(0, 12)}`;

export function enteredAssessment(e: EnteredEntry): Assessment {
  const score = phq9Total(e.answers);
  return {
    instrumentId: PHQ9.instrumentId,
    instrumentName: PHQ9.instrumentName,
    score,
    maxScore: PHQ9.maxScore,
    severity: phq9Band(score),
    createdAt: e.at,
    items: e.answers.map((a, i) => ({ id: PHQ9.items[i]!, index: i + 1, score: a })),
    sourceRef: enteredRef(e),
  };
}

/** Already read back from the chart (saved, then relaunched): the same PHQ-9 total at the same minute. */
function inChart(chart: ChartData, a: Assessment): boolean {
  const t = Date.parse(a.createdAt);
  return chart.assessments.some((c) => c.instrumentId === a.instrumentId && c.score === a.score && Math.abs(Date.parse(c.createdAt) - t) < 60_000);
}

/** The chart with the entered PHQ-9s among its assessments (oldest first), or the chart itself. */
export function withEntered(chart: ChartData, entries: readonly EnteredEntry[]): ChartData {
  const added = entries.map(enteredAssessment).filter((a) => !inChart(chart, a));
  if (added.length === 0) return chart;
  const assessments = [...chart.assessments, ...added].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  return { ...chart, assessments };
}
