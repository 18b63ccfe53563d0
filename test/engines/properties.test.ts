// Property tests: bounds, determinism, monotonicity, no NaN/Infinity, schema-valid output.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS, type EngineName } from '../../src/contract/index.ts';
import { runEngine } from '../../src/engines/index.ts';
import { NOW, RELAPSE_EXAMPLE, parse } from './fixtures.ts';

const RUNS = 150;
const T0 = Date.UTC(2015, 0, 1);
const T1 = Date.UTC(2027, 0, 1);

const isoArb = fc.oneof(
  fc.integer({ min: T0, max: T1 }).map((t) => new Date(t).toISOString()),
  fc.integer({ min: T0, max: T1 }).map((t) => new Date(t).toISOString().slice(0, 10)),
  fc.integer({ min: T0, max: T1 }).map((t) => new Date(t).toISOString().slice(0, 19)),
  fc.integer({ min: T0, max: T1 }).map((t) => new Date(t).toISOString().slice(0, 19) + '+05:30'),
);
const itemsArb = fc.option(
  fc.array(
    fc.record(
      { id: fc.constantFrom('44260-8', '44250-9', 'q9', 'x'), index: fc.integer({ min: 1, max: 9 }), score: fc.integer({ min: 0, max: 3 }) },
      { requiredKeys: ['id', 'score'] },
    ),
    { maxLength: 9 },
  ),
  { nil: undefined },
);
const assessmentArb = fc.oneof(
  fc.record({
    instrumentId: fc.constantFrom('phq9', 'PHQ-9', '44261-6'),
    instrumentName: fc.constant('PHQ-9'),
    score: fc.integer({ min: 0, max: 27 }),
    maxScore: fc.constant(27),
    createdAt: isoArb,
    items: itemsArb,
    sourceRef: fc.option(fc.constant('Observation/1'), { nil: undefined }),
  }),
  fc.record({
    instrumentId: fc.constant('gad7'),
    instrumentName: fc.constant('GAD-7'),
    score: fc.integer({ min: 0, max: 21 }),
    maxScore: fc.constant(21),
    createdAt: isoArb,
  }),
  fc
    .record({
      instrumentId: fc.string({ minLength: 1, maxLength: 8 }),
      instrumentName: fc.string({ minLength: 1, maxLength: 8 }),
      maxScore: fc.double({ min: 1, max: 1000, noNaN: true }),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
      createdAt: isoArb,
      severity: fc.option(fc.constantFrom('mild', 'severe'), { nil: undefined }),
    })
    .map(({ frac, ...a }) => ({ ...a, score: Math.min(1000, a.maxScore * frac) })),
);
const assessmentsArb = fc.array(assessmentArb, { maxLength: 25 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const pctArb = opt(fc.double({ min: -100, max: 1000, noNaN: true }));
const previousArb = opt(
  fc.record(
    {
      score: fc.double({ min: -1000, max: 1000, noNaN: true }),
      status: fc.constantFrom('low', 'moderate', 'elevated', 'high', 'improving', 'watch', 'clinical_attention', 'zzz'),
      computedAt: isoArb,
      inputs: fc.dictionary(
        fc.constantFrom('avgSleepHours', 'daysSinceLastVisit', 'dmseLatencyPctChange', 'daysSinceMedChange', 'activeMedications', 'responseLatencySeconds', 'other'),
        fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null)),
      ),
    },
    { requiredKeys: [] },
  ),
);

