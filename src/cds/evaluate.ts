// Chart → what the card rules read: the relapse engine's own result (runEngine on the app's engine
// request), the shared safety path's findings, the PHQ-9 reading and the latest labs. Pure: the
// clock is injected.
import { importantChangeOf, PHQ9, phq9Band } from '../clinical/index.ts';
import type { RelapseResponse } from '../contract/index.ts';
import { runEngine } from '../engines/index.ts';
import { groupAssessments } from '../engines/measures/index.ts';
import { nadirIndex, RELAPSE_PARAMS } from '../engines/relapse/index.ts';
import type { ChartData } from '../fhir/chart.ts';
import { buildEngineRequests } from '../fhir/requests.ts';
import { safetySignals, type SafetySignals } from './safety.ts';

export interface ScorePoint {
  score: number;
  at: string;
  sourceRef?: string;
}

export interface Phq9Reading {
  latest: ScorePoint & { band: string };
  /** Lowest score within the relapse engine's nadir lookback before the latest (null with one administration). */
  nadir: ScorePoint | null;
  /** latest − nadir. */
  rise: number | null;
  /** Rise ≥ the clinically important change (src/clinical PHQ9.importantChange: 5 points, Löwe 2004). */
  importantWorsening: boolean;
  administrations: number;
}

export interface LabReading {
  name: string;
  value: number | string | null;
  unit?: string;
  flag?: string;
  at: string | null;
  sourceRef?: string;
}

export interface Findings {
  chart: ChartData;
  relapse?: RelapseResponse;
  safety: SafetySignals;
  phq9: Phq9Reading | null;
  now: Date;
}

export function evaluate(chart: ChartData, now: Date): Findings {
  const requests = buildEngineRequests(chart, now);
  // No second zod pass here: the EHR's resources were validated by mapChart's schemas, and
  // buildEngineRequests only emits contract-shaped requests (test/fhir/requests.test.ts checks them
  // against the contract); re-parsing cost 3.5 ms on the five-year chart.
  const relapse = requests.relapse ? runEngine('relapse', requests.relapse, { now }) : undefined;
  return { chart, relapse, safety: safetySignals(chart), phq9: readPhq9(chart), now };
}

function readPhq9(chart: ChartData): Phq9Reading | null {
  const series = groupAssessments(chart.assessments).find((s) => s.key === 'phq9');
  const pts = series?.points;
  const last = pts?.at(-1);
  if (!pts || !last) return null;
  const point = (p: (typeof pts)[number]): ScorePoint => ({
    score: p.score,
    at: p.source.createdAt,
    ...(p.sourceRef ? { sourceRef: p.sourceRef } : {}),
  });
  const latest = { ...point(last), band: phq9Band(last.score) };
  if (pts.length < 2) return { latest, nadir: null, rise: null, importantWorsening: false, administrations: 1 };
  const nadir = pts[nadirIndex(pts, RELAPSE_PARAMS.symptoms.nadirLookbackDays)]!;
  const rise = last.score - nadir.score;
  return {
    latest,
    nadir: point(nadir),
    rise,
    importantWorsening: rise >= importantChangeOf(PHQ9, PHQ9.maxScore),
    administrations: pts.length,
  };
}

/** The latest reading of an analyte (by its terminology name, e.g. "Lithium", "eGFR"), newest panel first. */
export function latestLab(chart: ChartData, name: string): LabReading | null {
  let best: LabReading | null = null;
  for (const panel of chart.labs) {
    for (const b of panel.results.biomarkers) {
      if (b.name !== name) continue;
      const at = panel.observedAt ?? null;
      if (best && (at ?? '') < (best.at ?? '')) continue;
      best = {
        name,
        value: b.value,
        ...(b.unit ? { unit: b.unit } : {}),
        ...(b.flag ? { flag: b.flag } : {}),
        at,
        ...(b.sourceRef ? { sourceRef: b.sourceRef } : {}),
      };
    }
  }
  return best;
}
