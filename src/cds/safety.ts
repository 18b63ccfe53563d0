// The safety findings the card rules act on: a positive PHQ-9 item 9 and critical lab values.
// ONE seam: this module only adapts the project's safety path to the card rules. Today it reads the
// engines' item-9 findings and the biomarker engine's critical signals; when the `clinical` branch's
// safety function (all item-9 forms, critical-lab table in src/clinical) lands, only this file changes.
import type { BiomarkerResponse } from '../contract/index.ts';
import { item9Findings, groupAssessments } from '../engines/measures/index.ts';
import { MEASURE_PARAMS } from '../engines/measures/params.ts';
import type { ChartData } from '../fhir/chart.ts';

export interface Item9Signal {
  /** 1 … 3 ("Several days" … "Nearly every day"). */
  answer: number;
  answerText: string;
  at: string;
  sourceRef?: string;
}

export interface CriticalLab {
  label: string;
  value: number | null;
  unit: string | null;
  at: string | null;
  sourceRef?: string;
  why: string;
}

export interface SafetySignals {
  /** The latest charted item-9 answer when it is positive; null when the latest answer is 0 or none is charted. */
  item9: Item9Signal | null;
  criticalLabs: CriticalLab[];
}

export function safetySignals(chart: ChartData, biomarker: BiomarkerResponse | undefined): SafetySignals {
  return { item9: latestPositiveItem9(chart), criticalLabs: criticalLabs(biomarker) };
}

export function item9AnswerText(answer: number): string {
  return MEASURE_PARAMS.item9.answerLabels[answer] ?? `answer ${answer}`;
}

function latestPositiveItem9(chart: ChartData): Item9Signal | null {
  const series = groupAssessments(chart.assessments);
  const newest = item9Findings(series)[0];
  if (!newest) return null;
  // A later PHQ-9 whose item 9 was answered 0 makes the positive one history, not the current state.
  const phq9 = series.find((s) => s.key === 'phq9');
  const t = Date.parse(newest.at);
  const laterNegative = phq9?.points.some(
    (p) => p.epoch > t && (p.source.items ?? []).some((i) => (i.id === MEASURE_PARAMS.item9.loinc || i.index === MEASURE_PARAMS.item9.index) && i.score === 0),
  );
  if (laterNegative) return null;
  return {
    answer: newest.answer,
    answerText: item9AnswerText(newest.answer),
    at: newest.at,
    ...(newest.sourceRef ? { sourceRef: newest.sourceRef } : {}),
  };
}

function criticalLabs(biomarker: BiomarkerResponse | undefined): CriticalLab[] {
  if (!biomarker) return [];
  return biomarker.signals
    .filter((s) => s.tone === 'critical')
    .map((s) => ({
      label: s.label,
      value: s.metricValue,
      unit: s.metricUnit,
      at: s.observedAt,
      ...(s.sourceRef ? { sourceRef: s.sourceRef } : {}),
      why: s.detail,
    }))
    .sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
}
