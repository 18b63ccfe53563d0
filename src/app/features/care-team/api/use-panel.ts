// React side of the panel read: starts loadPanel once per source, re-derives rows at most once per
// animation frame while pages arrive, and keeps the data when a patient is opened and closed.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FhirFetchJson } from '../../launch-session/data-layer.tsx';
import { PanelStore, type PanelRow } from '../panel-model.ts';
import { loadPanel, type PanelProgress } from './load-panel.ts';

export interface PanelState {
  rows: PanelRow[];
  progress: PanelProgress;
  /** Every part has answered (or failed). */
  complete: boolean;
  /** ms from the start of the read to the first rows on screen (performance figure). */
  firstRowsMs: number | null;
}

export function usePanel(fhir: FhirFetchJson, groupId: string, now: () => Date): PanelState {
  const store = useMemo(() => new PanelStore(), []);
  const [version, setVersion] = useState(0);
  const [progress, setProgress] = useState<PanelProgress>({ done: new Set(), errors: {} });
  const started = useRef(performance.now());
  const firstRows = useRef<number | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let frame = 0;
    const schedule = (p: PanelProgress) => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setVersion(store.version);
        setProgress({ done: new Set(p.done), errors: { ...p.errors } });
      });
    };
    started.current = performance.now();
    void loadPanel(fhir, groupId, store, schedule, abort.signal).then(schedule);
    return () => {
      abort.abort();
      cancelAnimationFrame(frame);
    };
  }, [fhir, groupId, store]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: rows are derived again when the store's version moves
  const rows = useMemo(() => store.rows(now().getTime()), [store, version, now]);
  if (firstRows.current === null && rows.some((r) => r.latest)) firstRows.current = performance.now() - started.current;
  return { rows, progress, complete: progress.done.size === 4, firstRowsMs: firstRows.current };
}
