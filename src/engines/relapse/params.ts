// Relapse early-warning parameter table (the calibration unit of this engine).
// Additive score: five factors whose maxima sum to 100. Each weight/threshold has its reason.

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
    levelSaturation: { phq9: 15, gad7: 10 } as Record<string, number>,
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
  },
  dmse: {
    /** Objective slowing (longer response latency) mirrors psychomotor retardation. */
    maxPoints: 14,
    /** Latency increase (%) giving full points; a 40% slowing is well beyond session-to-session noise. */
    fullAtPctIncrease: 40,
  },
  medication: {
    /** The weeks after a medication change (switch, dose change, stop) are a vulnerable window. */
    maxPoints: 14,
    /** Points decay linearly to 0 over 28 days: antidepressant effect and discontinuation effects settle in 2–4 weeks. */
    windowDays: 28,
  },
  cadence: {
    /** Loss of follow-up delays detection of early warning signs (measurement-based care). */
    maxPoints: 16,
    /** Up to 14 days between visits is the usual acute-phase follow-up interval: no points. */
    graceDays: 14,
    /** A gap of about two months (62 days) gives full points: 1/3 point per day beyond the grace period. */
    fullAtDays: 62,
  },
  /**
   * Level bands on the 0–100 score. Symptoms alone max out at 38, so "elevated" (≥40) always needs
   * corroboration from a second domain; "high" (≥70) needs a saturated symptom factor plus most of
   * the others. Agrees with the reference examples (68 and 44 elevated, 38 moderate).
   */
  levels: { moderate: 25, elevated: 40, high: 70 },
  /** Factor tone on points / maxPoints: "high" is reserved for a (nearly) saturated factor. */
  factorTone: { low: 0, moderate: 0.3, elevated: 0.6, high: 0.95 },
  /** Assessments older than this are listed as stale. */
  staleAfterDays: 90,
} as const;

export const RELAPSE_RECOMMENDATION = {
  low: 'Continue routine monitoring.',
  moderate: 'Monitor and review at the next scheduled visit.',
  elevated: 'Flag for closer monitoring; consider a check-in before the next scheduled visit.',
  high: 'Flag for prompt clinician review; consider outreach before the next scheduled visit.',
} as const;

export const RELAPSE_SCALE = {
  low: 'Low risk — routine monitoring.',
  moderate: 'Moderate risk — monitor and review at next visit.',
  elevated: 'Elevated risk — consider proactive outreach.',
  high: 'High risk — flag for prompt clinician review.',
} as const;
