// Symptom scales (PHQ-9, PHQ-2, GAD-7): LOINC codes, severity bands, case threshold, response,
// partial response, remission, minimal important change, answer codes and the PHQ-9 item 9 wording.

export type InstrumentKey = 'phq9' | 'phq2' | 'gad7';

export interface Band {
  /** Lowest score of the band (inclusive). */
  from: number;
  /** Highest score of the band (inclusive). */
  to: number;
  label: string;
}

export interface Instrument {
  key: InstrumentKey;
  name: string;
  maxScore: number;
  /** LOINC of the total score. */
  total: string;
  /** LOINC of the panel (questionnaire), when there is one. */
  panel: string | null;
  /** Item LOINC codes, item 1 first (empty when not verified). */
  items: readonly string[];
  /** Number of items of the scale. */
  itemCount: number;
  /** Highest answer of one item (0 "Not at all" … 3 "Nearly every day"). */
  itemMax: number;
  /** Severity bands, ascending; empty when the scale has none. */
  bands: readonly Band[];
  /** "Probable case" cut-off: a score at or above it is clinically significant. */
  caseThreshold: number;
  /** Remission: score strictly below this value; null when not defined for the scale. */
  remissionBelow: number | null;
  /** Minimal clinically important change in raw points; null when not established. */
  importantChange: number | null;
  /** Items that may be missing before the total is prorated instead of left out. */
  proratableMissingItems: number;
}

export const PHQ9: Instrument = {
  key: 'phq9',
  name: 'PHQ-9',
  maxScore: 27,
  total: '44261-6',
  panel: '44249-1',
  items: ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'],
  itemCount: 9,
  itemMax: 3,
  // Kroenke, Spitzer & Williams 2001.
  bands: [
    { from: 0, to: 4, label: 'minimal' },
    { from: 5, to: 9, label: 'mild' },
    { from: 10, to: 14, label: 'moderate' },
    { from: 15, to: 19, label: 'moderately severe' },
    { from: 20, to: 27, label: 'severe' },
  ],
  // ≥10: major depression probable (Kroenke 2001; Manea 2012 meta-analysis: best balance at 10).
  caseThreshold: 10,
  // Remission < 5 (Kroenke 2001; NQF 0710/0711).
  remissionBelow: 5,
  // Löwe 2004: 5 points is the minimal clinically important change.
  importantChange: 5,
  // PHQ instruction manual (Pfizer/Kroenke): with one item missing the total is prorated (mean × 9).
  proratableMissingItems: 1,
};

export const PHQ2: Instrument = {
  key: 'phq2',
  name: 'PHQ-2',
  maxScore: 6,
  total: '55758-7',
  panel: '55757-9',
  // PHQ-2 items are PHQ-9 items 1 and 2.
  items: ['44250-9', '44255-8'],
  itemCount: 2,
  itemMax: 3,
  bands: [],
  // Kroenke 2003: ≥3 screens positive.
  caseThreshold: 3,
  remissionBelow: null,
  importantChange: null,
  proratableMissingItems: 0,
};

export const GAD7: Instrument = {
  key: 'gad7',
  name: 'GAD-7',
  maxScore: 21,
  total: '70274-6',
  panel: '69737-5',
  // Panel 69737-5 items, in order (LOINC; as in published GAD-7 Questionnaires).
  items: ['69725-0', '68509-9', '69733-4', '69734-2', '69735-9', '69689-8', '69736-7'],
  itemCount: 7,
  itemMax: 3,
  // Spitzer 2006: 5 / 10 / 15.
  bands: [
    { from: 0, to: 4, label: 'minimal' },
    { from: 5, to: 9, label: 'mild' },
    { from: 10, to: 14, label: 'moderate' },
    { from: 15, to: 21, label: 'severe' },
  ],
  // Spitzer 2006: ≥10 is the case-finding cut point.
  caseThreshold: 10,
  // Below the mild cut point (Spitzer 2006). NHS Talking Therapies uses < 8 for "recovery": ambiguous.
  remissionBelow: 5,
  // Toussaint 2020: minimal clinically important difference ≈ 4 points.
  importantChange: 4,
  proratableMissingItems: 1,
};

