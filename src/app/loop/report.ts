import { POLICIES, type BacktestResult, type PolicyName } from './backtest.js';

const COLORS: Record<PolicyName, string> = {
  governator: '#1f77b4', 'static-peak': '#7f7f7f', reactive: '#d62728', consolidation: '#ff7f0e', hindsight: '#2ca02c',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Line { readonly name: string; readonly color: string; readonly values: readonly number[]; readonly dash?: boolean }

/** One line chart as inline SVG: time on x, value on y, a legend, min/max labels. */
function chart(title: string, t: readonly number[], lines: readonly Line[], unit: string): string {
  const w = 960;
  const h = 280;
  const pad = { l: 70, r: 10, t: 28, b: 30 };
  const x0 = t[0] ?? 0;
  const x1 = t[t.length - 1] ?? 1;
  let max = 0;
  for (const line of lines) for (const v of line.values) if (Number.isFinite(v)) max = Math.max(max, v);
  if (max <= 0) max = 1;
  const sx = (x: number): number => pad.l + ((x - x0) / Math.max(1e-9, x1 - x0)) * (w - pad.l - pad.r);
  const sy = (y: number): number => h - pad.b - (y / max) * (h - pad.t - pad.b);
  const paths = lines.map((line) => {
    const d = line.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${sx(t[i] ?? x0).toFixed(1)},${sy(v).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.3"${line.dash ? ' stroke-dasharray="4 3"' : ''}/>`;
  }).join('');
  const legend = lines.map((line, i) => `<g transform="translate(${pad.l + 10 + i * 150},${pad.t - 12})"><rect width="12" height="3" y="-3" fill="${line.color}"/><text x="16" font-size="11">${esc(line.name)}</text></g>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = sy(max * f);
    return `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${pad.l - 6}" y="${y + 4}" font-size="10" text-anchor="end">${fmt(max * f)}</text>`;
  }).join('');
  const dates = [0, 0.5, 1].map((f) => {
    const x = x0 + (x1 - x0) * f;
    return `<text x="${sx(x)}" y="${h - 8}" font-size="10" text-anchor="${f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}">${new Date(x * 1000).toISOString().slice(0, 16).replace('T', ' ')}</text>`;
  }).join('');
  return `<h2>${esc(title)}</h2><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="${esc(title)}">`
    + `${ticks}${paths}${legend}${dates}<text x="8" y="${pad.t + 4}" font-size="10">${esc(unit)}</text></svg>`;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return Number(v.toPrecision(3)).toString();
}

/**
 * The backtest report: one self-contained HTML file (inline SVG, no script, no network) with the policy table
 * and charts of demand vs usable capacity per policy and of cumulative cost.
 */
export function renderBacktestReport(result: BacktestResult, meta: { readonly scenario: string; readonly trace: string }): string {
  const names = POLICIES.filter((p) => result.policies[p] !== undefined);
  const rows = names.map((p) => {
    const r = result.policies[p]!;
    return `<tr><td><span style="color:${COLORS[p]}">■</span> ${p}</td><td>$${r.cost.toFixed(2)}</td><td>$${r.costPer1000.toPrecision(4)}</td><td>${(r.sloViolationShare * 100).toFixed(3)}%</td><td>${r.actions}</td></tr>`;
  }).join('');
  const capacity = chart(`Demand and usable running capacity (${result.unit})`, result.chart.t, [
    { name: 'demand', color: '#000', values: result.chart.demand },
    ...names.map((p) => ({ name: p, color: COLORS[p], values: result.policies[p]!.capacity, dash: p === 'hindsight' })),
  ], result.unit);
  const cost = chart('Cumulative cost (USD)', result.chart.t, names.map((p) => ({ name: p, color: COLORS[p], values: result.policies[p]!.cumulativeCost })), 'USD');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Governator backtest: ${esc(result.pool)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>
<h1>Backtest: pool ${esc(result.pool)}</h1>
<p>Scenario <code>${esc(meta.scenario)}</code>, trace <code>${esc(meta.trace)}</code>: ${result.steps} steps of ${result.stepSeconds} s, start-up lead time ${result.leadTimeSeconds} s (hindsight plans ${result.hindsightLeadTimeSeconds} s ahead: the slowest start-up the simulator draws), ${result.candidates} candidate offerings. Demand in the charts is the peak per chart point.</p>
<table><thead><tr><th>policy</th><th>cost</th><th>per 1,000 ${esc(result.unit.replace(/\/s$/, ''))}</th><th>SLO-violation time</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table>
${capacity}${cost}
</body></html>
`;
}
