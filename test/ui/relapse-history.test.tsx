// Relapse risk over time from the chart's earlier Tidemark results.
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { StoredResult } from '../../src/fhir/chart.ts';
import { EMPTY_MESSAGE, RelapseHistory, SAVED_ONLY_MESSAGE } from '../../src/app/features/relapse-history/relapse-history.tsx';
import { RELAPSE_BANDS, levelOfScore, relapseHistoryData } from '../../src/app/features/relapse-history/relapse-history-data.ts';
import { relapseResponse } from './fixtures.ts';

const stored = (id: string, computedAt: string, score: number | null, status: string): StoredResult => ({
  engine: 'relapse',
  score,
  status,
  computedAt,
  inputs: {},
  sourceRef: `Observation/${id}`,
});

const HISTORY: StoredResult[] = [
  stored('tm-1', '2026-03-01T10:00:00Z', 22, 'low'),
  stored('tm-2', '2026-04-12T10:00:00Z', 38, 'moderate'),
  stored('tm-3', '2026-05-20T10:00:00Z', 51, 'elevated'),
];

function tableRows() {
  const table = screen.getByRole('table', { name: 'Relapse risk scores, oldest first' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
}

describe('relapse history', () => {
  it('lists every earlier result and the current unsaved one in the accessible table', async () => {
    render(<RelapseHistory history={HISTORY} current={relapseResponse()} />);
    expect(screen.getByRole('heading', { name: 'Relapse risk over time' })).toBeInTheDocument();
    expect(tableRows()).toEqual([
      ['1 Mar 2026', '22', 'Low', 'Observation/tm-1'],
      ['12 Apr 2026', '38', 'Moderate', 'Observation/tm-2'],
      ['20 May 2026', '51', 'Elevated', 'Observation/tm-3'],
      ['28 Jun 2026 (now)', '68', 'Elevated', 'Not saved'],
    ]);
    expect(screen.getByText(/3 earlier results from the chart, plus the current one \(not saved\)/)).toBeInTheDocument();
    expect(screen.getByText(/Now \(not saved\)/)).toBeInTheDocument();
    // the legend carries the engine's bands
    const legend = screen.getByRole('list', { name: 'Chart legend' });
    expect(legend).toHaveTextContent('Low 0–24');
    expect(legend).toHaveTextContent('Moderate 25–39');
    expect(legend).toHaveTextContent('Elevated 40–69');
    expect(legend).toHaveTextContent('High 70–100');
  });

  it('marks the current point saved when it is', () => {
    render(<RelapseHistory history={HISTORY} current={relapseResponse()} currentSaved />);
    expect(tableRows().at(-1)).toEqual(['28 Jun 2026 (now)', '68', 'Elevated', 'Saved']);
  });

  it('labels the current point saved when its write identity is in the chart, drawn once with a link', () => {
    const current = relapseResponse();
    // saved earlier today: read back from the chart at its own time, with the same identity
    const readBack = { ...stored('tm-now', '2026-06-28T09:30:00Z', 68, 'elevated'), identifier: 'a'.repeat(64) };
    render(<RelapseHistory history={[...HISTORY, readBack]} current={current} currentIdentifier={'a'.repeat(64)} />);
    expect(tableRows()).toEqual([
      ['1 Mar 2026', '22', 'Low', 'Observation/tm-1'],
      ['12 Apr 2026', '38', 'Moderate', 'Observation/tm-2'],
      ['20 May 2026', '51', 'Elevated', 'Observation/tm-3'],
      ['28 Jun 2026 (now)', '68', 'Elevated', 'Saved — Observation/tm-now'],
    ]);
    expect(screen.getByText(/3 earlier results from the chart, plus the current one \(saved\)/)).toBeInTheDocument();
    expect(screen.getByText(/Now \(saved\)/)).toBeInTheDocument();
    expect(screen.queryByText(/not saved/)).not.toBeInTheDocument();
  });

  it('a different identity in the chart does not make the current result saved', () => {
    const current = relapseResponse();
    const other = { ...stored('tm-4', current.intelligence.provenance.generatedAt, 68, 'elevated'), identifier: 'b'.repeat(64) };
    render(<RelapseHistory history={[...HISTORY, other]} current={current} currentIdentifier={'a'.repeat(64)} />);
    expect(tableRows().at(-1)).toEqual(['28 Jun 2026 (now)', '68', 'Elevated', 'Not saved']);
    expect(tableRows()).toHaveLength(5);
  });

  it('when the only result in the chart is the current one, shows it saved (not the empty state)', () => {
    const readBack = { ...stored('tm-now', '2026-06-28T09:30:00Z', 68, 'elevated'), identifier: 'a'.repeat(64) };
    render(<RelapseHistory history={[readBack]} current={relapseResponse()} currentIdentifier={'a'.repeat(64)} />);
    expect(screen.getByText(SAVED_ONLY_MESSAGE)).toBeInTheDocument();
    expect(screen.queryByText(EMPTY_MESSAGE)).not.toBeInTheDocument();
    expect(tableRows()).toEqual([['28 Jun 2026 (now)', '68', 'Elevated', 'Saved — Observation/tm-now']]);
  });

  it('without a current result shows only the chart history', () => {
    render(<RelapseHistory history={HISTORY} />);
    expect(tableRows()).toHaveLength(3);
  });

  it('shows the empty state when the chart holds no earlier results', () => {
    render(<RelapseHistory history={undefined} current={relapseResponse()} />);
    expect(screen.getByText('No earlier Tidemark relapse results in the chart yet — save this one to start a trend.')).toBeInTheDocument();
    expect(screen.getByText('Now: 68/100 (elevated), not saved.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('notes earlier results without a score instead of plotting them', () => {
    render(<RelapseHistory history={[...HISTORY, stored('tm-x', '2026-05-25T10:00:00Z', null, 'unknown')]} />);
    expect(tableRows()).toHaveLength(3);
    expect(screen.getByText(/1 earlier result without a usable score or date not plotted \(Observation\/tm-x\)/)).toBeInTheDocument();
  });
});

describe('relapse history data', () => {
  it('uses the engine bands (25 / 40 / 70)', () => {
    expect(RELAPSE_BANDS.map((b) => b.from)).toEqual([0, 25, 40, 70]);
    expect([0, 24, 25, 39, 40, 69, 70, 100].map(levelOfScore)).toEqual(['low', 'low', 'moderate', 'moderate', 'elevated', 'elevated', 'high', 'high']);
  });

  it('sorts by time, derives a missing level from the score and does not plot the current result twice', () => {
    const current = relapseResponse();
    const readBack = stored('tm-now', current.intelligence.provenance.generatedAt, 68, 'elevated');
    const d = relapseHistoryData([HISTORY[2]!, stored('tm-0', '2026-01-01T00:00:00Z', 72, 'Elevated risk'), readBack], current, false);
    expect(d.points.map((p) => [p.score, p.level, p.current])).toEqual([
      [72, 'high', false],
      [51, 'elevated', false],
      [68, 'elevated', false],
    ]);
  });

  it('matches the current result to the chart by write identity, not by time and score', () => {
    const current = relapseResponse();
    const readBack = { ...stored('tm-now', '2026-06-28T09:30:00Z', 68, 'elevated'), identifier: 'a'.repeat(64) };
    const d = relapseHistoryData([HISTORY[2]!, readBack], current, false, 'a'.repeat(64));
    expect(d.points.map((p) => [p.score, p.sourceRef, p.current, p.saved])).toEqual([
      [51, 'Observation/tm-3', false, true],
      [68, 'Observation/tm-now', true, true],
    ]);
    expect([d.earlier, d.fromChart]).toEqual([1, 2]);
    const unmatched = relapseHistoryData([HISTORY[2]!, readBack], current, false, 'c'.repeat(64));
    expect(unmatched.points.map((p) => [p.sourceRef, p.current, p.saved])).toEqual([
      ['Observation/tm-3', false, true],
      ['Observation/tm-now', false, true],
      [null, true, false],
    ]);
  });
});
