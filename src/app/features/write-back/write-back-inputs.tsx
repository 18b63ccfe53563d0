// What the save flow needs from the rest of the page besides the results: the safety banner's
// findings (worded once, by whoever renders the banner) and the chart's latest PHQ-9, for the note.
import { createContext, type ReactNode, useContext } from 'react';
import type { NotePhq9 } from '../../../fhir/write/note.ts';

export interface WriteBackInputs {
  /** One line per safety finding on the banner (item 9 positive, critical values). */
  safety: readonly string[];
  /** The latest PHQ-9 read from the chart (entered ones are added by the save flow). */
  chartPhq9: NotePhq9 | null;
}

const EMPTY: WriteBackInputs = { safety: [], chartPhq9: null };
const Ctx = createContext<WriteBackInputs>(EMPTY);

export function WriteBackInputsProvider({ value, children }: { value: WriteBackInputs; children: ReactNode }) {
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useWriteBackInputs(): WriteBackInputs {
  return useContext(Ctx);
}
