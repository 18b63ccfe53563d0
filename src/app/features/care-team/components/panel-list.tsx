// The panel's rows, virtualised (@tanstack/react-virtual): 10,000 patients render as the ~20 rows in
// view. A table to assistive technology (role=table, aria-rowcount/rowindex); each name is a link
// that opens the patient.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { ToneBadge } from '../../../components/tone-badge.tsx';
import { toneOf } from '../../../lib/status-tone.ts';
import type { PanelRow } from '../panel-model.ts';
import { Sparkline } from './sparkline.tsx';

const ROW_HEIGHT = 76;
const COLUMNS = ['Patient', 'Safety', 'Relapse risk', 'Change since previous run', 'Trend', 'Last visit'] as const;

export function PanelList({ rows, onOpen, nowMs }: { rows: PanelRow[]; onOpen: (patientId: string) => void; nowMs: number }) {
  const scroller = useRef<HTMLTableSectionElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const items = virtual.getVirtualItems();
  // Rows in view, padded to the full height (a real table keeps its semantics; the body is the scroller).
  const top = items[0]?.start ?? 0;
  const bottom = virtual.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <table className="panel-table" aria-label="Care-team panel" aria-rowcount={rows.length + 1}>
      <thead>
        <tr className="panel-row panel-row--head" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody ref={scroller} className="panel-table__body" style={{ paddingTop: top, paddingBottom: bottom }}>
        {items.map((item) => {
          const row = rows[item.index]!;
          return (
            <tr key={row.patientId} className={`panel-row${row.item9 ? ' panel-row--item9' : ''}`} aria-rowindex={item.index + 2} style={{ height: ROW_HEIGHT }}>
              <PanelCells row={row} onOpen={onOpen} nowMs={nowMs} />
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PanelCells({ row, onOpen, nowMs }: { row: PanelRow; onOpen: (id: string) => void; nowMs: number }) {
  const r = row.latest;
  return (
    <>
      <td className="panel-cell panel-cell--patient">
        <a
          href={`?patient=${encodeURIComponent(row.patientId)}`}
          onClick={(e) => {
            e.preventDefault();
            onOpen(row.patientId);
          }}
        >
          {row.name}
        </a>
        <span className="muted">{[row.gender, row.birthDate ? `born ${row.birthDate}` : null].filter(Boolean).join(' · ')}</span>
      </td>
      <td className="panel-cell">
        {row.item9 && <span className="badge badge--critical panel-flag">Item 9 positive · {ageText(row.item9.atMs, nowMs)}</span>}
        {row.criticalLab && <span className="badge badge--critical panel-flag" title={row.criticalLab.text}>Critical lab · {ageText(row.criticalLab.atMs, nowMs)}</span>}
        {row.item9Earlier && <span className="badge badge--concern panel-flag">Item 9 positive {ageText(row.item9Earlier.atMs, nowMs)}</span>}
        {!row.item9 && !row.criticalLab && !row.item9Earlier && <span className="muted">No finding written</span>}
      </td>
      <td className="panel-cell">
        {r?.level ? (
          <span className="panel-score">
            <ToneBadge tone={toneOf(r.level)} status={r.level} /> <strong>{r.score ?? '—'}</strong>
            <span className="muted">/100</span>
          </span>
        ) : (
          <span className="muted">Not scored yet</span>
        )}
      </td>
      <td className="panel-cell panel-cell--change">
        <ChangeText row={row} />
      </td>
      <td className="panel-cell">
        <Sparkline values={row.trend} />
      </td>
      <td className="panel-cell">
        {row.daysSinceVisit === null ? <span className="muted">Unknown</span> : `${row.daysSinceVisit} days ago`}
        {r && <span className="muted">Scored {r.at.slice(0, 10)}</span>}
      </td>
    </>
  );
}

function ChangeText({ row }: { row: PanelRow }) {
  if (!row.latest) return <span className="muted">—</span>;
  if (!row.previous) return <span className="muted">First result</span>;
  const arrow = row.direction === 'worsened' ? '▲' : row.direction === 'improved' ? '▼' : '＝';
  const delta = row.delta === null ? '' : ` ${row.delta > 0 ? '+' : ''}${row.delta}`;
  return (
    <>
      <span className={`panel-change panel-change--${row.direction}`}>
        <span aria-hidden="true">{arrow}</span> {row.levelChanged ? `${row.previous.level} → ${row.latest.level}` : (row.latest.level ?? '')}
        {delta}
        <span className="visually-hidden"> ({row.direction})</span>
      </span>
      {row.latest.change && <span className="panel-explanation">{row.latest.change}</span>}
    </>
  );
}

function ageText(atMs: number, nowMs: number): string {
  const days = Math.max(0, Math.floor((nowMs - atMs) / 86_400_000));
  return days === 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}
