import { describe, expect, it } from 'vitest';
import type { Offering } from '../model/offering.js';
import { applyQuotes } from './overlay.js';
import { dedupeQuotes, priceKey, type PriceQuote } from './quote.js';

function offering(overrides: Partial<Offering> & Pick<Offering, 'instanceType'>): Offering {
  const base = {
    provider: 'aws', region: 'us-east-1', zone: null, vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand' as const,
    term: null, pricePerHour: 1, available: 10, source: 'bundled:test', asOf: '2025-11-01T00:00:00.000Z', ...overrides,
  };
  return { id: priceKey(base), ...base };
}

function quote(overrides: Partial<PriceQuote> & Pick<PriceQuote, 'instanceType' | 'pricePerHour'>): PriceQuote {
  return {
    provider: 'aws', region: 'us-east-1', zone: null, purchase: 'on-demand', term: null, asOf: '2026-01-01T00:00:00.000Z', ...overrides,
  };
}

const catalog: Offering[] = [
  offering({ instanceType: 'm5.xlarge', pricePerHour: 0.2 }),
  offering({ instanceType: 'm5.xlarge', purchase: 'spot', pricePerHour: 0.08 }),
  offering({ instanceType: 'm5.xlarge', purchase: 'reserved', term: '1y', pricePerHour: 0.13 }),
  offering({ instanceType: 'p5.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 98.32 }),
  offering({ instanceType: 'g5.xlarge', zone: 'us-east-1a', purchase: 'spot', pricePerHour: 0.5, gpu: { model: 'A10G', count: 1 } }),
];

describe('applyQuotes', () => {
  it('updates the matching offering by provider, region, zone, type, purchase and term, and reports the change', () => {
    const result = applyQuotes(catalog, [
      quote({ instanceType: 'm5.xlarge', pricePerHour: 0.192 }),
      quote({ instanceType: 'm5.xlarge', purchase: 'reserved', term: '1y', pricePerHour: 0.121 }),
      quote({ instanceType: 'm5.xlarge', purchase: 'reserved', term: '3y', pricePerHour: 0.083 }),
    ], { source: 'live:aws-pricing' });
    const byId = new Map(result.offerings.map((o) => [o.id, o]));
    expect(byId.get('aws:us-east-1:m5.xlarge:on-demand')).toMatchObject({ pricePerHour: 0.192, source: 'live:aws-pricing', asOf: '2026-01-01T00:00:00.000Z', available: 10 });
    expect(byId.get('aws:us-east-1:m5.xlarge:reserved:1y')?.pricePerHour).toBe(0.121);
    // The 3y quote has no offering, but the catalog knows m5.xlarge's shape: a new offering is derived.
    expect(byId.get('aws:us-east-1:m5.xlarge:reserved:3y')).toMatchObject({ vcpus: 4, memoryGiB: 16, gpu: null, pricePerHour: 0.083, available: null, term: '3y' });
    expect(result.added).toEqual(['aws:us-east-1:m5.xlarge:reserved:3y']);
    expect(result.changes).toEqual([
      { offeringId: 'aws:us-east-1:m5.xlarge:on-demand', old: 0.2, new: 0.192 },
      { offeringId: 'aws:us-east-1:m5.xlarge:reserved:1y', old: 0.13, new: 0.121 },
      { offeringId: 'aws:us-east-1:m5.xlarge:reserved:3y', old: null, new: 0.083 },
    ]);
    // Untouched offerings are the same objects; the input is not modified.
    expect(result.offerings[3]).toBe(catalog[3]);
    expect(catalog[0]?.pricePerHour).toBe(0.2);
  });

  it('reports quotes for instance types the catalog has no shape for, instead of inventing one', () => {
    const result = applyQuotes(catalog, [quote({ instanceType: 'x9z.mystery', pricePerHour: 3 }), quote({ provider: 'gcp', instanceType: 'm5.xlarge', pricePerHour: 3 })], { source: 'live:t' });
    expect(result.unmatched.map((q) => `${q.provider}/${q.instanceType}`)).toEqual(['aws/x9z.mystery', 'gcp/m5.xlarge']);
    expect(result.offerings).toHaveLength(catalog.length);
    expect(result.changes).toEqual([]);
  });

  it('records no change when the live price equals the catalog price', () => {
    const result = applyQuotes(catalog, [quote({ instanceType: 'p5.48xlarge', pricePerHour: 98.32 })], { source: 'live:t' });
    expect(result.changes).toEqual([]);
    expect(result.offerings[3]?.source).toBe('live:t');
  });

  it('feeds zonal quotes to a region-level offering as the lowest zone price', () => {
    const result = applyQuotes(catalog, [
      quote({ instanceType: 'm5.xlarge', purchase: 'spot', zone: 'us-east-1a', pricePerHour: 0.0714, asOf: '2026-01-01T11:58:12.000Z' }),
      quote({ instanceType: 'm5.xlarge', purchase: 'spot', zone: 'us-east-1b', pricePerHour: 0.0688, asOf: '2026-01-01T11:40:03.000Z' }),
    ], { source: 'live:aws-spot' });
    const spot = result.offerings.find((o) => o.id === 'aws:us-east-1:m5.xlarge:spot');
    expect(spot).toMatchObject({ pricePerHour: 0.0688, asOf: '2026-01-01T11:58:12.000Z' });
    expect(result.added).toEqual([]);
    expect(result.unmatched).toEqual([]);
  });

  it('lets a region-level quote win over zonal ones for the region-level offering', () => {
    const result = applyQuotes(catalog, [
      quote({ instanceType: 'm5.xlarge', purchase: 'spot', zone: 'us-east-1b', pricePerHour: 0.05 }),
      quote({ instanceType: 'm5.xlarge', purchase: 'spot', pricePerHour: 0.09 }),
    ], { source: 'live:t' });
    expect(result.offerings.find((o) => o.id === 'aws:us-east-1:m5.xlarge:spot')?.pricePerHour).toBe(0.09);
  });

  it('updates a zonal offering from its zone and derives the other zones from its shape', () => {
    const result = applyQuotes(catalog, [
      quote({ instanceType: 'g5.xlarge', purchase: 'spot', zone: 'us-east-1a', pricePerHour: 0.3837 }),
      quote({ instanceType: 'g5.xlarge', purchase: 'spot', zone: 'us-east-1f', pricePerHour: 0.4034 }),
    ], { source: 'live:aws-spot' });
    expect(result.offerings.find((o) => o.id === 'aws:us-east-1:us-east-1a:g5.xlarge:spot')?.pricePerHour).toBe(0.3837);
    expect(result.added).toEqual(['aws:us-east-1:us-east-1f:g5.xlarge:spot']);
    expect(result.offerings.at(-1)).toMatchObject({ zone: 'us-east-1f', gpu: { model: 'A10G', count: 1 } });
  });

  it.each([Number.NaN, 0, -1, Number.POSITIVE_INFINITY])('ignores and reports a quote priced %s', (price) => {
    const result = applyQuotes(catalog, [quote({ instanceType: 'm5.xlarge', pricePerHour: price })], { source: 'live:t' });
    expect(result.invalid).toHaveLength(1);
    expect(result.offerings[0]?.pricePerHour).toBe(0.2);
    expect(result.changes).toEqual([]);
  });

  it('resolves duplicate quotes: the later asOf wins, then the lower price', () => {
    const result = applyQuotes(catalog, [
      quote({ instanceType: 'm5.xlarge', pricePerHour: 0.3, asOf: '2026-01-02T00:00:00Z' }),
      quote({ instanceType: 'm5.xlarge', pricePerHour: 0.1, asOf: '2026-01-01T00:00:00.000Z' }),
      quote({ instanceType: 'p5.48xlarge', pricePerHour: 60, asOf: '2026-01-01T00:00:00.000Z' }),
      quote({ instanceType: 'p5.48xlarge', pricePerHour: 55.04, asOf: '2026-01-01T00:00:00Z' }),
    ], { source: 'live:t' });
    expect(result.offerings[0]?.pricePerHour).toBe(0.3);
    expect(result.offerings[3]?.pricePerHour).toBe(55.04);
    expect(dedupeQuotes([quote({ instanceType: 'a', pricePerHour: 2 }), quote({ instanceType: 'a', pricePerHour: 1 })])).toHaveLength(1);
  });

  it('does not derive an offering whose id a hand-written offering of another key already uses', () => {
    const scenario = [{ ...offering({ instanceType: 'm5.xlarge' }), id: 'aws:us-east-1:m5.xlarge:spot', purchase: 'on-demand' as const }];
    const result = applyQuotes(scenario, [quote({ instanceType: 'm5.xlarge', purchase: 'spot', pricePerHour: 0.07 })], { source: 'live:t' });
    expect(result.added).toEqual([]);
    expect(result.unmatched).toHaveLength(1);
    expect(new Set(result.offerings.map((o) => o.id)).size).toBe(result.offerings.length);
  });

  it('handles an empty catalog and an empty snapshot', () => {
    expect(applyQuotes([], [quote({ instanceType: 'm5.xlarge', pricePerHour: 1 })], { source: 'x' })).toMatchObject({ offerings: [], unmatched: [expect.anything()] });
    expect(applyQuotes(catalog, [], { source: 'x' })).toMatchObject({ offerings: catalog, changes: [], added: [] });
  });
});
