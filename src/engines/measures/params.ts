// Parameter table of the symptom-scale reading (the calibration unit for measures).
// Every threshold carries its clinical source.

export interface InstrumentParams {
  /** Display name used in explanations. */
  name: string;
  /** Severity bands as [lower bound inclusive, label], ascending. */
  bands: ReadonlyArray<readonly [number, string]> | null;
  /** Minimal clinically important change in raw points. */
  importantChange: number;
  /** Remission: latest score strictly below this value. */
  remissionBelow: number | null;
  /** Standard LOINC code of the total score. */
  loincTotal: string | null;
}

export const MEASURE_PARAMS = {
  /** Response = ≥50% drop from baseline (Kroenke 2001; standard across depression trials). */
  responseDropFraction: 0.5,
  /**
   * Instruments without a published important change: 5/27 of their range (the PHQ-9 ratio),
   * so a generic scale is read on the same relative footing as the PHQ-9.
   */
  genericImportantChangeFraction: 5 / 27,
  instruments: {
    phq9: {
      name: 'PHQ-9',
      // Kroenke, Spitzer & Williams 2001: 0–4 minimal, 5–9 mild, 10–14 moderate,
      // 15–19 moderately severe, 20–27 severe.
      bands: [
        [0, 'minimal'],
        [5, 'mild'],
        [10, 'moderate'],
        [15, 'moderately severe'],
        [20, 'severe'],
      ],
      // Löwe 2004: a 5-point change is clinically important on the PHQ-9.
      importantChange: 5,
      // Remission: PHQ-9 < 5 (Kroenke 2001; NQF measure 0711).
      remissionBelow: 5,
      loincTotal: '44261-6',
    },
    gad7: {
      name: 'GAD-7',
      // Spitzer 2006: 5 / 10 / 15 cut points for mild / moderate / severe.
      bands: [
        [0, 'minimal'],
        [5, 'mild'],
        [10, 'moderate'],
        [15, 'severe'],
      ],
      // Toussaint 2020: minimal clinically important difference about 4 points.
      importantChange: 4,
      // Remission: GAD-7 < 5 (below the mild cut point).
      remissionBelow: 5,
      loincTotal: '70274-6',
    },
  } satisfies Record<string, InstrumentParams>,
  /** PHQ-9 item 9 (thoughts that you would be better off dead or of hurting yourself). */
  item9: {
    loinc: '44260-8',
    index: 9,
    /** Highest answer of a PHQ-9 item (0 "Not at all" … 3 "Nearly every day"). */
    maxAnswer: 3,
    /** The PHQ-9 answer wording (Kroenke 2001), so the message says what the patient chose. */
    answerLabels: { 1: 'Several days', 2: 'More than half the days', 3: 'Nearly every day' } as Record<number, string>,
  },
} as const;
