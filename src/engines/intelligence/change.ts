// The `change` block: why the result differs from the `previous` one the caller sent back.
import type { ChangeBlock, PreviousResult } from '../../contract/index.ts';
import { fmt, round, signed } from '../common/util.ts';

export interface ChangeInput {
  /** Request field name, as the caller keys `previous.inputs`. */
  key: string;
  current: number | string | boolean | undefined;
  /** The factor phrase, e.g. "sleep disruption factor". */
  factor: string;
  /** Points this input contributes at a given value (the engine's own rule). */
  points: (value: number) => number;
  /** "quality": say improved/worsened (by effect on the result); "quantity": rose/dropped. */
  style: 'quality' | 'quantity';
  /** How to say the factor went to zero: "no longer firing", "cleared". */
  clearedPhrase?: string;
  /** True when more points mean a worse result (relapse risk); false when better (outcome). */
  pointsAreRisk: boolean;
}

export interface ChangeSpec {
  score: number | null;
  status: string;
  higherIsWorse: boolean;
  /** Status rank, higher = worse; statuses not in it compare as unknown. */
  statusRank: Record<string, number>;
  inputs: ChangeInput[];
}

function show(v: unknown): string {
  return typeof v === 'number' ? fmt(v, 2) : v === null || v === undefined ? 'not supplied' : String(v);
}

export function computeChange(previous: PreviousResult | undefined, spec: ChangeSpec): ChangeBlock | null {
  if (!previous) return null;
  const prevScore = previous.score;
  const delta = prevScore !== undefined && spec.score !== null ? round(spec.score - prevScore, 1) : null;
  let direction: ChangeBlock['direction'] = 'unchanged';
  if (delta !== null && delta !== 0) {
    direction = (delta < 0) === spec.higherIsWorse ? 'improved' : 'worsened';
  } else if (previous.status !== undefined) {
    const a = spec.statusRank[previous.status];
    const b = spec.statusRank[spec.status];
    if (a !== undefined && b !== undefined && a !== b) direction = b < a ? 'improved' : 'worsened';
  }
  const explanations: string[] = [];
  if (delta !== null && prevScore !== undefined && spec.score !== null) {
    explanations.push(
      delta === 0
        ? `Score unchanged at ${fmt(spec.score)}.`
        : `Score moved from ${fmt(prevScore)} to ${fmt(spec.score)} (${signed(delta)}).`,
    );
  }
  const ranked: { impact: number; order: number; text: string }[] = [];
  const prevInputs = previous.inputs ?? {};
  spec.inputs.forEach((inp, order) => {
    if (!Object.prototype.hasOwnProperty.call(prevInputs, inp.key)) return;
    const before = prevInputs[inp.key];
    const now = inp.current;
    if (before === now || (before === null && now === undefined)) return;
    if (typeof before === 'number' && typeof now === 'number') {
      const pb = inp.points(before);
      const pn = inp.points(now);
      const d = pn - pb;
      const better = inp.pointsAreRisk ? d < 0 : d > 0;
      const verb =
        inp.style === 'quality' && d !== 0 ? (better ? 'improved' : 'worsened') : now > before ? 'rose' : 'dropped';
      let effect: string;
      if (d === 0) effect = `no effect on the ${inp.factor}`;
      else if (pn === 0) effect = `${inp.factor} ${inp.clearedPhrase ?? 'no longer firing'}`;
      else if (pb === 0) effect = `${inp.factor} now firing (${fmt(Math.abs(pn))} points)`;
      else effect = `${inp.factor} ${Math.abs(pn) > Math.abs(pb) ? 'up' : 'down'} ${fmt(Math.abs(d))} points`;
      ranked.push({ impact: Math.abs(d), order, text: `${inp.key} ${verb} from ${fmt(before, 2)} to ${fmt(now, 2)} — ${effect}.` });
    } else {
      const impact = typeof before === 'number' ? Math.abs(inp.points(before)) : typeof now === 'number' ? Math.abs(inp.points(now)) : 0;
      ranked.push({
        impact,
        order,
        text: `${inp.key} changed from ${show(before)} to ${show(now)}${now === undefined ? ` — ${inp.factor} not assessed this time` : ''}.`,
      });
    }
  });
  ranked.sort((x, y) => y.impact - x.impact || x.order - y.order);
  for (const r of ranked) explanations.push(r.text);
  if (previous.status !== undefined && previous.status !== spec.status && explanations.length === 0) {
    explanations.push(`Status changed from ${previous.status} to ${spec.status}.`);
  }
  return {
    direction,
    delta,
    previousStatus: previous.status ?? null,
    currentStatus: spec.status,
    explanations,
    previousComputedAt: previous.computedAt ?? null,
  };
}
