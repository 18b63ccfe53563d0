import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../src/contract/index.ts';
import { predictRelapse, relapseLevel } from '../../src/engines/index.ts';
import { cadencePoints, dmsePoints, medChangePoints, sleepPoints } from '../../src/engines/relapse/index.ts';
import { NOW, RELAPSE_EXAMPLE, parse, phq } from './fixtures.ts';

const run = (input: unknown) => predictRelapse(parse('relapse', input), { now: NOW });

describe('relapse rules', () => {
  it('level bands: <25 low, 25–39 moderate, 40–69 elevated, ≥70 high', () => {
    expect([0, 24, 25, 38, 39, 40, 44, 68, 69, 70, 100].map(relapseLevel)).toEqual([
      'low', 'low', 'moderate', 'moderate', 'moderate', 'elevated', 'elevated', 'elevated', 'elevated', 'high', 'high',
    ]);
  });

  it('symptoms alone can never reach elevated: a saturated symptom factor is 38, moderate', () => {
    const r = run({ assessments: [phq(5, '2026-05-01'), phq(27, '2026-06-01')] });
    expect(r.factors[0]!.points).toBe(38);
    expect(r.score).toBe(38);
    expect(r.level).toBe('moderate');
  });

  it('sleep bands: ≥7 h 0, 6–7 h 6, 5–6 h 12, <5 h 18 points', () => {
    expect([9, 7, 6.9, 6, 5.9, 5.2, 5, 4.9, 0].map(sleepPoints)).toEqual([0, 0, 6, 6, 12, 12, 12, 18, 18]);
  });

  it('latency slowing scores 14 points at +40%, nothing when faster', () => {
    expect(dmsePoints(16)).toBeCloseTo(5.6);
    expect(dmsePoints(40)).toBe(14);
    expect(dmsePoints(400)).toBe(14);
    expect(dmsePoints(-30)).toBe(0);
  });

  it('a medication change is a 28-day window decaying from 14 points', () => {
    expect(medChangePoints(0)).toBe(14);
    expect(medChangePoints(12)).toBeCloseTo(8);
    expect(medChangePoints(28)).toBe(0);
    expect(medChangePoints(3650)).toBe(0);
  });

  it('a visit gap scores from 14 days, full 16 points at 62 days', () => {
    expect(cadencePoints(14)).toBe(0);
    expect(cadencePoints(38)).toBeCloseTo(8);
    expect(cadencePoints(62)).toBe(16);
    expect(cadencePoints(3650)).toBe(16);
  });

  it('falling PHQ-9 earns no velocity points and reads as falling', () => {
    const r = run({ assessments: [phq(20, '2026-05-01'), phq(10, '2026-06-01')] });
    expect(r.trend).toBe('falling');
    expect(r.factors[0]!.points).toBeCloseTo((26 * 10) / 15, 1);
  });

  it('a single administration scores level only and the trend is unknown', () => {
    const r = run({ assessments: [phq(15, '2026-06-01')] });
    expect(r.trend).toBe('unknown');
    expect(r.factors[0]!.points).toBe(26);
    expect(r.factors[0]!.detail).toContain('single administration');
  });

  it('missing inputs score 0 but say "not supplied" and lower confidence and completeness', () => {
    const r = run({ assessments: [] });
    expect(r.score).toBe(0);
    expect(r.level).toBe('low');
    expect(r.topDriver).toBeNull();
    expect(r.sourceCount).toBe(0);
    for (const f of r.factors) {
      expect(f.available).toBe(false);
      expect(f.points).toBe(0);
      expect(f.tone).toBe('none');
      expect(f.detail).toContain('not supplied');
    }
    expect(r.confidence).toBe('low');
    expect(r.intelligence.dataQuality.completeness).toBe(0);
    expect(r.intelligence.dataQuality.missingInputs).toEqual([
      'assessments', 'avgSleepHours', 'dmseLatencyPctChange', 'daysSinceMedChange', 'daysSinceLastVisit',
    ]);
  });

  it('a positive PHQ-9 item 9 forces clinician review and is flagged first even at low risk', () => {
    const r = run({
      assessments: [phq(3, '2026-06-01T00:00:00Z', { items: [{ id: '44260-8', index: 9, score: 1 }], sourceRef: 'Observation/9' })],
    });
    expect(r.level).toBe('low');
    expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
    expect(r.intelligence.summary.flagged[0]).toBe('PHQ-9 item 9 (thoughts of self-harm) positive');
    expect(r.safety).toEqual([
      expect.objectContaining({ kind: 'phq9_item9', answer: 1, at: '2026-06-01T00:00:00.000Z', sourceRef: 'Observation/9' }),
    ]);
  });

  it('item 9 recognised by index alone; an answer of 0 is not a finding', () => {
    expect(run({ assessments: [phq(3, '2026-06-01', { items: [{ id: 'q9', index: 9, score: 2 }] })] }).safety).toHaveLength(1);
    expect(run({ assessments: [phq(3, '2026-06-01', { items: [{ id: '44260-8', score: 0 }] })] }).safety).toHaveLength(0);
  });

  it('prefers PHQ-9 over other instruments for the symptom factor and labels GAD-7 otherwise', () => {
    const gad = (score: number, d: string) => ({ instrumentId: 'gad7', instrumentName: 'GAD-7', score, maxScore: 21, createdAt: d });
    const r = run({ assessments: [gad(5, '2026-05-01'), gad(15, '2026-06-01'), gad(16, '2026-06-10')] });
    expect(r.factors[0]!.detail).toMatch(/^GAD-7/);
    const both = run({ assessments: [gad(5, '2026-05-01'), gad(15, '2026-06-01'), phq(4, '2026-06-02')] });
    expect(both.factors[0]!.detail).toMatch(/^PHQ-9/);
  });

  it('explain:true adds 2–4 deterministic sentences; without it there is no reasoning', () => {
    const a = run({ ...RELAPSE_EXAMPLE, explain: true });
    const b = run({ ...RELAPSE_EXAMPLE, explain: true });
    const n = a.intelligence.reasoning!.narrative;
    expect(n).toBe(b.intelligence.reasoning!.narrative);
    const sentences = n.split(/(?<=\.)\s+/);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(4);
    expect(n).not.toMatch(/diagnos|prescribe|increase the dose|start |switch to/i);
    expect(run(RELAPSE_EXAMPLE).intelligence.reasoning).toBeUndefined();
  });

  it('stale assessments are listed in freshness', () => {
    const r = run({ assessments: [phq(10, '2025-01-01')] });
    expect(r.intelligence.dataQuality.freshness.staleInputs).toEqual(['assessments:PHQ-9']);
  });

  it('local date-times without offset are read as UTC (no time-zone dependence)', () => {
    const r = run({ assessments: [phq(10, '2026-06-01T08:00:00')] });
    expect(r.measures[0]!.latest.at).toBe('2026-06-01T08:00:00.000Z');
    expect(ENDPOINTS.relapse.response.parse(r)).toBeTruthy();
  });
});
