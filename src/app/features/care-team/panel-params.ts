// The care-team panel's clinical and display parameters in one place (move the clinical ones to
// src/clinical when it lands). Each with its reason.
export const PANEL_PARAMS = {
  /**
   * An item-9 positive leads the panel for this many days after it was answered. PHQ-9 item 9 asks
   * about the last two weeks, and the excess risk of a suicide attempt after a positive answer is
   * highest in the following weeks and persists for months (Simon et al., Psychiatr Serv 2013;
   * 64:1195–1202). 30 days keeps the recent ones on top; older positives are shown with their age.
   */
  item9Days: 30,
  /** Points in each row's relapse-score trend (the last few nightly runs). */
  trendPoints: 8,
  /** Rows fetched per FHIR page (servers clamp `_count` and return `next`). */
  pageSize: 1000,
  /** The care team's Group when the page does not name one (the sandbox's). */
  defaultGroup: 'care-team',
} as const;
