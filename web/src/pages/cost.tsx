import { useMemo, useState } from 'preact/hooks';
import { allNodes, api, qs, type Node } from '../api';
import { ErrorState, Loading, Empty } from '../components/states';
import { TimeChart } from '../components/time-chart';
import { useLoad } from '../components/use-api';
import { count, money, percent, signedMoney } from '../format';

const PURCHASES = ['on-demand', 'spot', 'reserved', 'owned'];
const IN_SERVICE = new Set(['pending', 'running', 'stopping']);
/** The series the server records the fleet's hourly cost in (docs/dashboard.md), by provider, pool and purchase option. */
const COST_METRIC = 'governator_fleet_cost_dollars_per_hour';
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];

/** The purchase option of a node: its label, else the segment of its offering id (`provider:region:type:purchase`). */
export function purchaseOf(node: Node): string {
  const label = node.labels['governator:purchase'] ?? node.labels.purchase;
  if (label) return label;
  return node.offeringId?.split(':').find((part) => PURCHASES.includes(part)) ?? 'unknown';
}

type Dimension = 'provider' | 'pool' | 'purchase';
const keyOf = (n: Node, d: Dimension) => (d === 'provider' ? n.provider : d === 'pool' ? n.pool ?? '(none)' : purchaseOf(n));

function Split({ nodes, dimension }: { nodes: Node[]; dimension: Dimension }) {
  const rows = useMemo(() => {
    const m = new Map<string, { nodes: number; cost: number }>();
    for (const n of nodes) {
      const e = m.get(keyOf(n, dimension)) ?? { nodes: 0, cost: 0 };
      e.nodes += 1;
      e.cost += n.pricePerHour ?? 0;
      m.set(keyOf(n, dimension), e);
    }
    return [...m.entries()].sort((a, b) => b[1].cost - a[1].cost);
  }, [nodes, dimension]);
  const total = rows.reduce((s, [, r]) => s + r.cost, 0);
  if (rows.length === 0) return <Empty>No nodes in service.</Empty>;
  return (
    <table class="grid bars">
      <thead><tr><th scope="col">{dimension}</th><th scope="col" class="num">Nodes</th><th scope="col" class="num">$ / h</th><th scope="col">Share</th></tr></thead>
      <tbody>{rows.map(([k, r]) => (
        <tr key={k}><th scope="row">{k}</th><td class="num">{count(r.nodes)}</td><td class="num">{money(r.cost)}</td>
          <td><span class="bar" style={{ width: `${total > 0 ? (r.cost / total) * 100 : 0}%` }} aria-hidden="true" /> {percent(total > 0 ? r.cost / total : 0)}</td></tr>
      ))}</tbody>
    </table>
  );
}

interface SeriesAnswer { series: Array<{ labels: Record<string, string>; points: Array<[number, number]> }> }

