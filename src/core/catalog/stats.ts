import type { Offering } from '../model/offering.js';
import type { Catalog } from './catalog.js';

/** `on-demand`, `spot`, `reserved-1y`, `reserved-3y`, `owned`. */
export type PurchaseKey = string;

export function purchaseKey(o: Pick<Offering, 'purchase' | 'term'>): PurchaseKey {
  return o.term === null ? o.purchase : `${o.purchase}-${o.term}`;
}

export interface ProviderStats {
  readonly offerings: number;
  readonly regions: number;
  readonly instanceTypes: number;
  /** Offerings with at least one GPU (or other accelerator). */
  readonly gpuOfferings: number;
  /** Offerings per purchase option (reserved split by term). */
  readonly byPurchase: Readonly<Record<PurchaseKey, number>>;
}

export interface CatalogStats {
  readonly offerings: number;
  /** Per provider, providers sorted by name. */
  readonly providers: Readonly<Record<string, ProviderStats>>;
  /** Offerings per GPU model, models sorted by name. */
  readonly gpuModels: Readonly<Record<string, number>>;
}

function sortedRecord<T>(map: Map<string, T>): Record<string, T> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Counts per provider, purchase option and GPU model. */
export function catalogStats(catalog: Catalog): CatalogStats {
  const acc = new Map<string, { offerings: number; regions: Set<string>; types: Set<string>; gpu: number; byPurchase: Map<string, number> }>();
  const gpuModels = new Map<string, number>();
  for (const o of catalog.offerings) {
    let p = acc.get(o.provider);
    if (p === undefined) {
      p = { offerings: 0, regions: new Set(), types: new Set(), gpu: 0, byPurchase: new Map() };
      acc.set(o.provider, p);
    }
    p.offerings += 1;
    p.regions.add(o.region);
    p.types.add(o.instanceType);
    const key = purchaseKey(o);
    p.byPurchase.set(key, (p.byPurchase.get(key) ?? 0) + 1);
    if (o.gpu !== null) {
      p.gpu += 1;
      gpuModels.set(o.gpu.model, (gpuModels.get(o.gpu.model) ?? 0) + 1);
    }
  }
  const providers = new Map<string, ProviderStats>();
  for (const [name, p] of acc) {
    providers.set(name, { offerings: p.offerings, regions: p.regions.size, instanceTypes: p.types.size, gpuOfferings: p.gpu, byPurchase: sortedRecord(p.byPurchase) });
  }
  return { offerings: catalog.offerings.length, providers: sortedRecord(providers), gpuModels: sortedRecord(gpuModels) };
}
