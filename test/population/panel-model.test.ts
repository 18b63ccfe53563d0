// The care-team panel's rules, table-driven: item-9 positives lead whatever the sort and are never
// filtered away; change, trend and days since visit come from the results the run wrote (read back
// from the very Observations src/fhir/write builds).
import { describe, expect, it } from 'vitest';
import { readFinding, readRelapse } from '../../src/app/features/care-team/api/load-panel.ts';
import { buildRow, DEFAULT_FILTERS, filterRows, sortRows, type PanelRow, type StoredFinding, type StoredRelapse } from '../../src/app/features/care-team/panel-model.ts';
import { runEngine } from '../../src/engines/index.ts';
import { buildResultObservation } from '../../src/fhir/write/index.ts';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;

function result(daysAgo: number, score: number, level: string, extra: Partial<StoredRelapse> = {}): StoredRelapse {
  const atMs = NOW - daysAgo * DAY;
  return { ref: `Observation/r${daysAgo}-${score}`, at: new Date(atMs).toISOString(), atMs, score, level, headline: null, change: null, daysSinceVisit: null, ...extra };
}

function item9(daysAgo: number): StoredFinding {
  const atMs = NOW - daysAgo * DAY;
  return { kind: 'item9', ref: `Observation/f${daysAgo}`, at: new Date(atMs).toISOString(), atMs, text: 'PHQ-9 item 9 positive' };
}

function row(id: string, results: StoredRelapse[], findings: StoredFinding[] = []): PanelRow {
  return buildRow(id, { id, name: id, birthDate: null, gender: null }, results, findings, NOW);
}

describe('care-team panel rows', () => {
  it('a rise from low to elevated since the previous run is a worsening, with the score delta', () => {
    const r = row('a', [result(1, 45, 'elevated'), result(2, 20, 'low')]);
    expect(r).toMatchObject({ delta: 25, levelChanged: true, direction: 'worsened', trend: [20, 45] });
  });

  it('the same result read twice counts once', () => {
    const same = result(1, 30, 'moderate');
    expect(row('a', [same, { ...same }]).previous).toBeNull();
  });

  it('days since the last visit move on from the result that recorded them', () => {
    expect(row('a', [result(3, 30, 'moderate', { daysSinceVisit: 40 })]).daysSinceVisit).toBe(43);
  });

  it('a positive item 9 within 30 days leads; an older one is shown but not pinned', () => {
    expect(row('a', [], [item9(5)]).item9).not.toBeNull();
    const old = row('a', [], [item9(45)]);
    expect(old.item9).toBeNull();
    expect(old.item9Earlier).not.toBeNull();
  });

  const rows = [
    row('high-score', [result(1, 80, 'high')]),
    row('item9-low', [result(1, 10, 'low')], [item9(2)]),
    row('moderate', [result(1, 30, 'moderate'), result(2, 30, 'moderate')]),
    row('unscored', []),
  ];

  it.each(['priority', 'score', 'change', 'name', 'notSeen'] as const)('sorted by %s, the item-9 positive is first', (key) => {
    expect(sortRows(rows, key)[0]!.patientId).toBe('item9-low');
  });

  it('filters never hide an item-9 positive', () => {
    const shown = filterRows(rows, { ...DEFAULT_FILTERS, levels: ['high'], changedOnly: false });
    expect(shown.map((r) => r.patientId).sort()).toEqual(['high-score', 'item9-low']);
    expect(filterRows(rows, { ...DEFAULT_FILTERS, changedOnly: true }).map((r) => r.patientId)).toEqual(['item9-low']);
    expect(filterRows(rows, { ...DEFAULT_FILTERS, text: 'MODER' }).map((r) => r.patientId)).toEqual(['item9-low', 'moderate']);
  });
});

describe('reading back what the run wrote', () => {
  it('a relapse Observation built by src/fhir/write reads back with its level, score and change note', () => {
    const now = new Date('2026-06-30T12:00:00Z');
    const request = {
      assessments: [
        { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 4, maxScore: 27, createdAt: '2026-05-01T00:00:00Z' },
        { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: 19, maxScore: 27, createdAt: '2026-06-28T00:00:00Z' },
      ],
      hasActiveMedication: true,
      daysSinceLastVisit: 38,
      previous: { score: 20, status: 'low', computedAt: '2026-06-29T00:00:00Z' },
    };
    const response = runEngine('relapse', request, { now });
    const obs = { ...buildResultObservation({ patientId: 'p1', engine: 'relapse', request, response }, 'id-1'), id: 'o1' };
    const back = readRelapse(obs)!;
    expect(back).toMatchObject({ patientId: 'p1', score: response.score, level: response.level, daysSinceVisit: 38, ref: 'Observation/o1' });
    expect(back.change).toContain(response.intelligence.change!.explanations[0]!);
    expect(back.change).toMatch(/^Change since 2026-06-29: /);
  });

  it('entered-in-error results and findings are not read', () => {
    const obs = { resourceType: 'Observation', id: 'x', status: 'entered-in-error', subject: { reference: 'Patient/p' }, effectiveDateTime: '2026-06-01T00:00:00Z', code: { coding: [{ system: 'urn:tidemark:engine', code: 'safety_phq9_item9' }] } };
    expect(readRelapse(obs)).toBeNull();
    expect(readFinding(obs)).toBeNull();
    expect(readFinding({ ...obs, status: 'final' })).toMatchObject({ kind: 'item9', patientId: 'p' });
  });
});
