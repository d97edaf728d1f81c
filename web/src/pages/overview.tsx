import { useEffect } from 'preact/hooks';
import { api, type Overview } from '../api';
import { useLive } from '../app-context';
import { useApp } from '../app-context';
import { ErrorState, Loading, Empty } from '../components/states';
import { useLoad, useThrottled } from '../components/use-api';
import { ago, count, money } from '../format';
import { describeEvent } from './events';

function Card({ label, value, sub, testid }: { label: string; value: string; sub?: string; testid: string }) {
  return (
    <div class="card" data-testid={testid}>
      <div class="card-label">{label}</div>
      <div class="card-value">{value}</div>
      {sub && <div class="card-sub">{sub}</div>}
    </div>
  );
}

/** The unified view (GET /api/v1/overview), refreshed when live events say the fleet or the plans changed. */
export function OverviewPage() {
  const { events } = useApp();
  const overview = useLoad((signal) => api<Overview>('/api/v1/overview', { signal }), 'overview');
  const refresh = useThrottled(overview.reload, 1000);
  useLive(['node.state', 'action', 'decision', 'price.change'], refresh);

  const o = overview.data;
  // For the performance check (docs/benchmarks.md): when the fleet's figures are first on screen.
  useEffect(() => {
    if (o && performance.getEntriesByName('governator:overview-ready').length === 0) performance.mark('governator:overview-ready');
  }, [o]);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {overview.error !== undefined && <ErrorState error={overview.error} feature="the overview" retry={overview.reload} />}
      {!o && overview.loading && <Loading what="the fleet" />}
      {o && (
        <>
          {o.total_nodes === 0 && <Empty>No nodes in service yet. Governator lists what its providers report; configure a provider or run the demo (<code>npm start</code>).</Empty>}
          <div class="cards" aria-label="Fleet totals">
            <Card testid="total-nodes" label="Nodes in service" value={count(o.total_nodes)} sub={Object.entries(o.nodes_by_state).map(([s, n]) => `${n} ${s}`).join(' · ') || 'none'} />
            <Card testid="total-cpus" label="vCPUs" value={count(o.total_cpus)} />
            <Card testid="total-memory" label="Memory" value={`${count(o.total_memory_gb)} GiB`} />
            <Card testid="total-gpus" label="GPUs" value={count(o.total_gpus)} sub={Object.entries(o.gpus_by_model).map(([m, n]) => `${n}× ${m}`).join(' · ') || 'none'} />
            <Card testid="cost-hour" label="Cost per hour" value={money(o.total_cost)} sub={o.unpriced_nodes ? `${o.unpriced_nodes} nodes without a price` : undefined} />
            <Card testid="cost-month" label="Cost per month" value={money(o.total_cost_per_month)} sub="× 730 h" />
            <Card testid="savings-available" label="Savings available" value={`${money(o.savings.available_per_hour)}/h`} sub={`${money(o.savings.available_per_month)}/month${o.savings.latest_plan_at ? ` · plan ${ago(o.savings.latest_plan_at)}` : ''}`} />
            <Card testid="savings-realised" label="Savings realised" value={o.savings.realised_per_hour === null ? '—' : `${money(o.savings.realised_per_hour)}/h`} sub={o.savings.realised_per_month === null ? 'action engine not running' : `${money(o.savings.realised_per_month)}/month`} />
            <Card testid="active-actions" label="Active actions" value={o.active_actions === null ? '—' : count(o.active_actions)} />
          </div>
          <div class="two">
            <div>
              <h2>By provider</h2>
              <Breakdown rows={o.provider_breakdown} first="Provider" />
            </div>
            <div>
              <h2>By pool</h2>
              <Breakdown rows={o.pool_breakdown} first="Pool" />
            </div>
          </div>
          {o.partial && <p class="state error">The fleet is larger than the overview reads at once (100,000 nodes): totals are partial.</p>}
        </>
      )}
      <h2>Live activity</h2>
      {events.length === 0 ? <Empty>Nothing has happened since you opened the dashboard. New decisions, actions and node changes appear here as they happen.</Empty> : (
        <ol class="feed" aria-live="polite" data-testid="feed">
          {events.slice(0, 12).map((e, i) => <li key={`${e.at}-${i}`}><time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time> <span class={`tag tag-${e.type.replace('.', '-')}`}>{e.type}</span> {describeEvent(e)}</li>)}
        </ol>
      )}
    </section>
  );
}

function Breakdown({ rows, first }: { rows: Overview['provider_breakdown']; first: string }) {
  const entries = Object.entries(rows).sort((a, b) => b[1].cost - a[1].cost);
  if (entries.length === 0) return <Empty>None.</Empty>;
  return (
    <table class="grid">
      <thead><tr><th scope="col">{first}</th><th scope="col" class="num">Nodes</th><th scope="col" class="num">vCPUs</th><th scope="col" class="num">GPUs</th><th scope="col" class="num">Cost / h</th></tr></thead>
      <tbody>
        {entries.map(([name, b]) => (
          <tr key={name} data-key={name}><th scope="row">{name}</th><td class="num">{count(b.nodes)}</td><td class="num">{count(b.cpus)}</td><td class="num">{count(b.gpus)}</td><td class="num">{money(b.cost)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
