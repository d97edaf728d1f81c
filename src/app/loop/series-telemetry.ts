import type { Labels } from '../../core/telemetry/series.js';
import type { QueriedSeries, SeriesQuery, SeriesQueryResult } from '../telemetry/query.js';
import type { DemandHistory } from './forecaster.js';
import type { LoopLogger, LoopTelemetry } from './loop.js';
import type { LoopPool } from './pool.js';

export interface SeriesLoopTelemetryOptions {
  /** The telemetry service's queries: the durable store for history, the hot window for utilisation and QoS. */
  readonly query: {
    query(q: SeriesQuery): Promise<SeriesQueryResult>;
    recent(q: { metric?: string; labels?: Labels; nodeId?: string; windowMs: number }): QueriedSeries[];
  };
  /** Step of the demand history handed to the forecaster: the loop interval. */
  readonly stepMs: number;
  /** Steps of history kept per pool (default 2880: a day at 30 s). */
  readonly historySteps?: number;
  /**
   * Demand whose newest sample is older than this is no demand signal at all (the source stopped): the pool is
   * reported as having no data rather than planned on a stale value. Default max(5 min, 10 steps).
   */
  readonly staleMs?: number;
  readonly logger?: LoopLogger;
}

interface Cache {
  /** Unix ms of values[0]'s window. */
  startMs: number;
  /** Per window: the aggregated demand, or NaN where no series had a sample. */
  values: number[];
}

/**
 * The loop's telemetry over the series store (docs/loop.md, "Telemetry"). A pool's demand is its demand
 * metric's series matching the labels, averaged per step window and combined across series (sum/avg/max),
 * on a grid of the loop interval. The history is read once (a day at 30 s), then only its tail each iteration.
 * Gaps are filled with the last value; a signal that stopped longer than `staleMs` ago is no data.
 */
export class SeriesLoopTelemetry implements LoopTelemetry {
  readonly #o: SeriesLoopTelemetryOptions;
  readonly #step: number;
  readonly #maxSteps: number;
  readonly #staleMs: number;
  readonly #cache = new Map<string, Cache>();

  constructor(options: SeriesLoopTelemetryOptions) {
    this.#o = options;
    this.#step = Math.max(1000, Math.round(options.stepMs));
    this.#maxSteps = Math.max(16, options.historySteps ?? 2880);
    this.#staleMs = options.staleMs ?? Math.max(300_000, 10 * this.#step);
  }

  async demandHistory(pool: LoopPool, nowMs: number): Promise<DemandHistory | null> {
    const step = this.#step;
    const key = `${pool.name}\u0000${pool.demand.metric}\u0000${JSON.stringify(pool.demand.labels)}\u0000${pool.demand.aggregate}`;
    // Windows [t, t + step) on a grid; the newest one holds `now`.
    const last = Math.floor(nowMs / step) * step;
    let cache = this.#cache.get(key);
    if (cache !== undefined && (cache.startMs > last || last - cache.startMs > 2 * this.#maxSteps * step)) cache = undefined;
    // Re-read the newest two windows each time: samples arrive a little late.
    const from = cache === undefined ? last - (this.#maxSteps - 1) * step : Math.max(cache.startMs, cache.startMs + (cache.values.length - 2) * step);
    let result: SeriesQueryResult;
    try {
      result = await this.#o.query.query({ metric: pool.demand.metric, labels: pool.demand.labels, from, to: last + step, step, agg: 'avg' });
    } catch (error) {
      this.#o.logger?.warn({ pool: pool.name, metric: pool.demand.metric, err: error }, 'control loop: the demand query failed; the pool is skipped this iteration');
      return null;
    }
    const windows = Math.round((last - from) / step) + 1;
    const fresh = combine(result.series, from, step, windows, pool.demand.aggregate);
    if (cache === undefined) {
      cache = { startMs: from, values: fresh };
    } else {
      const keep = Math.round((from - cache.startMs) / step);
      cache.values.length = Math.min(cache.values.length, keep);
      while (cache.values.length < keep) cache.values.push(Number.NaN);
      cache.values.push(...fresh);
    }
    // Trim to the history length.
    if (cache.values.length > this.#maxSteps) {
      const drop = cache.values.length - this.#maxSteps;
      cache.values.splice(0, drop);
      cache.startMs += drop * step;
    }
    this.#cache.set(key, cache);
    // From the first window with data to the newest with data, gaps carried forward.
    const first = cache.values.findIndex((v) => !Number.isNaN(v));
    if (first < 0) return null;
    let end = cache.values.length - 1;
    while (end > first && Number.isNaN(cache.values[end] as number)) end -= 1;
    const newestMs = cache.startMs + end * step;
    if (nowMs - (newestMs + step) > this.#staleMs) return null;
    const values = new Array<number>(end - first + 1);
    let carry = cache.values[first] as number;
    for (let i = first; i <= end; i += 1) {
      const v = cache.values[i] as number;
      if (!Number.isNaN(v)) carry = v;
      values[i - first] = carry;
    }
    return { startSeconds: (cache.startMs + first * step) / 1000, stepSeconds: step / 1000, values };
  }

  async nodeUtilization(pool: LoopPool, nodeIds: readonly string[], _nowMs: number): Promise<ReadonlyMap<string, number>> {
    const out = new Map<string, number>();
    if (pool.utilization === null) return out;
    const windowMs = Math.max(2 * this.#step, 60_000);
    for (const id of nodeIds) {
      let sum = 0;
      let n = 0;
      for (const s of this.#o.query.recent({ metric: pool.utilization.metric, nodeId: id, windowMs })) {
        for (const [, v] of s.points) if (Number.isFinite(v)) { sum += v; n += 1; }
      }
      if (n > 0) out.set(id, pool.utilization.percent ? sum / n / 100 : sum / n);
    }
    return out;
  }

  async qosValue(pool: LoopPool, _nowMs: number): Promise<number | null> {
    const metric = pool.qos.metric;
    if (metric === null) return null;
    const windowMs = Math.max(2 * this.#step, 60_000);
    const perSeries: number[] = [];
    for (const s of this.#o.query.recent({ metric: metric.metric, labels: metric.labels, windowMs })) {
      const values = s.points.map(([, v]) => v).filter((v) => Number.isFinite(v));
      if (values.length > 0) perSeries.push(values.reduce((a, v) => a + v, 0) / values.length);
    }
    return perSeries.length === 0 ? null : reduce(perSeries, metric.aggregate);
  }
}

/** Per window, the series' values combined with `aggregate`; NaN where no series had one. */
function combine(series: readonly QueriedSeries[], from: number, step: number, windows: number, aggregate: 'sum' | 'avg' | 'max'): number[] {
  const acc: number[][] = Array.from({ length: windows }, () => []);
  for (const s of series) {
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) continue;
      const i = Math.floor((t - from) / step);
      if (i >= 0 && i < windows) (acc[i] as number[]).push(v);
    }
  }
  return acc.map((vs) => (vs.length === 0 ? Number.NaN : reduce(vs, aggregate)));
}

function reduce(values: readonly number[], aggregate: 'sum' | 'avg' | 'max'): number {
  if (aggregate === 'max') return Math.max(...values);
  const sum = values.reduce((a, v) => a + v, 0);
  return aggregate === 'sum' ? sum : sum / values.length;
}
