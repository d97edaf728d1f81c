import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock/fake.js';
import { isGovError } from '../../../core/errors.js';
import { isRetryableProviderError, providerErrorKind } from '../../../core/provider/errors.js';
import { readBundledOfferings } from '../../catalog/bundled.js';
import { offering } from '../../../../test/support/catalog.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import { createSimProvider, spotInterruptionRatePerHour } from './index.js';

const cpu = offering({ instanceType: 'm7i.large', vcpus: 2, pricePerHour: 0.1 });
const gpu = offering({ instanceType: 'p5.48xlarge', vcpus: 192, gpu: { model: 'H100', count: 8 }, pricePerHour: 55 });
const spot = offering({ instanceType: 'p5.48xlarge', purchase: 'spot', vcpus: 192, gpu: { model: 'H100', count: 8 }, pricePerHour: 28 });
const owned = offering({ provider: 'baremetal', region: 'on-prem', instanceType: 'dgx', purchase: 'owned', gpu: { model: 'H100', count: 8 }, pricePerHour: 4, available: 2 });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('sim provider', () => {
  it('moves a node pending → running on the clock alone, and stopping → terminated after a stop', async () => {
    const clock = new FakeClock();
    const sim = createSimProvider({ offerings: [cpu], clock, seed: 7 });
    const node = await sim.startNode({ pool: 'web', offering: cpu, idempotencyToken: 't1' });
    expect(node.state).toBe('pending');
    expect(node.pool).toBe('web');
    expect(node.labels[POOL_LABEL]).toBe('web');
    expect(node.labels[TOKEN_LABEL]).toBe('t1');
    clock.advance(19_000);
    expect((await sim.getNode(node.id)).state).toBe('pending');
    clock.advance(170_000);
    expect((await sim.getNode(node.id)).state).toBe('running');
    await sim.stopNode({ nodeId: node.id, mode: 'terminate' });
    expect((await sim.getNode(node.id)).state).toBe('stopping');
    clock.advance(181_000);
    expect((await sim.getNode(node.id)).state).toBe('terminated');
    // Stop is idempotent on a terminated node.
    await sim.stopNode({ nodeId: node.id, mode: 'terminate' });
    // Long after, the node is gone: NotFound.
    clock.advance(3_700_000);
    expect(providerErrorKind(await rejection(sim.getNode(node.id)))).toBe('NotFound');
    expect(providerErrorKind(await rejection(sim.stopNode({ nodeId: node.id, mode: 'terminate' })))).toBe('NotFound');
  });

  it('draws start-up delays by kind of machine from a seeded generator (same seed, same delays)', async () => {
    async function delays(seed: number, which: typeof cpu, n: number): Promise<number[]> {
      const clock = new FakeClock();
      const sim = createSimProvider({ offerings: [which], clock, seed });
      const ids: string[] = [];
      for (let i = 0; i < n; i += 1) ids.push((await sim.startNode({ pool: 'p', offering: which, idempotencyToken: `t${i}` })).id);
      const ready = new Map<string, number>();
      for (let s = 0; s <= 1500 && ready.size < n; s += 1) {
        for (const node of await sim.listNodes()) if (node.state === 'running' && !ready.has(node.id)) ready.set(node.id, s);
        clock.advance(1000);
      }
      return ids.map((id) => ready.get(id) ?? Number.NaN);
    }
    const cpuDelays = await delays(3, cpu, 200);
    const gpuDelays = await delays(3, gpu, 200);
    const ownedDelays = await delays(3, { ...owned, available: null }, 200);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    expect(median(cpuDelays)).toBeGreaterThanOrEqual(50);
    expect(median(cpuDelays)).toBeLessThanOrEqual(70);
    expect(cpuDelays.filter((d) => d >= 40 && d <= 91).length).toBeGreaterThan(180);
    expect(median(gpuDelays)).toBeGreaterThanOrEqual(180);
    expect(median(gpuDelays)).toBeLessThanOrEqual(270);
    expect(Math.min(...gpuDelays)).toBeGreaterThanOrEqual(60);
    expect(median(ownedDelays)).toBeGreaterThan(median(gpuDelays));
    expect(await delays(3, cpu, 20)).toEqual(cpuDelays.slice(0, 20));
    expect(await delays(4, cpu, 20)).not.toEqual(cpuDelays.slice(0, 20));
  });

  it('is idempotent by token, also when the call failed after it took effect', async () => {
    const clock = new FakeClock();
    const sim = createSimProvider({ offerings: [cpu], clock });
    sim.failNext('startNode', 'Timeout', { afterEffect: true });
    const error = await rejection(sim.startNode({ pool: 'web', offering: cpu, idempotencyToken: 'tok' }));
    expect(providerErrorKind(error)).toBe('Timeout');
    expect(isRetryableProviderError(error)).toBe(true);
    const again = await sim.startNode({ pool: 'web', offering: cpu, idempotencyToken: 'tok' });
    const third = await sim.startNode({ pool: 'web', offering: cpu, idempotencyToken: 'tok' });
    expect(third.id).toBe(again.id);
    expect((await sim.listNodes()).length).toBe(1);
    expect(sim.stats().started).toBe(1);
  });

  it('enforces capacity per offering (CapacityUnavailable) and quotas (QuotaExceeded); stopped nodes free them', async () => {
    const clock = new FakeClock();
    const sim = createSimProvider({ offerings: [owned, gpu], clock, quota: { maxGpus: 24 } });
    const a = await sim.startNode({ pool: 'p', offering: owned, idempotencyToken: 'a' });
    await sim.startNode({ pool: 'p', offering: owned, idempotencyToken: 'b' });
    const capacity = await rejection(sim.startNode({ pool: 'p', offering: owned, idempotencyToken: 'c' }));
    expect(providerErrorKind(capacity)).toBe('CapacityUnavailable');
    expect(isRetryableProviderError(capacity)).toBe(false);
    await sim.startNode({ pool: 'p', offering: gpu, idempotencyToken: 'd' });
    const quota = await rejection(sim.startNode({ pool: 'p', offering: gpu, idempotencyToken: 'e' }));
    expect(providerErrorKind(quota)).toBe('QuotaExceeded');
    expect(isGovError(quota) && quota.message).toMatch(/GPU quota of 24/);
    await sim.stopNode({ nodeId: a.id, mode: 'terminate' });
    clock.advance(600_000);
    await sim.startNode({ pool: 'p', offering: owned, idempotencyToken: 'c' });
  });

  it('fails scripted and random calls with typed errors', async () => {
    const clock = new FakeClock();
    const sim = createSimProvider({ offerings: [cpu], clock, seed: 11, failures: { listNodes: { probability: 0.3 } } });
    sim.failNext('getNode', 'Throttled', { times: 2, retryAfterMs: 500 });
    const first = await rejection(sim.getNode('x'));
    expect(providerErrorKind(first)).toBe('Throttled');
    expect(isGovError(first) && (first.details as { retryAfterMs?: number }).retryAfterMs).toBe(500);
    expect(providerErrorKind(await rejection(sim.getNode('x')))).toBe('Throttled');
    expect(providerErrorKind(await rejection(sim.getNode('x')))).toBe('NotFound');
    let failed = 0;
    for (let i = 0; i < 1000; i += 1) {
      try {
        await sim.listNodes();
      } catch (error) {
        expect(providerErrorKind(error)).toBe('Throttled');
        failed += 1;
      }
    }
    expect(failed).toBeGreaterThan(250);
    expect(failed).toBeLessThan(350);
    expect(sim.stats().failures.listNodes).toBe(failed);
    sim.failNext('health', 'Unavailable');
    expect((await sim.health()).ok).toBe(false);
    expect((await sim.health()).ok).toBe(true);
  });

  it('a hung start stays pending; a vanished node is NotFound; eventual consistency hides new nodes for a while', async () => {
    const clock = new FakeClock();
    const sim = createSimProvider({ offerings: [cpu], clock, visibilityDelaySeconds: 5 });
    sim.hangNextStart();
    const hung = await sim.startNode({ pool: 'p', offering: cpu, idempotencyToken: 'h' });
    expect(await sim.listNodes()).toEqual([]);
    expect(providerErrorKind(await rejection(sim.getNode(hung.id)))).toBe('NotFound');
    clock.advance(24 * 3600_000);
    expect((await sim.getNode(hung.id)).state).toBe('pending');
    sim.vanish(hung.id);
    expect(providerErrorKind(await rejection(sim.stopNode({ nodeId: hung.id, mode: 'terminate' })))).toBe('NotFound');
  });

  it('interrupts spot nodes at the rate of their Spot Advisor bucket, and never on-demand ones', async () => {
    const hours = 24 * 30;
    async function interruptedShare(bucket: '<5%' | '>20%', which: typeof spot): Promise<number> {
      const clock = new FakeClock();
      const sim = createSimProvider({ offerings: [which], clock, seed: 5, spot: { buckets: { [which.instanceType]: bucket } } });
      const n = 2000;
      for (let i = 0; i < n; i += 1) await sim.startNode({ pool: 'p', offering: which, idempotencyToken: `s${i}` });
      clock.advance(hours * 3600_000);
      return sim.allNodes().filter((node) => node.state === 'terminated').length / n;
    }
    const low = await interruptedShare('<5%', spot);
    const high = await interruptedShare('>20%', spot);
    // A month at the bucket's midpoint rate: 2.5 % and 25 % (rate = −ln(1 − p) / 730 h).
    expect(low).toBeGreaterThan(0.01);
    expect(low).toBeLessThan(0.045);
    expect(high).toBeGreaterThan(0.21);
    expect(high).toBeLessThan(0.29);
    expect(await interruptedShare('>20%', gpu)).toBe(0);
    expect(spotInterruptionRatePerHour('>20%')).toBeCloseTo(-Math.log(0.75) / 730, 12);
  });

  it('seeds a running fleet and runs over the bundled catalog', async () => {
    const { offerings } = readBundledOfferings();
    expect(offerings.length).toBeGreaterThan(1000);
    const clock = new FakeClock();
    const sim = createSimProvider({ offerings, clock });
    const h100 = offerings.find((o) => o.gpu?.model === 'H100' && o.purchase === 'on-demand');
    expect(h100).toBeDefined();
    const [seeded] = sim.seed([{ pool: 'llm', offeringId: h100!.id }]);
    expect(seeded?.state).toBe('running');
    const started = await sim.startNode({ pool: 'llm', offering: h100!, idempotencyToken: 'x' });
    expect(started.offeringId).toBe(h100!.id);
    expect(providerErrorKind(await rejection(sim.startNode({ pool: 'llm', offering: { ...h100!, id: 'nope' }, idempotencyToken: 'y' }))))
      .toBe('InvalidRequest');
  });
});
