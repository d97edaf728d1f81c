import { describe, expect, it } from 'vitest';
import type { Node } from '../core/model/node.js';
import type { ProviderNode } from '../ports/cloud-provider.js';
import { offeringOfNode } from './node-offering.js';

describe('offeringOfNode', () => {
  it('plans a stored node the catalog lacks from its recorded shape and price, never to be started again', () => {
    const node: Node = {
      id: 'i-odd', provider: 'aws', region: 'us-east-1', zone: 'us-east-1a', instanceType: 'x-unknown', offeringId: null, pool: 'web',
      state: 'running', labels: {}, vcpus: 4, memoryGiB: 16, gpu: { model: 'L4', count: 1 }, pricePerHour: 5, startedAt: null, updatedAt: new Date(0),
    };
    expect(offeringOfNode(node)).toEqual({
      id: 'node:i-odd', provider: 'aws', region: 'us-east-1', zone: 'us-east-1a', instanceType: 'x-unknown', vcpus: 4, memoryGiB: 16,
      gpu: { model: 'L4', count: 1 }, purchase: 'on-demand', term: null, pricePerHour: 5, available: 0, source: 'node', asOf: null,
    });
  });

  it('takes what a listed node does not tell (shape, price, region, type) as zero or unknown', () => {
    const node: ProviderNode = {
      id: 'vm-7', provider: 'local', offeringId: 'gone:offering', instanceType: null, region: null, zone: null, pool: 'web', state: 'running',
      labels: {}, launchedAt: null, idempotencyToken: null, address: null,
    };
    expect(offeringOfNode(node)).toEqual({
      id: 'node:vm-7', provider: 'local', region: 'unknown', zone: null, instanceType: 'unknown', vcpus: 0, memoryGiB: 0, gpu: null,
      purchase: 'on-demand', term: null, pricePerHour: 0, available: 0, source: 'node', asOf: null,
    });
  });
});
