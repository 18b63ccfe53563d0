import { describe, expect, it } from 'vitest';
import { assessment, labPanel, prescription } from '../../src/contract/index.ts';
import type { ChartData } from '../../src/fhir/chart.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';
import * as F from './fixtures.ts';

const reasonsOf = (c: ChartData) => Object.fromEntries(c.excluded.map((e) => [e.sourceRef, e.reason]));
const biomarkers = (c: ChartData) => c.labs.flatMap((p) => p.results.biomarkers);

interface Story {
  name: string;
  build: () => Record<string, unknown>[];
  check: (c: ChartData) => void;
}

const stories: Story[] = [
  {
    name: 'improving on sertraline: falling PHQ-9, sertraline rolled up to its ingredient',
    build: F.improvingOnSertraline,
    check: (c) => {
      expect(c.assessments.map((a) => a.score)).toEqual([19, 18, 15, 12, 9, 6]);
      expect(c.assessments[0]).toMatchObject({ instrumentId: 'phq9', maxScore: 27, severity: 'moderately severe', sourceRef: 'Observation/phq-0' });
      expect(c.prescriptions).toEqual([
        expect.objectContaining({ id: 'MedicationRequest/rx-sert', medicationName: 'Sertraline', rxnorm: '36437', status: 'active', dosage: '50 mg daily' }),
      ]);
      expect(c.sleep).toHaveLength(7);
      expect(c.lastVisit?.sourceRef).toBe('Encounter/enc-1');
      expect(c.excluded).toEqual([]);
    },
  },
  {
    name: 'relapse: rising PHQ-9, sleep in minutes converted to hours, stop date from the statement',
    build: F.relapse,
    check: (c) => {
      expect(c.assessments.map((a) => a.score)).toEqual([6, 5, 8, 12, 16, 19]);
      expect(c.sleep.every((s) => s.value === 5)).toBe(true);
      expect(c.notes?.some((n) => n.kind === 'unit-converted')).toBe(true);
      const ms = c.prescriptions.find((p) => p.id === 'MedicationStatement/ms-esc');
      expect(ms).toMatchObject({ medicationName: 'Escitalopram', rxnorm: '321988', status: 'stopped', stoppedAt: F.daysAgo(20) });
      expect(c.dmseLatency.map((d) => d.value)).toEqual([1.2, 1.8]);
    },
  },
  {
    name: 'elevated TSH (interpretation H) and low vitamin D (computed from the range)',
    build: F.thyroidVitD,
    check: (c) => {
      expect(c.labs).toHaveLength(1);
      const b = Object.fromEntries(biomarkers(c).map((x) => [x.name, x]));
      expect(b['TSH']).toMatchObject({ value: 6.8, unit: 'mIU/L', flag: 'high', referenceRange: '0.4-4', loinc: '3016-3', sourceRef: 'Observation/tsh' });
      expect(b['Vitamin D']).toMatchObject({ value: 18, flag: 'low', referenceRange: '30-100', loinc: '1989-3' });
      expect(b['Hemoglobin']?.flag).toBe('normal');
    },
  },
  {
    name: 'item 9 positive charted only via a QuestionnaireResponse',
    build: F.item9ViaQr,
    check: (c) => {
      const latest = c.assessments.at(-1)!;
      expect(latest).toMatchObject({ score: 14, sourceRef: 'QuestionnaireResponse/qr-1' });
      expect(latest.items).toHaveLength(9);
      expect(latest.items?.find((i) => i.index === 9)).toEqual({ id: '44260-8', index: 9, score: 2 });
    },
  },
  {
    name: 'sparse: a single PHQ-9',
    build: F.sparseSinglePhq9,
    check: (c) => {
      expect(c.assessments).toHaveLength(1);
      expect(c.labs).toEqual([]);
      expect(c.prescriptions).toEqual([]);
      expect(c.lastVisit).toBeNull();
    },
  },
  {
    name: 'five-year history: 260 PHQ-9 and 60 monthly sodium panels, oldest first',
    build: F.fiveYearHistory,
    check: (c) => {
      expect(c.assessments).toHaveLength(260);
      expect(c.labs).toHaveLength(60);
      const times = c.assessments.map((a) => Date.parse(a.createdAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    },
  },
  {
    name: 'messy data: every bad entry excluded with its reason, nothing thrown, nothing zeroed',
    build: F.messy,
    check: (c) => {
      expect(c.assessments.map((a) => [a.sourceRef, a.score])).toEqual([
        ['Observation/ok-1', 12],
        ['Observation/str', 14],
        ['Observation/dup-a', 16],
        ['Observation/no-tz', 13],
      ]);
      expect(reasonsOf(c)).toEqual({
        'Observation/str-bad': 'non-numeric',
        'Observation/missing': 'no-value',
        'Observation/eie': 'entered-in-error',
        'Observation/cancel': 'cancelled',
        'Observation/no-date': 'no-date',
        'Observation/dup-b': 'duplicate',
        'Observation/too-high': 'out-of-range',
        'Observation/tsh-furlong': 'unknown-unit',
        'Observation/tsh-nounit': 'unknown-unit',
        'Observation/tsh-missing': 'no-value',
        'MedicationRequest/rx-cancel': 'cancelled',
        'Observation/broken': 'malformed',
      });
      expect(c.assessments.find((a) => a.sourceRef === 'Observation/no-tz')?.createdAt).toBe('2026-06-10T08:30:00.000Z');
      expect(c.notes).toContainEqual(expect.objectContaining({ kind: 'no-timezone', sourceRef: 'Observation/no-tz' }));
      for (const e of c.excluded) expect(e.detail.length).toBeGreaterThan(5);
      expect(c.labs).toEqual([]);
    },
  },
  {
    name: 'lithium toxic (HH → critical) with low sodium',
    build: F.lithiumToxic,
    check: (c) => {
      const latest = c.labs.at(-1)!.results.biomarkers;
      expect(latest.find((b) => b.name === 'Lithium')).toMatchObject({ value: 1.9, flag: 'critical', unit: 'mmol/L' });
      expect(latest.find((b) => b.name === 'Sodium')).toMatchObject({ value: 129, flag: 'low' });
      expect(c.prescriptions[0]).toMatchObject({ medicationName: 'Lithium', rxnorm: '6448' });
    },
  },
];

describe('FHIR chart → ChartData (sandbox stories)', () => {
  it.each(stories)('$name', ({ build, check }) => {
    const chart = mapChart('p1', build());
    check(chart);
    for (const a of chart.assessments) expect(assessment.safeParse(a).success).toBe(true);
    for (const p of chart.labs) expect(labPanel.safeParse(p).success).toBe(true);
    for (const p of chart.prescriptions) expect(prescription.safeParse(p).success).toBe(true);
  });
});

describe('PHQ-9 shapes and duplicates', () => {
  const at = '2026-06-01T10:00:00Z';
  it('reads a panel with LA-coded item components and no total by summing the nine items', () => {
    const c = mapChart('p1', [F.phq9Panel('pan', [1, 1, 1, 1, 1, 1, 1, 1, 3], at, false)]);
    expect(c.assessments[0]).toMatchObject({ score: 11, sourceRef: 'Observation/pan' });
    expect(c.assessments[0]!.items?.[8]).toEqual({ id: '44260-8', index: 9, score: 3 });
  });

  it('merges a QuestionnaireResponse and the total Observation of the same administration, keeping the items', () => {
    const c = mapChart('p1', [F.phq9Total('tot', 10, at), F.phq9Qr('qr', [1, 1, 1, 1, 1, 1, 1, 1, 2], '2026-06-01T10:00:20Z')]);
    expect(c.assessments).toHaveLength(1);
    expect(c.assessments[0]!.sourceRef).toBe('QuestionnaireResponse/qr');
    expect(c.excluded).toEqual([expect.objectContaining({ sourceRef: 'Observation/tot', reason: 'duplicate' })]);
  });

  it('reads a QuestionnaireResponse with plain linkIds (q1..q9) by answer order and its total item', () => {
    const c = mapChart('p1', [F.phq9Qr('qr', [0, 0, 0, 0, 0, 0, 0, 0, 1], at, { linkIds: 'plain', total: true })]);
    expect(c.assessments[0]).toMatchObject({ score: 1 });
    expect(c.assessments[0]!.items?.at(-1)).toEqual({ id: '44260-8', index: 9, score: 1 });
  });

  it('attaches a separately charted item-9 Observation to the total at the same time', () => {
    const item9 = F.observation('i9', '44260-8', at, { valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA6570-1' }] } });
    const c = mapChart('p1', [F.phq9Total('tot', 12, at), item9]);
    expect(c.assessments[0]!.items).toEqual([{ id: '44260-8', index: 9, score: 2 }]);
  });

  it('reads PHQ-2 and GAD-7 totals alongside PHQ-9', () => {
    const c = mapChart('p1', [F.scaleTotal('p2', '55758-7', 3, at), F.scaleTotal('g7', '70274-6', 15, at), F.phq9Total('p9', 12, at)]);
    expect(c.assessments.map((a) => a.instrumentId).sort()).toEqual(['gad7', 'phq2', 'phq9']);
  });

  it('treats the same resource returned by two searches as one', () => {
    const r = F.phq9Total('x', 5, at);
    expect(mapChart('p1', [r, r]).assessments).toHaveLength(1);
  });
});
