/**
 * The forecasting ensemble (issue #6, docs/forecasting.md). One call, {@link forecastSeries}, does:
 *
 * 1. clean the history (non-finite values interpolated; anomalies excluded by seasonal imputation);
 * 2. detect seasonal periods (seasonality.ts);
 * 3. rolling-origin backtest of every candidate model on the series' own history: K origins, each a forecast
 *    of the backtest horizon from the history before it;
 * 4. weights: seasonal naive (plain naive for a series without seasons) is the yardstick. A fitted model whose
 *    backtest error is above the yardstick's beyond the backtest's noise (one-sided t-test at 90% on the
 *    per-origin error differences, {@link excessT}) gets weight 0; the others are weighted by inverse squared
 *    error; unless that combination beats the best of them in the backtest by a clear margin
 *    ({@link COMBINATION_MARGIN}), the best takes all the weight. The yardstick itself is used only when every
 *    fitted model did worse. Both rules are there because a few backtested days are noisy judges: averaging a
 *    noisy seasonal naive into a smooth model, or preferring it on a mean that a single day decided, lowered
 *    the error on the backtested days and raised it on the days that followed (measured on NASA HTTP and the
 *    Alibaba trace, docs/benchmarks.md "Forecasting");
 * 5. prediction intervals (50/90/99%) from the combination's backtest errors against the history as observed
 *    (anomalies included — they happen in the future too): split-conformal quantiles per horizon step
 *    bucket, calibrated on this series rather than trusted from each model's own assumptions;
 * 6. refit the weighted models on all the history and forecast the horizon.
 *
 * Too-short history falls back to the naive forecast with a stated reason. Pure: back-ends are injected.
 */
import { GovError } from '../errors.js';
import { mae, mase, naiveScale, quantile, smape } from './metrics.js';
import { buildModels, naiveModel, type ForecastModel, type ModelContext, type ModelLimits } from './models.js';
import { fillGaps } from './resample.js';
import { detectPeriods } from './seasonality.js';
import type { Accuracy, ForecastEngine, ForecastPoint, ForecastResult, ModelName, RegularSeriesInput } from './types.js';

/**
 * The default candidates: fast enough for ≥ 1,000 series a minute on two cores (bench/forecast.mjs). Prophet
 * and the LSTM are opt-in (`models`), because each costs seconds of CPU per series.
 */
export const DEFAULT_MODELS: readonly ModelName[] = ['snaive_daily', 'snaive_weekly', 'ets', 'mstl'];

/** History shorter than this is forecast naively: there is not enough of it to backtest anything. */
export const MIN_HISTORY = 16;

export const MIN_AUTO_ORIGINS = 3;
export const MAX_AUTO_ORIGINS = 7;

/**
 * Backtest origins when not set: enough consecutive origins for the backtest to span the longest detected
 * season, at least {@link MIN_AUTO_ORIGINS} and at most {@link MAX_AUTO_ORIGINS}. A day-ahead forecast of a
 * series with a weekly season gets 7 daily origins, so every weekday is in the comparison (with 3, a run of
 * weekdays or a weekend decided which model won); a series with no season gets 3, the most recent behaviour.
 */
export function autoOrigins(periods: readonly number[], backtestHorizon: number): number {
  const longest = periods.length > 0 ? Math.max(...periods) : 0;
  return Math.min(MAX_AUTO_ORIGINS, Math.max(MIN_AUTO_ORIGINS, Math.ceil(longest / Math.max(1, backtestHorizon))));
}

/** How much lower (relative) the combination's backtest error must be than the best single model's to be used. */
export const COMBINATION_MARGIN = 0.1;

