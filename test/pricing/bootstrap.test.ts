/** `[pricing]` config → price sources → refresher, end to end over a mocked Azure API. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { createPriceRefresher, createPriceSources, pricingIntervals, type PricingConfig } from '../../src/bootstrap/pricing.js';
import { loadConfig } from '../../src/config/load.js';
import { maskedConfig } from '../../src/config/print.js';
import { isGovError } from '../../src/core/errors.js';
import type { Offering } from '../../src/core/model/offering.js';
import { fixture, replying, type SeenRequest } from './support.js';

const defaults = (): PricingConfig => loadConfig({ cwd: tmpdir(), env: {} }).config.pricing as PricingConfig;

function configError(fn: () => unknown): { message: string; keys: string[] } {
  try {
    fn();
  } catch (error) {
    if (isGovError(error) && error.code === 'GOV_CONFIG_INVALID') {
      return { message: error.message, keys: (error.details as { errors: { key: string }[] }).errors.map((e) => e.key) };
    }
    throw error;
  }
  throw new Error('expected GOV_CONFIG_INVALID');
}

describe('createPriceSources', () => {
  it('makes nothing by default: every source is disabled', () => {
    expect(defaults()).toMatchObject({ spot_refresh_interval: '60s', list_refresh_interval: '6h' });
    expect(createPriceSources(defaults())).toEqual([]);
    expect(pricingIntervals(defaults())).toEqual({ spotIntervalMs: 60_000, listIntervalMs: 21_600_000 });
  });

  it('makes every enabled source, in a fixed order, without calling anything', () => {
    const sources = createPriceSources({
      ...defaults(),
      aws: { enabled: true, regions: ['us-east-1', 'eu-west-1'] },
      azure: { enabled: true, regions: ['eastus'] },
      gcp: { enabled: true, api_key: 'k' },
      digitalocean: { enabled: true, token: 't' },
    });
    expect(sources.map((s) => `${s.name}/${s.kind}`)).toEqual([
      'aws-pricing/list', 'aws-spot/spot', 'azure-retail/list', 'azure-spot/spot', 'gcp-catalog/list', 'digitalocean-sizes/list',
    ]);
  });

  it('refuses an enabled source that lacks what it needs, naming every key', () => {
    const err = configError(() => createPriceSources({
      ...defaults(),
      aws: { enabled: true, regions: ['US East (N. Virginia)'] },
      azure: { enabled: true, regions: [] },
      gcp: { enabled: true },
      digitalocean: { enabled: true },
    }));
    expect(err.keys).toEqual(['pricing.aws.regions', 'pricing.azure.regions', 'pricing.gcp.api_key', 'pricing.digitalocean.token']);
    expect(err.message).toMatch(/pricing.gcp.api_key: is not set, but pricing.gcp.enabled is true/);
    expect(err.message).toMatch(/"US East \(N. Virginia\)" is not an AWS region code/);
  });

  it('refuses refresh intervals under a second', () => {
    const err = configError(() => pricingIntervals({ ...defaults(), spot_refresh_interval: '500ms', list_refresh_interval: '0s' }));
    expect(err.keys).toEqual(['pricing.spot_refresh_interval', 'pricing.list_refresh_interval']);
  });
});

describe('[pricing] configuration', () => {
  it('reads secrets from the environment and masks them in config print', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'governator-pricing-'));
    try {
      writeFileSync(join(cwd, 'governator.toml'), '[pricing]\nspot_refresh_interval = "2m"\n[pricing.aws]\nenabled = true\nregions = ["us-east-1", "us-west-2"]\n');
      const loaded = loadConfig({ cwd, env: { GOVERNATOR_PRICING_GCP_API_KEY: 'AIza-secret', GOVERNATOR_PRICING_GCP_ENABLED: 'true' } });
      expect(loaded.config.pricing).toMatchObject({
        spot_refresh_interval: '2m', aws: { enabled: true, regions: ['us-east-1', 'us-west-2'] }, gcp: { enabled: true, api_key: 'AIza-secret' },
      });
      expect(JSON.stringify(maskedConfig(loaded))).not.toContain('AIza-secret');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('createPriceRefresher', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
  });

  it('refreshes the configured Azure sources over the bundled catalog', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    const seen: SeenRequest[] = [];
    const pool = agent.get('https://prices.azure.com');
    pool.intercept({ path: (p) => p.includes('priceType%20eq%20%27Reservation') || p.includes("priceType+eq+%27Reservation"), method: 'GET' })
      .reply(replying(seen, 200, fixture('azure/retail-eastus-page2.json')));
    pool.intercept({ path: (p) => p.startsWith('/api/retail/prices?'), method: 'GET' })
      .reply(replying(seen, 200, { Items: [], NextPageLink: null }));
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const bundled: Offering = {
      id: 'azure:eastus:Standard_ND96isr_H100_v5:on-demand', provider: 'azure', region: 'eastus', zone: null,
      instanceType: 'Standard_ND96isr_H100_v5', vcpus: 96, memoryGiB: 1900, gpu: { model: 'H100', count: 8 }, purchase: 'on-demand',
      term: null, pricePerHour: 101, available: null, source: 'bundled:azure_karpenter', asOf: '2026-06-01T00:00:00.000Z',
    };
    const refresher = createPriceRefresher({ ...defaults(), azure: { enabled: true, regions: ['eastus'] } }, {
      clock, scheduler: new ManualScheduler(clock), initialOfferings: [bundled], dispatcher: agent, now: () => clock.now(), retry: false,
    });
    expect(refresher.status().map((s) => [s.name, s.intervalMs])).toEqual([['azure-retail', 21_600_000], ['azure-spot', 60_000]]);
    const results = await refresher.refreshAll();
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(refresher.current().find((o) => o.id === bundled.id)).toMatchObject({ pricePerHour: 98.32, source: 'live:azure-retail' });
    expect(seen).toHaveLength(2);
  });
});
