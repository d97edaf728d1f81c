/**
 * A test bench for the action engine: an in-memory PGlite store, the simulated cloud over fixture offerings,
 * a FakeClock that the engine's sleeps advance (virtual time: a 7-minute GPU start-up takes microseconds),
 * and an invariant check every chaos test ends with.
 */
import { expect } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { createSimProvider, type SimProvider, type SimProviderOptions } from '../../src/adapters/cloud/sim/index.js';
import { IN_MEMORY, openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { ActionEngine, DEFAULT_POOL_ACTUATION, type EngineSettings, type PoolActuation } from '../../src/app/actions/index.js';
import { EventBus, type EventEnvelope } from '../../src/app/events.js';
import type { Offering } from '../../src/core/model/offering.js';
import type { CloudProvider, ProviderNode } from '../../src/ports/cloud-provider.js';
import type { Store } from '../../src/ports/store.js';
import { offering } from '../support/catalog.js';
import { prng } from '../support/prng.js';

export const H100 = offering({ instanceType: 'p5.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 55.04 });
export const H200 = offering({ instanceType: 'p5en.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H200', count: 8 }, pricePerHour: 63.296 });
export const CPU = offering({ instanceType: 'm7i.large', vcpus: 2, memoryGiB: 8, pricePerHour: 0.1008 });
export const OFFERINGS: readonly Offering[] = [H100, H200, CPU];

export interface Bench {
  readonly store: Store;
  readonly clock: FakeClock;
  readonly sim: SimProvider;
  readonly engine: ActionEngine;
  readonly events: EventEnvelope[];
  readonly bus: EventBus;
  /** Put running nodes in the sim and the nodes table (a fleet that was already there). */
  seed(pool: string, offeringOf: Offering, count: number): Promise<ProviderNode[]>;
  /** A second engine over the same store and providers (a restarted Governator). */
  restart(): ActionEngine;
  close(): Promise<void>;
}

export interface BenchOptions {
  readonly pools?: Readonly<Record<string, Partial<PoolActuation>>>;
  readonly sim?: Partial<SimProviderOptions>;
  readonly settings?: Partial<EngineSettings>;
  readonly store?: Store;
  readonly providers?: (sim: SimProvider) => readonly CloudProvider[];
}

export async function bench(options: BenchOptions = {}): Promise<Bench> {
  const store = options.store ?? await openPgliteStore({ dataDir: IN_MEMORY });
  await store.migrate();
  const clock = new FakeClock('2026-03-01T00:00:00.000Z');
  const sim = createSimProvider({ offerings: OFFERINGS, clock, seed: 42, spot: { enabled: false }, ...options.sim });
  const bus = new EventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe((e) => { events.push(e); });
  const byId = new Map(OFFERINGS.map((o) => [o.id, o]));
  const make = (): ActionEngine => new ActionEngine({
    journal: store.actions,
    nodes: store.nodes,
    providers: options.providers?.(sim) ?? [sim],
    offerings: (id) => byId.get(id),
    pools: (pool) => ({ ...DEFAULT_POOL_ACTUATION, mode: 'auto', cooldownSeconds: 0, ...options.pools?.[pool] }),
    clock,
    events: bus,
    sleep: async (ms) => { clock.advance(ms); },
    random: prng(7),
    settings: { retryBaseDelayMs: 500, retryMaxDelayMs: 10_000, pollIntervalMs: 5000, readyTimeoutMs: 15 * 60_000, maxActionsPerHour: 1000, ...options.settings },
  });
  const engine = make();
  return {
    store, clock, sim, engine, events, bus,
    async seed(pool, offeringOf, count) {
      const nodes = sim.seed(Array.from({ length: count }, () => ({ pool, offeringId: offeringOf.id })));
      for (const n of nodes) {
        await store.nodes.upsert({
          id: n.id, provider: n.provider, region: n.region, zone: n.zone, instanceType: n.instanceType, offeringId: n.offeringId,
          pool: n.pool, state: n.state, labels: n.labels, vcpus: offeringOf.vcpus, memoryGiB: offeringOf.memoryGiB, gpu: offeringOf.gpu,
          pricePerHour: offeringOf.pricePerHour, startedAt: clock.now(), updatedAt: clock.now(),
        });
      }
      return [...nodes];
    },
    restart: make,
    async close() {
      await engine.idle();
      if (options.store === undefined) await store.close();
    },
  };
}

export function stop(pool: string, node: ProviderNode) {
  return { action: 'stop' as const, pool, nodeId: node.id, offering: node.offeringId ?? '', costDeltaPerHour: 0 };
}

export function start(pool: string, which: Offering, count: number) {
  return { action: 'start' as const, pool, offering: which.id, count, costDeltaPerHour: which.pricePerHour * count };
}

/**
 * The fleet and the journal agree, whatever happened: every action and plan ended; no token started two nodes;
 * every live node with a token belongs to a start that succeeded (no orphans); every start that did not
 * succeed left no live node; the nodes table has the provider's state for each node the engine touched.
 */
export async function expectConsistent(b: Bench): Promise<void> {
  await b.engine.idle();
  const actions = await b.store.actions.listActions({ limit: 10_000 });
  for (const a of actions) expect(['succeeded', 'failed', 'rolled-back', 'skipped'], `action ${a.id} ${a.kind} is ${a.status}`).toContain(a.status);
  const plans = await b.store.actions.listPlans({ limit: 1000 });
  for (const p of plans) expect(['approved', 'running'], `plan ${p.id}`).not.toContain(p.status);
  const all = b.sim.allNodes();
  const tokens = all.map((n) => n.idempotencyToken).filter((t): t is string => t !== null);
  expect(new Set(tokens).size, 'one node per token').toBe(tokens.length);
  const byToken = new Map(actions.map((a) => [a.idempotencyToken, a]));
  for (const node of all) {
    if (node.idempotencyToken === null || !['pending', 'running'].includes(node.state)) continue;
    const action = byToken.get(node.idempotencyToken);
    expect(action?.status, `live node ${node.id} belongs to a succeeded start`).toBe('succeeded');
    expect(action?.nodeId).toBe(node.id);
  }
  for (const a of actions) {
    if (a.kind !== 'start' || a.nodeId === null) continue;
    const row = await b.store.nodes.get(a.nodeId);
    const live = all.find((n) => n.id === a.nodeId);
    expect(row, `nodes table has ${a.nodeId}`).not.toBeNull();
    if (a.status === 'succeeded') expect(live?.state).toBe('running');
  }
}

export function actionEvents(b: Bench): { id: string; kind: string; status: string; nodeId: string | null }[] {
  return b.events.filter((e) => e.type === 'action').map((e) => e.data as { id: string; kind: string; status: string; nodeId: string | null });
}
