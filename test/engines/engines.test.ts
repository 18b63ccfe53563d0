import { describe, expect, it } from 'vitest';
import {
  analyzeBiomarkers,
  analyzeDmse,
  analyzeMedication,
  readAssessments,
  scoreOutcome,
} from '../../src/engines/index.ts';
import { effectiveFlag, parseRange } from '../../src/engines/biomarker/index.ts';
import { baselineOf, interpret } from '../../src/engines/dmse/index.ts';
import { doseOf } from '../../src/engines/medication/index.ts';
import { NOW, parse, phq } from './fixtures.ts';

const lab = (biomarkers: unknown[], extra: Record<string, unknown> = {}) => ({
  labs: [{ id: 'lab_1', labName: 'Lab', observedAt: '2026-06-01T00:00:00Z', results: { biomarkers }, ...extra }],
});
const bio = (input: unknown) => analyzeBiomarkers(parse('biomarker', input), { now: NOW });
const med = (input: unknown) => analyzeMedication(parse('medication', input), { now: NOW });
const out = (input: unknown) => scoreOutcome(parse('outcome', input), { now: NOW });
const dmse = (input: unknown) => analyzeDmse(parse('dmse', input), { now: NOW });

describe('measures: PHQ-9 / GAD-7 reading', () => {
  it('PHQ-9 bands follow Kroenke 2001', () => {
    const bands = [0, 4, 5, 9, 10, 14, 15, 19, 20, 27].map(
      (s) => readAssessments([phq(s, '2026-06-01')]).measures[0]!.severityBand,
    );
    expect(bands).toEqual(['minimal', 'minimal', 'mild', 'mild', 'moderate', 'moderate', 'moderately severe', 'moderately severe', 'severe', 'severe']);
  });

  it('response is a ≥50% drop, remission <5, important change ≥5 points', () => {
    const m = readAssessments([phq(20, '2026-01-01'), phq(4, '2026-03-01')]).measures[0]!;
    expect(m).toMatchObject({ response: true, remission: true, clinicallyImportantChange: true, changeFromBaseline: -16, points: 4 });
    const small = readAssessments([phq(12, '2026-01-01'), phq(8, '2026-03-01')]).measures[0]!;
    expect(small).toMatchObject({ response: false, remission: false, clinicallyImportantChange: false });
  });

  it('GAD-7 uses bands 5/10/15 and a 4-point important change', () => {
    const g = (score: number, d: string) => ({ instrumentId: 'GAD-7', instrumentName: 'GAD-7', score, maxScore: 21, createdAt: d });
    const m = readAssessments([g(16, '2026-01-01'), g(12, '2026-03-01')]).measures[0]!;
    expect(m).toMatchObject({ instrumentName: 'GAD-7', severityBand: 'moderate', clinicallyImportantChange: true });
  });

  it('other instruments get no band and use their own max score', () => {
    const p = (score: number, d: string) => ({ instrumentId: 'pcl5', instrumentName: 'PCL-5', score, maxScore: 80, createdAt: d });
    const m = readAssessments([p(60, '2026-01-01'), p(50, '2026-03-01')]).measures[0]!;
    expect(m.severityBand).toBeNull();
    expect(m.remission).toBeNull();
    expect(m.clinicallyImportantChange).toBe(false); // 10 < 80 × 5/27 ≈ 14.8
  });
});

