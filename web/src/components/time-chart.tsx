import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: ReadonlyArray<number | null>;
  color: string;
  dash?: number[];
  /** Draw a band between this series and the series at `bandTo` (the index in `series`). */
  bandTo?: number;
  width?: number;
  /** Draw the line across x values this series has no point at (series sampled at other times than the others). */
  spanGaps?: boolean;
}

/**
 * A uPlot time chart. `x` are Unix seconds. Points to mark (anomalies) are drawn as red dots on the first series.
 * A text summary is given for screen readers, since a canvas says nothing.
 */
export function TimeChart({ x, series, marks = [], height = 240, summary, yLabel }: {
  x: readonly number[]; series: ChartSeries[]; marks?: readonly number[]; height?: number; summary: string; yLabel?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(320, el.current.clientWidth || 640);
    const markSet = new Set(marks);
    const bands = series.flatMap((s, i) => (s.bandTo === undefined ? [] : [{ series: [i + 1, s.bandTo + 1] as [number, number], fill: 'rgba(59,130,246,0.15)' }]));
    const opts: uPlot.Options = {
      width, height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      // One point alone: uPlot would stretch the axis over years; show the hour around it instead.
      scales: { x: { time: true, ...(x.length === 1 ? { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [min - 1800, max + 1800] } : {}) } },
      axes: [{}, { label: yLabel ?? '', size: 60 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label, stroke: s.color, width: s.width ?? 2, ...(s.dash ? { dash: s.dash } : {}), ...(s.spanGaps ? { spanGaps: true } : {}),
          ...(i === 0 && markSet.size > 0 ? {
            points: { show: (_u: uPlot, _si: number, i0: number, i1: number) => { for (let k = i0; k <= i1; k++) if (markSet.has(x[k]!)) return true; return false; },
              filter: (_u: uPlot, _si: number, _show: boolean) => x.flatMap((t, k) => (markSet.has(t) ? [k] : [])), size: 9, stroke: '#dc2626', fill: '#dc2626' },
          } : {}),
        })),
      ],
      bands,
    };
    const data = [Array.from(x), ...series.map((s) => Array.from(s.values))] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el.current);
    const resize = new ResizeObserver(() => { if (el.current) plot.setSize({ width: Math.max(320, el.current.clientWidth), height }); });
    resize.observe(el.current);
    return () => { resize.disconnect(); plot.destroy(); };
  }, [x, series, marks, height]);
  return (
    <figure class="chart">
      <div ref={el} />
      <figcaption class="sr-only">{summary}</figcaption>
    </figure>
  );
}