const relapseArb = fc.record({
  assessments: assessmentsArb,
  dmseLatencyPctChange: pctArb,
  avgSleepHours: opt(fc.double({ min: 0, max: 24, noNaN: true })),
  daysSinceMedChange: opt(fc.integer({ min: 0, max: 3650 })),
  hasActiveMedication: opt(fc.boolean()),
  daysSinceLastVisit: opt(fc.integer({ min: 0, max: 3650 })),
  previous: previousArb,
  explain: opt(fc.boolean()),
});
const outcomeArb = fc.record({
  assessments: assessmentsArb,
  dmseLatencyPctChange: pctArb,
  activeMedications: opt(fc.integer({ min: 0, max: 100 })),
  biomarkerWatchCount: opt(fc.integer({ min: 0, max: 100 })),
  avgSleepHours: opt(fc.double({ min: 0, max: 24, noNaN: true })),
  previous: previousArb,
  explain: opt(fc.boolean()),
});
const medicationArb = fc.record({
  prescriptions: fc.array(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      medicationName: fc.constantFrom('Sertraline', 'Lithium', 'Clozapine', 'Sertraline', 'Mystery drug'),
      dosage: opt(fc.constantFrom('50mg', '')),
      status: fc.constantFrom('active', 'Active', 'stopped', 'on-hold'),
      prescribedAt: opt(isoArb),
      stoppedAt: opt(isoArb),
      rxnorm: opt(fc.constant('36437')),
    }),
    { maxLength: 6 },
  ),
  assessments: assessmentsArb,
  dmseLatencyPctChange: pctArb,
  previous: previousArb,
  explain: opt(fc.boolean()),
});
const biomarkerArb = fc.record({
  labs: fc.array(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      labName: fc.constant('Lab'),
      observedAt: opt(isoArb),
      results: fc.record({
        biomarkers: fc.array(
          fc.record({
            name: fc.oneof(fc.constantFrom('TSH', 'Vitamin D', 'Lithium', 'Sodium', 'ANC', 'HbA1c', 'eGFR'), fc.string({ minLength: 1, maxLength: 10 })),
            value: fc.oneof(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.constantFrom('6.8', '<0.5', 'positive', ''), fc.constant(null)),
            unit: opt(fc.constantFrom('mmol/L', 'ng/mL')),
            flag: opt(fc.constantFrom('high', 'low', 'critical', 'normal')),
            referenceRange: opt(fc.oneof(fc.constantFrom('0.4-4.0', '<5', '>=30', '1 to 2', 'abc', '5-1'), fc.string({ maxLength: 12 }))),
            loinc: opt(fc.constantFrom('3016-3', '14334-7', '9999-9')),
          }),
          { maxLength: 12 },
        ),
      }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  previous: previousArb,
  explain: opt(fc.boolean()),
});
const dmseArb = fc.record({
  psychomotorFidgetEpisodes: opt(fc.double({ min: 0, max: 1000, noNaN: true })),
  responseLatencySeconds: opt(fc.double({ min: 0, max: 120, noNaN: true })),
  speechRateWpm: opt(fc.double({ min: 0, max: 600, noNaN: true })),
  sustainedAttentionPct: opt(fc.double({ min: 0, max: 100, noNaN: true })),
  sessionDurationSeconds: opt(fc.double({ min: 0, max: 86400, noNaN: true })),
  history: opt(
    fc.record(
      {
        psychomotor: fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), { maxLength: 8 }),
        response_latency: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 8 }),
      },
      { requiredKeys: [] },
    ),
  ),
  previous: previousArb,
  explain: opt(fc.boolean()),
});

const ARBS: Record<EngineName, fc.Arbitrary<unknown>> = {
  relapse: relapseArb,
  outcome: outcomeArb,
  medication: medicationArb,
  biomarker: biomarkerArb,
  dmse: dmseArb,
};

function nonFinitePaths(x: unknown, path = '$', out: string[] = []): string[] {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) out.push(path);
  } else if (Array.isArray(x)) x.forEach((v, i) => {
    nonFinitePaths(v, `${path}[${i}]`, out);
  });
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) nonFinitePaths(v, `${path}.${k}`, out);
  return out;
}