export interface ForecastOptions {
  /** Steps to forecast (≥ 1). */
  readonly horizon: number;
  /** Candidate models. Default {@link DEFAULT_MODELS}. */
  readonly models?: readonly ModelName[];
  /**
   * Backtest origins; 0 or unset: {@link autoOrigins}. More origins: steadier weights and intervals,
   * proportionally slower.
   */
  readonly origins?: number;
  /** Steps forecast at each backtest origin. Default: the horizon, capped at one day of steps. */
  readonly backtestHorizon?: number;
  /** History indexes flagged as anomalous: imputed from the previous season before any model sees them. */
  readonly exclude?: readonly number[];
  /** Seasonal periods in steps; default: detected. */
  readonly periods?: readonly number[];
  /** Clamp forecasts and intervals at 0. Default: true when no history value is negative (demand, load). */
  readonly nonNegative?: boolean;
  /** Seed for models with randomness (the LSTM). Default 1. */
  readonly seed?: number;
  readonly limits?: ModelLimits;
  /**
   * 'backtest' (default): weights from the rolling-origin backtest, the seasonal-naive rule, best-single
   * switch. 'equal': every model that ran gets the same weight and no naive yardstick is added — for
   * evaluating one model on its own (bench/forecast-accuracy.mjs) with the same calibrated intervals.
   */
  readonly weighting?: 'backtest' | 'equal';
  /** Called after each model fit, e.g. to draw a progress bar. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number; readonly label: string }) => void;
}

const Z90 = 1.6448536269514722;
const Z99 = 2.5758293035489004;
const Z50 = 0.6744897501960817;

/** Replaces flagged indexes by the value one period earlier (or linear interpolation without a period). */
export function imputeExcluded(values: readonly number[], exclude: readonly number[], period: number | undefined): number[] {
  const y = [...values];
  const flagged = new Set(exclude.filter((i) => Number.isInteger(i) && i >= 0 && i < y.length));
  if (flagged.size === 0) return y;
  const order = [...flagged].sort((a, b) => a - b);
  for (const i of order) y[i] = Number.NaN;
  if (period !== undefined && period > 0) {
    for (const i of order) if (i - period >= 0 && Number.isFinite(y[i - period] as number)) y[i] = y[i - period] as number;
    // A flagged stretch at the very start has no earlier season: borrow the next one.
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k] as number;
      if (!Number.isFinite(y[i] as number) && i + period < y.length && Number.isFinite(y[i + period] as number)) y[i] = y[i + period] as number;
    }
  }
  fillGaps(y);
  return y;
}

/**
 * One-sided t statistic of "model's per-origin error minus the yardstick's is above 0" (a Diebold–Mariano test
 * with origins as the blocks, so errors within one backtest horizon may be correlated). One origin: the sign
 * of the difference as ±∞, there is no spread to judge it against.
 */
export function excessT(model: readonly number[], yardstick: readonly number[]): number {
  const d = model.map((e, i) => e - (yardstick[i] as number));
  const n = d.length;
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  if (sd === 0) return mean > 0 ? Number.POSITIVE_INFINITY : mean < 0 ? Number.NEGATIVE_INFINITY : 0;
  return mean / (sd / Math.sqrt(n));
}

/** Student's t 90% one-sided critical values by degrees of freedom (1–10; beyond, the value for 10 is used). */
const T90 = [0, 3.078, 1.886, 1.638, 1.533, 1.476, 1.44, 1.415, 1.397, 1.383, 1.372];
/** Critical value for `df` degrees of freedom; 0 degrees (one origin): any excess counts. */
export function oneSidedT90(df: number): number {
  if (df < 1) return 0;
  return T90[Math.min(df, T90.length - 1)] as number;
}

interface Backtest {
  /** forecasts[k][h] at origin k. */
  readonly forecasts: number[][];
}

/** Conformal quantile level: the finite-sample correction that makes n calibration errors cover ≥ q. */
function conformalLevel(q: number, n: number): number {
  if (q >= 0.5) return Math.min(1, (Math.ceil((n + 1) * q) - 1) / Math.max(1, n - 1));
  return Math.max(0, 1 - (Math.ceil((n + 1) * (1 - q)) - 1) / Math.max(1, n - 1));
}

