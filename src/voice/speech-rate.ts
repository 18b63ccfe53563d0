// Speech rate for the digital-MSE engine: the voice analysis measures syllables per second, the
// dMSE engine takes words per minute. Pure and browser-safe (the app imports it).

/**
 * Syllables per spoken English word: 1.4 (Tauroza & Allison 1990, "Speech rates in British English",
 * Applied Linguistics 11(1):90–105, measured ≈1.3–1.5 across conversation, interviews, radio and lectures).
 */
export const SYLLABLES_PER_WORD = 1.4;

/** syllables/s → words/min, rounded to one decimal; undefined for a missing or non-finite rate. */
export function speechRateWpm(syllablesPerSecond: number | null | undefined): number | undefined {
  if (syllablesPerSecond === null || syllablesPerSecond === undefined || !Number.isFinite(syllablesPerSecond) || syllablesPerSecond < 0) return undefined;
  return Math.round(((syllablesPerSecond * 60) / SYLLABLES_PER_WORD) * 10) / 10;
}
