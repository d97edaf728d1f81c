import type { Node } from '../core/model/node.js';
import type { Offering } from '../core/model/offering.js';

/**
 * What a node tells of itself: where it runs, always; its shape and price where they are recorded (a row of the
 * nodes table has them, a node as a provider lists it does not).
 */
export type NodeDescription = Pick<Node, 'id' | 'provider' | 'region' | 'zone' | 'instanceType'>
  & Partial<Pick<Node, 'vcpus' | 'memoryGiB' | 'gpu' | 'pricePerHour'>>;

/**
 * An offering standing for a node the catalog does not describe (or that has no offering id): built from the
 * node's own description, what is not known taken as zero, and planned as a node that cannot be started again
 * (`available: 0`).
 */
export function offeringOfNode(node: NodeDescription): Offering {
  return {
    id: `node:${node.id}`,
    provider: node.provider,
    region: node.region ?? 'unknown',
    zone: node.zone,
    instanceType: node.instanceType ?? 'unknown',
    vcpus: node.vcpus ?? 0,
    memoryGiB: node.memoryGiB ?? 0,
    gpu: node.gpu ?? null,
    purchase: 'on-demand',
    term: null,
    pricePerHour: node.pricePerHour ?? 0,
    available: 0,
    source: 'node',
    asOf: null,
  };
}
