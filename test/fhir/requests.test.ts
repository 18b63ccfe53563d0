import { describe, expect, it } from 'vitest';
import { ENDPOINTS, type EngineName } from '../../src/contract/index.ts';
import type { ChartData } from '../../src/fhir/chart.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';
import { buildEngineRequests, mainInstrumentSeries } from '../../src/fhir/requests.ts';
import * as F from './fixtures.ts';

const stories = {
  improving: F.improvingOnSertraline,
  relapse: F.relapse,
  thyroid: F.thyroidVitD,
  item9: F.item9ViaQr,
  sparse: F.sparseSinglePhq9,
  fiveYear: F.fiveYearHistory,
  messy: F.messy,
  lithium: F.lithiumToxic,
};

describe('buildEngineRequests', () => {
  it.each(Object.entries(stories))('%s: every request passes its contract schema', (_name, build) => {
    const reqs = buildEngineRequests(mapChart('p1', build()), F.NOW);
    for (const [engine, req] of Object.entries(reqs)) {
      const parsed = ENDPOINTS[engine as EngineName].request.safeParse(req);
      expect(parsed.success, `${engine}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('relapse story: sleep mean over 14 days, days since stop, visit gap, latency change', () => {
    const r = buildEngineRequests(mapChart('p1', F.relapse()), F.NOW);
    expect(r.relapse).toMatchObject({ avgSleepHours: 5, daysSinceMedChange: 20, hasActiveMedication: false, daysSinceLastVisit: 75, dmseLatencyPctChange: 50 });
    expect(r.relapse!.assessments).toHaveLength(6);
    expect(r.dmse).toMatchObject({ responseLatencySeconds: 1.8, history: { response_latency: [1.2] } });
    expect(r.medication!.prescriptions).toHaveLength(2);
    expect(r.biomarker).toBeUndefined();
  });

  it('only engines with data get a request', () => {
    const r = buildEngineRequests(mapChart('p1', F.sparseSinglePhq9()), F.NOW);
    expect(Object.keys(r).sort()).toEqual(['outcome', 'relapse']);
    expect(r.relapse!.avgSleepHours).toBeUndefined();
  });

  it('lithium story: biomarkerWatchCount counts abnormal flags of the latest reading per analyte', () => {
    const r = buildEngineRequests(mapChart('p1', F.lithiumToxic()), F.NOW);
    expect(r.outcome).toMatchObject({ activeMedications: 1, biomarkerWatchCount: 2 });
    expect(r.biomarker!.labs).toHaveLength(2);
  });

  it('caps 600 PHQ-9 to the latest 500, oldest first', () => {
    const many = Array.from({ length: 600 }, (_, i) => F.phq9Total(`p${i}`, i % 28, F.daysAgo(600 - i)));
    const r = buildEngineRequests(mapChart('p1', many), F.NOW);
    expect(r.relapse!.assessments).toHaveLength(500);
    expect(r.relapse!.assessments[0]!.sourceRef).toBe('Observation/p100');
    expect(ENDPOINTS.relapse.request.safeParse(r.relapse).success).toBe(true);
  });

  it('sends GAD-7 beside the PHQ-9 (the engines score both and keep PHQ-9 as the primary scale)', () => {
    const res = [F.phq9Total('p', 10, F.daysAgo(3)), ...[1, 2, 3].map((i) => F.scaleTotal(`g${i}`, '70274-6', 9, F.daysAgo(i * 10)))];
    const r = buildEngineRequests(mapChart('p1', res), F.NOW);
    expect(r.relapse!.assessments.map((a) => a.instrumentId)).toEqual(['gad7', 'gad7', 'gad7', 'phq9']);
    expect(mainInstrumentSeries(r.relapse!.assessments).map((a) => a.instrumentId)).toEqual(['phq9']);
  });

  it('sends the latest earlier result of each engine as previous', () => {
    const chart: ChartData = {
      ...mapChart('p1', F.relapse()),
      history: {
        relapse: [
          { engine: 'relapse', score: 30, status: 'moderate', computedAt: '2026-04-01T00:00:00.000Z', inputs: {}, sourceRef: 'Observation/a' },
          { engine: 'relapse', score: 44, status: 'elevated', computedAt: '2026-05-01T00:00:00.000Z', inputs: { avgSleepHours: 5.1 }, sourceRef: 'Observation/b' },
        ],
      },
    };
    const r = buildEngineRequests(chart, F.NOW);
    expect(r.relapse!.previous).toEqual({ score: 44, status: 'elevated', computedAt: '2026-05-01T00:00:00.000Z', inputs: { avgSleepHours: 5.1 } });
    expect(r.outcome!.previous).toBeUndefined();
  });
});