function History({ dimension }: { dimension: Dimension }) {
  const history = useLoad(async (signal) => {
    const from = Math.floor(Date.now() / 1000) - 24 * 3600;
    return api<SeriesAnswer>(`/api/v1/series/query${qs({ metric: COST_METRIC, from, step: '5m', agg: 'avg' })}`, { signal });
  }, 'cost-history');
  const chart = useMemo(() => {
    if (!history.data) return null;
    const groups = new Map<string, Map<number, number>>();
    for (const s of history.data.series) {
      const g = s.labels[dimension] ?? 'unknown';
      const m = groups.get(g) ?? new Map<number, number>();
      for (const [t, v] of s.points) m.set(t, (m.get(t) ?? 0) + v);
      groups.set(g, m);
    }
    const xs = [...new Set([...groups.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const series = [...groups.entries()].map(([g, m], i) => ({ label: g, values: xs.map((t) => m.get(t) ?? null), color: COLOURS[i % COLOURS.length]! }));
    return { xs, series };
  }, [history.data, dimension]);
  if (history.error !== undefined) return <ErrorState error={history.error} feature="cost history" />;
  if (!chart) return <Loading what="cost history" />;
  if (chart.xs.length === 0) return <Empty>No cost history yet: it is recorded every minute while Governator runs (series <code>{COST_METRIC}</code>).</Empty>;
  return <TimeChart x={chart.xs} series={chart.series} yLabel="$ / h" summary={`Hourly fleet cost over 24 hours by ${dimension}, ${chart.series.length} groups.`} />;
}

interface SimResult {
  feasible: boolean; costPerHourBefore: number; costPerHourAfter: number; savingsPerHour: number; decisionId: number;
  actions: Array<{ action: string; pool: string; offering: string; count?: number; nodeId?: string; costDeltaPerHour: number }>;
  explanation: string[]; pools: Array<{ name: string; demand: number; unit: string; utilizationAfter: number | null; nodesAfter: number; shortfall: number }>;
}

/** What-if: a pool's demand and capacity per GPU model against the server's catalog (POST /api/v1/cost/simulate). */
function WhatIf() {
  const [form, setForm] = useState({ demand: '20', unit: 'req/s', capacity: 'H100=11.2, H200=100, A100=6', maxUtilization: '0.9', providers: '', purchase: 'on-demand' });
  const [result, setResult] = useState<SimResult | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const run = async (e: Event) => {
    e.preventDefault();
    const byGpuModel: Record<string, number> = {};
    for (const part of form.capacity.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [model, value] = part.split('=').map((s) => s.trim());
      if (!model || !value || !(Number(value) > 0)) { setFormError(`Capacity "${part}": write MODEL=units per GPU, e.g. H100=11.2`); return; }
      byGpuModel[model] = Number(value);
    }
    const demand = Number(form.demand);
    const maxUtilization = Number(form.maxUtilization);
    if (!(demand >= 0)) { setFormError('Demand must be a number ≥ 0.'); return; }
    if (!(maxUtilization > 0 && maxUtilization <= 1)) { setFormError('Max utilisation must be between 0 and 1.'); return; }
    setFormError(null);
    const providers = form.providers.split(',').map((p) => p.trim()).filter(Boolean);
    const scenario = {
      offerings: 'bundled',
      pools: [{ name: 'what-if', unit: form.unit, demand, capacity: { byGpuModel }, qos: { maxUtilization },
        constraints: { ...(providers.length ? { providers } : {}), ...(form.purchase ? { purchase: [form.purchase] } : {}) } }],
      nodes: [],
    };
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api<SimResult>('/api/v1/cost/simulate', { method: 'POST', body: scenario }));
    } catch (err) {
      setError(err);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="whatif">
      <form onSubmit={run} class="filters" aria-label="What-if scenario">
        <label>Demand <input name="demand" inputMode="decimal" value={form.demand} onInput={set('demand')} required /></label>
        <label>Unit <input name="unit" value={form.unit} onInput={set('unit')} /></label>
        <label class="wide">Capacity per GPU <input name="capacity" value={form.capacity} onInput={set('capacity')} aria-describedby="cap-help" /></label>
        <label>Max utilisation <input name="maxUtilization" inputMode="decimal" value={form.maxUtilization} onInput={set('maxUtilization')} /></label>
        <label>Providers <input name="providers" value={form.providers} placeholder="any (e.g. aws,gcp)" onInput={set('providers')} /></label>
        <label>Purchase
          <select name="purchase" value={form.purchase} onChange={set('purchase')}>
            <option value="">any</option>
            {PURCHASES.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Planning…' : 'Find the cheapest fleet'}</button>
      </form>
      <small id="cap-help" class="muted">Units of demand one GPU of each model serves, e.g. <code>H100=11.2, H200=100</code>. Plans against the server's price catalog.</small>
      {formError && <p class="state error" role="alert">{formError}</p>}
      {error !== undefined && <ErrorState error={error} feature="the simulation" />}
      {result && (
        <div class="result" data-testid="whatif-result" aria-live="polite">
          <p><strong>{result.feasible ? 'Feasible' : 'Not feasible'}</strong>: {money(result.costPerHourAfter)}/h ({money(result.costPerHourAfter * 730)}/month) · decision #{result.decisionId}</p>
          <ul>{result.actions.map((a, i) => <li key={i}>{a.action} {a.action === 'start' ? `${a.count ?? 1} × ${a.offering}` : a.nodeId} ({signedMoney(a.costDeltaPerHour)}/h)</li>)}</ul>
          {result.explanation.length > 0 && <details><summary>Why</summary><ul>{result.explanation.map((l, i) => <li key={i}>{l}</li>)}</ul></details>}
        </div>
      )}
    </div>
  );
}

export function CostPage() {
  const [dimension, setDimension] = useState<Dimension>('provider');
  const nodes = useLoad(() => allNodes(), 'cost-nodes');
  const inService = useMemo(() => (nodes.data ?? []).filter((n) => IN_SERVICE.has(n.state)), [nodes.data]);
  return (
    <section aria-labelledby="cost-title">
      <h1 id="cost-title">Cost</h1>
      <div class="tabs" role="group" aria-label="Split cost by">
        {(['provider', 'pool', 'purchase'] as const).map((d) => (
          <button type="button" key={d} aria-pressed={dimension === d} onClick={() => setDimension(d)}>By {d === 'purchase' ? 'purchase option' : d}</button>
        ))}
      </div>
      <h2>Now</h2>
      {nodes.error !== undefined && <ErrorState error={nodes.error} feature="the fleet" retry={nodes.reload} />}
      {!nodes.data ? <Loading what="the fleet" /> : <Split nodes={inService} dimension={dimension} />}
      <h2>Last 24 hours</h2>
      <History dimension={dimension} />
      <h2>What if?</h2>
      <WhatIf />
    </section>
  );
}
