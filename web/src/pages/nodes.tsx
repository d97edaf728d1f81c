import { useMemo, useState } from 'preact/hooks';
import { allNodes, api, qs, type Node } from '../api';
import { useLive } from '../app-context';
import { ErrorState, Loading, Empty } from '../components/states';
import { Sparkline } from '../components/sparkline';
import { useLoad, useThrottled } from '../components/use-api';
import { VirtualTable, type Column } from '../components/virtual-table';
import { count, price, when } from '../format';

const STATES = ['pending', 'running', 'stopping', 'stopped', 'terminated', 'unknown'];
const METRIC_STORAGE = 'governator.utilisationMetric';
/** The labels that name a series' node, as the server's telemetry.node_labels default (docs/telemetry.md). */
const NODE_LABELS = ['governator_node', 'node', 'instance'];

interface SeriesAnswer { series: Array<{ metric: string; labels: Record<string, string>; points: Array<[number, number]> }> }

function nodeOfSeries(labels: Record<string, string>): string | null {
  for (const name of NODE_LABELS) {
    const v = labels[name];
    if (v) return name === 'instance' ? v.replace(/:\d+$/, '') : v;
  }
  return null;
}

/** The fleet, filtered in the browser (all nodes are loaded once, 1,000 per request) and drawn as a virtual table. */
export function NodesPage() {
  const [filter, setFilter] = useState({ provider: '', region: '', pool: '', state: '', text: '' });
  const [metric, setMetric] = useState(() => localStorage.getItem(METRIC_STORAGE) ?? 'node_utilization');
  const nodes = useLoad(() => allNodes(), 'nodes');
  const [live, setLive] = useState<Record<string, string>>({});
  const refresh = useThrottled(() => { nodes.reload(); }, 1500);
  useLive(['node.state'], (e) => {
    const d = e.data as { nodeId: string; state: string };
    setLive((m) => ({ ...m, [d.nodeId]: d.state }));
    refresh();
  });
  useLive(['action'], refresh);

  const util = useLoad(async (signal) => {
    if (!metric) return new Map<string, number[]>();
    const from = Math.floor(Date.now() / 1000) - 3600;
    const answer = await api<SeriesAnswer>(`/api/v1/series/query${qs({ metric, from, step: '2m', agg: 'avg' })}`, { signal });
    const byNode = new Map<string, number[]>();
    for (const s of answer.series) {
      const node = nodeOfSeries(s.labels);
      if (node) byNode.set(node, s.points.map(([, v]) => v));
    }
    return byNode;
  }, `util:${metric}`);

  const all = nodes.data ?? [];
  const options = useMemo(() => {
    const set = (f: (n: Node) => string | null) => [...new Set(all.map(f).filter((v): v is string => !!v))].sort();
    return { provider: set((n) => n.provider), region: set((n) => n.region), pool: set((n) => n.pool) };
  }, [all]);
  const rows = useMemo(() => {
    const text = filter.text.trim().toLowerCase();
    return all
      .map((n) => (live[n.id] && live[n.id] !== n.state ? { ...n, state: live[n.id]! } : n))
      .filter((n) => (!filter.provider || n.provider === filter.provider) && (!filter.region || n.region === filter.region)
        && (!filter.pool || n.pool === filter.pool) && (!filter.state || n.state === filter.state)
        && (!text || n.id.toLowerCase().includes(text) || (n.instanceType ?? '').toLowerCase().includes(text)));
  }, [all, filter, live]);

  const columns: Column<Node>[] = [
    { key: 'id', header: 'Node', width: 'minmax(12rem, 2fr)', render: (n) => <code title={n.id}>{n.id}</code>, sort: (n) => n.id },
    { key: 'state', header: 'State', width: '7rem', render: (n) => <span class={`state-pill s-${n.state}`}>{n.state}</span>, sort: (n) => n.state },
    { key: 'provider', header: 'Provider', width: '6.5rem', render: (n) => n.provider, sort: (n) => n.provider },
    { key: 'region', header: 'Region', width: '8rem', render: (n) => n.region ?? '—', sort: (n) => n.region ?? '' },
    { key: 'pool', header: 'Pool', width: '9rem', render: (n) => n.pool ?? '—', sort: (n) => n.pool ?? '' },
    { key: 'type', header: 'Type', width: 'minmax(8rem, 1fr)', render: (n) => n.instanceType ?? '—', sort: (n) => n.instanceType ?? '' },
    { key: 'shape', header: 'vCPU / GiB / GPU', width: '10rem', render: (n) => `${count(n.vcpus)} / ${count(n.memoryGiB)} / ${n.gpu ? `${n.gpu.count}× ${n.gpu.model}` : '—'}`, sort: (n) => n.gpu?.count ?? 0 },
    { key: 'price', header: '$ / h', width: '6rem', align: 'right', render: (n) => price(n.pricePerHour), sort: (n) => n.pricePerHour ?? -1 },
    { key: 'util', header: 'Utilisation (1 h)', width: '9.5rem', render: (n) => <Sparkline values={util.data?.get(n.id) ?? []} label={`${n.id} ${metric}`} /> },
    { key: 'updated', header: 'Updated', width: '10rem', render: (n) => when(n.updatedAt), sort: (n) => n.updatedAt },
  ];

  const select = (name: 'provider' | 'region' | 'pool' | 'state', values: string[]) => (
    <label>
      {name[0]!.toUpperCase() + name.slice(1)}
      <select name={name} value={filter[name]} onChange={(e) => setFilter({ ...filter, [name]: (e.currentTarget as HTMLSelectElement).value })}>
        <option value="">all</option>
        {values.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    </label>
  );

  return (
    <section aria-labelledby="nodes-title">
      <h1 id="nodes-title">Nodes</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter nodes">
        {select('provider', options.provider)}
        {select('region', options.region)}
        {select('pool', options.pool)}
        {select('state', STATES)}
        <label>Search <input type="search" name="text" value={filter.text} placeholder="id or type" onInput={(e) => setFilter({ ...filter, text: (e.currentTarget as HTMLInputElement).value })} /></label>
        <label>Utilisation metric <input name="metric" value={metric} onChange={(e) => { const v = (e.currentTarget as HTMLInputElement).value.trim(); localStorage.setItem(METRIC_STORAGE, v); setMetric(v); }} /></label>
      </form>
      {nodes.error !== undefined && <ErrorState error={nodes.error} feature="the nodes" retry={nodes.reload} />}
      {util.error !== undefined && <ErrorState error={util.error} feature="utilisation" />}
      {!nodes.data && nodes.loading && <Loading what="nodes" />}
      {nodes.data && (all.length === 0
        ? <Empty>No nodes yet. Governator lists what its providers report.</Empty>
        : <>
          <p class="muted" data-testid="node-count" aria-live="polite">{rows.length} of {all.length} nodes</p>
          {rows.length === 0 ? <Empty>No node matches these filters.</Empty> : <VirtualTable rows={rows} columns={columns} rowKey={(n) => n.id} label="Nodes" />}
        </>)}
    </section>
  );
}
