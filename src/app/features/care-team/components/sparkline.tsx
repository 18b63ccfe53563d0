// A row's relapse-score trend as a small inline SVG (0–100 scale); the numbers are also given as text.
export function Sparkline({ values, width = 72, height = 20 }: { values: number[]; width?: number; height?: number }) {
  if (values.length === 0) return <span className="muted">—</span>;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (v: number) => height - 2 - (Math.max(0, Math.min(100, v)) / 100) * (height - 4);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <span className="sparkline">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true" focusable="false">
        {values.length > 1 ? <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" /> : null}
        <circle cx={((values.length - 1) * step).toFixed(1)} cy={y(values.at(-1)!).toFixed(1)} r="2" fill="currentColor" />
      </svg>
      <span className="visually-hidden">Relapse scores, oldest to newest: {values.join(', ')}</span>
    </span>
  );
}
