// The safety findings of one patient for the change feed: src/clinical's shared safety path over the
// mapped chart (every item-9 answer in any form, critical labs) — the same findings the app's banner
// shows and the engines are given; no detector of its own.
import { chartSafety } from '../clinical/index.ts';
import type { ChartData } from '../fhir/chart.ts';

export interface SafetyItem {
  kind: 'phq9_item9' | 'critical_lab';
  at: string;
  sourceRef?: string;
  /** Plain-language text of the finding (answer wording and date, analyte, value and limit). */
  message: string;
  /** Item 9: the answer, and whether it is the latest item-9 answer in the chart. */
  answer?: number;
  current?: boolean;
}

export function safetyFindingsOf(chart: ChartData): SafetyItem[] {
  return chartSafety(chart).findings.map((f) => ({
    kind: f.kind,
    at: f.at,
    ...(f.sourceRef ? { sourceRef: f.sourceRef } : {}),
    message: f.message,
    ...(f.kind === 'phq9_item9' ? { answer: f.answer, current: f.current !== false } : {}),
  }));
}
