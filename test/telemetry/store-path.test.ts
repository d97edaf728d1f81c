/**
 * The write path and the series store over time (issue #5): backpressure when the store falls behind, retries
 * when it fails, a restart that brings recent data back, and rollups/retention read back through queries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { GovError } from '../../src/core/errors.js';
import { aggregateSteps, rollUp, sampleBucket, weightedQuantile } from '../../src/core/telemetry/index.js';
import type { SeriesRepository } from '../../src/ports/series-store.js';
import type { Store } from '../../src/ports/store.js';
import { createTelemetry } from '../../src/bootstrap/telemetry.js';
import { startTestServer, telemetryConfig } from '../support/server.js';
import { metricValue, remoteWrite } from './helpers.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** The store with its series repository's append replaced (the rest unchanged). */
function withAppend(store: Store, append: SeriesRepository['append']): Store {
  const series = Object.create(store.series) as SeriesRepository;
  (series as { append: SeriesRepository['append'] }).append = append;
  return new Proxy(store, { get: (target, prop) => (prop === 'series' ? series : Reflect.get(target, prop, target)) });
}

const batch = (name: string, n: number, t: number) => [{ labels: [['__name__', name]] as Array<[string, string]>, ts: Array.from({ length: n }, (_, i) => t - n + i), values: Array.from({ length: n }, (_, i) => i) }];

