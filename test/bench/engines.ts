// Engine timings for maximum-size requests (run: `npx tsx test/bench/engines.ts`, or `npm run bench`).
// Per engine: warm-up, then timed calls; p50/p99 in ms, and a baseline measured in the same run:
// JSON round-trip (structuredClone-like copy) of the same request, and the zod parse of it.
import { performance } from 'node:perf_hooks';
import { ENDPOINTS, type EngineName } from '../../src/contract/index.ts';
import { runEngine } from '../../src/engines/index.ts';

const NOW = new Date('2026-06-28T15:04:05.000Z');
const WARMUP = 100;
const RUNS = Number(process.env.BENCH_RUNS ?? 400);
const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 1);

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const rnd = lcg(42);

function assessments(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const phq = i % 5 !== 4;
    const max = phq ? 27 : 21;
    const items = phq
      ? Array.from({ length: 9 }, (_, k) => ({ id: k === 8 ? '44260-8' : `item-${k + 1}`, index: k + 1, score: Math.floor(rnd() * 4) }))
      : undefined;
    return {
      instrumentId: phq ? 'phq9' : 'gad7',
      instrumentName: phq ? 'PHQ-9' : 'GAD-7',
      score: Math.floor(rnd() * (max + 1)),
      maxScore: max,
      createdAt: new Date(T0 + i * 3 * DAY).toISOString(),
      ...(items ? { items } : {}),
      sourceRef: `Observation/a${i}`,
    };
  });
}

const NAMES = ['TSH', 'Free T4', 'Vitamin D', 'B12', 'Folate', 'Ferritin', 'Hemoglobin', 'Sodium', 'Lithium', 'Valproate', 'Carbamazepine', 'Clozapine', 'ANC', 'WBC', 'HbA1c', 'Glucose', 'LDL', 'Triglycerides', 'ALT', 'AST', 'Creatinine', 'eGFR', 'Prolactin'];
function labs() {
  return Array.from({ length: 100 }, (_, p) => ({
    id: `lab_${p}`,
    labName: 'Quest Diagnostics',
    observedAt: new Date(T0 + p * 14 * DAY).toISOString(),
    results: {
      biomarkers: Array.from({ length: 200 }, (_, b) => {
        const known = b < NAMES.length;
        const value = Math.round(rnd() * 1000) / 100;
        return {
          name: known ? NAMES[b]! : `Analyte ${b}`,
          value,
          unit: 'u',
          ...(b % 3 === 0 ? {} : { flag: (['high', 'low', 'normal', 'normal'] as const)[b % 4] }),
          referenceRange: '1.0-5.0',
          ...(b % 7 === 0 ? { loinc: '3016-3' } : {}),
          sourceRef: `Observation/l${p}_${b}`,
        };
      }),
    },
  }));
}

const REQUESTS: Record<EngineName, unknown> = {
  relapse: { assessments: assessments(500), dmseLatencyPctChange: 16, avgSleepHours: 5.2, daysSinceMedChange: 12, hasActiveMedication: true, daysSinceLastVisit: 38, previous: { score: 44, status: 'elevated', inputs: { avgSleepHours: 5.1, daysSinceLastVisit: 30 } }, explain: true },
  outcome: { assessments: assessments(500), dmseLatencyPctChange: -12, activeMedications: 3, biomarkerWatchCount: 2, avgSleepHours: 7.5, explain: true },
  medication: {
    prescriptions: Array.from({ length: 100 }, (_, i) => ({
      id: `rx_${i}`,
      medicationName: ['Sertraline', 'Lithium carbonate', 'Clozapine', 'Bupropion', 'Quetiapine'][i % 5]!,
      dosage: '50mg',
      status: i % 4 === 3 ? 'stopped' : 'active',
      prescribedAt: new Date(T0 + i * 10 * DAY).toISOString(),
    })),
    assessments: assessments(500),
    dmseLatencyPctChange: -14,
    explain: true,
  },
  biomarker: { labs: labs(), explain: true },
  dmse: {
    responseLatencySeconds: 2.6, speechRateWpm: 98, psychomotorFidgetEpisodes: 4, sustainedAttentionPct: 66, sessionDurationSeconds: 540,
    history: {
      response_latency: Array.from({ length: 500 }, () => 1 + rnd() * 2),
      speech_rate: Array.from({ length: 500 }, () => 90 + rnd() * 60),
      psychomotor: Array.from({ length: 500 }, () => Math.floor(rnd() * 6)),
      sustained_attention: Array.from({ length: 500 }, () => 50 + rnd() * 50),
    },
    explain: true,
  },
};

function time(fn: () => unknown, runs: number): { p50: number; p99: number; mean: number } {
  for (let i = 0; i < WARMUP; i++) fn();
  const t: number[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    fn();
    t[i] = performance.now() - a;
  }
  t.sort((x, y) => x - y);
  const q = (p: number) => t[Math.min(runs - 1, Math.floor(p * runs))]!;
  return { p50: q(0.5), p99: q(0.99), mean: t.reduce((s, x) => s + x, 0) / runs };
}

const f = (x: number) => x.toFixed(3).padStart(8);
console.log(`engine bench: ${RUNS} timed calls after ${WARMUP} warm-up, Node ${process.version}`);
console.log('engine      request                         engine p50/p99 ms    JSON copy p50/p99 ms   zod parse p50/p99 ms   engine/JSON  engine/zod (p50)');
for (const engine of Object.keys(REQUESTS) as EngineName[]) {
  const raw = REQUESTS[engine];
  const req = ENDPOINTS[engine].request.parse(raw) as never;
  const eng = time(() => runEngine(engine, req, { now: NOW }), RUNS);
  const json = time(() => JSON.parse(JSON.stringify(req)), RUNS);
  const zod = time(() => ENDPOINTS[engine].request.parse(raw), Math.min(RUNS, 200));
  const size = `${(JSON.stringify(raw).length / 1024).toFixed(0)} KiB`;
  const label = { relapse: '500 assessments+items', outcome: '500 assessments+items', medication: '100 rx + 500 assessments', biomarker: '100 labs × 200 biomarkers', dmse: '4 metrics + 4×500 history' }[engine];
  console.log(
    `${engine.padEnd(11)} ${`${label} (${size})`.padEnd(32)} ${f(eng.p50)} / ${f(eng.p99)}   ${f(json.p50)} / ${f(json.p99)}   ${f(zod.p50)} / ${f(zod.p99)}   ${(eng.p50 / json.p50).toFixed(2).padStart(8)}×  ${(eng.p50 / zod.p50).toFixed(2).padStart(8)}×`,
  );
}
