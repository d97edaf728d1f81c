/**
 * Provider registry (issue #7, part 6): live health from periodic probes (reachability, probe latency) and from
 * the calls the engine makes (error rate, call latency percentiles), on a fake provider with a fake clock and a
 * manual scheduler, so every figure below is computed from known inputs rather than measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { FakeCloudProvider } from '../../src/adapters/cloud/fake/index.js';
import { IN_MEMORY, openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { generateMasterKey } from '../../src/app/credentials/cipher.js';
import { CredentialService } from '../../src/app/credentials/service.js';
import { ProviderRegistry, type ProviderSpec } from '../../src/app/providers/registry.js';
import { providerErrorKind } from '../../src/core/provider/errors.js';
import type { Store } from '../../src/ports/store.js';

let store: Store;
beforeAll(async () => {
  store = await openPgliteStore({ dataDir: IN_MEMORY });
  await store.migrate();
});
afterAll(async () => { await store.close(); });

function spec(name: string, overrides: Partial<ProviderSpec> = {}): ProviderSpec {
  return { name, kind: 'sim', enabled: true, credentials: null, settings: {}, healthIntervalMs: 30_000, healthTimeoutMs: 5_000, source: 'config', ...overrides };
}

describe('provider registry health', () => {
  it('reports reachability, error rate and latency, and says when reachability changes', async () => {
    const clock = new FakeClock();
    const scheduler = new ManualScheduler(clock);
    let now = 0;
    const fakes = new Map<string, FakeCloudProvider>();
    const changes: { provider: string; reachable: boolean }[] = [];
    const registry = new ProviderRegistry({
      factories: { sim: (s) => { const f = new FakeCloudProvider({ name: s.name }); fakes.set(s.name, f); return f; } },
      credentials: new CredentialService({ repository: store.credentials.secrets, clock, key: generateMasterKey() }),
      repository: store.credentials.providers,
      clock, scheduler, monotonic: () => now,
      window: { windowMs: 60_000, minCalls: 4, degradedErrorRate: 0.25 },
      onHealthChange: (e) => changes.push({ provider: e.provider, reachable: e.reachable }),
    });
    await registry.load([spec('lab'), spec('off', { enabled: false })]);
    expect(registry.view('lab').health).toMatchObject({ status: 'unknown', reachable: null, calls: 0, errorRate: 0 });
    expect(registry.view('off').health.status).toBe('disabled');
    expect(registry.byName('off')).toBeUndefined();

    // The first probe runs as soon as the registry starts.
    registry.start();
    await scheduler.advance(0);
    expect(registry.view('lab').health).toMatchObject({ status: 'healthy', reachable: true });
    const fake = fakes.get('lab')!;
    const lab = registry.byName('lab')!;

    // Calls of 10, 20, 30 and 40 ms; two fail with Throttled (counted), one with NotFound (an answer, not a failure).
    const durations = [10, 20, 30, 40];
    fake.failNext('listNodes', 'Throttled');
    fake.failNext('listNodes', 'Throttled');
    fake.failNext('listNodes', 'NotFound');
    for (const ms of durations) {
      const started = now;
      const call = lab.listNodes().catch((e: unknown) => e);
      now = started + ms;
      await call;
    }
    let view = registry.view('lab').health;
    expect(view).toMatchObject({ calls: 4, failures: 2, errorRate: 0.5, status: 'degraded', reachable: true });
    expect(view.latencyMs.max).toBe(40);
    expect(view.latencyMs.p50).toBeGreaterThanOrEqual(20);
    expect(view.latencyMs.p50).toBeLessThanOrEqual(30);

    // The health probe fails: unreachable, with the reason, and one change event.
    fake.failNext('health', 'Unavailable');
    await scheduler.advance(30_000);
    view = registry.view('lab').health;
    expect(view).toMatchObject({ status: 'unreachable', reachable: false, consecutiveFailures: 1 });
    expect(view.lastError).toMatch(/.+/);
    // It comes back; after the window the old failures are forgotten.
    await scheduler.advance(30_000);
    await scheduler.advance(30_000);
    view = registry.view('lab').health;
    expect(view).toMatchObject({ status: 'healthy', reachable: true, consecutiveFailures: 0, calls: 0, errorRate: 0 });
    expect(changes).toEqual([{ provider: 'lab', reachable: true }, { provider: 'lab', reachable: false }, { provider: 'lab', reachable: true }]);

    // Unknown names are a typed not-found, for the API's 404.
    expect(() => registry.view('nope')).toThrow(expect.objectContaining({ code: 'GOV_NOT_FOUND' }));
    registry.stop();
    expect(providerErrorKind(await fake.getNode('missing').catch((e: unknown) => e))).toBe('NotFound');
  });

  it('registers a provider through the API path, persists it, refuses a duplicate and a bad kind', async () => {
    const clock = new FakeClock();
    const registry = new ProviderRegistry({
      factories: { sim: (s) => new FakeCloudProvider({ name: s.name }) },
      credentials: new CredentialService({ repository: store.credentials.secrets, clock, key: generateMasterKey() }),
      repository: store.credentials.providers,
      clock, scheduler: new ManualScheduler(clock),
    });
    await registry.load([]);
    const view = await registry.register({ name: 'api-lab', kind: 'sim', createdBy: 'test' });
    expect(view).toMatchObject({ id: 'api-lab', source: 'api', enabled: true, error: null });
    expect((await store.credentials.providers.list()).map((p) => p.id)).toContain('api-lab');
    await expect(registry.register({ name: 'api-lab', kind: 'sim', createdBy: 'test' })).rejects.toMatchObject({ code: 'GOV_CONFLICT' });
    await expect(registry.register({ name: 'x', kind: 'mainframe', createdBy: 'test' })).rejects.toMatchObject({ code: expect.stringMatching(/^GOV_(VALIDATION|CONFIG_INVALID)$/) });
    // A second registry over the same database loads it back (the API-registered provider survives a restart).
    const again = new ProviderRegistry({
      factories: { sim: (s) => new FakeCloudProvider({ name: s.name }) },
      credentials: new CredentialService({ repository: store.credentials.secrets, clock, key: null }),
      repository: store.credentials.providers,
      clock, scheduler: new ManualScheduler(clock),
    });
    await again.load([]);
    expect(again.list().map((p) => p.id)).toContain('api-lab');
    await again.unregister('api-lab');
    expect(() => again.view('api-lab')).toThrow(expect.objectContaining({ code: 'GOV_NOT_FOUND' }));
  });
});
