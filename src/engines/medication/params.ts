// Medication response parameter table (the calibration unit of this engine). Which drugs are
// psychotropics, their classes and their laboratory monitoring live in src/clinical/medications.ts.
import { GAD7, PHQ9 } from '../../clinical/index.ts';

const mildFrom = (bands: readonly { from: number; label: string }[]) => bands.find((b) => b.label === 'mild')!.from;

export const MEDICATION_PARAMS = {
  /** ≥25% reduction = at least partial response (25–49% partial, ≥50% response; Nierenberg & DeCecco 2001). */
  positiveReductionPct: 25,
  /** Adequate antidepressant trial before calling non-response: 6 weeks (APA 2010 practice guideline). */
  adequateTrialDays: 42,
  /** Worsening by at least one clinically important change (PHQ-9 5 points) since the start is a concern. */
  worseningInImportantChanges: 1,
  /**
   * A percent change is only shown for an improvement from a baseline at or above the instrument's
   * mild threshold (PHQ-9 and GAD-7: 5; other scales: 5/27 of their maximum). From a small baseline a
   * percent is misleading (4→19 would read "375% increase"), and a rise is read in points against the
   * clinically important change, so worsening and small baselines are expressed in points.
   */
  percentBaseline: { phq9: mildFrom(PHQ9.bands), gad7: mildFrom(GAD7.bands) } as Record<string, number>,
  genericPercentBaselineFraction: 5 / 27,
  /** Signal confidence: before + after administrations needed for "high" (≥4), else "moderate". */
  highConfidencePoints: 4,
  latency: {
    /** |latency change| ≥10% is beyond session-to-session noise: faster = corroborates improvement. */
    meaningfulPct: 10,
  },
  staleAfterDays: 90,
} as const;
