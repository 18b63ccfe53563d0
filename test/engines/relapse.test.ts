import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../src/contract/index.ts';
import { predictRelapse, relapseLevel } from '../../src/engines/index.ts';
import { cadencePoints, dmsePoints, medChangePoints, RELAPSE_PARAMS, sleepPoints } from '../../src/engines/relapse/index.ts';
import { NOW, RELAPSE_EXAMPLE, parse, phq } from './fixtures.ts';

const run = (input: unknown) => predictRelapse(parse('relapse', input), { now: NOW });

describe('relapse rules', () => {
  it('level bands: <25 low, 25–39 moderate, 40–69 elevated, ≥70 high', () => {
    expect([0, 24, 25, 38, 39, 40, 44, 68, 69, 70, 100].map(relapseLevel)).toEqual([
      'low', 'low', 'moderate', 'moderate', 'moderate', 'elevated', 'elevated', 'elevated', 'elevated', 'high', 'high',
    ]);
  });

  it('a saturated symptom factor scores 38, and a severe PHQ-9 (≥ 20) sets the level to high on its own', () => {
    const r = run({ assessments: [phq(5, '2026-05-01'), phq(20, '2026-06-01')] });
    expect(r.factors[0]!.points).toBe(38);
    expect(r.score).toBe(38); // the score keeps its value …
    expect(r.level).toBe('high'); // … the symptom rule sets a floor on the level
    expect(r.levelReason).toBe('PHQ-9 20 is severe (≥ 20): the level is at least high.');
    expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
    expect(r.recommendation).toBe('Flag for prompt clinician review; consider outreach before the next scheduled visit.');
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

  it('a medication change decays over about six months: half over 14 days, the rest by 182 days', () => {
    expect(medChangePoints(0)).toBe(14);
    expect(medChangePoints(4)).toBeCloseTo(12); // the change example
    expect(medChangePoints(12)).toBeCloseTo(8); // the relapse example
    expect(medChangePoints(14)).toBeCloseTo(7);
    expect(medChangePoints(98)).toBeCloseTo(3.5);
    expect(medChangePoints(182)).toBe(0);
    expect(medChangePoints(3650)).toBe(0);
  });

  it('a dose reduction or stop weighs fully, a start or increase half', () => {
    expect(medChangePoints(30, 'decrease')).toBeCloseTo(2 * medChangePoints(30, 'increase'));
    expect(medChangePoints(30, 'stop')).toBe(medChangePoints(30, 'decrease'));
    expect(medChangePoints(30, 'start')).toBe(medChangePoints(30, 'increase'));
    const r = run({ assessments: [phq(4, '2026-05-01')], daysSinceMedChange: 60, medChangeKind: 'decrease', hasActiveMedication: true });
    expect(r.factors[3]!.detail).toMatch(/^A dose was reduced 60 days ago \(active medication\)/);
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

  it('the documented two-point example keeps its exact detail: the nadir is the previous administration', () => {
    expect(run(RELAPSE_EXAMPLE).factors[0]!.detail).toBe(
      'PHQ-9 rising 12→19/27 (moderately severe) at the two most recent administrations. ' +
        'Level 26 of 26 points (latest 19, saturates at 15) + rise 8.4 of 12 points (+7 points, full at +10).',
    );
  });
});

describe('relapse symptom trajectory: nadir and recent trend', () => {
  // The sandbox "relapse" story in miniature: remission at 2, then a climb in small steps to 19.
  const climb = [
    phq(3, '2025-12-20'),
    phq(2, '2026-01-18'),
    phq(4, '2026-02-17'),
    phq(3, '2026-03-19'),
    phq(4, '2026-04-18'),
    phq(6, '2026-05-20'),
    phq(10, '2026-06-01'),
    phq(14, '2026-06-12'),
    phq(17, '2026-06-19'),
    phq(19, '2026-06-25'),
  ];

  it('the lookback and trend windows live in the parameter table', () => {
    expect(RELAPSE_PARAMS.symptoms.nadirLookbackDays).toBe(180);
    expect(RELAPSE_PARAMS.symptoms.trendWindowDays).toBe(90);
  });

  it('a climb from remission counts the rise from the nadir', () => {
    const r = run({ assessments: climb });
    const sym = r.factors[0]!;
    expect(sym.points).toBe(38); // level 26 (19 ≥ 15) + rise 12 (+17 from the nadir, full at +10)
    expect(sym.detail).toContain(
      'PHQ-9 rising 2→19/27 (moderately severe) since its lowest point on 2026-01-18 (within 180 days); last step 17→19.',
    );
    expect(sym.detail).toContain('rise 12 of 12 points (+17 points above the lowest point, full at +10)');
    expect(r.trend).toBe('rising');
    // Only the last step would have given 2.4 rise points.
    const lastTwo = run({ assessments: climb.slice(-2) });
    expect(lastTwo.factors[0]!.points).toBe(28.4);
    expect(sym.points).toBeGreaterThan(lastTwo.factors[0]!.points);
  });

  it('a low older than the 180-day lookback is not the nadir', () => {
    const r = run({ assessments: [phq(0, '2025-11-01'), phq(12, '2026-05-01'), phq(19, '2026-06-15')] });
    expect(r.factors[0]!.detail).toContain('PHQ-9 rising 12→19/27 (moderately severe) at the two most recent administrations.');
    expect(r.factors[0]!.points).toBe(34.4);
  });

  it('ties at the nadir use the most recent lowest score', () => {
    const r = run({ assessments: [phq(5, '2026-03-01'), phq(9, '2026-04-01'), phq(5, '2026-05-01'), phq(12, '2026-05-20'), phq(15, '2026-06-10')] });
    expect(r.factors[0]!.detail).toContain('since its lowest point on 2026-05-01');
  });

  it('trend follows the last 90 days, not only the last step', () => {
    // Last step +2 (below the 2.5 step) but a steady climb over the last 90 days: rising.
    const up = run({ assessments: [phq(6, '2026-05-01'), phq(10, '2026-05-20'), phq(14, '2026-06-05'), phq(17, '2026-06-15'), phq(19, '2026-06-25')] });
    expect(up.trend).toBe('rising');
    expect(up.factors[0]!.detail).toMatch(/Trend over the last 90 days rising: \+\d+(\.\d)? points \(least-squares fit of 5 administrations/);
    expect(up.summaryLine).toContain('signals rising');
    // Last step +3 (rising on its own) inside a 90-day decline: falling.
    const down = run({ assessments: [phq(22, '2026-04-01'), phq(19, '2026-04-20'), phq(15, '2026-05-10'), phq(9, '2026-06-01'), phq(12, '2026-06-20')] });
    expect(down.trend).toBe('falling');
    // Administrations older than 90 days do not set the direction: 20 long ago, then flat at 10.
    const flat = run({ assessments: [phq(20, '2026-01-01'), phq(10, '2026-05-01'), phq(10, '2026-06-01'), phq(11, '2026-06-20')] });
    expect(flat.trend).toBe('stable');
  });

  it('with two administrations the trend is the last step (±2.5 PHQ-9 points)', () => {
    const t = (a: number, b: number) => run({ assessments: [phq(a, '2026-05-01'), phq(b, '2026-06-01')] }).trend;
    expect([t(10, 13), t(10, 12), t(10, 10), t(10, 8), t(10, 7)]).toEqual(['rising', 'stable', 'stable', 'stable', 'falling']);
    // Far apart (outside the 90-day window) still reads the last step.
    expect(run({ assessments: [phq(5, '2025-06-01'), phq(15, '2026-06-01')] }).trend).toBe('rising');
    // Same instant: no time spread, the last step decides.
    expect(run({ assessments: [phq(5, '2026-06-01T00:00:00Z'), phq(15, '2026-06-01T00:00:00Z')] }).trend).toBe('rising');
  });

  it('the item 9 message is plain: answer, its wording, date, what to do', () => {
    const r = run({ assessments: [phq(16, '2026-06-01T10:00:00Z', { items: [{ id: '44260-8', index: 9, score: 2 }] })] });
    expect(r.safety[0]!.message).toBe(
      'PHQ-9 item 9 (thoughts of self-harm): answered 2 of 3 ("More than half the days") on 2026-06-01 — review now.',
    );
    const words = [1, 3].map((score) => run({ assessments: [phq(9, '2026-06-01', { items: [{ id: 'q9', index: 9, score }] })] }).safety[0]!.message);
    expect(words[0]).toContain('answered 1 of 3 ("Several days")');
    expect(words[1]).toContain('answered 3 of 3 ("Nearly every day")');
  });
});
