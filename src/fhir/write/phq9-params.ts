// PHQ-9 wording for the clinician's entry form and the clinical note (Kroenke, Spitzer & Williams
// 2001; the PHQ is free to reproduce). Item LOINC codes and answer codes come from the terminology
// tables. Kept here, in one place, until src/clinical (issue 9) holds the instrument's wording.

export const PHQ9_STEM = 'Over the last 2 weeks, how often have you been bothered by any of the following problems?';

/** Items 1–9, in order (item 9 is the self-harm question). */
export const PHQ9_ITEM_TEXT = [
  'Little interest or pleasure in doing things',
  'Feeling down, depressed, or hopeless',
  'Trouble falling or staying asleep, or sleeping too much',
  'Feeling tired or having little energy',
  'Poor appetite or overeating',
  'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
  'Trouble concentrating on things, such as reading the newspaper or watching television',
  'Moving or speaking so slowly that other people could have noticed; or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
  'Thoughts that you would be better off dead, or of hurting yourself in some way',
] as const;

/** Answer wording by score, 0–3. */
export const PHQ9_ANSWER_TEXT = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'] as const;

/** LOINC answer list LL358-3, by score. */
export const PHQ9_ANSWER_CODES = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'] as const;
