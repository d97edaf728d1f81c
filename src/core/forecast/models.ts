/**
 * The forecasting models behind one interface (issue #6). Each model turns a history (plain array, regular
 * steps) into a point forecast of `horizon` steps; intervals are not the model's business — the ensemble
 * calibrates them from backtest errors (ensemble.ts), which keeps them honest for every model alike.
 *
 * Seasonal naive is implemented here; ETS, MSTL, Prophet and the LSTM call injected back-ends
 * ({@link ForecastEngine}), so this file stays pure.
 */
import type { ForecastEngine, ModelName } from './types.js';

/** What a model may know besides the values. */
export interface ModelContext {
  readonly stepSeconds: number;
  /** Unix seconds of history[0]. */
  readonly startSeconds: number;
  /** Detected seasonal periods in steps, ascending. */
  readonly periods: readonly number[];
  readonly seed: number;
}

/** A forecasting model. `forecast` may throw; the ensemble then drops the model for this series and notes why. */
export interface ForecastModel {
  readonly name: ModelName;
  /** Minimum history (steps) the model needs; undefined when it does not apply to this series at all. */
  minHistory(context: ModelContext): number | undefined;
  /** Point forecast, exactly `horizon` finite values. */
  forecast(history: readonly number[], horizon: number, context: ModelContext): number[] | Promise<number[]>;
}

/** Repeats the last full season: y[t + h] = y[t + h - m·k]. */
export function seasonalNaive(history: readonly number[], horizon: number, period: number): number[] {
  const n = history.length;
  const m = Math.max(1, Math.min(period, n));
  const out = new Array<number>(horizon);
  for (let h = 0; h < horizon; h++) out[h] = history[n - m + (h % m)] as number;
  return out;
}

function calendarPeriod(seconds: number, stepSeconds: number): number | undefined {
  const p = Math.round(seconds / stepSeconds);
  return p >= 2 ? p : undefined;
}

/** Keeps the last `limit` points: older history costs fitting time and rarely helps a 1-day horizon. */
function tail(history: readonly number[], limit: number): readonly number[] {
  return history.length > limit ? history.slice(history.length - limit) : history;
}

/**
 * Temporal aggregation: means of `factor` consecutive steps, aligned so the last bin ends at the last value.
 * Fitting MSTL and ETS at a coarser step (a daily cycle of 48 steps instead of 288) costs a sixth of the time
 * and filters sub-bin noise a day-ahead forecast cannot predict anyway.
 */
export function coarsen(history: readonly number[], factor: number): number[] {
  const bins = Math.floor(history.length / factor);
  const offset = history.length - bins * factor;
  const out = new Array<number>(bins);
  for (let b = 0; b < bins; b++) {
    let sum = 0;
    for (let i = 0; i < factor; i++) sum += history[offset + b * factor + i] as number;
    out[b] = sum / factor;
  }
  return out;
}

/**
 * Back to the fine step: linear interpolation between bin centres, starting from the last history bin (so the
 * forecast joins the history without a jump).
 */
export function refine(lastBin: number, coarseForecast: readonly number[], factor: number, horizon: number): number[] {
  const out = new Array<number>(horizon);
  // Fine step n + h sits (h + 0.5) / factor + 0.5 bins after the centre of the last history bin (index -1).
  for (let h = 0; h < horizon; h++) {
    const pos = (h + 0.5) / factor - 0.5; // in coarse-forecast index units; -1 is the last history bin
    const j = Math.floor(pos);
    const frac = pos - j;
    const at = (k: number): number => (k < 0 ? lastBin : (coarseForecast[Math.min(k, coarseForecast.length - 1)] as number));
    out[h] = at(j) + (at(j + 1) - at(j)) * frac;
  }
  return out;
}

/** The aggregation factor for a series: a shortest period of ~48 coarse steps, or 1 when periods are short. */
export function aggregationFactor(periods: readonly number[], target = 48): number {
  if (periods.length === 0) return 1;
  return Math.max(1, Math.floor(Math.min(...periods) / target));
}

/** Fits `fit` on the coarsened history and brings its forecast back to the fine step. */
function viaCoarse(history: readonly number[], horizon: number, factor: number, fit: (coarse: number[], coarseHorizon: number) => number[]): number[] {
  if (factor <= 1) return fit([...history], horizon);
  const coarse = coarsen(history, factor);
  const coarseHorizon = Math.ceil(horizon / factor) + 1;
  return refine(coarse[coarse.length - 1] as number, fit(coarse, coarseHorizon), factor, horizon);
}

function checked(values: readonly number[], horizon: number, name: string): number[] {
  if (values.length !== horizon) throw new Error(`${name} returned ${values.length} values for a horizon of ${horizon}`);
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`${name} returned a non-finite value`);
  return [...values];
}

/** Naive: the last value, repeated. The fallback when nothing else can be fitted. */
export const naiveModel: ForecastModel = {
  name: 'naive',
  minHistory: () => 1,
  forecast: (history, horizon) => seasonalNaive(history, horizon, 1),
};

