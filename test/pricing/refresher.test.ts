/**
 * The price refresher over fake sources, a fake clock and a manual scheduler: time is skipped, never slept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { FakePriceSource } from '../../src/adapters/pricing/fake.js';
import { openPgliteStore, IN_MEMORY } from '../../src/adapters/storage/pglite/index.js';
import { PriceRefresher, type PriceRefresherOptions } from '../../src/app/price-refresher.js';
import type { Offering } from '../../src/core/model/offering.js';
import { priceKey, type PriceQuote, type PriceSnapshot } from '../../src/core/pricing/quote.js';
import { authError, throttledError } from '../../src/core/pricing/source-errors.js';
import type { CostHistoryQuery, CostHistoryRecord, CostHistoryRepository, CostHistoryRow, Store } from '../../src/ports/store.js';
import { rejection } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function offering(o: Partial<Offering> & Pick<Offering, 'provider' | 'region' | 'instanceType' | 'pricePerHour'>): Offering {
  const base = { zone: null, vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand' as const, term: null, available: null, source: 'bundled:test', asOf: null, ...o };
  return { id: priceKey(base), ...base };
}

const bundled: Offering[] = [
  offering({ provider: 'aws', region: 'us-east-1', instanceType: 'm5.xlarge', pricePerHour: 0.2 }),
  offering({ provider: 'aws', region: 'us-east-1', instanceType: 'm5.xlarge', purchase: 'spot', pricePerHour: 0.08 }),
  offering({ provider: 'azure', region: 'eastus', instanceType: 'Standard_D4s_v3', pricePerHour: 0.2 }),
];

const q = (o: Partial<PriceQuote> & Pick<PriceQuote, 'provider' | 'region' | 'instanceType' | 'pricePerHour'>): PriceQuote =>
  ({ zone: null, purchase: 'on-demand', term: null, asOf: '2026-01-01T00:00:00.000Z', ...o });
const spotAt = (price: number): PriceSnapshot => ({
  quotes: [q({ provider: 'aws', region: 'us-east-1', zone: 'us-east-1a', instanceType: 'm5.xlarge', purchase: 'spot', pricePerHour: price })],
  errors: [],
});
const listSnapshot: PriceSnapshot = {
  quotes: [
    q({ provider: 'aws', region: 'us-east-1', instanceType: 'm5.xlarge', pricePerHour: 0.192 }),
    q({ provider: 'azure', region: 'eastus', instanceType: 'Standard_D4s_v3', pricePerHour: 0.2 }), // unchanged
    q({ provider: 'aws', region: 'us-east-1', instanceType: 'zz.unknown', pricePerHour: 1 }),
  ],
  errors: [{ item: 'us-east-1 t3.micro', message: 'on-demand price is zero' }],
};

/** CostHistoryRepository in memory, that can be told to refuse writes. */
class MemoryHistory implements CostHistoryRepository {
  rows: CostHistoryRow[] = [];
  failing = false;
  async append(rows: readonly CostHistoryRow[]): Promise<void> {
    if (this.failing) throw new Error('database is down');
    this.rows.push(...rows);
  }
  async list(query: CostHistoryQuery): Promise<readonly CostHistoryRecord[]> {
    return this.rows.filter((r) => query.resourceId === undefined || r.resourceId === query.resourceId).slice(0, query.limit).map((r, id) => ({ ...r, id }));
  }
}

interface Harness {
  clock: FakeClock;
  scheduler: ManualScheduler;
  spot: FakePriceSource;
  list: FakePriceSource;
  history: MemoryHistory;
  refresher: PriceRefresher;
}

let current: Harness | undefined;
afterEach(async () => {
  await current?.refresher.stop();
  current = undefined;
});

