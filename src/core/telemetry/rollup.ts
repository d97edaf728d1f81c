/**
 * Rollups and query aggregation, pure (issue #5).
 *
 * Samples are kept at three resolutions: raw, 1-minute and 1-hour buckets. A bucket keeps count, sum, min and
 * max of the samples whose timestamp falls in [start, start + width), so avg (sum / count), min, max and sum
 * are exact at every resolution, and buckets merge into coarser ones without loss.
 *
 * p95 is exact on raw samples (nearest rank). On rollups it is an approximation: each bucket stands for
 * `count` samples all equal to its mean, and the 95th percentile is taken over those weighted means (with at
 * least 10 buckets per window when the data is kept: see chooseResolution). It smooths out spikes shorter than
 * one bucket (a 10 s burst inside a minute is averaged with the rest of that minute); use `max` when such
 * spikes matter. See docs/telemetry.md, "Query".
 */

export type Resolution = 'raw' | '1m' | '1h';
export const RESOLUTION_MS: Readonly<Record<Exclude<Resolution, 'raw'>, number>> = { '1m': 60_000, '1h': 3_600_000 };

/** Aggregated samples over [ts, ts + width). A raw sample is a bucket with count 1. */
export interface Bucket {
  /** Start of the bucket, Unix ms. */
  readonly ts: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

export const AGGREGATIONS = ['avg', 'max', 'min', 'p95', 'sum'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** The start of the `width`-ms bucket holding `ts` (also for timestamps before 1970). */
export function bucketStart(ts: number, width: number): number {
  return ts - (((ts % width) + width) % width);
}

/** A raw sample as a bucket. */
export function sampleBucket(ts: number, value: number): Bucket {
  return { ts, count: 1, sum: value, min: value, max: value };
}

/** Roll buckets (raw samples or finer buckets, any order) up into `width`-ms buckets, ordered by start. */
export function rollUp(buckets: Iterable<Bucket>, width: number): Bucket[] {
  const byStart = new Map<number, { ts: number; count: number; sum: number; min: number; max: number }>();
  for (const b of buckets) {
    const start = bucketStart(b.ts, width);
    const acc = byStart.get(start);
    if (acc === undefined) byStart.set(start, { ts: start, count: b.count, sum: b.sum, min: b.min, max: b.max });
    else {
      acc.count += b.count;
      acc.sum += b.sum;
      if (b.min < acc.min) acc.min = b.min;
      if (b.max > acc.max) acc.max = b.max;
    }
  }
  return [...byStart.values()].sort((a, b) => a.ts - b.ts);
}

/**
 * Count-weighted nearest-rank quantile of bucket means (exact for raw samples, where every count is 1).
 * `q` in (0, 1]. Returns NaN for no data.
 */
export function weightedQuantile(buckets: readonly Bucket[], q: number): number {
  const items = buckets.map((b) => ({ v: b.sum / b.count, w: b.count })).sort((a, b) => a.v - b.v);
  const total = items.reduce((n, i) => n + i.w, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const item of items) {
    seen += item.w;
    if (seen >= rank) return item.v;
  }
  return items.at(-1)?.v ?? Number.NaN;
}

/** One value from the buckets of one step window. */
export function aggregate(buckets: readonly Bucket[], agg: Aggregation): number {
  if (buckets.length === 0) return Number.NaN;
  switch (agg) {
    case 'sum': return buckets.reduce((s, b) => s + b.sum, 0);
    case 'max': return buckets.reduce((m, b) => Math.max(m, b.max), -Infinity);
    case 'min': return buckets.reduce((m, b) => Math.min(m, b.min), Infinity);
    case 'avg': {
      let sum = 0;
      let count = 0;
      for (const b of buckets) { sum += b.sum; count += b.count; }
      return sum / count;
    }
    case 'p95': return weightedQuantile(buckets, 0.95);
  }
}

export interface StepQuery {
  /** Unix ms, inclusive. */
  readonly from: number;
  /** Unix ms, exclusive. */
  readonly to: number;
  /** Window width, ms (> 0). */
  readonly step: number;
  readonly agg: Aggregation;
}

/**
 * Points `[windowStartMs, value]` for the windows [from + k·step, from + (k+1)·step) that hold data; windows
 * without data are left out (no zero filling, no interpolation). Buckets outside [from, to) are ignored; a
 * bucket counts in the window holding its start.
 */
export function aggregateSteps(buckets: readonly Bucket[], query: StepQuery): Array<[number, number]> {
  const windows = new Map<number, Bucket[]>();
  for (const b of buckets) {
    if (b.ts < query.from || b.ts >= query.to) continue;
    const k = Math.floor((b.ts - query.from) / query.step);
    const list = windows.get(k);
    if (list === undefined) windows.set(k, [b]);
    else list.push(b);
  }
  return [...windows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, list]) => [query.from + k * query.step, aggregate(list, query.agg)]);
}

/** Sum several series' points at equal timestamps (a pool's demand from its nodes' series). */
export function sumPoints(series: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): Array<[number, number]> {
  const totals = new Map<number, number>();
  for (const points of series) for (const [ts, v] of points) totals.set(ts, (totals.get(ts) ?? 0) + v);
  return [...totals.entries()].sort((a, b) => a[0] - b[0]);
}

export interface ResolutionChoice {
  readonly resolution: Resolution;
  /** Why, for the response and logs. */
  readonly reason: string;
}

/**
 * Which stored resolution answers a query: the coarsest one whose bucket is no wider than the step (so every
 * window holds whole buckets) and whose retention still covers `from`; when none covers `from`, the one that
 * reaches furthest back. No step: raw samples. For a quantile (`p95`) a window made of one or two buckets would
 * only give back their means, so the bucket must also be at most a tenth of the step when such a resolution
 * still covers `from` (step 1h: 1-minute buckets, 60 per window).
 */
export function chooseResolution(options: {
  readonly from: number; readonly step: number | undefined; readonly nowMs: number;
  readonly retentionMs: Readonly<Record<Resolution, number>>;
  readonly quantile?: boolean;
}): ResolutionChoice {
  const { from, step, nowMs, retentionMs } = options;
  const covers = (r: Resolution) => from >= nowMs - retentionMs[r];
  const order: Resolution[] = ['1h', '1m', 'raw'];
  if (step !== undefined) {
    const fits = (r: Resolution, parts: number) => {
      const width = r === 'raw' ? 0 : RESOLUTION_MS[r];
      return width * parts <= step && step % Math.max(width, 1) === 0 && covers(r);
    };
    if (options.quantile === true) {
      for (const r of order) if (fits(r, 10)) return { resolution: r, reason: `p95 needs at least 10 ${r} buckets per step` };
    }
    for (const r of order) {
      if (fits(r, 1)) return { resolution: r, reason: `step ${step} ms is a multiple of ${r} buckets` };
    }
  } else if (covers('raw')) {
    return { resolution: 'raw', reason: 'no step: raw samples' };
  }
  const longest = order.reduce((best, r) => (retentionMs[r] > retentionMs[best] ? r : best), 'raw' as Resolution);
  return { resolution: longest, reason: `only ${longest} data is kept that far back` };
}
