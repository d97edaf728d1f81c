/**
 * Builders for planner scenarios: terse offerings, pools and nodes with the defaults a test does not care
 * about (docs: scenario-format.md for the document they produce).
 */
export const NOW = '2026-06-01T12:00:00Z';
/** Long enough ago that the minimum lifetime (30 min by default) no longer protects the node. */
export const LONG_AGO = '2026-05-01T00:00:00Z';

export interface OfferingDoc {
  id: string;
  provider: string;
  region: string;
  zone?: string | null;
  instanceType: string;
  purchase: 'on-demand' | 'spot' | 'reserved' | 'owned';
  pricePerHour: number;
  vcpus: number;
  memoryGiB: number;
  gpu?: { model: string; count: number } | null;
  available?: number | null;
}

export function offering(id: string, pricePerHour: number, more: Partial<OfferingDoc> = {}): OfferingDoc {
  return {
    id, provider: 'aws', region: 'us-east-1', instanceType: id, purchase: 'on-demand', pricePerHour, vcpus: 4, memoryGiB: 16,
    available: 10, ...more,
  };
}

export interface PoolDoc {
  name: string;
  unit: string;
  demand: number;
  capacity: Record<string, unknown>;
  qos: { maxUtilization: number };
  constraints?: Record<string, unknown>;
}

/** A pool whose capacity is given per offering id. */
export function pool(name: string, demand: number, byOffering: Record<string, number>, more: Partial<PoolDoc> = {}): PoolDoc {
  return { name, unit: 'req/s', demand, capacity: { byOffering }, qos: { maxUtilization: 1 }, ...more };
}

export interface NodeDoc {
  id: string;
  pool: string;
  offering: string;
  state: string;
  startedAt?: string | null;
}

export function node(id: string, poolName: string, offeringId: string, more: Partial<NodeDoc> = {}): NodeDoc {
  return { id, pool: poolName, offering: offeringId, state: 'running', startedAt: LONG_AGO, ...more };
}

/** Minutes before NOW, as an ISO instant. */
export function minutesAgo(minutes: number): string {
  return new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
}

export function scenario(parts: { offerings: OfferingDoc[]; pools: PoolDoc[]; nodes?: NodeDoc[]; options?: Record<string, unknown> }): Record<string, unknown> {
  return { now: NOW, offerings: parts.offerings, pools: parts.pools, nodes: parts.nodes ?? [], ...(parts.options ? { options: parts.options } : {}) };
}
