import type { ConfidenceLevel } from '../../contract/index.ts';
import { clamp, div, round } from '../common/util.ts';
import { INTELLIGENCE_PARAMS as P } from './params.ts';

export function confidenceLevel(score: number): ConfidenceLevel {
  return score >= P.confidenceHigh ? 'high' : score >= P.confidenceModerate ? 'moderate' : 'low';
}

/** Confidence = coverage (inputs supplied / accepted) blended with history depth (0–1). */
export function blendConfidence(supplied: number, accepted: number, depth: number): number {
  return round(clamp(P.coverageWeight * div(supplied, accepted) + P.depthWeight * clamp(depth, 0, 1), 0, 1), 2);
}

export function historyDepth(administrations: number): number {
  return clamp(div(administrations, P.fullDepthAdministrations), 0, 1);
}
