// The recharts part of a symptom-scale trend (lazy-loaded: recharts stays out of the initial bundle).
import { useCallback, useRef, useState } from 'react';
import { ReferenceLine } from 'recharts';
import { ScoreTimeChart, type DotProps } from '../../components/score-time-chart.tsx';
import { formatDate } from '../../lib/format.ts';
import { bandsOf, type ScaleTrend, type TrendPoint } from './trend-data.ts';

const BAND_FILL: Record<string, string> = {
  minimal: '#e7f3ec',
  mild: '#f2f6dc',
  moderate: '#fdf3d7',
  modsevere: '#fde5d3',
  severe: '#f9dada',
};

function PointDot({ cx, cy, payload, index }: DotProps<TrendPoint>) {
  if (cx === undefined || cy === undefined || !payload) return <g key={`dot-${index}`} />;
  const item9 = payload.item9 !== null && payload.item9 > 0;
  return (
    <g key={`dot-${index}`}>
      {payload.remission ? (
        <rect x={cx - 6} y={cy - 6} width={12} height={12} fill="#1e5631" stroke="#fff" strokeWidth={1.5} />
      ) : payload.response ? (
        <path d={`M${cx},${cy - 7} L${cx + 7},${cy + 5} L${cx - 7},${cy + 5} Z`} fill="#0b5e6b" stroke="#fff" strokeWidth={1.5} />
      ) : (
        <circle cx={cx} cy={cy} r={4.5} fill="#1b2430" stroke="#fff" strokeWidth={1.5} />
      )}
      {item9 && <circle cx={cx} cy={cy} r={10} fill="none" stroke="#b42318" strokeWidth={3} />}
    </g>
  );
}

function TooltipBody({ active, payload, name, remissionBelow }: { active?: boolean; payload?: { payload: TrendPoint }[]; name: string; remissionBelow: number | null }) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="chart-tooltip">
      <strong>
        {name} {p.score} ({p.band})
      </strong>
      <br />
      {formatDate(p.at)}
      {p.item9 !== null && (
        <>
          <br />
          Item 9: {p.item9}
          {p.item9 > 0 ? ' — positive' : ''}
        </>
      )}
      {p.remission ? (
        <>
          <br />
          Remission (&lt; {remissionBelow})
        </>
      ) : p.response ? (
        <>
          <br />
          Response (≥ 50% below baseline)
        </>
      ) : null}
      {p.sourceRef && (
        <>
          <br />
          <span className="muted">{p.sourceRef}</span>
        </>
      )}
    </div>
  );
}

/** Width of an element, kept current (labels are placed in pixels, so they need it). */
function useWidth(fallback: number): [(el: HTMLDivElement | null) => void, number] {
  const [width, setWidth] = useState(fallback);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: HTMLDivElement | null) => {
    observer.current?.disconnect();
    if (!el) return;
    setWidth(el.clientWidth || fallback);
    if (typeof ResizeObserver === 'undefined') return;
    observer.current = new ResizeObserver(([entry]) => entry && setWidth(entry.contentRect.width || fallback));
    observer.current.observe(el);
  }, [fallback]);
  return [ref, width];
}

const MARGIN = { top: 16, right: 16, bottom: 8, left: 0 };
const Y_AXIS_WIDTH = 32;
const LABEL_ROWS = 3;
const RIGHT_THIRD = 0.66;

/**
 * Label rows for the medication lines, placed in pixels: each label takes the first row where it
 * does not overlap another label (close events, e.g. a dose change, are both named); lines in the
 * right third are labelled to their left. No label when every row is taken (the table lists all).
 */
function labelRows(trend: ScaleTrend, plotWidth: number): Map<number, { row: number; right: boolean }> {
  const span = Math.max(1, trend.domain[1] - trend.domain[0]);
  const out = new Map<number, { row: number; right: boolean }>();
  const taken: Array<Array<[number, number]>> = Array.from({ length: LABEL_ROWS }, () => []);
  trend.medEvents.forEach((e, i) => {
    const frac = (e.t - trend.domain[0]) / span;
    const x = frac * plotWidth;
    const w = (e.label.length + 2) * 6.2 + 8; // 11 px sans-serif
    const right = frac > RIGHT_THIRD;
    const box: [number, number] = right ? [x - w, x] : [x, x + w];
    const row = taken.findIndex((r) => r.every(([a, b]) => box[1] <= a || box[0] >= b));
    if (row >= 0) {
      taken[row]!.push(box);
      out.set(i, { row, right });
    }
  });
  return out;
}

export default function ScaleTrendChart({ trend }: { trend: ScaleTrend }) {
  const [ref, width] = useWidth(900);
  const { instrument } = trend;
  const bands = bandsOf(instrument);
  const max = instrument.maxScore;
  const rows = labelRows(trend, Math.max(100, width - MARGIN.left - MARGIN.right - Y_AXIS_WIDTH));
  return (
    <div ref={ref}>
      <ScoreTimeChart
        points={trend.points}
        domain={trend.domain}
        height={280}
        margin={MARGIN}
        bands={bands.map((b) => ({ key: b.className, y1: b.from, y2: b.to === max ? max : b.to + 1, fill: BAND_FILL[b.className] }))}
        yAxis={{ domain: [0, max], ticks: [...bands.map((b) => b.from), max], width: Y_AXIS_WIDTH }}
        tooltip={<TooltipBody name={instrument.name} remissionBelow={instrument.remissionBelow} />}
        dot={(props) => <PointDot {...props} />}
      >
        {trend.medEvents.map((e, i) => (
          <ReferenceLine
            key={`${e.kind}-${e.sourceRef}-${i}`}
            x={e.t}
            stroke={e.kind === 'start' ? '#0b5e6b' : '#6b4e16'}
            strokeDasharray={e.kind === 'start' ? undefined : '4 3'}
            strokeWidth={1.5}
            label={
              rows.has(i)
                ? {
                    value: `${e.kind === 'start' ? '▶' : '■'} ${e.label}`,
                    dy: rows.get(i)!.row * 15,
                    // Lines in the right third label to their left, so the text is not cut at the edge.
                    position: rows.get(i)!.right ? 'insideTopRight' : 'insideTopLeft',
                    fill: '#1b2430',
                    fontSize: 11,
                  }
                : undefined
            }
          />
        ))}
      </ScoreTimeChart>
    </div>
  );
}