describe('every engine, arbitrary schema-valid input', () => {
  for (const engine of Object.keys(ARBS) as EngineName[]) {
    it(`${engine}: never throws, validates, has no NaN/Infinity and is deterministic`, () => {
      fc.assert(
        fc.property(ARBS[engine], (input) => {
          const parsed = ENDPOINTS[engine].request.safeParse(input);
          fc.pre(parsed.success);
          const req = parsed.data as never;
          const a = runEngine(engine, req, { now: NOW });
          const b = runEngine(engine, req, { now: NOW });
          expect(ENDPOINTS[engine].response.safeParse(a).success).toBe(true);
          expect(nonFinitePaths(a)).toEqual([]);
          expect(JSON.stringify(a)).toBe(JSON.stringify(b));
          if (engine === 'relapse' || engine === 'outcome') {
            const s = (a as { score: number }).score;
            const lo = engine === 'relapse' ? 0 : -100;
            expect(s).toBeGreaterThanOrEqual(lo);
            expect(s).toBeLessThanOrEqual(100);
          }
          const intel = (a as { intelligence: { confidence: { score: number }; dataQuality: { completeness: number }; reasoning?: { narrative: string } | null } }).intelligence;
          expect(intel.confidence.score).toBeGreaterThanOrEqual(0);
          expect(intel.confidence.score).toBeLessThanOrEqual(1);
          const explain = (req as { explain?: boolean }).explain === true;
          expect(intel.reasoning !== undefined).toBe(explain);
          if (intel.reasoning) {
            const n = intel.reasoning.narrative.split(/(?<=\.)\s+(?=[A-Z])/).length;
            expect(n).toBeGreaterThanOrEqual(2);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('relapse monotonicity', () => {
  const base = fc.record({
    scores: fc.array(fc.integer({ min: 0, max: 27 }), { minLength: 1, maxLength: 6 }),
    pct: pctArb,
    sleep: opt(fc.double({ min: 0, max: 24, noNaN: true })),
    med: opt(fc.integer({ min: 0, max: 3650 })),
    visit: opt(fc.integer({ min: 0, max: 3650 })),
  });
  const build = (b: { scores: number[]; pct?: number; sleep?: number; med?: number; visit?: number }) =>
    parse('relapse', {
      assessments: b.scores.map((s, i) => ({ instrumentId: 'phq9', instrumentName: 'PHQ-9', score: s, maxScore: 27, createdAt: new Date(T0 + i * 86_400_000 * 14).toISOString() })),
      dmseLatencyPctChange: b.pct,
      avgSleepHours: b.sleep,
      daysSinceMedChange: b.med,
      daysSinceLastVisit: b.visit,
    });
  const score = (b: Parameters<typeof build>[0]) => runEngine('relapse', build(b), { now: NOW }).score;

  it('a worse latest PHQ-9 never lowers the relapse score', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 1, max: 27 }), (b, up) => {
        const worse = [...b.scores];
        worse[worse.length - 1] = Math.min(27, worse[worse.length - 1]! + up);
        expect(score({ ...b, scores: worse })).toBeGreaterThanOrEqual(score(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('a worse latest PHQ-9 never lowers the relapse score, whatever the spacing (nadir and trend windows)', () => {
    const spaced = fc.array(fc.record({ score: fc.integer({ min: 0, max: 27 }), gapDays: fc.integer({ min: 0, max: 200 }) }), { minLength: 1, maxLength: 12 });
    const req = (pts: { score: number; gapDays: number }[]) => {
      let t = T0;
      return parse('relapse', {
        assessments: pts.map((p) => {
          t += p.gapDays * 86_400_000;
          return { instrumentId: 'phq9', instrumentName: 'PHQ-9', score: p.score, maxScore: 27, createdAt: new Date(t).toISOString() };
        }),
      });
    };
    fc.assert(
      fc.property(spaced, fc.integer({ min: 1, max: 27 }), (pts, up) => {
        const worse = pts.map((p, i) => (i === pts.length - 1 ? { ...p, score: Math.min(27, p.score + up) } : p));
        const a = runEngine('relapse', req(pts), { now: NOW });
        const b = runEngine('relapse', req(worse), { now: NOW });
        expect(b.score).toBeGreaterThanOrEqual(a.score);
        expect(b.factors[0]!.points).toBeGreaterThanOrEqual(a.factors[0]!.points);
      }),
      { numRuns: RUNS },
    );
  });

  it('shorter sleep (up to 9 h) never lowers the relapse score', () => {
    fc.assert(
      fc.property(base, fc.double({ min: 0, max: 9, noNaN: true }), fc.double({ min: 0, max: 9, noNaN: true }), (b, x, y) => {
        const [short, long] = x <= y ? [x, y] : [y, x];
        expect(score({ ...b, sleep: short })).toBeGreaterThanOrEqual(score({ ...b, sleep: long }));
      }),
      { numRuns: RUNS },
    );
  });

  it('longer sleep beyond 9 h (hypersomnia) never lowers the relapse score', () => {
    fc.assert(
      fc.property(base, fc.double({ min: 9, max: 24, noNaN: true }), fc.double({ min: 9, max: 24, noNaN: true }), (b, x, y) => {
        const [short, long] = x <= y ? [x, y] : [y, x];
        expect(score({ ...b, sleep: long })).toBeGreaterThanOrEqual(score({ ...b, sleep: short }));
      }),
      { numRuns: RUNS },
    );
  });

  it('a longer visit gap never lowers the relapse score', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 3650 }), fc.integer({ min: 0, max: 3650 }), (b, x, y) => {
        const [near, far] = x <= y ? [x, y] : [y, x];
        expect(score({ ...b, visit: far })).toBeGreaterThanOrEqual(score({ ...b, visit: near }));
      }),
      { numRuns: RUNS },
    );
  });

  it('the injected clock only moves generatedAt and freshness, never the score', () => {
    const req = parse('relapse', RELAPSE_EXAMPLE);
    const a = runEngine('relapse', req, { now: NOW });
    const b = runEngine('relapse', req, { now: new Date('2030-01-01T00:00:00Z') });
    expect(b.score).toBe(a.score);
    expect(b.generatedAt).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('safety findings sent with a request (the chart-level safety path)', () => {
  const findingArb = fc.oneof(
    fc.record({
      kind: fc.constant('phq9_item9' as const),
      answer: fc.integer({ min: 1, max: 3 }),
      at: fc.integer({ min: T0, max: T1 }).map((t) => new Date(t).toISOString()),
      sourceRef: fc.constantFrom('Observation/i9', 'QuestionnaireResponse/q'),
      message: fc.constant('PHQ-9 item 9 positive'),
      current: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('critical_lab' as const),
      analyte: fc.constantFrom('lithium', 'anc'),
      label: fc.constantFrom('Lithium level', 'Absolute neutrophil count'),
      value: fc.double({ min: 0, max: 5, noNaN: true }),
      unit: fc.constant('mmol/L'),
      at: fc.integer({ min: T0, max: T1 }).map((t) => new Date(t).toISOString()),
      sourceRef: fc.constant('Observation/lab'),
      direction: fc.constantFrom('high' as const, 'low' as const),
      limit: fc.constant('> 1.5 mmol/L'),
      source: fc.constant('NICE CG185'),
      message: fc.constant('Critical lab'),
    }),
  );
  for (const engine of Object.keys(ARBS) as EngineName[]) {
    it(`${engine}: every finding sent comes back, leads the flags, forces review, and routine advice never shows`, () => {
      fc.assert(
        fc.property(ARBS[engine], fc.array(findingArb, { minLength: 1, maxLength: 4 }), (input, safety) => {
          const parsed = ENDPOINTS[engine].request.safeParse({ ...(input as object), safety });
          fc.pre(parsed.success);
          const r = runEngine(engine, parsed.data as never, { now: NOW }) as { safety: unknown[]; intelligence: { summary: { flagged: string[]; requiresClinicianReview: boolean; headline: string } }; recommendation?: string };
          expect(ENDPOINTS[engine].response.safeParse(r).success).toBe(true);
          for (const f of safety) expect(r.safety).toContainEqual(f);
          expect(r.intelligence.summary.requiresClinicianReview).toBe(true);
          expect(r.intelligence.summary.flagged[0]).toMatch(/item 9|Critical lab/);
          expect(r.intelligence.summary.headline).not.toMatch(/routine monitoring/i);
          if (r.recommendation !== undefined) expect(r.recommendation).not.toMatch(/routine monitoring/i);
        }),
        { numRuns: 60 },
      );
    });
  }
});
