export { type EnteredEntry, resetEnteredStores, useEnteredPhq9 } from './entered-store.ts';
export { Phq9EntryPanel } from './phq9-entry-panel.tsx';
export { enteredAssessment, enteredRef, withEntered } from './to-assessment.ts';
