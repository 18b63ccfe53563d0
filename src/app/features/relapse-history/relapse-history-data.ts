// Relapse-risk history from the chart's earlier Tidemark results (+ the current result): pure.
import type { EngineResponse } from '../../../contract/index.ts';
import { RELAPSE_LEVELS, relapseLevelOf, type RelapseLevel } from '../../../clinical/index.ts';
import type { StoredResult } from '../../../fhir/chart.ts';

export type { RelapseLevel };

/** Level bands on the 0–100 score, from src/clinical (lower bound inclusive). */
export const RELAPSE_BANDS: ReadonlyArray<{ level: RelapseLevel; label: string; from: number; to: number }> = [
  { level: 'low', label: 'Low', from: 0, to: RELAPSE_LEVELS.moderate },
  { level: 'moderate', label: 'Moderate', from: RELAPSE_LEVELS.moderate, to: RELAPSE_LEVELS.elevated },
  { level: 'elevated', label: 'Elevated', from: RELAPSE_LEVELS.elevated, to: RELAPSE_LEVELS.high },
  { level: 'high', label: 'High', from: RELAPSE_LEVELS.high, to: 100 },
];

/** Level of a score by the cut-offs alone (a stored result keeps its own level when it has one). */
export const levelOfScore = relapseLevelOf;

export interface RelapsePoint {
  t: number;
  at: string;
  score: number;
  level: string;
  /** Observation/<id> of a result in the chart; null for a current result that is not (or not known to be). */
  sourceRef: string | null;
  current: boolean;
  saved: boolean;
}

export interface RelapseHistoryData {
  /** Results from the chart (oldest first) and the current one, drawn once. Only numeric scores. */
  points: RelapsePoint[];
  /** Points from the chart other than the current result. */
  earlier: number;
  /** Points read from the chart, including the current result when it is already there. */
  fromChart: number;
  /** Earlier results without a usable score (listed, not plotted). */
  unscored: StoredResult[];
  domain: [number, number];
}

const KNOWN = new Set<string>(['low', 'moderate', 'elevated', 'high']);

/**
 * `currentIdentifier`: the write identity of the current result (urn:tidemark:result value). When a
 * result read from the chart has the same identity, that point is the current one, saved; when the
 * identity is known and matches nothing, the current result is not in the chart.
 */
export function relapseHistoryData(
  history: readonly StoredResult[] | undefined,
  current: EngineResponse<'relapse'> | null | undefined,
  currentSaved: boolean,
  currentIdentifier?: string,
): RelapseHistoryData {
  const chartPoints: (RelapsePoint & { identifier?: string })[] = [];
  const unscored: StoredResult[] = [];
  for (const h of history ?? []) {
    const t = Date.parse(h.computedAt);
    if (h.engine !== 'relapse' || h.score === null || !Number.isFinite(h.score) || Number.isNaN(t)) {
      unscored.push(h);
      continue;
    }
    const status = h.status.trim().toLowerCase();
    chartPoints.push({
      t,
      at: h.computedAt,
      score: h.score,
      level: KNOWN.has(status) ? status : levelOfScore(h.score),
      sourceRef: h.sourceRef,
      current: false,
      saved: true,
      identifier: h.identifier,
    });
  }
  chartPoints.sort((a, b) => a.t - b.t);
  const points: RelapsePoint[] = chartPoints.map(({ identifier: _identifier, ...p }) => p);
  if (current) {
    const inChart = currentIdentifier === undefined ? -1 : chartPoints.findLastIndex((p) => p.identifier === currentIdentifier);
    if (inChart >= 0) {
      // The current result is already in the chart: that point is "now", saved.
      points[inChart] = { ...points[inChart]!, current: true, saved: true };
    } else {
      const at = current.intelligence.provenance.generatedAt || current.generatedAt;
      const t = Date.parse(at);
      const score = Math.round(current.score);
      // Identity unknown: a point read back at the same time with the same score is this result.
      const dup = currentIdentifier === undefined && chartPoints.some((p) => p.t === t && p.score === score);
      if (!dup && !Number.isNaN(t)) points.push({ t, at, score, level: current.level, sourceRef: null, current: true, saved: currentSaved });
    }
  }
  const ts = points.map((p) => p.t);
  const lo = ts.length ? Math.min(...ts) : 0;
  const hi = ts.length ? Math.max(...ts) : 1;
  const pad = Math.max((hi - lo) * 0.05, 86_400_000);
  const fromChart = points.filter((p) => p.sourceRef !== null).length;
  return { points, earlier: points.filter((p) => p.sourceRef !== null && !p.current).length, fromChart, unscored, domain: [lo - pad, hi + pad] };
}