interface IntervalOffsets {
  readonly lo50: number; readonly hi50: number; readonly lo90: number; readonly hi90: number; readonly lo99: number; readonly hi99: number;
}

/** Interval offsets per backtest-horizon step from residuals[k][h], pooled over buckets of neighbouring steps. */
function intervalOffsets(residuals: number[][], horizon: number): IntervalOffsets[] {
  const k = residuals.length;
  const width = Math.max(1, Math.ceil(40 / Math.max(1, k)));
  const out: IntervalOffsets[] = [];
  for (let start = 0; start < horizon; start += width) {
    const pool: number[] = [];
    for (const r of residuals) for (let h = start; h < Math.min(horizon, start + width); h++) pool.push(r[h] as number);
    const n = pool.length;
    const q = (p: number): number => quantile(pool, conformalLevel(p, n));
    const center = quantile(pool, 0.5);
    const lo90 = q(0.05);
    const hi90 = q(0.95);
    // 99% from ~40 errors is the sample extreme; extend by the normal ratio so it is not just "the worst seen".
    const lo99 = Math.min(q(0.005), center - ((center - lo90) * Z99) / Z90);
    const hi99 = Math.max(q(0.995), center + ((hi90 - center) * Z99) / Z90);
    const offsets = { lo50: q(0.25), hi50: q(0.75), lo90, hi90, lo99, hi99 };
    for (let h = start; h < Math.min(horizon, start + width); h++) out.push(offsets);
  }
  return out;
}

function toPoints(mean: readonly number[], offsets: readonly IntervalOffsets[], firstT: number, step: number, nonNegative: boolean): ForecastPoint[] {
  const clamp = (v: number): number => (nonNegative ? Math.max(0, v) : v);
  return mean.map((m, h) => {
    const o = offsets[Math.min(h, offsets.length - 1)] as IntervalOffsets;
    // Keep the bands nested and around the mean even when the residuals are skewed.
    const lo50 = Math.min(m, m + o.lo50);
    const hi50 = Math.max(m, m + o.hi50);
    const lo90 = Math.min(lo50, m + o.lo90);
    const hi90 = Math.max(hi50, m + o.hi90);
    const lo99 = Math.min(lo90, m + o.lo99);
    const hi99 = Math.max(hi90, m + o.hi99);
    return {
      t: firstT + h * step, mean: clamp(m),
      lo50: clamp(lo50), hi50: clamp(hi50), lo90: clamp(lo90), hi90: clamp(hi90), lo99: clamp(lo99), hi99: clamp(hi99),
    };
  });
}

/**
 * The naive fallback: last value, intervals from the root-mean-square one-step change growing with √h. RMS, not
 * the standard deviation: a steady trend (1, 2, 3) has no spread in its changes, yet the last value misses it.
 */
function naiveFallback(y: readonly number[], series: RegularSeriesInput, horizon: number, nonNegative: boolean, notes: string[], periods: number[]): ForecastResult {
  const last = y[y.length - 1] as number;
  const diffs: number[] = [];
  for (let i = 1; i < y.length; i++) diffs.push((y[i] as number) - (y[i - 1] as number));
  let sd = 0;
  if (diffs.length > 0) sd = Math.sqrt(diffs.reduce((a, b) => a + b * b, 0) / diffs.length);
  // With one point there is no spread to measure; 10% of the level says "we do not know" without being absurd.
  if (diffs.length === 0) sd = Math.abs(last) * 0.1;
  const offsets: IntervalOffsets[] = Array.from({ length: horizon }, (_, h) => {
    const s = sd * Math.sqrt(h + 1);
    return { lo50: -Z50 * s, hi50: Z50 * s, lo90: -Z90 * s, hi90: Z90 * s, lo99: -Z99 * s, hi99: Z99 * s };
  });
  const n = y.length;
  return {
    model: 'naive', weights: { naive: 1 },
    points: toPoints(new Array<number>(horizon).fill(last), offsets, series.startSeconds + n * series.stepSeconds, series.stepSeconds, nonNegative),
    periods, accuracy: {},
    window: { from: series.startSeconds, to: series.startSeconds + (n - 1) * series.stepSeconds, points: n },
    stepSeconds: series.stepSeconds, notes, fallback: true,
  };
}