describe('outcome rules', () => {
  it('worsening symptoms give a negative contribution and a worsening direction', () => {
    const r = out({ assessments: [phq(6, '2026-01-01'), phq(16, '2026-03-01')] });
    expect(r.components[0]!.contribution).toBe(-50);
    expect(r.direction).toBe('worsening');
    expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
  });

  it('fewer than two administrations is insufficient data, never silently zero', () => {
    const r = out({ assessments: [phq(6, '2026-01-01')], avgSleepHours: 8 });
    expect(r.direction).toBe('insufficient_data');
    expect(r.components[0]).toMatchObject({ available: false, contribution: 0 });
    expect(r.components[0]!.detail).toContain('single administration');
  });

  it('biomarker watch-items subtract 5 each down to −15; short sleep subtracts 10', () => {
    const r = out({ assessments: [], biomarkerWatchCount: 7, avgSleepHours: 4 });
    expect(r.components.find((c) => c.key === 'biomarker')!.contribution).toBe(-15);
    expect(r.components.find((c) => c.key === 'sleep')!.contribution).toBe(-10);
  });

  it('item 9 is surfaced on the outcome engine too', () => {
    const r = out({ assessments: [phq(10, '2026-01-01'), phq(5, '2026-03-01', { items: [{ id: '44260-8', score: 3 }] })] });
    expect(r.safety).toHaveLength(1);
    expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
  });
});

describe('medication rules', () => {
  const rx = (extra: Record<string, unknown> = {}) => ({ id: 'rx_1', medicationName: 'Fluoxetine', dosage: '20mg', status: 'active', prescribedAt: '2026-01-10', ...extra });

  it('worsening by an important change since the start is a concern and needs review', () => {
    const r = med({ prescriptions: [rx()], assessments: [phq(10, '2026-01-01'), phq(17, '2026-02-20')] });
    expect(r.signals[0]).toMatchObject({ tone: 'concern', signalKey: 'med_response_fluoxetine' });
    expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
  });

  it('worsening is stated in points, not as a percent of a small baseline', () => {
    const r = med({ prescriptions: [rx()], assessments: [phq(4, '2026-01-01'), phq(19, '2026-02-20')] });
    expect(r.signals[0]!.detail).toBe(
      'PHQ-9 worsened by 15 points, 4→19, since Fluoxetine 20mg started — at least one clinically important change (5 points).',
    );
    expect(r.signals[0]!.summaryLine).toBe('On Fluoxetine 20mg, PHQ-9 worsened by 15 points (4 to 19).');
    expect(JSON.stringify(r.signals)).not.toMatch(/% increase|375%/);
  });

  it('improvement keeps "% reduction" from a baseline at or above the mild threshold, points below it', () => {
    const big = med({ prescriptions: [rx()], assessments: [phq(16, '2026-01-01'), phq(8, '2026-02-20')] });
    expect(big.signals[0]!.detail).toBe('PHQ-9 improved 16→8 (50% reduction) since Fluoxetine 20mg started.');
    const small = med({ prescriptions: [rx()], assessments: [phq(4, '2026-01-01'), phq(1, '2026-02-20')] });
    expect(small.signals[0]!.detail).toBe('PHQ-9 improved by 3 points, 4→1, since Fluoxetine 20mg started.');
    expect(small.signals[0]!.summaryLine).toBe('On Fluoxetine 20mg, PHQ-9 improved by 3 points (4 to 1).');
  });

  it('a dose reduction within one course is read from the reduction, naming the course start', () => {
    const r = med({
      prescriptions: [
        rx({ id: 'rx_a', medicationName: 'Escitalopram', dosage: '20 mg by mouth once daily', status: 'stopped', prescribedAt: '2025-11-30' }),
        rx({ id: 'rx_b', medicationName: 'Escitalopram', dosage: '10 mg by mouth once daily', prescribedAt: '2026-04-04T13:00:00Z' }),
      ],
      assessments: [phq(3, '2025-12-01'), phq(2, '2026-02-01'), phq(4, '2026-03-20'), phq(19, '2026-06-20')],
    });
    expect(r.signals[0]).toMatchObject({ sourceRef: 'rx_b', tone: 'concern' });
    expect(r.signals[0]!.detail).toBe(
      'PHQ-9 worsened by 15 points, 4→19, since Escitalopram was reduced to 10 mg on 2026-04-04 (on Escitalopram since 2025-11-30) — at least one clinically important change (5 points).',
    );
  });

  it('the dose shown is the strength at the start of the dosage text', () => {
    expect(['50mg', '10 mg by mouth once daily', '0.5 mg at night', 'one tablet daily', undefined].map(doseOf)).toEqual([
      '50mg', '10 mg', '0.5 mg', 'one tablet daily', '',
    ]);
  });

  it('no clear change after an adequate 6-week trial is a watch signal', () => {
    const r = med({ prescriptions: [rx()], assessments: [phq(14, '2026-01-01'), phq(13, '2026-03-30')] });
    expect(r.signals[0]!.tone).toBe('watch');
  });

  it('discontinued or stopped prescriptions are not analysed', () => {
    const r = med({
      prescriptions: [rx({ status: 'stopped' }), rx({ id: 'rx_2', stoppedAt: '2026-02-01' })],
      assessments: [phq(18, '2026-01-01'), phq(8, '2026-03-01')],
    });
    expect(r.signalsPresent).toBe(0);
  });

  it('without a baseline before the start no response is claimed and the gap is reported', () => {
    const r = med({ prescriptions: [rx()], assessments: [phq(8, '2026-03-01')] });
    expect(r.signals).toHaveLength(0);
    expect(r.intelligence.dataQuality.missingInputs).toContain('PHQ-9 before Fluoxetine started');
  });

  it('lithium gets a monitoring reminder with its RxNorm code', () => {
    const r = med({ prescriptions: [rx({ medicationName: 'Lithium carbonate', rxnorm: undefined })], assessments: [] });
    expect(r.signals[0]).toMatchObject({ signalKey: 'med_monitoring_lithium_carbonate', tone: 'watch' });
    expect(r.intelligence.codes).toContainEqual(expect.objectContaining({ code: '6448' }));
  });
});

