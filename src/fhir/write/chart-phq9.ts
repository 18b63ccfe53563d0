// The chart's own latest PHQ-9 as the clinical note reports it: shared by the app's save and the
// population run, so both notes say the same. Pure; kept apart from note.ts (a small module for the app's first load).
import { instrumentKeyOf } from '../../clinical/index.ts';
import type { ChartData } from '../chart.ts';
import { phq9Band } from '../terminology.ts';
import type { NotePhq9 } from './note.ts';

export function chartPhq9(chart: Pick<ChartData, 'assessments'> | undefined): NotePhq9 | null {
  const phq9 = (chart?.assessments ?? []).filter((a) => instrumentKeyOf(a.instrumentId) === 'phq9' || instrumentKeyOf(a.instrumentName) === 'phq9');
  const latest = phq9.reduce<(typeof phq9)[number] | null>((a, b) => (!a || Date.parse(b.createdAt) >= Date.parse(a.createdAt) ? b : a), null);
  if (!latest) return null;
  const item9 = latest.items?.find((i) => i.index === 9)?.score ?? null;
  return { score: latest.score, at: latest.createdAt, band: phq9Band(latest.score), item9, entered: false, ...(latest.sourceRef ? { sourceRef: latest.sourceRef } : {}) };
}