function harness(options: Partial<PriceRefresherOptions> = {}): Harness {
  const clock = new FakeClock('2026-01-01T00:00:00.000Z');
  const scheduler = new ManualScheduler(clock);
  const spot = new FakePriceSource({ name: 'aws-spot', kind: 'spot', snapshot: spotAt(0.0714) });
  const list = new FakePriceSource({ name: 'aws-pricing', kind: 'list', snapshot: listSnapshot });
  const history = new MemoryHistory();
  const refresher = new PriceRefresher({ sources: [list, spot], clock, scheduler, initialOfferings: bundled, store: { costHistory: history }, ...options });
  current = { clock, scheduler, spot, list, history, refresher };
  return current;
}

const priceOf = (r: PriceRefresher, id: string): number | undefined => r.current().find((o) => o.id === id)?.pricePerHour;
const OD = 'aws:us-east-1:m5.xlarge:on-demand';
const SPOT = 'aws:us-east-1:m5.xlarge:spot';

describe('PriceRefresher', () => {
  it('serves the bundled prices until a source succeeds', () => {
    const { refresher } = harness();
    expect(refresher.current()).toEqual(bundled);
    expect(refresher.status().map((s) => [s.name, s.serving, s.lastSuccessAt, s.ageMs])).toEqual([
      ['aws-pricing', 'bundled', null, null], ['aws-spot', 'bundled', null, null],
    ]);
  });

  it('runs every source at start, applies the snapshots and records only the prices that changed', async () => {
    const { refresher, history } = harness();
    refresher.start();
    await refresher.whenIdle();
    expect(priceOf(refresher, OD)).toBe(0.192);
    expect(priceOf(refresher, SPOT)).toBe(0.0714);
    expect(refresher.current().find((o) => o.id === OD)?.source).toBe('live:aws-pricing');
    expect(history.rows.map((r) => [r.resourceId, r.costPerHour])).toEqual([[OD, 0.192], [SPOT, 0.0714]]);
    expect(history.rows[0]).toMatchObject({ provider: 'aws', resourceType: 'offering', currency: 'USD', timestamp: new Date('2026-01-01T00:00:00.000Z') });
    const [list, spot] = refresher.status();
    expect(list).toMatchObject({ serving: 'live', intervalMs: 6 * HOUR, quotes: 3, itemErrors: 1, unmatched: 1, nextRunAt: '2026-01-01T06:00:00.000Z' });
    expect(list?.itemErrorSamples).toEqual(listSnapshot.errors);
    expect(spot).toMatchObject({ serving: 'live', intervalMs: MINUTE, nextRunAt: '2026-01-01T00:01:00.000Z', lastError: null });
  });

  it('refreshes spot every minute and list prices every six hours, recording changes only', async () => {
    const { refresher, scheduler, spot, list, history } = harness();
    refresher.start();
    await refresher.whenIdle();
    spot.answerNext(spotAt(0.0714)).answerNext(spotAt(0.0701));
    await scheduler.advance(MINUTE);
    expect(spot.calls).toBe(2);
    expect(history.rows).toHaveLength(2); // same price: nothing new
    await scheduler.advance(MINUTE);
    expect(spot.calls).toBe(3);
    expect(history.rows.map((r) => r.costPerHour)).toEqual([0.192, 0.0714, 0.0701]);
    expect(history.rows[2]?.timestamp).toEqual(new Date('2026-01-01T00:02:00.000Z'));
    expect(list.calls).toBe(1);
    await scheduler.advance(6 * HOUR - 2 * MINUTE);
    expect(list.calls).toBe(2);
    expect(spot.calls).toBe(361);
    expect(spot.maxConcurrent).toBe(1);
  });

  it('falls back to the last good snapshot when a run fails, and says so', async () => {
    const { refresher, scheduler, spot, clock } = harness();
    refresher.start();
    await refresher.whenIdle();
    spot.failNext(throttledError('aws-spot', 'Request limit exceeded.'));
    await scheduler.advance(MINUTE);
    expect(priceOf(refresher, SPOT)).toBe(0.0714);
    const status = refresher.status()[1];
    expect(status).toMatchObject({
      serving: 'last-good', consecutiveFailures: 1, lastSuccessAt: '2026-01-01T00:00:00.000Z', lastErrorAt: '2026-01-01T00:01:00.000Z',
      lastError: { code: 'GOV_PRICE_SOURCE_THROTTLED', message: 'aws-spot: Request limit exceeded.' }, ageMs: MINUTE,
    });
    clock.advance(30_000);
    expect(refresher.status()[1]?.ageMs).toBe(90_000);
    await scheduler.advance(30_000);
    expect(refresher.status()[1]).toMatchObject({ serving: 'live', consecutiveFailures: 0, ageMs: 0, lastError: { code: 'GOV_PRICE_SOURCE_THROTTLED' } });
  });

  it('serves the bundled prices when a source never succeeded, and retries a failed list source within minutes', async () => {
    const { refresher, scheduler, list } = harness({ retryAfterFailureMs: 5 * MINUTE });
    list.failNext(authError('aws-pricing', 'AccessDeniedException'));
    refresher.start();
    await refresher.whenIdle();
    expect(priceOf(refresher, OD)).toBe(0.2);
    expect(refresher.status()[0]).toMatchObject({ serving: 'bundled', lastError: { code: 'GOV_PRICE_SOURCE_AUTH' }, nextRunAt: '2026-01-01T00:05:00.000Z' });
    await scheduler.advance(5 * MINUTE);
    expect(list.calls).toBe(2);
    expect(priceOf(refresher, OD)).toBe(0.192);
  });

  it('never runs one source twice at once: a slow run delays the next one, and refresh() joins it', async () => {
    const { refresher, scheduler, spot } = harness();
    spot.holdNext();
    refresher.start();
    await scheduler.advance(3 * MINUTE);
    expect(spot.calls).toBe(1);
    const joined = refresher.refresh('aws-spot');
    expect(spot.calls).toBe(1);
    spot.release(spotAt(0.065));
    expect((await joined).ok).toBe(true);
    expect(priceOf(refresher, SPOT)).toBe(0.065);
    expect(refresher.status()[1]?.nextRunAt).toBe('2026-01-01T00:04:00.000Z');
    await scheduler.advance(MINUTE);
    expect(spot.calls).toBe(2);
    expect(spot.maxConcurrent).toBe(1);
  });

  it('abandons a run that outlives fetchTimeoutMs and aborts its fetch', async () => {
    const { refresher, scheduler, spot } = harness({ fetchTimeoutMs: 2 * MINUTE });
    spot.holdNext();
    refresher.start();
    await scheduler.advance(2 * MINUTE);
    expect(refresher.status()[1]).toMatchObject({
      running: false, serving: 'bundled',
      lastError: { code: 'GOV_PRICE_SOURCE_UNAVAILABLE', message: 'aws-spot: no snapshot within 120000 ms; abandoned' },
    });
    await scheduler.advance(MINUTE);
    expect(spot.calls).toBe(2);
    expect(priceOf(refresher, SPOT)).toBe(0.0714);
  });

  it('a quote that disappears goes back to the bundled price, which is recorded', async () => {
    const { refresher, scheduler, spot, history } = harness();
    refresher.start();
    await refresher.whenIdle();
    spot.answerNext({ quotes: [], errors: [] });
    await scheduler.advance(MINUTE);
    expect(priceOf(refresher, SPOT)).toBe(0.08);
    expect(history.rows.at(-1)).toMatchObject({ resourceId: SPOT, costPerHour: 0.08 });
  });

  it('keeps price changes the store refused and writes them with the next ones', async () => {
    const { refresher, scheduler, spot, history } = harness();
    history.failing = true;
    refresher.start();
    await refresher.whenIdle();
    expect(refresher.historyStatus()).toMatchObject({ pendingRows: 2, lastError: { message: 'database is down' } });
    expect(refresher.status()[1]?.serving).toBe('live'); // prices are served even when history cannot be written
    history.failing = false;
    spot.answerNext(spotAt(0.07));
    await scheduler.advance(MINUTE);
    await refresher.whenIdle();
    expect(history.rows.map((r) => r.costPerHour)).toEqual([0.192, 0.0714, 0.07]);
    expect(refresher.historyStatus().pendingRows).toBe(0);
  });

  it('bounds the rows kept while the store refuses them', async () => {
    const { refresher, history } = harness({ maxPendingHistoryRows: 1 });
    history.failing = true;
    refresher.start();
    await refresher.whenIdle();
    expect(refresher.historyStatus()).toMatchObject({ pendingRows: 1, droppedRows: 1 });
  });

  it('ignores snapshots that are not snapshots, and reports them', async () => {
    const { refresher, list } = harness();
    list.answerNext({ quotes: 'nope' } as unknown as PriceSnapshot);
    refresher.start();
    await refresher.whenIdle();
    expect(refresher.status()[0]).toMatchObject({ serving: 'bundled', lastError: { code: 'GOV_PRICE_SOURCE_UNAVAILABLE' } });
  });

  it('tells the caller about every run', async () => {
    const results: string[] = [];
    const { refresher, spot, scheduler } = harness({ onRefresh: (r) => results.push(`${r.source}:${r.ok}:${r.changes}`) });
    spot.answerNext(spotAt(0.0714)).failNext(throttledError('aws-spot', 'x'));
    refresher.start();
    await refresher.whenIdle();
    await scheduler.advance(MINUTE);
    expect(results.sort()).toEqual(['aws-pricing:true:1', 'aws-spot:false:0', 'aws-spot:true:1'].sort());
  });

  it('stop() cancels the timers and aborts a run in flight; nothing runs afterwards', async () => {
    const { refresher, scheduler, spot, list } = harness();
    refresher.start();
    await refresher.whenIdle();
    spot.holdNext();
    await scheduler.advance(MINUTE);
    expect(refresher.status()[1]?.running).toBe(true);
    await refresher.stop();
    expect(scheduler.pending).toBe(0);
    await scheduler.advance(10 * HOUR);
    expect([spot.calls, list.calls]).toEqual([2, 1]);
    expect(refresher.status()[1]).toMatchObject({ running: false, serving: 'live', nextRunAt: null });
    refresher.start();
    expect(scheduler.pending).toBe(0);
  });

  it('rejects unknown names, duplicate names and bad intervals', async () => {
    const { refresher, clock, scheduler, spot } = harness();
    await rejection(refresher.refresh('nope'), 'GOV_NOT_FOUND');
    expect(() => new PriceRefresher({ sources: [spot, spot], clock, scheduler, initialOfferings: [] })).toThrow(/two sources are named "aws-spot"/);
    expect(() => new PriceRefresher({ sources: [spot], clock, scheduler, initialOfferings: [], spotIntervalMs: 0 })).toThrow(/spotIntervalMs/);
  });
});

describe('PriceRefresher with the SQL store', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('writes price changes to cost_history, rounded to its 6 decimals', async () => {
    store = await openPgliteStore({ dataDir: IN_MEMORY });
    await store.migrate();
    const { refresher, scheduler, spot } = harness({ store });
    refresher.start();
    await refresher.whenIdle();
    spot.answerNext(spotAt(0.071_400_4)); // below NUMERIC(12,6)'s resolution: no change
    await scheduler.advance(MINUTE);
    spot.answerNext(spotAt(0.068_812_345));
    await scheduler.advance(MINUTE);
    await refresher.whenIdle();
    const rows = await store.costHistory.list({ resourceId: SPOT, limit: 10 });
    expect(rows.map((r) => [r.timestamp.toISOString(), r.costPerHour])).toEqual([
      ['2026-01-01T00:00:00.000Z', 0.0714],
      ['2026-01-01T00:02:00.000Z', 0.068812],
    ]);
    expect((await store.costHistory.list({ limit: 100 })).map((r) => r.resourceId)).toEqual([OD, SPOT, SPOT]);
  });
});