describe('biomarker rules', () => {
  it('normal and unflagged readings without a range produce no signal', () => {
    expect(bio(lab([{ name: 'TSH', value: 2, flag: 'normal' }, { name: 'Ferritin', value: 50 }])).signalsPresent).toBe(0);
  });

  it('derives a flag from the reference range when the flag is missing (moderate confidence)', () => {
    const r = bio(lab([{ name: 'B12', value: 150, unit: 'pg/mL', referenceRange: '200–900' }]));
    expect(r.signals[0]).toMatchObject({ signalKey: 'bio_b12', tone: 'watch', confidence: 'moderate' });
    expect(parseRange('<5')).toEqual({ lo: null, hi: 5 });
    expect(effectiveFlag({ name: 'x', value: 6 , referenceRange: '<5' }, 6).flag).toBe('high');
  });

  it('lithium above 1.5 mmol/L is critical whatever the lab flag', () => {
    const r = bio(lab([{ name: 'Lithium', value: 1.8, unit: 'mmol/L', flag: 'high', referenceRange: '0.6-1.2' }]));
    expect(r.signals[0]).toMatchObject({ tone: 'critical', signalKey: 'bio_lithium' });
    expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
    expect(r.intelligence.codes).toContainEqual(expect.objectContaining({ code: '14334-7' }));
  });

  it('recognises analytes by LOINC even under an unusual name', () => {
    const r = bio(lab([{ name: 'Thyrotropin (3rd gen)', loinc: '11580-8', value: 0.1, flag: 'low' }]));
    expect(r.signals[0]!.signalKey).toBe('bio_tsh');
  });

  it('the latest reading per analyte decides', () => {
    const r = bio({
      labs: [
        { id: 'a', labName: 'L', observedAt: '2026-01-01', results: { biomarkers: [{ name: 'TSH', value: 7, flag: 'high' }] } },
        { id: 'b', labName: 'L', observedAt: '2026-05-01', results: { biomarkers: [{ name: 'TSH', value: 2, flag: 'normal' }] } },
      ],
    });
    expect(r.signalsPresent).toBe(0);
  });

  it('low ANC is a concern (clozapine safety) and ranks before watch items', () => {
    const r = bio(lab([{ name: 'Vitamin D', value: 10, flag: 'low' }, { name: 'ANC', value: 1.1, flag: 'low' }]));
    expect(r.signals.map((s) => s.tone)).toEqual(['concern', 'watch']);
  });

  it('unknown analytes with an abnormal flag still signal, with low confidence', () => {
    const r = bio(lab([{ name: 'Zonulin', value: 'positive', flag: 'high' }]));
    expect(r.signals[0]).toMatchObject({ confidence: 'low', metricValue: null });
  });
});

