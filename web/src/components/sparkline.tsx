/** A small inline SVG line for utilisation in a table row (0..1 on the y axis; values above 1 are clipped). */
export function Sparkline({ values, label, width = 96, height = 22 }: { values: readonly number[]; label: string; width?: number; height?: number }) {
  if (values.length < 2) return <span class="muted" aria-label={`${label}: no data`}>no data</span>;
  const step = width / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - Math.min(1, Math.max(0, v)) * (height - 2)).toFixed(1)}`).join(' ');
  const lastValue = values[values.length - 1]!;
  return (
    <span class="spark">
      <svg width={width} height={height} role="img" aria-label={`${label}: now ${Math.round(lastValue * 100)}%`}>
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <span class="spark-value">{Math.round(lastValue * 100)}%</span>
    </span>
  );
}
