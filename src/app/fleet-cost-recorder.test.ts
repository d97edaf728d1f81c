import { describe, expect, it } from 'vitest';
import type { Node } from '../core/model/node.js';
import { fleetCostSeries, purchaseOfNode } from './fleet-cost-recorder.js';

const node = (id: string, over: Partial<Node>): Node => ({
  id, provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'm', offeringId: null, pool: 'web', state: 'running', labels: {},
  vcpus: 2, memoryGiB: 8, gpu: null, pricePerHour: 1, startedAt: null, updatedAt: new Date(0), ...over,
});

describe('fleet cost series', () => {
  it('sums the hourly price of nodes in service per provider, pool and purchase option', () => {
    const series = fleetCostSeries([
      node('a', { offeringId: 'aws:us-east-1:m:on-demand', pricePerHour: 1.25 }),
      node('b', { offeringId: 'aws:us-east-1:m:on-demand', pricePerHour: 0.75, state: 'pending' }),
      node('c', { offeringId: 'aws:us-east-1:m:spot', pricePerHour: 0.3 }),
      node('d', { offeringId: 'aws:us-east-1:m:on-demand', pricePerHour: 9, state: 'stopped' }),
      node('e', { provider: 'gcp', pool: null, labels: { 'governator:purchase': 'reserved' }, pricePerHour: null }),
    ], 1_000);
    const byKey = Object.fromEntries(series.map((s) => [s.labels.map(([k, v]) => `${k}=${v}`).join(','), s.values[0]]));
    expect(byKey).toEqual({
      'provider=aws,pool=web,purchase=on-demand': 2,
      'provider=aws,pool=web,purchase=spot': 0.3,
      'provider=gcp,purchase=reserved': 0,
    });
    expect(series.every((s) => s.metric === 'governator_fleet_cost_dollars_per_hour' && s.ts[0] === 1_000)).toBe(true);
  });

  it('reads the purchase option from the label, then the offering id, else unknown', () => {
    expect(purchaseOfNode(node('x', { labels: { 'governator:purchase': 'owned' }, offeringId: 'a:b:c:spot' }))).toBe('owned');
    expect(purchaseOfNode(node('x', { offeringId: 'azure:eastus:D8:reserved:1y' }))).toBe('reserved');
    expect(purchaseOfNode(node('x', { offeringId: 'free text' }))).toBe('unknown');
  });

  it('records nothing for an empty fleet', () => {
    expect(fleetCostSeries([], 0)).toEqual([]);
  });
});