/**
 * Forecasts `horizon` steps after the last value of `series` with the backtest-weighted ensemble. Throws
 * GovError GOV_VALIDATION for an empty series, a bad step or horizon, or a series with no finite value; never
 * for a model failure (that model is dropped and `notes` says why).
 */
export async function forecastSeries(series: RegularSeriesInput, engine: ForecastEngine, options: ForecastOptions): Promise<ForecastResult> {
  const { stepSeconds } = series;
  const horizon = options.horizon;
  if (!(Number.isInteger(horizon) && horizon >= 1)) throw new GovError('GOV_VALIDATION', `horizon must be a positive whole number of steps, got ${horizon}`);
  if (!(Number.isFinite(stepSeconds) && stepSeconds > 0)) throw new GovError('GOV_VALIDATION', `stepSeconds must be positive, got ${stepSeconds}`);
  if (series.values.length === 0) throw new GovError('GOV_VALIDATION', 'the history is empty; nothing to forecast from');
  const notes: string[] = [];
  if (!series.values.some((v) => Number.isFinite(v))) throw new GovError('GOV_VALIDATION', 'the history has no finite value');
  const raw = [...series.values];
  const holes = fillGaps(raw);
  if (holes.length > 0) notes.push(`${holes.length} non-finite history value(s) were interpolated`);
  const nonNegative = options.nonNegative ?? raw.every((v) => v >= 0);
  const n = raw.length;
  if (n < MIN_HISTORY) {
    notes.push(`history has ${n} point(s); at least ${MIN_HISTORY} are needed to backtest models, so this is a naive (last value) forecast`);
    return naiveFallback(imputeExcluded(raw, options.exclude ?? [], undefined), series, horizon, nonNegative, notes, []);
  }
  const periods = options.periods ? [...options.periods] : detectPeriods(raw, engine, { stepSeconds });
  const y = imputeExcluded(raw, options.exclude ?? [], periods[0]);
  if ((options.exclude ?? []).length > 0) notes.push(`${options.exclude?.length} anomalous point(s) were excluded from fitting`);
  const context: ModelContext = { stepSeconds, startSeconds: series.startSeconds, periods, seed: options.seed ?? 1 };
  const available = buildModels(engine, options.limits);
  const wanted = options.models ?? DEFAULT_MODELS;
  const candidates: ForecastModel[] = [];
  for (const name of wanted) {
    const model = available.get(name);
    if (!model) { notes.push(`${name}: no back-end available`); continue; }
    if (model.minHistory(context) === undefined) { notes.push(`${name}: not applicable (${name === 'mstl' ? 'no seasonality detected' : `step of ${stepSeconds} s`})`); continue; }
    candidates.push(model);
  }
  const dayPeriod = Math.max(1, Math.round(86_400 / stepSeconds));
  let hb = Math.max(1, Math.min(options.backtestHorizon ?? Math.min(horizon, dayPeriod), Math.floor(n / 3)));
  let k = options.origins !== undefined && options.origins > 0 ? Math.floor(options.origins) : autoOrigins(periods, hb);
  // Fewer origins rather than none when the history is short.
  while (k > 1 && n - k * hb < MIN_HISTORY) k--;
  if (n - k * hb < MIN_HISTORY) hb = Math.max(1, n - MIN_HISTORY);
  const trainAtFirstOrigin = n - k * hb;
  const evaluated: ForecastModel[] = [];
  for (const model of candidates) {
    const need = model.minHistory(context) as number;
    if (need > trainAtFirstOrigin) notes.push(`${model.name}: needs ${need} points of history before the first backtest origin, has ${trainAtFirstOrigin}`);
    else evaluated.push(model);
  }
  const hasSeasonalNaive = evaluated.some((m) => m.name === 'snaive_daily' || m.name === 'snaive_weekly');
  // Without a seasonal naive to beat, the plain naive is the yardstick (and a candidate).
  const equal = options.weighting === 'equal';
  if (!hasSeasonalNaive && !equal && evaluated.length > 0) evaluated.unshift(naiveModel);
  if (evaluated.length === 0) {
    notes.push('no candidate model can run on this history, so this is a naive (last value) forecast');
    return naiveFallback(y, series, horizon, nonNegative, notes, periods);
  }
  const total = evaluated.length * (k + 1);
  let done = 0;
  const progress = (label: string): void => { done++; options.onProgress?.({ done, total, label }); };
  const origins = Array.from({ length: k }, (_, i) => n - (k - i) * hb);
  const actuals = origins.map((o) => y.slice(o, o + hb));
  const backtests = new Map<ModelName, Backtest>();
  for (const model of evaluated) {
    const forecasts: number[][] = [];
    try {
      for (const o of origins) {
        forecasts.push(await model.forecast(y.slice(0, o), hb, { ...context }));
        progress(`${model.name} backtest`);
      }
      backtests.set(model.name, { forecasts });
    } catch (error) {
      notes.push(`${model.name}: dropped, backtest failed (${error instanceof Error ? error.message : String(error)})`);
      done += k - forecasts.length;
    }
  }
  const scale = naiveScale(y.slice(0, trainAtFirstOrigin), periods[0] ?? 1);
  const flatActual = actuals.flat();
  const accuracy: Record<string, Accuracy> = {};
  const errors = new Map<ModelName, number>();
  for (const [name, bt] of backtests) {
    const flat = bt.forecasts.flat();
    errors.set(name, mae(flatActual, flat));
    accuracy[name] = { mase: mase(flatActual, flat, scale), smape: smape(flatActual, flat), coverage90: null, points: flat.length };
  }
  if (backtests.size === 0) {
    notes.push('every model failed its backtest, so this is a naive (last value) forecast');
    return naiveFallback(y, series, horizon, nonNegative, notes, periods);
  }
  const baselineNames: ModelName[] = hasSeasonalNaive ? ['snaive_daily', 'snaive_weekly'] : ['naive'];
  const perOrigin = new Map<ModelName, number[]>();
  for (const [name, bt] of backtests) perOrigin.set(name, bt.forecasts.map((f, i) => mae(actuals[i] as number[], f)));
  let weights = new Map<ModelName, number>();
  if (equal) {
    for (const name of errors.keys()) weights.set(name, 1 / errors.size);
  } else {
    // The yardstick: the best baseline (one always ran: seasonal naive, or plain naive added above). A fitted
    // model earns weight unless it did worse than the yardstick beyond the backtest's own noise; the yardstick is
    // used alone only when every fitted model did.
    const yardstick = baselineNames.filter((name) => errors.has(name)).sort((a, b) => (errors.get(a) as number) - (errors.get(b) as number))[0] as ModelName;
    const eligible: (readonly [ModelName, number])[] = [];
    for (const [name, e] of errors) {
      if (baselineNames.includes(name)) continue;
      const t = excessT(perOrigin.get(name) as number[], perOrigin.get(yardstick) as number[]);
      if (t > oneSidedT90(k - 1)) notes.push(`${name}: weight 0, its backtest error is above ${yardstick}'s beyond the noise (t = ${t === Number.POSITIVE_INFINITY ? '∞' : t.toFixed(2)} over ${k} origin(s))`);
      else eligible.push([name, e]);
    }
    if (eligible.length === 0) eligible.push([yardstick, errors.get(yardstick) as number]);
    const exact = eligible.filter(([, e]) => e === 0);
    if (exact.length > 0) for (const [name] of exact) weights.set(name, 1 / exact.length);
    else {
      const inv = eligible.map(([name, e]) => [name, 1 / (e * e)] as const);
      const sum = inv.reduce((a, [, v]) => a + v, 0);
      for (const [name, v] of inv) weights.set(name, v / sum);
    }
  }
  const combine = (pick: (bt: Backtest) => number[][]): number[][] => {
    const out = origins.map(() => new Array<number>(hb).fill(0));
    for (const [name, w] of weights) {
      const f = pick(backtests.get(name) as Backtest);
      for (let i = 0; i < k; i++) for (let h = 0; h < hb; h++) (out[i] as number[])[h] = ((out[i] as number[])[h] as number) + w * ((f[i] as number[])[h] as number);
    }
    return out;
  };
  let combined = combine((bt) => bt.forecasts);
  let ensembleError = mae(flatActual, combined.flat());
  const [bestName, bestError] = [...weights.keys()].map((name) => [name, errors.get(name) as number] as const).sort((a, b) => a[1] - b[1])[0] as [ModelName, number];
  if (!equal && weights.size > 1 && bestError * (1 - COMBINATION_MARGIN) <= ensembleError) {
    notes.push(`the weighted combination did not beat ${bestName} alone by ${COMBINATION_MARGIN * 100}% in the backtest, so ${bestName} takes all the weight`);
    weights = new Map([[bestName, 1]]);
    combined = combine((bt) => bt.forecasts);
    ensembleError = bestError;
  }
  accuracy.ensemble = { mase: mase(flatActual, combined.flat(), scale), smape: smape(flatActual, combined.flat()), coverage90: null, points: flatActual.length };
  // Intervals must cover what will be observed, spikes and dips included: residuals against the history as
  // it was (gaps filled), not the anomaly-imputed copy the models were fitted and ranked on.
  const observed = origins.map((o) => raw.slice(o, o + hb));
  const residuals = combined.map((f, i) => f.map((v, h) => ((observed[i] as number[])[h] as number) - v));
  const offsets = intervalOffsets(residuals, hb);
  // Final fit on all the history.
  const mean = new Array<number>(horizon).fill(0);
  const members: Partial<Record<ModelName, number[]>> = {};
  let weightUsed = 0;
  for (const [name, w] of weights) {
    const model = evaluated.find((m) => m.name === name) as ForecastModel;
    try {
      const f = await model.forecast(y, horizon, context);
      for (let h = 0; h < horizon; h++) mean[h] = (mean[h] as number) + w * (f[h] as number);
      weightUsed += w;
      members[name] = nonNegative ? f.slice(0, horizon).map((v) => Math.max(0, v)) : f.slice(0, horizon);
    } catch (error) {
      notes.push(`${name}: dropped, final fit failed (${error instanceof Error ? error.message : String(error)})`);
      weights.set(name, 0);
    }
    progress(`${name} fit`);
  }
  if (weightUsed === 0) {
    notes.push('every weighted model failed its final fit, so this is a naive (last value) forecast');
    return naiveFallback(y, series, horizon, nonNegative, notes, periods);
  }
  for (let h = 0; h < horizon; h++) mean[h] = (mean[h] as number) / weightUsed;
  const finalWeights: Partial<Record<ModelName, number>> = {};
  for (const model of evaluated) finalWeights[model.name] = (weights.get(model.name) ?? 0) / weightUsed;
  if (horizon > hb) notes.push(`intervals beyond step ${hb} reuse the last backtested step's spread`);
  const positive = [...weights.entries()].filter(([, w]) => w > 0);
  return {
    model: positive.length === 1 ? (positive[0] as [ModelName, number])[0] : 'ensemble',
    weights: finalWeights,
    points: toPoints(mean, offsets, series.startSeconds + n * stepSeconds, stepSeconds, nonNegative),
    periods,
    accuracy,
    window: { from: series.startSeconds, to: series.startSeconds + (n - 1) * stepSeconds, points: n },
    stepSeconds,
    notes,
    fallback: false,
    members,
  };
}
