// PHQ-9 item 9 ("thoughts that you would be better off dead, or of hurting yourself"):
// a positive answer is surfaced on its own, from the chart AND from any engine's safety[] —
// whichever sees it first, the banner shows.
import type { Assessment, SafetyFinding } from '../../../contract/index.ts';

export const ITEM9_LOINC = '44260-8';
export const ITEM9_ANSWERS = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'] as const;

export interface Item9Alert {
  answer: number;
  answerText: string;
  at: string;
  sourceRefs: string[];
  /** Where it was seen: 'chart', engine names. */
  seenBy: string[];
  messages: string[];
}

export function isPhq9(a: Pick<Assessment, 'instrumentId' | 'instrumentName'>): boolean {
  return /^phq-?9$/i.test(a.instrumentId) || /^phq-?9$/i.test(a.instrumentName) || a.instrumentId === '44261-6';
}

export function item9Score(a: Assessment): number | null {
  const item = a.items?.find((i) => i.id === ITEM9_LOINC || i.index === 9);
  return item ? item.score : null;
}

export function answerText(score: number): string {
  return ITEM9_ANSWERS[Math.round(score)] ?? `score ${score}`;
}

/** The latest PHQ-9 in the chart, and its item 9 when charted. */
export function latestPhq9(assessments: Assessment[]): Assessment | null {
  const phq9 = assessments.filter(isPhq9);
  if (phq9.length === 0) return null;
  return phq9.reduce((a, b) => (Date.parse(b.createdAt) >= Date.parse(a.createdAt) ? b : a));
}

const day = (iso: string) => iso.slice(0, 10);

export function deriveItem9Alert(
  assessments: Assessment[] | undefined,
  findings: { engine: string; finding: SafetyFinding }[],
): Item9Alert | null {
  const candidates: { answer: number; at: string; sourceRef?: string; seenBy: string; message?: string }[] = [];
  const latest = assessments ? latestPhq9(assessments) : null;
  const chartScore = latest ? item9Score(latest) : null;
  if (latest && chartScore !== null && chartScore > 0) {
    candidates.push({ answer: chartScore, at: latest.createdAt, sourceRef: latest.sourceRef, seenBy: 'chart' });
  }
  for (const { engine, finding } of findings) {
    if (finding.kind !== 'phq9_item9' || !(finding.answer > 0)) continue;
    candidates.push({ answer: finding.answer, at: finding.at, sourceRef: finding.sourceRef, seenBy: engine, message: finding.message });
  }
  if (candidates.length === 0) return null;
  // The most recent positive answer leads; everything seen on that day is merged into one banner.
  const newest = candidates.reduce((a, b) => (Date.parse(b.at) > Date.parse(a.at) ? b : a));
  const same = candidates.filter((c) => day(c.at) === day(newest.at));
  const answer = Math.max(...same.map((c) => c.answer));
  return {
    answer,
    answerText: answerText(answer),
    at: newest.at,
    sourceRefs: [...new Set(same.map((c) => c.sourceRef).filter((s): s is string => !!s))],
    seenBy: [...new Set(same.map((c) => c.seenBy))],
    messages: [...new Set(same.map((c) => c.message).filter((m): m is string => !!m))],
  };
}