describe('backpressure', () => {
  it('answers 503 with Retry-After once the queue is full, accepts nothing of that request, and recovers', async () => {
    const base = await openPgliteStore({ dataDir: 'memory://' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const store = withAppend(base, async (samples) => { await gate; return base.series.append(samples); });
    const server = await startTestServer({ store, telemetry: { overrides: { ack: 'queued', queueMaxSamples: 1000, batchSize: 100, flushIntervalMs: 10 } } });
    try {
      const t = Date.now();
      expect((await server.app.inject(remoteWrite(server.tokens.ingest, batch('bp_a', 600, t)))).statusCode).toBe(204);
      const full = await server.app.inject(remoteWrite(server.tokens.ingest, batch('bp_b', 600, t)));
      expect(full.statusCode, full.body).toBe(503);
      expect(full.json().error.code).toBe('GOV_INGEST_BACKPRESSURE');
      expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(await metricValue(server.app, 'governator_ingest_rejected_total', { reason: 'backpressure' })).toBe(1);
      expect(await metricValue(server.app, 'governator_telemetry_queue_samples')).toBe(600);
      // Nothing of the refused request went in: not even its series.
      expect(server.telemetry.query.match({ metric: 'bp_b' })).toEqual([]);
      release();
      await server.telemetry.pipeline.flush();
      expect(server.telemetry.pipeline.depth).toBe(0);
      const retry = await server.app.inject(remoteWrite(server.tokens.ingest, batch('bp_b', 600, t)));
      expect(retry.statusCode, retry.body).toBe(204);
      await server.telemetry.pipeline.flush();
      expect((await base.series.stats()).raw).toBe(1200);
    } finally {
      release();
      await server.close();
    }
  });

  it('answers 503 when durability takes longer than ack_timeout, and the samples still land', async () => {
    const base = await openPgliteStore({ dataDir: 'memory://' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const store = withAppend(base, async (samples) => { await gate; return base.series.append(samples); });
    const server = await startTestServer({ store, telemetry: { overrides: { ack: 'durable', ackTimeoutMs: 200, flushIntervalMs: 10 } } });
    try {
      const slow = await server.app.inject(remoteWrite(server.tokens.ingest, batch('ack_slow', 10, Date.now())));
      expect(slow.statusCode).toBe(503);
      expect(slow.json().error.code).toBe('GOV_INGEST_BACKPRESSURE');
      release();
      await server.telemetry.pipeline.flush();
      expect((await base.series.stats()).raw).toBe(10);
    } finally {
      release();
      await server.close();
    }
  });

  it('retries failed writes with backoff, keeping the samples, and counts the failures', async () => {
    const base = await openPgliteStore({ dataDir: 'memory://' });
    let failures = 2;
    const store = withAppend(base, async (samples) => {
      if (failures > 0) { failures -= 1; throw new GovError('GOV_DB_UNAVAILABLE', 'the database went away'); }
      return base.series.append(samples);
    });
    const server = await startTestServer({ store, telemetry: { overrides: { ack: 'durable', ackTimeoutMs: 5000, flushIntervalMs: 10 } } });
    try {
      const res = await server.app.inject(remoteWrite(server.tokens.ingest, batch('retry_me', 50, Date.now())));
      expect(res.statusCode, res.body).toBe(204);
      expect(await metricValue(server.app, 'governator_telemetry_write_errors_total')).toBe(2);
      expect((await base.series.stats()).raw).toBe(50);
    } finally {
      await server.close();
    }
  });
});

describe('restart', () => {
  it('brings series and the hot window back, and keeps refusing what was already stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'governator-telemetry-'));
    dirs.push(dir);
    const t = Date.now();
    const first = await startTestServer({ store: await openPgliteStore({ dataDir: dir }) });
    const sent = [{ labels: [['__name__', 'restart_gpu'], ['node', 'g1']] as Array<[string, string]>, ts: [t - 30_000, t - 15_000, t], values: [0.9, 0.8, 0.7] }];
    expect((await first.app.inject(remoteWrite(first.tokens.ingest, sent))).statusCode).toBe(204);
    await first.close();

    const store = await openPgliteStore({ dataDir: dir });
    const second = createTelemetry({ store, clock: { now: () => new Date() }, scheduler: new ManualScheduler(new FakeClock()), config: telemetryConfig() });
    try {
      expect(await second.reload()).toEqual({ series: 1, samples: 3 });
      expect(second.query.recent({ metric: 'restart_gpu', windowMs: 60_000 })).toEqual([
        { metric: 'restart_gpu', labels: { node: 'g1' }, points: [[t - 30_000, 0.9], [t - 15_000, 0.8], [t, 0.7]] },
      ]);
      expect(second.query.nodeAverage('g1', 'restart_gpu', 60_000)).toBeCloseTo(0.8, 12);
      // Prometheus resending the batch after a restart: refused as already seen, nothing written twice.
      const again = second.ingest.ingest(sent, 'remote_write');
      expect(again.rejected).toEqual({ out_of_order: 2, duplicate: 1 });
      const next = second.ingest.ingest([{ ...sent[0]!, ts: [t + 15_000], values: [0.6] }], 'remote_write');
      expect(next.accepted).toBe(1);
      await second.pipeline.flush();
      expect((await store.series.stats()).raw).toBe(4);
    } finally {
      await second.stop();
      await store.close();
    }
  });
});

describe('rollups, retention and queries over them', () => {
  it('rolls up on schedule, answers avg/max/sum exactly and p95 from 1-minute means, re-rolls late data, and expires by resolution', async () => {
    const end = Date.UTC(2026, 0, 10, 12, 0, 0);
    const clock = new FakeClock(new Date(end));
    const scheduler = new ManualScheduler(clock);
    const store = await openPgliteStore({ dataDir: 'memory://' });
    await store.migrate();
    const telemetry = createTelemetry({ store, clock, scheduler, config: telemetryConfig({ hot_max_points: 10 }) });
    try {
      await telemetry.start();
      // 3 hours of one sample every 10 s, values that differ inside each minute.
      const start = end - 3 * 3_600_000;
      const ts: number[] = [];
      const values: number[] = [];
      for (let x = start; x < end; x += 10_000) { ts.push(x); values.push(50 + 40 * Math.sin(x / 600_000) + ((x / 10_000) % 6)); }
      const res = telemetry.ingest.ingest([{ labels: [['__name__', 'util'], ['node', 'a']], ts, values }], 'json');
      expect(res.accepted).toBe(ts.length);
      await telemetry.pipeline.flush();
      await scheduler.advance(60_000); // the rollup job's first run
      await telemetry.maintenance.runOnce();
      const stats = await store.series.stats();
      expect(stats.rollup1m).toBe(179); // the clock is now 12:01: minutes up to 11:59 (lag 2 m) are rolled, not later ones
      expect(stats.rollup1h).toBe(2);

      const raw = ts.map((t, i) => sampleBucket(t, values[i]!));
      const q = (step: number, agg: 'avg' | 'max' | 'sum' | 'p95') => telemetry.query.query({ metric: 'util', from: start, to: end + 60_000, step, agg });
      for (const agg of ['avg', 'max', 'sum'] as const) {
        const got = await q(3_600_000, agg);
        expect(got.resolution).toBe('1h');
        const want = aggregateSteps(raw, { from: start, to: end, step: 3_600_000, agg });
        expect(got.series[0]!.points.map((p) => p[0])).toEqual(want.map((p) => p[0]));
        got.series[0]!.points.forEach(([, v], i) => expect(v).toBeCloseTo(want[i]![1], 9));
      }
      const p95 = await q(3_600_000, 'p95');
      expect(p95.resolution).toBe('1m');
      const minutes = rollUp(raw, 60_000);
      for (const [t, v] of p95.series[0]!.points) {
        expect(v).toBeCloseTo(weightedQuantile(minutes.filter((b) => b.ts >= t && b.ts < t + 3_600_000), 0.95), 9);
      }
      // Step 5 minutes: 1-minute resolution; the minutes not rolled up yet come from raw samples.
      const five = await q(300_000, 'avg');
      expect(five.resolution).toBe('1m');
      expect(five.series[0]!.points.length).toBe(36);

      // A late sample inside a rolled-up minute is re-rolled on the next run.
      const late = telemetry.ingest.ingest([{ labels: [['__name__', 'util'], ['node', 'late']], ts: [start + 5], values: [1000] }], 'json');
      expect(late.accepted).toBe(1);
      await telemetry.pipeline.flush();
      await telemetry.maintenance.runOnce();
      const lateMax = await telemetry.query.query({ metric: 'util', labels: { node: 'late' }, from: start, to: end, step: 3_600_000, agg: 'max' });
      expect(lateMax.series[0]!.points).toEqual([[start, 1000]]);

      // Eight days later raw samples are gone (7 d retention) but the rollups answer.
      clock.advance(8 * 86_400_000);
      await telemetry.maintenance.runOnce();
      expect((await store.series.stats()).raw).toBe(0);
      const old = await telemetry.query.query({ metric: 'util', labels: { node: 'a' }, from: start, to: end, step: 3_600_000, agg: 'avg' });
      expect(old.series[0]!.points.length).toBe(3);
      const runs = (await telemetry.metrics.rollupRuns.get()).values;
      expect(runs.find((v) => v.labels.outcome === 'failure')).toBeUndefined();
      expect(runs.find((v) => v.labels.outcome === 'success')?.value).toBeGreaterThanOrEqual(4);
    } finally {
      await telemetry.stop();
      await store.close();
    }
  });
});
