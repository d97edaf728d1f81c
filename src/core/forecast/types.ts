/**
 * Shared types of the forecasting layer (issue #6, docs/forecasting.md).
 *
 * Everything here works on plain arrays: a series is `values[i]` observed at `startSeconds + i * stepSeconds`
 * (Unix seconds), regular and complete (see resample.ts for getting there). Numerical back-ends that need
 * WebAssembly or TensorFlow are injected as {@link ForecastEngine} functions, so this folder stays pure and
 * testable with fakes.
 */

/** A regular, complete series. */
export interface RegularSeriesInput {
  /** Unix seconds of values[0]. */
  readonly startSeconds: number;
  readonly stepSeconds: number;
  /** Finite values, one per step. */
  readonly values: readonly number[];
}

/** The names of the models this layer knows. */
/** 'naive' (last value) is the fallback for too-short history, never a default candidate. */
export const MODEL_NAMES = ['naive', 'snaive_daily', 'snaive_weekly', 'ets', 'mstl', 'prophet', 'lstm'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/**
 * The numerical back-ends, injected. Each function is synchronous or asynchronous, takes plain arrays and
 * returns plain arrays; it may throw (the caller drops the model for that series and says why). Any may be
 * absent: a model whose back-end is missing is simply not a candidate.
 */
export interface ForecastEngine {
  /** Candidate seasonal periods in steps, strongest first (augurs `seasons`). */
  readonly seasonalities?: (y: readonly number[], options: { minPeriod: number; maxPeriod: number; threshold: number }) => number[];
  /** Point forecast of `horizon` steps by automatic ETS (augurs AutoETS), non-seasonal. */
  readonly ets?: (y: readonly number[], horizon: number) => number[];
  /** Point forecast by MSTL with the given periods and an AutoETS trend (augurs MSTL). */
  readonly mstl?: (y: readonly number[], periods: readonly number[], horizon: number) => number[];
  /** Point forecast by Prophet at the future timestamps (augurs Prophet with the wasmstan optimiser). */
  readonly prophet?: (ds: readonly number[], y: readonly number[], futureDs: readonly number[]) => number[];
  /** Point forecast by a small LSTM (tfjs); bounded training time by contract. */
  readonly lstm?: (y: readonly number[], horizon: number, options: { period: number; seed: number }) => Promise<number[]>;
  /**
   * Outlying intervals per series of a group of equally long series (augurs `outlier`, MAD or DBSCAN). Returns,
   * for each input series, index ranges [start, end) that are outlying.
   */
  readonly outliers?: (group: readonly (readonly number[])[], options: { algorithm: 'mad' | 'dbscan'; sensitivity: number }) => Array<Array<{ start: number; end: number }>>;
  /** Changepoint indexes (augurs Bayesian online changepoint detection with a Normal-Gamma prior). */
  readonly changepoints?: (y: readonly number[], options: { hazardLambda: number }) => number[];
}

/** One forecast step with its prediction intervals (central 50/90/99%). */
export interface ForecastPoint {
  /** Unix seconds. */
  readonly t: number;
  readonly mean: number;
  readonly lo50: number;
  readonly hi50: number;
  readonly lo90: number;
  readonly hi90: number;
  readonly lo99: number;
  readonly hi99: number;
}

/** Backtest accuracy of one model (or the ensemble) on the series' own history. */
export interface Accuracy {
  /** Mean absolute scaled error against the in-sample seasonal-naive error; < 1 beats seasonal naive. */
  readonly mase: number;
  /** Symmetric MAPE in percent (0–200). */
  readonly smape: number;
  /** Share of held-out values inside the 90% interval (0–1), when intervals were evaluated. */
  readonly coverage90: number | null;
  /** How many held-out points the figures are over. */
  readonly points: number;
}

/** The result of {@link forecastSeries} (ensemble.ts). */
export interface ForecastResult {
  /** 'ensemble' when more than one model has weight, else the one model's name. */
  readonly model: string;
  /** Weight per candidate model (0 for those that did not earn weight or failed); sums to 1. */
  readonly weights: Partial<Record<ModelName, number>>;
  readonly points: ForecastPoint[];
  /** Seasonal periods detected, in steps. */
  readonly periods: number[];
  /** Backtest accuracy per model and for 'ensemble'. */
  readonly accuracy: Record<string, Accuracy>;
  /** Unix seconds of the first and last history value the models were fitted on. */
  readonly window: { readonly from: number; readonly to: number; readonly points: number };
  readonly stepSeconds: number;
  /** Why the result is a fallback or a model was dropped, in plain words. */
  readonly notes: string[];
  /** True when history was too short or every model failed and the forecast is a naive one. */
  readonly fallback: boolean;
  /**
   * Each weighted model's own point forecast over the horizon (the final fit the mean combines), so its
   * accuracy can be tracked once the actuals arrive. Absent on a naive fallback.
   */
  readonly members?: Partial<Record<ModelName, number[]>>;
}
