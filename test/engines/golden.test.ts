// Golden tests: every documented example reproduces exactly.
import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../src/contract/index.ts';
import { ENGINE_VERSION, runEngine } from '../../src/engines/index.ts';
import {
  BIOMARKER_EXAMPLE,
  CHANGE_EXAMPLE,
  DMSE_EXAMPLE,
  MEDICATION_EXAMPLE,
  NOW,
  OUTCOME_EXAMPLE,
  RELAPSE_EXAMPLE,
  parse,
} from './fixtures.ts';

describe('documented examples (golden)', () => {
  it('relapse example: rising PHQ-9 with short sleep is elevated at 68', () => {
    const r = runEngine('relapse', parse('relapse', RELAPSE_EXAMPLE), { now: NOW });
    expect(ENDPOINTS.relapse.response.parse(r)).toBeTruthy();
    expect(r.score).toBe(68);
    expect(r.level).toBe('elevated');
    expect(r.trend).toBe('rising');
    expect(r.confidence).toBe('high');
    expect(r.topDriver).toBe('Symptom trajectory');
    expect(r.sourceCount).toBe(5);
    const [sym, sleep, dmse, med, cadence] = r.factors;
    expect(sym).toMatchObject({ key: 'symptoms', label: 'Symptom trajectory', points: 34.4, maxPoints: 38, tone: 'elevated', available: true });
    expect(sym!.detail).toContain('PHQ-9 rising 12→19/27 (moderately severe) at the two most recent administrations.');
    expect(sleep).toMatchObject({ key: 'sleep', label: 'Sleep (wearable)', points: 12, maxPoints: 18, tone: 'elevated', available: true });
    expect(sleep!.detail).toContain('Averaging 5.2h/night recently — short sleep is a leading relapse precursor.');
    expect(dmse).toMatchObject({ key: 'dmse', points: 5.6, maxPoints: 14 });
    expect(med).toMatchObject({ key: 'medication', points: 8, maxPoints: 14 });
    expect(cadence).toMatchObject({ key: 'cadence', points: 8, maxPoints: 16 });
    expect(r.summaryLine).toBe('Elevated relapse risk (68/100), signals rising, driven primarily by symptom trajectory.');
    expect(r.recommendation).toBe('Flag for closer monitoring; consider a check-in before the next scheduled visit.');
    expect(r.model).toEqual({ key: 'relapse_risk', version: null, source: 'default' });
    expect(r.generatedAt).toBe('2026-06-28T15:04:05.000Z');
    expect(r.intelligence.provenance).toMatchObject({ engineVersion: ENGINE_VERSION, method: 'deterministic_rules' });
    expect(r.intelligence.change).toBeNull();
    expect(r.intelligence.codes).toContainEqual(expect.objectContaining({ system: 'urn:tidemark:engine', code: 'relapse_risk' }));
    expect(r.intelligence.codes).toContainEqual(expect.objectContaining({ system: 'http://loinc.org', code: '44261-6' }));
  });

  it('change example: 44 elevated → 38 moderate, explained by sleep then visit gap', () => {
    const r = runEngine('relapse', parse('relapse', CHANGE_EXAMPLE), { now: NOW });
    expect(r.score).toBe(38);
    expect(r.level).toBe('moderate');
    expect(r.intelligence.change).toEqual({
      direction: 'improved',
      delta: -6,
      previousStatus: 'elevated',
      currentStatus: 'moderate',
      explanations: [
        'Score moved from 44 to 38 (-6).',
        'avgSleepHours improved from 5.1 to 7.5 — sleep disruption factor no longer firing.',
        'daysSinceLastVisit dropped from 30 to 12 — follow-up gap factor cleared.',
      ],
      previousComputedAt: '2026-05-01T00:00:00Z',
    });
  });

  it('outcome example: improving composite 66 from 4 sources', () => {
    const r = runEngine('outcome', parse('outcome', OUTCOME_EXAMPLE), { now: NOW });
    expect(ENDPOINTS.outcome.response.parse(r)).toBeTruthy();
    expect(r.score).toBe(66);
    expect(r.direction).toBe('improving');
    expect(r.confidence).toBe('high');
    expect(r.sourceCount).toBe(4);
    expect(r.components[0]).toMatchObject({ key: 'symptoms', label: 'Symptom scales', contribution: 45, available: true });
    expect(r.components[0]!.detail).toContain('PHQ-9 improved 18→9 across 2 administrations.');
    expect(r.components[1]).toMatchObject({ key: 'dmse', label: 'Digital MSE™ latency', contribution: 6, available: true });
    expect(r.components[1]!.detail).toContain('Response latency changed -12% across visits.');
    expect(r.summaryLine).toBe('Treatment response is improving (composite +66) across 4 independent data sources.');
    expect(r.measures[0]).toMatchObject({ severityBand: 'mild', response: true, remission: false, clinicallyImportantChange: true });
  });

  it('medication example: sertraline response with latency corroboration', () => {
    const r = runEngine('medication', parse('medication', MEDICATION_EXAMPLE), { now: NOW });
    expect(ENDPOINTS.medication.response.parse(r)).toBeTruthy();
    expect(r.signalsPresent).toBe(2);
    // Every documented field exactly; the Tidemark extensions (evidenceRefs, responseStatus) checked apart.
    const { evidenceRefs, responseStatus, ...documented } = r.signals[0]!;
    expect(responseStatus).toBe('partial_response'); // 18 → 11 is a 39% drop: partial response, tone still positive
    expect(evidenceRefs).toBeUndefined(); // the example's assessments carry no chart references
    expect(documented).toEqual({
      module: 'medication',
      signalKey: 'med_response_sertraline',
      label: 'Sertraline — symptom response',
      detail: 'PHQ-9 improved 18→11 (39% reduction) since Sertraline 50mg started.',
      tone: 'positive',
      metricValue: 11,
      metricUnit: 'score',
      confidence: 'moderate',
      summaryLine: 'On Sertraline 50mg, PHQ-9 improved from 18 to 11 (39% reduction).',
      sourceRef: 'rx_001',
      observedAt: '2026-05-15T00:00:00.000Z',
    });
    expect(r.signals[1]).toMatchObject({ signalKey: 'med_dmse_latency', tone: 'positive', metricValue: -14 });
    expect(r.intelligence.codes).toContainEqual(
      expect.objectContaining({ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '36437', mapsTo: 'signals[0]' }),
    );
    expect(r.model.key).toBe('medication_response');
  });

  it('biomarker example: high TSH is a watch signal with high confidence, plus low vitamin D', () => {
    const r = runEngine('biomarker', parse('biomarker', BIOMARKER_EXAMPLE), { now: NOW });
    expect(ENDPOINTS.biomarker.response.parse(r)).toBeTruthy();
    expect(r.signalsPresent).toBe(2);
    expect(r.signals[0]).toMatchObject({
      module: 'biomarker',
      signalKey: 'bio_tsh',
      label: 'Thyroid (TSH)',
      detail:
        '6.8 mIU/L (ref 0.4-4.0) — elevated TSH can present as depression, fatigue, and cognitive slowing — screen before escalating an antidepressant.',
      tone: 'watch',
      metricValue: 6.8,
      metricUnit: 'mIU/L',
      confidence: 'high',
      sourceRef: 'lab_88',
      observedAt: '2026-06-01T00:00:00.000Z',
    });
    expect(r.signals[0]!.summaryLine.startsWith('Thyroid (TSH) elevated at 6.8 mIU/L: ')).toBe(true);
    expect(r.signals[1]).toMatchObject({ signalKey: 'bio_vitamin_d', tone: 'watch', metricValue: 18 });
    expect(r.intelligence.codes.map((c) => c.code)).toEqual(expect.arrayContaining(['3016-3', '62292-8']));
  });

  it('dmse example: 4 of 4 signals need clinical attention, latency below its own baseline', () => {
    const r = runEngine('dmse', parse('dmse', { ...DMSE_EXAMPLE, explain: true }), { now: NOW });
    expect(ENDPOINTS.dmse.response.parse(r)).toBeTruthy();
    expect(r.sessionRef).toBe('visit_8841');
    expect(r.summary).toEqual({
      status: 'clinical_attention',
      headline:
        '4 of 4 signals outside typical range — Response latency, Speech rate, Psychomotor activity, Sustained attention (high confidence).',
      flagged: ['Response latency', 'Speech rate', 'Psychomotor activity', 'Sustained attention'],
      requiresClinicianReview: true,
    });
    expect(r.signalsPresent).toBe(4);
    expect(r.overallConfidence).toBe('high');
    expect(r.signals.every((s) => s.interpretation === 'clinical_attention')).toBe(true);
    expect(r.signals[0]).toMatchObject({
      signalKey: 'response_latency',
      label: 'Response latency',
      present: true,
      metricValue: 2.6,
      metricUnit: 's',
      interpretation: 'clinical_attention',
      referenceRange: '<1.8s typical; 1.8–2.4s subclinical; ≥2.5s clinical attention',
      confidence: 'high',
      trendDir: 'down',
      mseLine: 'Speech: increased response latency (avg ~2.6s).',
      baseline: { mean: 2.9, sd: 0.2, n: 3 },
    });
    expect(r.signals[0]!.detail).toContain('Markedly delayed response latency (avg 2.6s).');
    expect(r.mseNarrative.slice(0, 2)).toEqual([
      'Speech: increased response latency (avg ~2.6s).',
      'Psychomotor: psychomotor agitation (4 fidget episodes during session).',
    ]);
    expect(r.interpretationScale).toEqual({
      within_normal: 'Within typical range — no action suggested.',
      subclinical: 'Mildly outside typical range — worth noting, not urgent.',
      clinical_attention: 'Clearly outside typical range — flag for clinician review.',
    });
    // Timing telemetry is not labelled with a SNOMED clinical finding (issue 9): our own code for the rate.
    expect(r.intelligence.codes.some((c) => c.system === 'http://snomed.info/sct')).toBe(false);
    expect(r.intelligence.codes).toContainEqual(expect.objectContaining({ system: 'urn:tidemark:engine', code: 'dmse_psychomotor_rate' }));
    expect(r.signals.find((s) => s.signalKey === 'psychomotor')).toMatchObject({ metricValue: 0.44, metricUnit: 'episodes/min', interpretation: 'clinical_attention' });
    expect(r.intelligence.reasoning?.narrative).toMatch(/clinical attention/);
  });

  it('never emits the wrong reference codes 225444004 or 48767010', () => {
    const all = [
      runEngine('relapse', parse('relapse', RELAPSE_EXAMPLE), { now: NOW }),
      runEngine('outcome', parse('outcome', OUTCOME_EXAMPLE), { now: NOW }),
      runEngine('medication', parse('medication', MEDICATION_EXAMPLE), { now: NOW }),
      runEngine('biomarker', parse('biomarker', BIOMARKER_EXAMPLE), { now: NOW }),
      runEngine('dmse', parse('dmse', DMSE_EXAMPLE), { now: NOW }),
    ];
    const text = JSON.stringify(all);
    expect(text).not.toContain('225444004');
    expect(text).not.toContain('48767010');
  });
});
