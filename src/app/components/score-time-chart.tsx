// The recharts frame shared by the score-over-time charts (PHQ-9 trend, relapse-risk history):
// severity bands behind a time x-axis, one score line with custom dots, and a custom tooltip.
// Only the lazy-loaded chart modules import this, so recharts stays out of the initial bundle.
import type { ReactElement, ReactNode } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate } from '../lib/format.ts';

/** What recharts hands a custom dot. */
export interface DotProps<P> {
  cx?: number;
  cy?: number;
  payload?: P;
  index?: number;
}

/** One coloured background band between two scores. */
export interface ScoreBand {
  key: string;
  y1: number;
  y2: number;
  fill: string | undefined;
}

const AXIS_TICK = { fill: '#3b4654', fontSize: 12 };
const tick = (t: number) => formatDate(new Date(t).toISOString());

export function ScoreTimeChart<P>({
  points,
  domain,
  height,
  margin,
  bands,
  yAxis,
  tooltip,
  dot,
  children,
}: {
  /** Plotted by `t` (epoch ms) against `score`. */
  points: P[];
  domain: [number, number];
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  bands: ScoreBand[];
  yAxis: { domain: [number, number]; ticks: number[]; width: number };
  tooltip: ReactElement;
  dot: (props: DotProps<P>) => ReactElement;
  /** Extra chart elements drawn over the axes, under the tooltip and line (e.g. reference lines). */
  children?: ReactNode;
}) {
  return (
    // Hidden from assistive technology (the table beside each chart carries the same values), so
    // nothing inside may take focus: recharts' accessibility layer would make the <svg> focusable
    // (axe aria-hidden-focus, WCAG 4.1.2).
    <div className="trend-chart" aria-hidden="true">
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={points} margin={margin} accessibilityLayer={false}>
          {bands.map((b) => (
            <ReferenceArea key={b.key} y1={b.y1} y2={b.y2} fill={b.fill} fillOpacity={1} ifOverflow="visible" strokeOpacity={0} />
          ))}
          <CartesianGrid stroke="#d5dbe1" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" type="number" scale="time" domain={domain} tickFormatter={tick} tick={AXIS_TICK} minTickGap={24} />
          <YAxis domain={yAxis.domain} ticks={yAxis.ticks} width={yAxis.width} tick={AXIS_TICK} />
          {children}
          <Tooltip content={tooltip} />
          <Line type="linear" dataKey="score" stroke="#1b2430" strokeWidth={2} isAnimationActive={false} dot={dot} activeDot={{ r: 6 }} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
