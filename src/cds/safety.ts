// The safety findings the card rules act on, from the project's one safety path (src/clinical
// chartSafety: every item-9 answer in any form and status, collected before completeness checks, and
// critical labs by src/clinical's limits). This module only shapes them for the cards.
import { answerLabel, chartSafety, type CriticalLabFinding, type Item9Answer } from '../clinical/index.ts';
import type { ChartData } from '../fhir/chart.ts';

export interface Item9Signal {
  /** 1 … 3 ("Several days" … "Nearly every day"); an off-scale value is kept as charted. */
  answer: number;
  answerText: string;
  /** ISO date-time, null when the chart gives none. */
  at: string | null;
  sourceRef?: string;
  /** The charted resource's status when it is not final (e.g. an in-progress questionnaire). */
  status?: string;
}

export interface SafetySignals {
  /** The latest item-9 answer when it is positive (the current one); null when it is 0 or none is charted. */
  item9: Item9Signal | null;
  /** The newest positive answer when the latest is 0: history the prescriber should still see. */
  earlierItem9: Item9Signal | null;
  criticalLabs: CriticalLabFinding[];
}

const FINAL = new Set(['final', 'completed', 'amended', 'corrected']);

export function safetySignals(chart: ChartData): SafetySignals {
  const s = chartSafety(chart);
  const latest = s.item9?.latest;
  const current = latest && latest.answer > 0 ? signal(latest) : null;
  const earlier = !current && s.item9?.positives[0] ? signal(s.item9.positives[0]) : null;
  return { item9: current, earlierItem9: earlier, criticalLabs: s.criticalLabs };
}

function signal(a: Item9Answer): Item9Signal {
  return {
    answer: a.answer,
    answerText: answerLabel(a.answer),
    at: a.at,
    ...(a.sourceRef ? { sourceRef: a.sourceRef } : {}),
    ...(FINAL.has(a.status) ? {} : { status: a.status }),
  };
}
