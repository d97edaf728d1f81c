import { describe, expect, it } from 'vitest';
import { fixtureCatalog } from '../../../test/support/catalog.js';
import { catalogOf } from './catalog.js';
import { catalogStats } from './stats.js';

describe('catalogStats', () => {
  it('counts per provider, purchase option (reserved by term) and GPU model', () => {
    const stats = catalogStats(fixtureCatalog());
    expect(stats.offerings).toBe(9);
    expect(Object.keys(stats.providers)).toEqual(['aws', 'baremetal', 'digitalocean', 'gcp']);
    expect(stats.providers.aws).toEqual({ offerings: 5, regions: 1, instanceTypes: 4, gpuOfferings: 3, byPurchase: { 'on-demand': 4, spot: 1 } });
    expect(stats.providers.gcp?.byPurchase).toEqual({ 'on-demand': 1, 'reserved-3y': 1 });
    expect(stats.providers.baremetal?.byPurchase).toEqual({ owned: 1 });
    expect(stats.gpuModels).toEqual({ H100: 6, H200: 1 });
  });

  it('of an empty catalog', () => {
    expect(catalogStats(catalogOf([]))).toEqual({ offerings: 0, providers: {}, gpuModels: {} });
  });
});