describe('dmse rules', () => {
  it('interprets each signal against its reference range', () => {
    expect(['response_latency', 'response_latency', 'response_latency'].map((k, i) => interpret(k as 'response_latency', [1.7, 2.0, 2.5][i]!))).toEqual([
      'within_normal', 'subclinical', 'clinical_attention',
    ]);
    expect([150, 105, 95, 190, 210].map((v) => interpret('speech_rate', v))).toEqual([
      'within_normal', 'subclinical', 'clinical_attention', 'subclinical', 'clinical_attention',
    ]);
    expect([0.1, 0.2, 0.4].map((v) => interpret('psychomotor', v))).toEqual(['within_normal', 'subclinical', 'clinical_attention']);
    expect([85, 75, 60].map((v) => interpret('sustained_attention', v))).toEqual(['within_normal', 'subclinical', 'clinical_attention']);
  });

  it('baseline uses the sample SD', () => {
    expect(baselineOf([3.1, 2.9, 2.7])).toEqual({ mean: 2.9, sd: 0.2, n: 3 });
    expect(baselineOf([5])).toEqual({ mean: 5, sd: 0, n: 1 });
    expect(baselineOf([])).toBeNull();
  });

  it('unsupplied metrics are reported, not interpreted, and lower confidence', () => {
    const r = dmse({ responseLatencySeconds: 1.2 });
    expect(r.summary.status).toBe('within_normal');
    expect(r.signals.filter((s) => s.metricValue === null)).toHaveLength(3);
    expect(r.intelligence.dataQuality.missingInputs).toContain('speechRateWpm');
    expect(r.overallConfidence).toBe('low');
  });

  it('timing telemetry never carries a SNOMED clinical finding', () => {
    for (const n of [1, 4, 40]) expect(dmse({ psychomotorFidgetEpisodes: n, sessionDurationSeconds: 300 }).intelligence.codes.some((c) => c.system === 'http://snomed.info/sct')).toBe(false);
  });

  it('fidgets are read as a rate per minute of session: 4 in 5 minutes is clinical, 4 in 30 minutes is not', () => {
    const psy = (n: number, s?: number) => dmse({ psychomotorFidgetEpisodes: n, ...(s ? { sessionDurationSeconds: s } : {}) }).signals.find((x) => x.signalKey === 'psychomotor')!;
    expect(psy(4, 300)).toMatchObject({ metricValue: 0.8, interpretation: 'clinical_attention' });
    expect(psy(4, 1800)).toMatchObject({ metricValue: 0.13, interpretation: 'within_normal' });
    expect(psy(4)).toMatchObject({ metricValue: 0.4, interpretation: 'clinical_attention' }); // unknown length: read as 10 minutes
    expect(psy(4)!.detail).toContain('read as 10 minutes');
  });

  it('change block explains a metric moving back within range', () => {
    const r = dmse({ responseLatencySeconds: 1.5, previous: { score: 1, status: 'clinical_attention', inputs: { responseLatencySeconds: 2.7 } } });
    expect(r.intelligence.change).toMatchObject({ direction: 'improved', delta: -1 });
    expect(r.intelligence.change!.explanations[1]).toBe(
      'responseLatencySeconds dropped from 2.7 to 1.5 — response latency signal back within typical range.',
    );
  });
});
