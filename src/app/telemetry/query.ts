import { GovError } from '../../core/errors.js';
import {
  aggregateSteps, bucketStart, chooseResolution, RESOLUTION_MS, sampleBucket,
  type Aggregation, type Bucket, type Resolution,
} from '../../core/telemetry/rollup.js';
import type { Labels } from '../../core/telemetry/series.js';
import type { Clock } from '../../ports/clock.js';
import type { SeriesRepository } from '../../ports/series-store.js';
import type { Store } from '../../ports/store.js';
import type { SeriesEntry, SeriesRegistry } from './registry.js';

export interface SeriesQuery {
  readonly metric?: string;
  readonly labels?: Labels;
  /** Only series mapped to this node (telemetry.node_labels). */
  readonly nodeId?: string;
  /** Unix ms, inclusive. */
  readonly from: number;
  /** Unix ms, exclusive. */
  readonly to: number;
  /** Window width, ms; undefined: raw samples. */
  readonly step?: number;
  readonly agg: Aggregation;
}

export interface QueriedSeries {
  readonly metric: string;
  readonly labels: Labels;
  /** [Unix ms, value], oldest first. */
  readonly points: Array<[number, number]>;
}

export interface SeriesQueryResult {
  readonly resolution: Resolution;
  readonly series: QueriedSeries[];
}

export interface QueryOptions {
  readonly series: SeriesRepository;
  readonly store: Pick<Store, 'nodes'>;
  readonly registry: SeriesRegistry;
  readonly clock: Clock;
  readonly retentionMs: Readonly<Record<Resolution, number>>;
  /** Most series one query may match. */
  readonly maxSeries: number;
  /** Most points one query may return (over all series). */
  readonly maxPoints: number;
}

/**
 * Range queries over the durable store (issue #5): raw samples, or step windows aggregated with
 * avg/max/min/p95/sum from the coarsest resolution that fits the step (core/telemetry/rollup.ts). Data newer
 * than a rollup's watermark is aggregated from the finer level on the fly, so a query never misses the minutes
 * the rollup job has not reached yet. Only durable data is read (with `telemetry.ack = "durable"`, everything
 * a sender got a 2xx for); the hot window serves the decision loop (`recent`).
 */
export class TelemetryQuery {
  readonly #o: QueryOptions;

  constructor(options: QueryOptions) {
    this.#o = options;
  }

