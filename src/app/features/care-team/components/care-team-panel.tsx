// The care-team screen: every patient of the Group with the latest relapse result the population run
// wrote, the change since the previous run and why, safety findings first, filters and sorting.
import { useDeferredValue, useMemo } from 'react';
import { ErrorState } from '../../../components/states.tsx';
import type { PanelState } from '../api/use-panel.ts';
import { filterRows, LEVELS, sortRows, type PanelFilters, type SortKey } from '../panel-model.ts';
import { PanelList } from './panel-list.tsx';
import '../care-team.css';

const SORTS: Array<{ key: SortKey; label: string }> = [
  { key: 'priority', label: 'Priority (risk level, worsening, score)' },
  { key: 'score', label: 'Relapse score, highest first' },
  { key: 'change', label: 'Largest rise since previous run' },
  { key: 'notSeen', label: 'Longest since last visit' },
  { key: 'name', label: 'Name' },
];

const PART_LABEL = { group: 'the care-team Group', patients: 'patient names', results: 'relapse results', findings: 'safety findings' } as const;

export interface PanelView {
  filters: PanelFilters;
  sort: SortKey;
}

export function CareTeamPanel({ panel, view, onView, onOpen, nowMs, groupId }: { panel: PanelState; view: PanelView; onView: (v: PanelView) => void; onOpen: (id: string) => void; nowMs: number; groupId: string }) {
  const deferred = useDeferredValue(view);
  const shown = useMemo(() => sortRows(filterRows(panel.rows, deferred.filters), deferred.sort), [panel.rows, deferred]);
  const item9 = panel.rows.filter((r) => r.item9).length;
  const scored = panel.rows.filter((r) => r.latest).length;
  const set = (f: Partial<PanelFilters>) => onView({ ...view, filters: { ...view.filters, ...f } });
  const errors = Object.entries(panel.progress.errors);
  return (
    <section className="panel care-team" aria-labelledby="care-team-title">
      <h2 id="care-team-title" className="section-title">
        Care-team panel <span className="muted">· Group {groupId}</span>
      </h2>
      <p className="care-team__counts" role="status" aria-live="polite">
        {panel.rows.length.toLocaleString('en-US')} patients · {scored.toLocaleString('en-US')} with a relapse result ·{' '}
        <strong>{item9} with a recent positive PHQ-9 item 9</strong>
        {!panel.complete && <span className="muted"> · loading…</span>}
      </p>
      {errors.map(([part, message]) => (
        <ErrorState key={part} title={`Could not read ${PART_LABEL[part as keyof typeof PART_LABEL]}`} message={message ?? ''} />
      ))}
      <form className="care-team__filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter and sort the panel">
        <fieldset>
          <legend>Relapse level</legend>
          {LEVELS.map((level) => (
            <label key={level}>
              <input
                type="checkbox"
                checked={view.filters.levels.includes(level)}
                onChange={(e) => set({ levels: e.target.checked ? [...view.filters.levels, level] : view.filters.levels.filter((l) => l !== level) })}
              />{' '}
              {level}
            </label>
          ))}
        </fieldset>
        <label>
          <input type="checkbox" checked={view.filters.changedOnly} onChange={(e) => set({ changedOnly: e.target.checked })} /> Changed since previous run
        </label>
        <label>
          Not seen for at least{' '}
          <input
            type="number"
            min={0}
            max={3650}
            inputMode="numeric"
            className="care-team__days"
            value={view.filters.notSeenDays ?? ''}
            onChange={(e) => set({ notSeenDays: e.target.value === '' ? null : Math.max(0, Number(e.target.value)) })}
          />{' '}
          days
        </label>
        <label>
          Find <input type="search" value={view.filters.text} onChange={(e) => set({ text: e.target.value })} placeholder="name or id" />
        </label>
        <label>
          Sort by{' '}
          <select value={view.sort} onChange={(e) => onView({ ...view, sort: e.target.value as SortKey })}>
            {SORTS.map((s) => (
              <option key={s.key} value={s.key}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p className="muted care-team__note">
        Showing {shown.length.toLocaleString('en-US')} of {panel.rows.length.toLocaleString('en-US')}. Positive PHQ-9 item 9 answers always lead and are never
        filtered out. Results are those the nightly population run wrote to the chart; open a patient for today's view.
      </p>
      <PanelList rows={shown} onOpen={onOpen} nowMs={nowMs} />
    </section>
  );
}
