/**
 * Durable storage of the forecasting layer's lifecycle (issue #6; tables in migrations/0005_forecasts.sql), part
 * of the Store port (`store.forecasts`). The ForecastService (src/app/forecast/service.ts) writes through it; the
 * routes GET /api/v1/forecasts/{pool} and GET /api/v1/anomalies read through it.
 *
 * Contracts (besides the Store's: GOV_DB_UNAVAILABLE when the database cannot be reached, nothing logs, no clock
 * is read):
 * - A series is named by a key of 1–512 characters (the service uses `demand{pool="NAME"}`); `pool` is set for
 *   pool demand series (1–128 characters) and null otherwise.
 * - Times in forecast points are Unix seconds (as ForecastPoint has them); every other instant is a Date.
 * - Out-of-bounds input rejects with GOV_VALIDATION and stores nothing.
 */
import type { AnomalyKind } from '../core/forecast/anomaly.js';
import type { Accuracy, ForecastPoint } from '../core/forecast/types.js';

/** Which series a record belongs to. */
export interface ForecastSeriesRef {
  readonly series: string;
  readonly pool: string | null;
}

/** One model of a fit: its role in the ensemble and what it was fitted with. */
export interface FittedModelInput {
  readonly model: string;
  /** Plain JSON: weight, seasonal periods, backtest accuracy, notes … */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** What every fit records: the window it was fitted on, why and when. */
export interface FitWindow {
  /** First and last instant of the history fitted on, and how many points it had. */
  readonly windowFrom: Date;
  readonly windowTo: Date;
  readonly windowPoints: number;
  readonly stepSeconds: number;
  /** Why it was fitted: first, schedule, changepoint, window, rewind … (1–64 characters). */
  readonly reason: string;
  readonly fittedAt: Date;
}

/** One fit of a series: every model it evaluated, fitted on one window. */
export interface FitInput extends ForecastSeriesRef, FitWindow {
  readonly models: readonly FittedModelInput[];
}

export interface FittedModelRecord extends ForecastSeriesRef, FitWindow {
  readonly id: number;
  readonly model: string;
  /** Per series, 1, 2, 3 …: one version per fit, shared by the models of that fit. */
  readonly version: number;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** A forecast as produced by one fit. */
export interface ForecastInput extends ForecastSeriesRef {
  /** The fit's version (recordFit's answer). */
  readonly version: number;
  readonly createdAt: Date;
  /** 'ensemble', or the one model with all the weight ('naive' for a fallback). 1–64 characters. */
  readonly model: string;
  readonly stepSeconds: number;
  readonly windowFrom: Date;
  readonly windowTo: Date;
  /** At most 100,000 points, times ascending. */
  readonly points: readonly ForecastPoint[];
  readonly weights: Readonly<Record<string, number>>;
  /** Backtest accuracy per model and for 'ensemble'. */
  readonly accuracy: Readonly<Record<string, Accuracy>>;
  readonly periods: readonly number[];
  readonly notes: readonly string[];
  readonly fallback: boolean;
  readonly reason: string;
}

export interface ForecastRecord extends ForecastInput {
  readonly id: number;
}

/** Accuracy of one model's (or the ensemble's) forecast once the actuals of some of its steps arrived. */
export interface AccuracyInput extends ForecastSeriesRef {
  readonly model: string;
  /** The fit whose forecast was scored. */
  readonly version: number;
  /** First and last step scored (inclusive). */
  readonly actualFrom: Date;
  readonly actualTo: Date;
  readonly points: number;
  /** Null when the history was flat (no scale) and the forecast missed. */
  readonly mase: number | null;
  readonly smape: number;
  /** Null for member models (intervals belong to the combination). */
  readonly coverage90: number | null;
  readonly evaluatedAt: Date;
}

export interface AccuracyRecord extends AccuracyInput {
  readonly id: number;
}

/** Per model: the point-weighted mean of accuracy records. */
export interface AccuracySummary {
  readonly model: string;
  /** Null when any record's MASE was null (infinite). */
  readonly mase: number | null;
  readonly smape: number;
  readonly coverage90: number | null;
  /** Points scored in all, and records they came from. */
  readonly points: number;
  readonly evaluations: number;
  readonly lastEvaluatedAt: Date;
}

export interface AnomalyInput extends ForecastSeriesRef {
  readonly kind: AnomalyKind;
  /** [start, end): a level shift has end = start + one step. */
  readonly start: Date;
  readonly end: Date;
  readonly value: number;
  readonly expected: number;
  readonly score: number;
  readonly detector: string;
  readonly detectedAt: Date;
}

export interface AnomalyRecord extends AnomalyInput {
  readonly id: number;
  /** The latest fit that reported it (detectedAt stays the first). */
  readonly lastSeenAt: Date;
}

export interface AnomalyQuery {
  readonly pool?: string;
  readonly series?: string;
  readonly kind?: AnomalyKind;
  /** Anomalies that end after this instant. */
  readonly from?: Date;
  /** Anomalies that start before this instant. */
  readonly to?: Date;
  /** 1..1000. */
  readonly limit: number;
}

export interface ForecastRepository {
  /**
   * Record one fit: one row per model, all with the series' next version (1 for its first fit), which is
   * returned. Serialised per series so two concurrent fits get distinct versions.
   */
  recordFit(fit: FitInput): Promise<number>;
  /** The models of a series' latest fit (or of `version`), in model-name order; empty when none. */
  fittedModels(series: string, version?: number): Promise<readonly FittedModelRecord[]>;
  /** Store a forecast. */
  recordForecast(forecast: ForecastInput): Promise<ForecastRecord>;
  /** The newest forecast of a pool (created_at, then id), or null. */
  latestForecast(pool: string): Promise<ForecastRecord | null>;
  /** Store accuracy records, all or none. An empty list is a no-op. */
  recordAccuracy(records: readonly AccuracyInput[]): Promise<void>;
  /** Newest accuracy records of a series first; limit 1..10000. */
  listAccuracy(series: string, limit: number): Promise<readonly AccuracyRecord[]>;
  /** Per-model point-weighted means over the records of a series evaluated at or after `since`. */
  accuracySummary(series: string, since: Date): Promise<readonly AccuracySummary[]>;
  /**
   * Store anomalies. One per (series, kind, start): seeing it again (the next fit's window still holds it)
   * updates end, value, expected, score and lastSeenAt, keeping detectedAt. Returns how many were new.
   */
  recordAnomalies(anomalies: readonly AnomalyInput[]): Promise<number>;
  /** Matching anomalies, newest start first (then id); at most `limit`. */
  listAnomalies(query: AnomalyQuery): Promise<readonly AnomalyRecord[]>;
}