  /** The series a query matches, or GOV_VALIDATION when there are more than maxSeries. */
  match(q: Pick<SeriesQuery, 'metric' | 'labels' | 'nodeId'>): SeriesEntry[] {
    const found = this.#o.registry.find({ ...q, limit: this.#o.maxSeries });
    if (found.length > this.#o.maxSeries) {
      throw new GovError('GOV_VALIDATION', `the query matches more than ${this.#o.maxSeries} series (telemetry.query_max_series); add a metric or labels to narrow it`, {
        details: { field: 'metric', limit: this.#o.maxSeries },
      });
    }
    return found;
  }

  async query(q: SeriesQuery): Promise<SeriesQueryResult> {
    if (!(q.to > q.from)) throw new GovError('GOV_VALIDATION', '`to` must be after `from`', { details: { field: 'to' } });
    if (q.step !== undefined) {
      if (!(q.step > 0)) throw new GovError('GOV_VALIDATION', '`step` must be positive', { details: { field: 'step' } });
      const windows = Math.ceil((q.to - q.from) / q.step);
      if (windows > 11_000) {
        throw new GovError('GOV_VALIDATION', `from/to/step make ${windows} windows per series, more than 11000; use a larger step`, { details: { field: 'step', windows } });
      }
    }
    const entries = this.match(q);
    const nowMs = this.#o.clock.now().getTime();
    const choice = chooseResolution({ from: q.from, step: q.step, nowMs, retentionMs: this.#o.retentionMs, quantile: q.agg === 'p95' });
    const ids = entries.flatMap((e) => (e.id === null ? [] : [e.id]));
    let perSeries: Map<number, Bucket[]>;
    if (q.step === undefined || choice.resolution === 'raw') {
      const raw = await this.#o.series.samples(ids, q.from, q.to);
      const points = [...raw.values()].reduce((n, p) => n + p.ts.length, 0);
      if (q.step === undefined) {
        if (points > this.#o.maxPoints) throw this.#tooMany(points);
        return {
          resolution: 'raw',
          series: entries.map((e) => {
            const p = e.id === null ? undefined : raw.get(e.id);
            return { metric: e.metric, labels: e.labels, points: p ? p.ts.map((t, i): [number, number] => [t, p.values[i] as number]) : [] };
          }).filter((s) => s.points.length > 0),
        };
      }
      perSeries = new Map([...raw.entries()].map(([id, p]) => [id, p.ts.map((t, i) => sampleBucket(t, p.values[i] as number))]));
    } else if (q.agg === 'p95') {
      // The quantile is computed by the database: one row per window instead of every bucket.
      const from = bucketStart(q.from, RESOLUTION_MS[choice.resolution]);
      const segments = await this.#segments(choice.resolution, from, q.to);
      const windows = await this.#o.series.quantiles({ seriesIds: ids, segments, from, step: q.step as number, q: 0.95 });
      let total = 0;
      const series: QueriedSeries[] = [];
      for (const e of entries) {
        const points = (e.id === null ? undefined : windows.get(e.id))?.filter(([t]) => t < q.to) ?? [];
        total += points.length;
        if (total > this.#o.maxPoints) throw this.#tooMany(total);
        if (points.length > 0) series.push({ metric: e.metric, labels: e.labels, points });
      }
      return { resolution: choice.resolution, series };
    } else {
      perSeries = await this.#fromRollups(choice.resolution, ids, q.from, q.to);
    }
    // Windows over rollups start on a bucket boundary, so every bucket falls in exactly one window.
    const from = choice.resolution === 'raw' ? q.from : bucketStart(q.from, RESOLUTION_MS[choice.resolution]);
    let total = 0;
    const series: QueriedSeries[] = [];
    for (const e of entries) {
      const buckets = e.id === null ? undefined : perSeries.get(e.id);
      if (buckets === undefined || buckets.length === 0) continue;
      const points = aggregateSteps(buckets, { from, to: q.to, step: q.step as number, agg: q.agg });
      total += points.length;
      if (total > this.#o.maxPoints) throw this.#tooMany(total);
      if (points.length > 0) series.push({ metric: e.metric, labels: e.labels, points });
    }
    return { resolution: choice.resolution, series };
  }

  #tooMany(points: number): GovError {
    return new GovError('GOV_VALIDATION', `the query returns more than ${this.#o.maxPoints} points (telemetry.query_max_points); narrow it or use a larger step`, {
      details: { field: 'step', points, limit: this.#o.maxPoints },
    });
  }

  /** Where to read [from, to) at `resolution`: its rollup table up to its watermark, then the finer levels. */
  async #segments(resolution: Exclude<Resolution, 'raw'>, from: number, to: number): Promise<Array<{ source: Resolution; from: number; to: number }>> {
    const segments: Array<{ source: Resolution; from: number; to: number }> = [];
    const wm1m = (await this.#o.series.rollupWatermark('1m')) ?? from;
    let cursor = from;
    if (resolution === '1h') {
      const wm1h = (await this.#o.series.rollupWatermark('1h')) ?? from;
      const end = Math.min(to, wm1h);
      if (end > cursor) segments.push({ source: '1h', from: cursor, to: end });
      cursor = Math.max(cursor, end);
    }
    const end1m = Math.min(to, wm1m);
    if (end1m > cursor) segments.push({ source: '1m', from: cursor, to: end1m });
    cursor = Math.max(cursor, end1m);
    if (to > cursor) segments.push({ source: 'raw', from: cursor, to });
    return segments;
  }

  /** Buckets from a rollup table up to its watermark, then from the finer levels (as 1-minute buckets) for the rest. */
  async #fromRollups(resolution: Exclude<Resolution, 'raw'>, ids: number[], from: number, to: number): Promise<Map<number, Bucket[]>> {
    const out = new Map<number, Bucket[]>();
    for (const seg of await this.#segments(resolution, bucketStart(from, RESOLUTION_MS[resolution]), to)) {
      const width = seg.source === '1h' ? RESOLUTION_MS['1h'] : RESOLUTION_MS['1m'];
      for (const [id, list] of await this.#o.series.buckets({ source: seg.source, width, seriesIds: ids, from: seg.from, to: seg.to })) {
        const acc = out.get(id);
        if (acc === undefined) out.set(id, list);
        else acc.push(...list);
      }
    }
    return out;
  }

  /**
   * Recent samples from the hot window (no database): for the decision loop and the dashboard. Series of
   * `metric` matching `labels` / `nodeId`, samples in the last `windowMs`.
   */
  recent(q: { metric?: string; labels?: Labels; nodeId?: string; windowMs: number }): QueriedSeries[] {
    const since = this.#o.clock.now().getTime() - q.windowMs;
    return this.match(q).map((e) => {
      const p = e.points(since);
      return { metric: e.metric, labels: e.labels, points: p.ts.map((t, i): [number, number] => [t, p.values[i] as number]) };
    }).filter((s) => s.points.length > 0);
  }

  /**
   * A node's utilisation-style signal: the average of `metric` over the last `windowMs` across the node's series
   * of that metric (e.g. the per-GPU utilisation series of one node), from the hot window. Null without data.
   */
  nodeAverage(nodeId: string, metric: string, windowMs: number): number | null {
    let sum = 0;
    let n = 0;
    for (const s of this.recent({ metric, nodeId, windowMs })) for (const [, v] of s.points) { sum += v; n += 1; }
    return n === 0 ? null : sum / n;
  }

  /**
   * A pool's demand: for each of the pool's nodes (store.nodes, by `pool`), the average of `metric` over the
   * last `windowMs` summed over its series (e.g. requests/s per replica), then summed over the nodes. Returns
   * the total and which nodes had no data (so the planner can tell "no demand" from "no telemetry").
   */
  async poolDemand(pool: string, metric: string, windowMs: number): Promise<{ demand: number; nodes: number; missing: string[] }> {
    const nodeIds: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#o.store.nodes.list({ pool, limit: 1000, ...(after ? { after } : {}) });
      nodeIds.push(...page.nodes.filter((n) => n.state === 'running').map((n) => n.id));
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    let demand = 0;
    const missing: string[] = [];
    for (const id of nodeIds) {
      const series = this.recent({ metric, nodeId: id, windowMs });
      if (series.length === 0) { missing.push(id); continue; }
      const perSeries = series.map((s) => s.points.reduce((a, [, v]) => a + v, 0) / s.points.length);
      demand += perSeries.reduce((a, v) => a + v, 0);
    }
    return { demand, nodes: nodeIds.length, missing };
  }
}

