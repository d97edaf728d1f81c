import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/clock/fake.js';
import { ManualScheduler } from '../../adapters/clock/manual-scheduler.js';
import type { SampleColumns, SeriesRepository } from '../../ports/series-store.js';
import { TelemetryMetrics } from './metrics.js';
import { WritePipeline } from './pipeline.js';
import { SeriesRegistry, type SeriesEntry } from './registry.js';

/** A repository whose appends wait until released, recording each batch's size. */
function slowRepository() {
  const batches: number[] = [];
  const waiting: Array<() => void> = [];
  let nextId = 1;
  const repo = {
    ensure: async (list: readonly unknown[]) => list.map(() => nextId++),
    append: (s: SampleColumns) => new Promise<void>((resolve) => { waiting.push(() => { batches.push(s.length); resolve(); }); }),
  } as unknown as SeriesRepository;
  return { repo, batches, releaseOne: () => waiting.shift()?.(), get waiting() { return waiting.length; } };
}

function setup(options: { batchSize: number; concurrency: number; maxQueued?: number }) {
  const clock = new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const registry = new SeriesRegistry({ maxSeries: 100, maxSeriesPerMetric: 100, maxPoints: 4, windowMs: 60_000, nodeLabels: [], fingerprint: (k) => k });
  const entry = registry.admit({ metric: 'm', labels: {}, key: 'm' }) as SeriesEntry;
  const store = slowRepository();
  const pipeline = new WritePipeline({
    series: store.repo, registry, scheduler, clock, metrics: new TelemetryMetrics(),
    batchSize: options.batchSize, flushIntervalMs: 1000, maxQueued: options.maxQueued ?? 1_000_000, concurrency: options.concurrency,
  });
  const chunk = (n: number) => ({ entries: Array.from({ length: n }, () => entry), ts: Array.from({ length: n }, (_, i) => i), values: Array.from({ length: n }, () => 1) });
  return { scheduler, store, pipeline, chunk, entry };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('write pipeline (group commit)', () => {
  it('writes at once when idle, gathers while a write is in flight, and flushes a partial batch after the interval', async () => {
    const { scheduler, store, pipeline, chunk, entry } = setup({ batchSize: 100, concurrency: 1 });
    const first = pipeline.enqueue(chunk(5));
    await settle();
    expect(store.waiting).toBe(1); // idle: went at once, no timer
    const more = [pipeline.enqueue(chunk(30)), pipeline.enqueue(chunk(30))];
    await settle();
    expect(store.waiting).toBe(1); // gathered behind the write in flight
    store.releaseOne();
    await first;
    await settle();
    expect(store.waiting).toBe(1); // the gathered 60 went as one batch
    store.releaseOne();
    await Promise.all(more);
    expect(store.batches).toEqual([5, 60]);
    expect(entry.id).toBe(1);
    expect(pipeline.depth).toBe(0);

    // With the single writer busy, a partial batch waits for the interval.
    const busy = pipeline.enqueue(chunk(1));
    await settle();
    const late = pipeline.enqueue(chunk(2));
    store.releaseOne();
    await busy;
    await settle();
    expect(store.waiting).toBe(1);
    store.releaseOne();
    await late;
    expect(store.batches).toEqual([5, 60, 1, 2]);
    await scheduler.advance(5000);
  });

  it('splits big queues into batches of batchSize across concurrent writers, and reports room', async () => {
    const { store, pipeline, chunk } = setup({ batchSize: 50, concurrency: 2, maxQueued: 300 });
    const all = [1, 2, 3, 4, 5].map(() => pipeline.enqueue(chunk(50)));
    await settle();
    expect(store.waiting).toBe(2);
    expect(pipeline.depth).toBe(250);
    expect(pipeline.hasRoom(50)).toBe(true);
    expect(pipeline.hasRoom(51)).toBe(false);
    while (store.batches.length < 5) {
      store.releaseOne();
      await settle();
    }
    await Promise.all(all);
    expect(store.batches).toEqual([50, 50, 50, 50, 50]);
  });

  it('refuses new chunks once closed, and fails the queued ones it could not write within the timeout', async () => {
    const { scheduler, store, pipeline, chunk } = setup({ batchSize: 10, concurrency: 1 });
    const stuck = pipeline.enqueue(chunk(3));
    await settle();
    const queued = pipeline.enqueue(chunk(4)).then(() => null, (e: unknown) => e);
    const closing = pipeline.close(50);
    await expect(pipeline.enqueue(chunk(1))).rejects.toMatchObject({ code: 'GOV_SHUTTING_DOWN' });
    await scheduler.advance(50);
    expect(await closing).toBe(7); // 3 in flight + 4 queued were not durable when the time was up
    expect(await queued).toMatchObject({ code: 'GOV_SHUTTING_DOWN' });
    store.releaseOne();
    await stuck; // the write in flight still completes
    expect(store.batches).toEqual([3]);
  });

  it('isolates a chunk the database refuses, writes the others, and drops it after repeated refusals', async () => {
    const clock = new FakeClock();
    const scheduler = new ManualScheduler(clock);
    const registry = new SeriesRegistry({ maxSeries: 10, maxSeriesPerMetric: 10, maxPoints: 0, windowMs: 1, nodeLabels: [], fingerprint: (k) => k });
    const entry = registry.admit({ metric: 'm', labels: {}, key: 'm' }) as SeriesEntry;
    const written: number[] = [];
    const repo = {
      ensure: async (list: readonly unknown[]) => list.map(() => 1),
      append: async (s: SampleColumns) => {
        const values = Array.from(s.values);
        if (values.includes(13)) throw Object.assign(new Error('value out of range'), { code: '22003' }); // an SQL error
        written.push(...values);
      },
    } as unknown as SeriesRepository;
    const metrics = new TelemetryMetrics();
    const pipeline = new WritePipeline({ series: repo, registry, scheduler, clock, metrics, batchSize: 100, flushIntervalMs: 10, maxQueued: 1000, concurrency: 1 });
    const chunk = (v: number) => ({ entries: [entry], ts: [v], values: [v] });
    // While the first write is in flight the others gather into one batch with the bad chunk.
    const results = [1, 2, 13, 4].map((v) => pipeline.enqueue(chunk(v)).then(() => 'ok', (e: { code?: string }) => e.code));
    for (let i = 0; i < 20 && pipeline.depth > 0; i += 1) await scheduler.advance(10_000);
    expect(await Promise.all(results)).toEqual(['ok', 'ok', 'GOV_INTERNAL', 'ok']);
    expect(written.sort((a, b) => a - b)).toEqual([1, 2, 4]);
    expect((await metrics.dropped.get()).values[0]?.value).toBe(1);
    expect(pipeline.depth).toBe(0);
  });
});

