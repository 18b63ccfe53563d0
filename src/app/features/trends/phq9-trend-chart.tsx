// The recharts part of the trend (lazy-loaded: recharts stays out of the initial bundle).
import { ReferenceLine } from 'recharts';
import { ScoreTimeChart, type DotProps } from '../../components/score-time-chart.tsx';
import { formatDate } from '../../lib/format.ts';
import { PHQ9_BANDS, type Phq9Trend, type TrendPoint } from './trend-data.ts';

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

function TooltipBody({ active, payload }: { active?: boolean; payload?: { payload: TrendPoint }[] }) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="chart-tooltip">
      <strong>
        PHQ-9 {p.score} ({p.band})
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
          Remission (&lt; 5)
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

/** Label a medication line only when it is clear of the previous label (else labels overprint). */
function labelledEvents(trend: Phq9Trend): Set<number> {
  const span = Math.max(1, trend.domain[1] - trend.domain[0]);
  const out = new Set<number>();
  let last = -Infinity;
  trend.medEvents.forEach((e, i) => {
    if (e.t - last > span * 0.14) {
      out.add(i);
      last = e.t;
    }
  });
  return out;
}

export default function Phq9TrendChart({ trend }: { trend: Phq9Trend }) {
  const labelled = labelledEvents(trend);
  return (
    <ScoreTimeChart
      points={trend.points}
      domain={trend.domain}
      height={280}
      margin={{ top: 16, right: 16, bottom: 8, left: 0 }}
      bands={PHQ9_BANDS.map((b) => ({ key: b.className, y1: b.from, y2: b.to === 27 ? 27 : b.to + 1, fill: BAND_FILL[b.className] }))}
      yAxis={{ domain: [0, 27], ticks: [0, 5, 10, 15, 20, 27], width: 32 }}
      tooltip={<TooltipBody />}
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
            labelled.has(i)
              ? {
                  value: `${e.kind === 'start' ? '▶' : '■'} ${e.label}`,
                  // Lines in the right third label to their left, so the text is not cut at the edge.
                  position: e.t > trend.domain[0] + (trend.domain[1] - trend.domain[0]) * 0.66 ? 'insideTopRight' : 'insideTopLeft',
                  fill: '#1b2430',
                  fontSize: 11,
                }
              : undefined
          }
        />
      ))}
    </ScoreTimeChart>
  );
}