export const INSTRUMENTS: readonly Instrument[] = [PHQ9, PHQ2, GAD7];

/** Response is a drop of at least half from baseline (Kroenke 2001; standard in depression trials). */
export const RESPONSE_DROP = 0.5;
/** Partial response: a drop of 25–49 % (Nierenberg & DeCecco 2001). */
export const PARTIAL_RESPONSE_DROP = 0.25;
/**
 * Scales without a published important change: 5/27 of their range (the PHQ-9 ratio), so a generic
 * scale is read on the same relative footing as the PHQ-9.
 */
export const GENERIC_IMPORTANT_CHANGE_FRACTION = 5 / 27;

/** LOINC answer list LL358-3 (PHQ-9 / GAD-7 frequency scale) → item score. */
export const FREQUENCY_ANSWERS: Readonly<Record<string, number>> = {
  'LA6568-5': 0,
  'LA6569-3': 1,
  'LA6570-1': 2,
  'LA6571-9': 3,
};
/** The answer wording the patient chose, by score (Kroenke 2001). */
export const ANSWER_LABELS = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'] as const;
export const ANSWER_CODES = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'] as const;

/** PHQ-9 item 9: the self-harm question, surfaced on its own whenever the answer is above 0. */
export const ITEM9 = {
  loinc: '44260-8',
  index: 9,
  question: 'Thoughts that you would be better off dead, or of hurting yourself in some way',
  /** Wording used when an item carries text but no code (some forms have plain linkIds). */
  textPattern: /better off dead|hurting yourself/i,
  flag: 'PHQ-9 item 9 (thoughts of self-harm) positive',
} as const;

const BY_LOINC = new Map<string, { instrument: Instrument; role: 'total' | 'panel' | 'item'; index?: number }>();
for (const i of INSTRUMENTS) {
  BY_LOINC.set(i.total, { instrument: i, role: 'total' });
  if (i.panel) BY_LOINC.set(i.panel, { instrument: i, role: 'panel' });
}
// Items: PHQ-9 first, so the shared PHQ-2 items (PHQ-9 items 1, 2) resolve to the PHQ-9.
for (const i of [PHQ9, GAD7]) {
  i.items.forEach((code, k) => {
    BY_LOINC.set(code, { instrument: i, role: 'item', index: k + 1 });
  });
}

/** What a LOINC code is: a total, a panel or an item (with its 1-based position) of one of our scales. */
export function instrumentForLoinc(code: string): { instrument: Instrument; role: 'total' | 'panel' | 'item'; index?: number } | undefined {
  return BY_LOINC.get(code);
}

export function instrumentByKey(key: string): Instrument | undefined {
  return INSTRUMENTS.find((i) => i.key === key);
}

const ALIASES: Readonly<Record<string, InstrumentKey>> = {
  phq9: 'phq9',
  '442616': 'phq9',
  '442491': 'phq9',
  gad7: 'gad7',
  '702746': 'gad7',
  '697375': 'gad7',
  phq2: 'phq2',
  '557587': 'phq2',
  '557579': 'phq2',
};

