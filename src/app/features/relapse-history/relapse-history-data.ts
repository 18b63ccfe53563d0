// Relapse-risk history from the chart's earlier Tidemark results (+ the current result): pure.
import type { EngineResponse } from '../../../contract/index.ts';
import { RELAPSE_PARAMS } from '../../../engines/relapse/params.ts';
import type { StoredResult } from '../../../fhir/chart.ts';

export type RelapseLevel = 'low' | 'moderate' | 'elevated' | 'high';

/** Level bands on the 0–100 score, from the engine's own parameter table (lower bound inclusive). */
export const RELAPSE_BANDS: ReadonlyArray<{ level: RelapseLevel; label: string; from: number; to: number }> = [
  { level: 'low', label: 'Low', from: 0, to: RELAPSE_PARAMS.levels.moderate },
  { level: 'moderate', label: 'Moderate', from: RELAPSE_PARAMS.levels.moderate, to: RELAPSE_PARAMS.levels.elevated },
  { level: 'elevated', label: 'Elevated', from: RELAPSE_PARAMS.levels.elevated, to: RELAPSE_PARAMS.levels.high },
  { level: 'high', label: 'High', from: RELAPSE_PARAMS.levels.high, to: 100 },
];

export function levelOfScore(score: number): RelapseLevel {
  let level: RelapseLevel = 'low';
  for (const b of RELAPSE_BANDS) if (score >= b.from) level = b.level;
  return level;
}

export interface RelapsePoint {
  t: number;
  at: string;
  score: number;
  level: string;
  /** Observation/<id> of a saved result; null for the current unsaved one. */
  sourceRef: string | null;
  current: boolean;
  saved: boolean;
}

export interface RelapseHistoryData {
  /** Earlier results (oldest first), then the current one when given. Only numeric scores. */
  points: RelapsePoint[];
  earlier: number;
  /** Earlier results without a usable score (listed, not plotted). */
  unscored: StoredResult[];
  domain: [number, number];
}

const KNOWN = new Set<string>(['low', 'moderate', 'elevated', 'high']);

export function relapseHistoryData(
  history: readonly StoredResult[] | undefined,
  current: EngineResponse<'relapse'> | null | undefined,
  currentSaved: boolean,
): RelapseHistoryData {
  const earlierPoints: RelapsePoint[] = [];
  const unscored: StoredResult[] = [];
  for (const h of history ?? []) {
    const t = Date.parse(h.computedAt);
    if (h.engine !== 'relapse' || h.score === null || !Number.isFinite(h.score) || Number.isNaN(t)) {
      unscored.push(h);
      continue;
    }
    const status = h.status.trim().toLowerCase();
    earlierPoints.push({ t, at: h.computedAt, score: h.score, level: KNOWN.has(status) ? status : levelOfScore(h.score), sourceRef: h.sourceRef, current: false, saved: true });
  }
  earlierPoints.sort((a, b) => a.t - b.t);
  const points = [...earlierPoints];
  if (current) {
    const at = current.intelligence.provenance.generatedAt || current.generatedAt;
    const t = Date.parse(at);
    const score = Math.round(current.score);
    // Already read back from the chart (same time and score): do not plot it twice.
    const dup = earlierPoints.some((p) => p.t === t && p.score === score);
    if (!dup && !Number.isNaN(t)) points.push({ t, at, score, level: current.level, sourceRef: null, current: true, saved: currentSaved });
  }
  const ts = points.map((p) => p.t);
  const lo = ts.length ? Math.min(...ts) : 0;
  const hi = ts.length ? Math.max(...ts) : 1;
  const pad = Math.max((hi - lo) * 0.05, 86_400_000);
  return { points, earlier: earlierPoints.length, unscored, domain: [lo - pad, hi + pad] };
}
