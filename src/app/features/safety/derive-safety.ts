// What the safety banner shows: the shared safety view (src/clinical/safety-view.ts) and the age of an
// older answer in words.
export { deriveSafety, type Item9Entry, type Item9View, type SafetyView } from '../../../clinical/index.ts';

/** "3 months ago", "2 years ago", "today" — the age of an older answer, from the injected clock. */
export function ageText(at: string, now: Date): string {
  const t = at ? Date.parse(at) : Number.NEGATIVE_INFINITY;
  if (!Number.isFinite(t)) return 'date not charted';
  const days = Math.floor((now.getTime() - t) / 86_400_000);
  if (days < 1) return 'today';
  if (days < 60) return `${days} day${days === 1 ? '' : 's'} ago`;
  if (days < 730) return `${Math.round(days / 30.44)} months ago`;
  return `${Math.floor(days / 365.25)} years ago`;
}