/** Lower-case alphanumerics only: "PHQ-9" → "phq9", "44261-6" → "442616". */
function norm(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Instrument of an id or name ("phq9", "PHQ-9", "44261-6", "GAD-7"), if it is one of ours. */
export function instrumentKeyOf(idOrName: string): InstrumentKey | undefined {
  return ALIASES[norm(idOrName)];
}

export function bandOf(instrument: Instrument, score: number): Band | null {
  let found: Band | null = null;
  for (const b of instrument.bands) if (score >= b.from) found = b;
  return found;
}

/** PHQ-9 severity band label (Kroenke 2001). */
export function phq9Band(score: number): string {
  return bandOf(PHQ9, score)!.label;
}

export function importantChangeOf(instrument: Instrument | null, maxScore: number): number {
  return instrument?.importantChange ?? GENERIC_IMPORTANT_CHANGE_FRACTION * maxScore;
}

export function inRemission(instrument: Instrument, score: number): boolean | null {
  return instrument.remissionBelow === null ? null : score < instrument.remissionBelow;
}

export type ResponseStatus = 'response' | 'partial_response' | 'non_response' | 'worsening';

/**
 * Response reading from a baseline to a later score. Only from a baseline at or above the case
 * threshold (PHQ-9 ≥ 10): from a mild baseline a percentage drop is not a treatment response
 * (4 → 2 is not "response"). Worsening = a rise of at least the important change.
 */
export function responseOf(instrument: Instrument, baseline: number, latest: number): { status: ResponseStatus; drop: number } | null {
  if (baseline < instrument.caseThreshold || baseline <= 0) return null;
  const drop = (baseline - latest) / baseline;
  const status: ResponseStatus =
    drop >= RESPONSE_DROP
      ? 'response'
      : drop >= PARTIAL_RESPONSE_DROP
        ? 'partial_response'
        : latest - baseline >= importantChangeOf(instrument, instrument.maxScore)
          ? 'worsening'
          : 'non_response';
  return { status, drop };
}

export const RESPONSE_LABELS: Readonly<Record<ResponseStatus, string>> = {
  response: 'response (≥ 50 % drop)',
  partial_response: 'partial response (25–49 % drop)',
  non_response: 'no response (< 25 % drop)',
  worsening: 'worsening',
};

/** Answer wording of one item score ("More than half the days"); out-of-scale values say so. */
export function answerLabel(score: number): string {
  const label = Number.isInteger(score) ? ANSWER_LABELS[score] : undefined;
  return label ?? `score ${score} (outside the 0–3 answer scale)`;
}

/** Is this item answer PHQ-9 item 9? By LOINC, by position in a PHQ-9, or by its question text. */
export function isItem9(item: { id?: string; index?: number; text?: string }, inPhq9 = true): boolean {
  if (item.id === ITEM9.loinc) return true;
  if (inPhq9 && item.index === ITEM9.index) return true;
  return item.text !== undefined && ITEM9.textPattern.test(item.text);
}

/**
 * Start of the current episode in a series (oldest first): the first score at or above the case
 * threshold after the last remission, so the baseline of response and change is the index score of
 * this episode, not the first score ever charted. A score ≥ threshold after a score in the remission
 * range opens a new episode (recurrence). Without any score ≥ threshold: the first administration.
 */
export function episodeStartIndex(instrument: Instrument, scores: readonly { score: number }[]): { index: number; recurrence: boolean; remissionIndex: number | null } {
  let start = -1;
  let inRem = false;
  let lastRemission: number | null = null;
  let recurrence = false;
  let remissionBeforeStart: number | null = null;
  const remission = instrument.remissionBelow;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!.score;
    if (start < 0) {
      if (s >= instrument.caseThreshold) {
        start = i;
        // A score in the remission range before the first episode counts too (3 → 27 is a recurrence).
        recurrence = lastRemission !== null;
        remissionBeforeStart = lastRemission;
      } else if (remission !== null && s < remission) lastRemission = i;
      continue;
    }
    if (remission !== null && s < remission) {
      inRem = true;
      lastRemission = i;
    } else if (inRem && s >= instrument.caseThreshold) {
      start = i;
      inRem = false;
      recurrence = true;
      remissionBeforeStart = lastRemission;
    }
  }
  if (start < 0) return { index: 0, recurrence: false, remissionIndex: null };
  return { index: start, recurrence, remissionIndex: recurrence ? remissionBeforeStart : null };
}
