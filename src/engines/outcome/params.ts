// Outcome composite parameter table (the calibration unit of this engine).
// Signed composite −100 (worsening) … +100 (strong improvement); each component is capped.

export const OUTCOME_PARAMS = {
  symptoms: {
    /**
     * 25 composite points per clinically important change (PHQ-9 5 points, Löwe 2004; GAD-7 4;
     * other scales 5/27 of their range) from baseline to latest; improvement is positive.
     */
    pointsPerImportantChange: 25,
    /** Capped at two important changes (±50): symptoms remain the dominant but not the only source. */
    cap: 50,
  },
  dmse: {
    /** 0.5 point per % of response-latency change (faster responding = improvement), capped at ±15. */
    pointsPerPct: 0.5,
    cap: 15,
  },
  medication: {
    /**
     * Small engagement credit when at least one medication is active: the count alone says
     * nothing about response, so it never outweighs a measured change. 0 means "not supplied"
     * (the contract defaults the field to 0, so an explicit 0 cannot be told apart).
     */
    activeCredit: 5,
  },
  biomarker: {
    /** −5 per flagged biomarker watch-item (reversible medical drivers blunt response), floor −15. */
    pointsPerWatchItem: -5,
    floor: -15,
  },
  sleep: {
    /** 7–9 h: recommended adult range (Watson 2015, AASM/SRS) → +10. */
    healthy: { min: 7, max: 9, points: 10 },
    /** <6 h or >10 h: insomnia/hypersomnia range, both common in depression → −10; otherwise 0. */
    poor: { below: 6, above: 10, points: -10 },
  },
  /**
   * The composite's "clear change" band (±15 ≈ 0.6 of one important PHQ-9 change). Direction itself is
   * set by the symptom change alone (at least one important change, Löwe 2004); the composite and the
   * other sources change confidence, not direction.
   */
  improvingAt: 15,
  worseningAt: -15,
  staleAfterDays: 90,
} as const;

export const OUTCOME_SCALE = {
  improving: 'Symptoms improved by at least the important change (PHQ-9 5 points) since the episode baseline — improving.',
  stable: 'Symptom change smaller than the important change — no clear change, whatever the other sources say.',
  worsening: 'Symptoms worsened by at least the important change since the episode baseline — review at the next contact.',
  insufficient_data: 'Fewer than two administrations of a symptom scale — no trajectory can be read.',
} as const;
