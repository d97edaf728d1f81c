import { useState } from 'preact/hooks';
import { api, qs } from '../api';
import { ErrorState, Loading, Empty } from '../components/states';
import { useLoad } from '../components/use-api';
import { VirtualTable, type Column } from '../components/virtual-table';
import { count, price } from '../format';

interface Offering {
  id: string; provider: string; region: string; zone: string | null; instanceType: string; vcpus: number; memoryGiB: number;
  gpu: { model: string; count: number } | null; purchase: string; pricePerHour: number; pricePerGpuHour: number | null; pricePerVcpuHour: number | null; source: string;
}
interface Page { offerings: Offering[]; total: number; nextCursor: string | null }

/** The price catalog (GET /api/v1/catalog/offerings): filters go to the server, 1,000 rows at most on screen. */
export function CatalogPage() {
  const [draft, setDraft] = useState({ provider: '', region: '', purchase: '', gpu: 'H100', minGpus: '', maxPrice: '', sort: 'price-per-gpu' });
  const [query, setQuery] = useState(draft);
  const page = useLoad((signal) => api<Page>(`/api/v1/catalog/offerings${qs({ ...query, limit: 1000 })}`, { signal }), JSON.stringify(query));
  const set = (k: keyof typeof draft) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });
  const columns: Column<Offering>[] = [
    { key: 'provider', header: 'Provider', width: '7rem', render: (o) => o.provider, sort: (o) => o.provider },
    { key: 'region', header: 'Region', width: '9rem', render: (o) => o.zone ?? o.region, sort: (o) => o.region },
    { key: 'type', header: 'Instance type', width: 'minmax(10rem, 1.5fr)', render: (o) => <code>{o.instanceType}</code>, sort: (o) => o.instanceType },
    { key: 'purchase', header: 'Purchase', width: '7rem', render: (o) => o.purchase, sort: (o) => o.purchase },
    { key: 'gpu', header: 'GPU', width: '8rem', render: (o) => (o.gpu ? `${o.gpu.count}× ${o.gpu.model}` : '—'), sort: (o) => o.gpu?.count ?? 0 },
    { key: 'vcpus', header: 'vCPU', width: '5rem', align: 'right', render: (o) => count(o.vcpus), sort: (o) => o.vcpus },
    { key: 'mem', header: 'GiB', width: '5rem', align: 'right', render: (o) => count(o.memoryGiB), sort: (o) => o.memoryGiB },
    { key: 'price', header: '$ / h', width: '7rem', align: 'right', render: (o) => price(o.pricePerHour), sort: (o) => o.pricePerHour },
    { key: 'gpuh', header: '$ / GPU-h', width: '7rem', align: 'right', render: (o) => price(o.pricePerGpuHour), sort: (o) => o.pricePerGpuHour ?? Infinity },
  ];
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <form class="filters" aria-label="Filter offerings" onSubmit={(e) => { e.preventDefault(); setQuery(draft); }}>
        <label>Provider <input name="provider" value={draft.provider} placeholder="aws,gcp" onInput={set('provider')} /></label>
        <label>Region <input name="region" value={draft.region} placeholder="us-east-1" onInput={set('region')} /></label>
        <label>Purchase <input name="purchase" value={draft.purchase} placeholder="on-demand,spot" onInput={set('purchase')} /></label>
        <label>GPU <input name="gpu" value={draft.gpu} placeholder="H100, none" onInput={set('gpu')} /></label>
        <label>Min GPUs <input name="minGpus" inputMode="numeric" value={draft.minGpus} onInput={set('minGpus')} /></label>
        <label>Max $/h <input name="maxPrice" inputMode="decimal" value={draft.maxPrice} onInput={set('maxPrice')} /></label>
        <label>Sort
          <select name="sort" value={draft.sort} onChange={set('sort')}>
            {['price', 'price-per-gpu', 'price-per-vcpu', 'vcpus', 'memory', 'gpus'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <button type="submit" class="primary">Search</button>
      </form>
      {page.error !== undefined && <ErrorState error={page.error} feature="the catalog" />}
      {!page.data && page.loading && <Loading what="offerings" />}
      {page.data && (page.data.offerings.length === 0 ? <Empty>No offering matches.</Empty> : (
        <>
          <p class="muted" data-testid="offering-count">{page.data.offerings.length < page.data.total ? `The first ${page.data.offerings.length} of ${count(page.data.total)} offerings` : `${count(page.data.total)} offerings`}</p>
          <VirtualTable rows={page.data.offerings} columns={columns} rowKey={(o) => o.id} label="Offerings" />
        </>
      ))}
    </section>
  );
}
