// The recharts part of the relapse-risk history (lazy-loaded; the table beside it carries the data
// for screen readers, so this is aria-hidden).
import { ScoreTimeChart, type DotProps } from '../../components/score-time-chart.tsx';
import { formatDate } from '../../lib/format.ts';
import { RELAPSE_BANDS, type RelapseHistoryData, type RelapsePoint } from './relapse-history-data.ts';

export const BAND_FILL: Record<string, string> = {
  low: '#e7f3ec',
  moderate: '#fdf3d7',
  elevated: '#fde5d3',
  high: '#f9dada',
};

function PointDot({ cx, cy, payload, index }: DotProps<RelapsePoint>) {
  if (cx === undefined || cy === undefined || !payload) return <g key={`dot-${index}`} />;
  if (!payload.current) return <circle key={`dot-${index}`} cx={cx} cy={cy} r={4.5} fill="#1b2430" stroke="#fff" strokeWidth={1.5} />;
  return (
    <g key={`dot-${index}`}>
      <path d={`M${cx},${cy - 8} L${cx + 8},${cy} L${cx},${cy + 8} L${cx - 8},${cy} Z`} fill={payload.saved ? '#0b5e6b' : '#fff'} stroke="#0b5e6b" strokeWidth={2.5} />
      <text x={cx} y={cy - 12} textAnchor="end" fontSize={11} fill="#1b2430">
        {payload.saved ? 'now (saved)' : 'now (not saved)'}
      </text>
    </g>
  );
}

function TooltipBody({ active, payload }: { active?: boolean; payload?: { payload: RelapsePoint }[] }) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="chart-tooltip">
      <strong>
        {p.score}/100 ({p.level})
      </strong>
      <br />
      {formatDate(p.at)}
      <br />
      <span className="muted">{p.current ? (p.saved ? 'Now — saved to the chart' : 'Now — not saved') : p.sourceRef}</span>
    </div>
  );
}

export default function RelapseHistoryChart({ data }: { data: RelapseHistoryData }) {
  return (
    <ScoreTimeChart
      points={data.points}
      domain={data.domain}
      height={260}
      margin={{ top: 20, right: 24, bottom: 8, left: 0 }}
      bands={RELAPSE_BANDS.map((b) => ({ key: b.level, y1: b.from, y2: b.to, fill: BAND_FILL[b.level] }))}
      yAxis={{ domain: [0, 100], ticks: [0, ...RELAPSE_BANDS.slice(1).map((b) => b.from), 100], width: 36 }}
      tooltip={<TooltipBody />}
      dot={(props) => <PointDot {...props} />}
    />
  );
}
