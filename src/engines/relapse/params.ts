// Relapse early-warning parameter table (the calibration unit of this engine).
// Additive score: five factors whose maxima sum to 100, plus symptom rules that set a floor (or a
// ceiling) on the level. Each weight/threshold has its reason. Level cut-offs: src/clinical.
import { GAD7, PHQ9, RELAPSE_LEVELS, type Instrument } from '../../clinical/index.ts';

/** Lower bound of a named band of an instrument (src/clinical), so no cut-off is written twice. */
const bandFrom = (i: Instrument, label: string): number => i.bands.find((b) => b.label === label)!.from;

export const RELAPSE_PARAMS = {
  symptoms: {
    /** Largest single factor: symptom return is the definition of relapse (Frank 1991). */
    maxPoints: 38,
    /** Level part: how symptomatic the patient is now. */
    levelPoints: 26,
    /**
     * Latest score at which the level part saturates: PHQ-9 15 = "moderately severe" (Kroenke 2001),
     * the band where relapse is clinically unambiguous; GAD-7 10 = moderate/case-finding cut point
     * (Spitzer 2006); other instruments: the same 15/27 of their own maximum.
     */
    levelSaturation: { phq9: bandFrom(PHQ9, 'moderately severe'), gad7: GAD7.caseThreshold } as Record<string, number>,
    genericLevelSaturationFraction: 15 / 27,
    /**
     * Velocity part: the rise of the latest score above the lowest score of the lookback window
     * (the recent nadir). With two administrations this is the last step.
     */
    velocityPoints: 12,
    /** Rise that gives full velocity points, in clinically important changes (2 × 5 PHQ-9 points). */
    velocityFullInImportantChanges: 2,
    /**
     * Lookback for the nadir, in days before the latest administration. Relapse is a return of
     * symptoms after remission/response (Frank 1991), so the rise from the recent low point is what
     * matters, not only the last step: a climb 2→6→10→14→17→19 is a relapse even though each step is
     * small. 180 days covers the continuation phase after remission (APA 2010: 4–9 months) while
     * dropping lows from an earlier, unrelated episode. When no earlier administration falls in the
     * window, the previous administration is the reference.
     */
    nadirLookbackDays: 180,
    /**
     * Trend window: the least-squares slope of the administrations in the last 90 days before the
     * latest, times their span, is the recent direction (robust to one noisy step; 90 days ≈ the
     * usual 4-weekly measurement-based-care cadence × 3). With two points it equals the last step.
     */
    trendWindowDays: 90,
    /** Trend is rising/falling when the fitted change is at least half an important change (≥2.5 PHQ-9 points). */
    trendFractionOfImportantChange: 0.5,
  },
  /**
   * Symptom rules on the level (PHQ-9 only). The additive score keeps its value (the documented
   * examples keep their scores); the level is at least:
   * - "elevated" on a recurrence: a return to PHQ-9 ≥ 10 (the case threshold, Kroenke 2001) after a
   *   score in the remission range (< 5) within the lookback, or a rise of ≥ 5 points (Löwe 2004
   *   important change) from the recent nadir to ≥ 15 (moderately severe);
   * - "high" when the latest PHQ-9 is ≥ 20 (severe band, Kroenke 2001).
   * And at most "elevated" when the latest PHQ-9 is below 10: without clinical-range symptoms the
   * other domains (sleep, visit gap, a dose change) can flag closer monitoring but not "high".
   */
  symptomRules: {
    recurrenceAt: PHQ9.caseThreshold,
    riseOf: PHQ9.importantChange!,
    riseTo: bandFrom(PHQ9, 'moderately severe'),
    severeAt: bandFrom(PHQ9, 'severe'),
    highNeedsAtLeast: PHQ9.caseThreshold,
  },
  sleep: {
    /** Short sleep precedes depressive relapse (Perlis 2006; Cho 2008 sleep-loss studies). */
    maxPoints: 18,
    /**
     * Bands on average nightly hours (lower bound inclusive → points). ≥7 h is the AASM/SRS adult
     * recommendation (Watson 2015); <6 h short and <5 h very short sleep carry rising risk.
     */
    bands: [
      [7, 0],
      [6, 6],
      [5, 12],
      [0, 18],
    ] as ReadonlyArray<readonly [number, number]>,
    /**
     * Long sleep counts too: hypersomnia is a depressive symptom (DSM-5 criterion 4) and long sleep
     * predicts depressive episodes (Watson 2015: > 9 h is not recommended for most adults).
     * Hours strictly above → points.
     */
    longBands: [
      [10, 12],
      [9, 6],
    ] as ReadonlyArray<readonly [number, number]>,
  },
  dmse: {
    /** Objective slowing (longer response latency) mirrors psychomotor retardation. */
    maxPoints: 14,
    /** Latency increase (%) giving full points; a 40% slowing is well beyond session-to-session noise. */
    fullAtPctIncrease: 40,
  },
  medication: {
    /** The months after a medication change (dose cut, stop, switch) are a vulnerable window. */
    maxPoints: 14,
    /**
     * Decay over about six months: half the points fade over the first 2 weeks (adjustment and
     * discontinuation symptoms settle in 1–4 weeks), the other half by 26 weeks (relapse risk after
     * stopping or reducing an antidepressant stays raised for months; Geddes 2003). The documented
     * examples (4 and 12 days) keep their points.
     */
    earlyDays: 14,
    tailDays: 182,
    /**
     * Weight by kind of change: a reduction, stop or switch weighs fully; a start or increase half
     * (the treatment is being strengthened, not withdrawn). Unknown kind: full (conservative).
     */
    kindWeight: {
      decrease: 1,
      stop: 1,
      switch: 1,
      'dose change': 1,
      unknown: 1,
      start: 0.5,
      restart: 0.5,
      increase: 0.5,
    } as Record<string, number>,
  },
  cadence: {
    /** Loss of follow-up delays detection of early warning signs (measurement-based care). */
    maxPoints: 16,
    /**
     * Follow-up interval by phase of care (APA 2010 MDD guideline): acute phase every 1–2 weeks,
     * continuation about monthly, maintenance every 1–3 months. No points within the grace period;
     * full points at `fullAtDays`. Phase from the latest scores: PHQ-9 ≥ 10 (or none) → acute;
     * the last two below 5 → maintenance; otherwise continuation.
     */
    phases: {
      acute: { graceDays: 14, fullAtDays: 62 },
      continuation: { graceDays: 28, fullAtDays: 90 },
      maintenance: { graceDays: 90, fullAtDays: 180 },
    },
  },
  levels: RELAPSE_LEVELS,
  /** Factor tone on points / maxPoints: "high" is reserved for a (nearly) saturated factor. */
  factorTone: { low: 0, moderate: 0.3, elevated: 0.6, high: 0.95 },
  /** Assessments older than this are listed as stale. */
  staleAfterDays: 90,
} as const;

export type CarePhase = keyof typeof RELAPSE_PARAMS.cadence.phases;

export const RELAPSE_RECOMMENDATION = {
  low: 'Continue routine monitoring.',
  moderate: 'Monitor and review at the next scheduled visit.',
  elevated: 'Flag for closer monitoring; consider a check-in before the next scheduled visit.',
  high: 'Flag for prompt clinician review; consider outreach before the next scheduled visit.',
} as const;

/** With a safety finding the routine advice is replaced: the safety advice leads, then this. */
export const RELAPSE_RECOMMENDATION_WITH_SAFETY = {
  low: 'The relapse score itself adds no further concern.',
  moderate: 'Then review the relapse factors at the next contact.',
  elevated: RELAPSE_RECOMMENDATION.elevated,
  high: RELAPSE_RECOMMENDATION.high,
} as const;

export const RELAPSE_SCALE = {
  low: 'Low risk — routine monitoring.',
  moderate: 'Moderate risk — monitor and review at next visit.',
  elevated: 'Elevated risk — consider proactive outreach.',
  high: 'High risk — flag for prompt clinician review.',
} as const;
