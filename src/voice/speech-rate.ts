// Speech rate for the digital-MSE engine: the voice analysis measures syllables per second, the
// dMSE engine takes words per minute. Pure and browser-safe (the app imports it).

import { SYLLABLES_PER_WORD } from '../clinical/voice.ts';

export { SYLLABLES_PER_WORD };

/** syllables/s → words/min, rounded to one decimal; undefined for a missing or non-finite rate. */
export function speechRateWpm(syllablesPerSecond: number | null | undefined): number | undefined {
  if (syllablesPerSecond === null || syllablesPerSecond === undefined || !Number.isFinite(syllablesPerSecond) || syllablesPerSecond < 0) return undefined;
  return Math.round(((syllablesPerSecond * 60) / SYLLABLES_PER_WORD) * 10) / 10;
}
