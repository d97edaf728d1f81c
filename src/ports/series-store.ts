import type { Bucket, Resolution } from '../core/telemetry/rollup.js';
import type { Labels, SeriesDescriptor } from '../core/telemetry/series.js';

/**
 * Durable storage of telemetry series (issue #5), part of the Store port (`store.series`). Layout and
 * trade-offs: docs/telemetry.md, "Storage".
 *
 * Contracts (besides the Store's: GOV_DB_UNAVAILABLE when the database cannot be reached, nothing logs, no
 * clock is read):
 * - Timestamps are Unix milliseconds (integers); values are finite float64. The caller validates samples
 *   (src/core/telemetry/sample.ts); the repository stores what it is given.
 * - A series is identified by its fingerprint (a hash of its canonical key, src/core/telemetry/series.ts).
 * - Samples are unique per (series, timestamp): appending one that exists already keeps the stored value.
 * - Range arguments are half-open: `from` inclusive, `to` exclusive.
 */
export interface SeriesRepository {
  /**
   * Register series, idempotently and safely under concurrency (several writers, several replicas), and
   * return their ids in input order. Existing series keep their id.
   */
  ensure(series: readonly NewSeries[]): Promise<number[]>;
  /** Registered series in id order, `limit` (1..100000) at a time after `afterId`. */
  list(options: { readonly afterId?: number; readonly limit: number }): Promise<SeriesRecord[]>;
  /** Append raw samples in one statement (all or none). Empty columns are a no-op. */
  append(samples: SampleColumns): Promise<void>;
  /** Raw samples of these series in [from, to), each series' samples in time order. */
  samples(seriesIds: readonly number[], from: number, to: number): Promise<Map<number, RawPoints>>;
  /**
   * Buckets `width` ms wide (a multiple of the source's own width) with start in [from, to), per series in time
   * order, computed from `source`: raw samples (aggregated by the database) or a rollup table.
   */
  buckets(query: BucketQuery): Promise<Map<number, Bucket[]>>;
  /**
   * The count-weighted nearest-rank `q`-quantile of bucket means (core/telemetry/rollup.ts weightedQuantile) per
   * series per window [from + k·step, from + (k+1)·step), computed in the database so only one row per window
   * comes back. The buckets are read from `segments` (each a source resolution over its own time range; raw
   * samples count as 1-minute buckets of their mean). Returns [windowStart, value] per series, in time order;
   * windows without data are left out.
   */
  quantiles(query: QuantileQuery): Promise<Map<number, Array<[number, number]>>>;
  /**
   * (Re)compute the `target` rollup buckets whose start lies in [from, to) from the next finer level (raw for
   * 1m, 1m for 1h), replacing what was there. `from` and `to` must be multiples of the target width. Returns
   * how many buckets were written.
   */
  rollup(target: Exclude<Resolution, 'raw'>, from: number, to: number): Promise<number>;
  /** Delete samples or buckets with timestamp before `before`; returns how many rows went. */
  deleteBefore(resolution: Resolution, before: number): Promise<number>;
  /** Up to where (exclusive, Unix ms) the `target` rollup is complete; null before the first rollup. */
  rollupWatermark(target: Exclude<Resolution, 'raw'>): Promise<number | null>;
  /** Record the rollup watermark (it never moves backwards: a smaller value is ignored). */
  setRollupWatermark(target: Exclude<Resolution, 'raw'>, until: number): Promise<void>;
  /** Row counts, for tests, benchmarks and `governator_telemetry_*` gauges. */
  stats(): Promise<SeriesStats>;
}

export interface NewSeries extends SeriesDescriptor {
  /** Hex hash of the canonical key (at most 64 characters). */
  readonly fingerprint: string;
}

export interface SeriesRecord extends NewSeries {
  readonly id: number;
}

/** Samples as parallel columns: sample i is (seriesIds[i], ts[i], values[i]). */
export interface SampleColumns {
  readonly seriesIds: ArrayLike<number>;
  readonly ts: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly length: number;
}

export interface RawPoints {
  readonly ts: number[];
  readonly values: number[];
}

export interface BucketQuery {
  readonly source: Resolution;
  readonly width: number;
  readonly seriesIds: readonly number[];
  readonly from: number;
  readonly to: number;
}

export interface QuantileQuery {
  readonly seriesIds: readonly number[];
  readonly segments: ReadonlyArray<{ readonly source: Resolution; readonly from: number; readonly to: number }>;
  /** Window origin, Unix ms. */
  readonly from: number;
  /** Window width, ms (> 0). */
  readonly step: number;
  /** In (0, 1]. */
  readonly q: number;
}

export interface SeriesStats {
  readonly series: number;
  readonly raw: number;
  readonly rollup1m: number;
  readonly rollup1h: number;
}

export type { Labels };