export interface ModelLimits {
  /** ETS fits on at most this many recent (coarsened) points, and at most two of the shortest season. Default 300. */
  readonly etsMaxPoints?: number;
  /** Coarse steps per shortest period for MSTL and ETS fits (see {@link coarsen}); 0 disables. Default 48. */
  readonly coarseSeasonSteps?: number;
  /** MSTL fits on at most this many cycles of its longest period (at least 2). Default 4. */
  readonly mstlMaxCycles?: number;
  /** Prophet fits on at most this many recent points. Default 4,032 (two weeks at 5 min). */
  readonly prophetMaxPoints?: number;
}

/** The models available with this engine, by name. Models whose back-end is absent are left out. */
export function buildModels(engine: ForecastEngine, limits: ModelLimits = {}): Map<ModelName, ForecastModel> {
  const models = new Map<ModelName, ForecastModel>();
  models.set('snaive_daily', {
    name: 'snaive_daily',
    minHistory: (c) => calendarPeriod(86_400, c.stepSeconds),
    forecast: (y, h, c) => seasonalNaive(y, h, calendarPeriod(86_400, c.stepSeconds) ?? 1),
  });
  models.set('snaive_weekly', {
    name: 'snaive_weekly',
    minHistory: (c) => calendarPeriod(604_800, c.stepSeconds),
    forecast: (y, h, c) => seasonalNaive(y, h, calendarPeriod(604_800, c.stepSeconds) ?? 1),
  });
  const { ets, mstl, prophet, lstm } = engine;
  if (ets) {
    models.set('ets', {
      name: 'ets',
      minHistory: () => 10,
      forecast: (y, h, c) => {
        const factor = limits.coarseSeasonSteps === 0 ? 1 : aggregationFactor(c.periods, limits.coarseSeasonSteps);
        // Non-seasonal ETS on a seasonal series can only follow the level, and two seasons show the level as
        // well as six days do, at a third of the fitting time (the backtest fits it once per origin).
        const seasons = c.periods.length > 0 ? 2 * Math.ceil(Math.min(...c.periods) / factor) : Number.POSITIVE_INFINITY;
        const window = tail(y, Math.min(limits.etsMaxPoints ?? 300, seasons) * factor);
        return checked(viaCoarse(window, h, factor, (coarse, ch) => ets(coarse, ch)), h, 'ets');
      },
    });
  }
  if (mstl) {
    models.set('mstl', {
      name: 'mstl',
      // MSTL needs two full cycles of a period; without a period it is just ETS, so not a candidate. Periods
      // longer than half the history are left out of that fit (e.g. weekly at an early backtest origin).
      minHistory: (c) => (c.periods.length === 0 ? undefined : 2 * Math.min(...c.periods)),
      forecast: (y, h, c) => {
        const usable = c.periods.filter((p) => 2 * p <= y.length);
        const window = tail(y, Math.max(2, limits.mstlMaxCycles ?? 4) * Math.max(...usable));
        const periods = usable.filter((p) => 2 * p <= window.length);
        const factor = limits.coarseSeasonSteps === 0 ? 1 : aggregationFactor(periods, limits.coarseSeasonSteps);
        const coarsePeriods = [...new Set(periods.map((p) => Math.round(p / factor)))].filter((p) => p >= 2);
        return checked(viaCoarse(window, h, factor, (coarse, ch) => mstl(coarse, coarsePeriods, ch)), h, 'mstl');
      },
    });
  }
  if (prophet) {
    models.set('prophet', {
      name: 'prophet',
      minHistory: () => 20,
      forecast: (y, h, c) => {
        const window = tail(y, limits.prophetMaxPoints ?? 4032);
        const first = c.startSeconds + (y.length - window.length) * c.stepSeconds;
        const ds = window.map((_, i) => first + i * c.stepSeconds);
        const future = Array.from({ length: h }, (_, i) => first + (window.length + i) * c.stepSeconds);
        return checked(prophet(ds, window, future), h, 'prophet');
      },
    });
  }
  if (lstm) {
    models.set('lstm', {
      name: 'lstm',
      minHistory: () => 200,
      // On the coarse series too: a 48-step day keeps the window short and the recursion 6× shorter.
      forecast: async (y, h, c) => {
        const factor = limits.coarseSeasonSteps === 0 ? 1 : aggregationFactor(c.periods, limits.coarseSeasonSteps);
        const period = c.periods.length > 0 ? Math.round(Math.min(...c.periods) / factor) : 0;
        if (factor <= 1) return checked(await lstm(y, h, { period, seed: c.seed }), h, 'lstm');
        const coarse = coarsen(y, factor);
        const forecast = await lstm(coarse, Math.ceil(h / factor) + 1, { period, seed: c.seed });
        return checked(refine(coarse[coarse.length - 1] as number, forecast, factor, h), h, 'lstm');
      },
    });
  }
  return models;
}
