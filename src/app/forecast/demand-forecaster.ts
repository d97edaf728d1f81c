/**
 * The control loop's forecaster on the backtest-weighted ensemble (issue #6 §5, docs/forecasting.md).
 *
 * Fitting (rolling-origin backtests, anomaly screening) costs tens of milliseconds per series, too much to do
 * for every pool every 30 s. So a fit forecasts far enough ahead to cover the lead-time window of every
 * decision until the next scheduled refit, and is cached per pool; a decision between refits only reads the
 * cached points of its own window (O(horizon)). A pool is refitted when:
 *   - `refitSeconds` of series time have passed since the last fit (the schedule),
 *   - the step, or the lead time + interval, changed so the cached forecast no longer covers the window,
 *   - time went backwards (a backtest restarted), or
 *   - the observations since the fit broke out of the cached 99% interval `breakoutPoints` times in a row: the
 *     cheap, online form of a changepoint (the full detector runs inside the refit and excludes anomalies).
 * Too little history falls back to the latest observed value and says so; an ensemble failure (a back-end
 * throwing for a pathological series) does the same rather than failing the loop's iteration.
 */
import type { DemandForecaster, PlanningDemandEstimate, PlanningDemandRequest } from '../loop/forecaster.js';
import { detectAnomalies, forecastSeries, MIN_HISTORY, planningDemand } from '../../core/forecast/index.js';
import type { ForecastEngine, ForecastResult, ModelName } from '../../core/forecast/index.js';

export interface EnsembleDemandForecasterOptions {
  /**
   * The numerical back-ends (bootstrap's loadForecastEngine), a promise of them, or a function loading them on
   * the first fit (called again at the next fit if it failed).
   */
  readonly engine: ForecastEngine | Promise<ForecastEngine> | (() => Promise<ForecastEngine>);
  /** Forecast quantile planned for, in (0.5, 1). Default 0.9 (config forecast.quantile). */
  readonly quantile?: number;
  /** Refit each pool at least this often, seconds of series time. Default 3600 (forecast.refit_interval). */
  readonly refitSeconds?: number;
  /** Candidate models. Default the ensemble's defaults (forecast.models). */
  readonly models?: readonly ModelName[];
  /** History fitted on, seconds (the latest part of what is passed). Default 14 days (forecast.history_window). */
  readonly historyWindowSeconds?: number;
  /** Rolling-origin backtest origins per fit; 0 or unset: automatic (forecast.backtest_origins). */
  readonly origins?: number;
  /** Screen history for spikes, dips and outages and exclude them from fitting. Default true. */
  readonly anomalyDetection?: boolean;
  readonly anomalyAlgorithm?: 'mad' | 'dbscan';
  /** Consecutive observations outside the cached 99% interval that force a refit. Default 3. */
  readonly breakoutPoints?: number;
  /** Called after each fit (the ForecastService records fits, forecasts and anomalies through it). */
  readonly onFit?: (fit: PoolFit) => void | Promise<void>;
  /**
   * Most fits per decision time (`nowSeconds`: one loop iteration), so many pools falling due together never
   * make one iteration slow (forecast.max_fits_per_iteration). Past it, a pool keeps its cached fit while that
   * still covers the window, else plans for the latest value, and is fitted at a later iteration. Default 4.
   */
  readonly maxFitsPerIteration?: number;
}

/** One fit of one pool, as handed to `onFit`. */
export interface PoolFit {
  readonly pool: string;
  readonly result: ForecastResult;
  /** Why it was (re)fitted: 'first', 'schedule', 'changepoint', 'window', 'rewind'. */
  readonly reason: string;
  /** Anomalies found in the fitted history (index ranges relative to the fitted window's start). */
  readonly anomalies: ReturnType<typeof detectAnomalies>['anomalies'];
  readonly fittedAtSeconds: number;
}

interface Cached {
  readonly result: ForecastResult;
  /** Series time (Unix seconds) of the last history value fitted on. */
  readonly end: number;
  readonly step: number;
  /** Window length (lead + interval) the fit's horizon was sized for. */
  readonly window: number;
  /** Series time of the last observation checked against the cached interval, and the current breakout run. */
  checkedTo: number;
  breakouts: number;
}

const DAY = 86_400;
const MAX_EXCLUDED_SHARE = 0.1;

/** Builds the ensemble-backed {@link DemandForecaster} (see the file comment for the caching contract). */
export function createEnsembleDemandForecaster(options: EnsembleDemandForecasterOptions): EnsembleDemandForecaster {
  return new EnsembleDemandForecaster(options);
}

export class EnsembleDemandForecaster implements DemandForecaster {
  readonly #options: EnsembleDemandForecasterOptions;
  readonly #quantile: number;
  readonly #refit: number;
  readonly #window: number;
  readonly #breakout: number;
  readonly #cache = new Map<string, Cached>();
  /** Refits asked for from outside (the ForecastService on a newly found level shift): pool → reason. */
  readonly #forced = new Map<string, string>();
  #engine: ForecastEngine | undefined;
  readonly #maxFits: number;
  /** Fits made at one decision time (the fit budget). */
  #fitsAt = { now: Number.NaN, count: 0 };

  constructor(options: EnsembleDemandForecasterOptions) {
    this.#options = options;
    this.#quantile = options.quantile ?? 0.9;
    this.#refit = Math.max(1, options.refitSeconds ?? 3600);
    this.#window = Math.max(1, options.historyWindowSeconds ?? 14 * DAY);
    this.#breakout = Math.max(1, options.breakoutPoints ?? 3);
    this.#maxFits = Math.max(1, options.maxFitsPerIteration ?? 4);
  }

  /** Drops a pool's cached fit (the next call refits). */
  invalidate(pool: string): void {
    this.#cache.delete(pool);
    this.#forced.delete(pool);
  }

  /**
   * Refit a pool at the next decision that brings new observations, with this reason (default 'changepoint'),
   * keeping the cached fit until then. May be called from `onFit` (it then applies to the fit being made).
   */
  requestRefit(pool: string, reason = 'changepoint'): void {
    this.#forced.set(pool, reason);
  }

  /** The latest fit of a pool, if any. */
  latest(pool: string): ForecastResult | undefined {
    return this.#cache.get(pool)?.result;
  }

  async planningDemand(request: PlanningDemandRequest): Promise<PlanningDemandEstimate> {
    const { history, pool } = request;
    const values = history.values;
    const n = values.length;
    const step = history.stepSeconds;
    let observed = 0;
    for (let i = n - 1; i >= 0; i -= 1) {
      const v = values[i] as number;
      if (Number.isFinite(v)) { observed = Math.max(0, v); break; }
    }
    const windowSeconds = Math.max(0, request.leadTimeSeconds) + Math.max(0, request.intervalSeconds);
    if (n < MIN_HISTORY || !(step > 0)) {
      return { demand: observed, observed, model: 'naive', detail: `only ${n} demand point(s) so far (the ensemble needs ${MIN_HISTORY}): planning for the latest value` };
    }
    const end = history.startSeconds + (n - 1) * step;
    let cached = this.#cache.get(pool);
    const forced = this.#forced.get(pool);
    const reason = cached !== undefined && forced !== undefined && end > cached.end ? forced
      : this.#refitReason(cached, end, step, windowSeconds, history.startSeconds, values);
    let deferred: string | null = null;
    if (reason !== null && !this.#takeFit(request.nowSeconds)) {
      deferred = `${reason} refit deferred to a later iteration (${this.#maxFits} fits already made in this one)`;
      const covered = cached !== undefined && cached.step === step && end >= cached.end
        && (cached.result.points.at(-1)?.t ?? -Infinity) >= end + windowSeconds;
      if (!covered) {
        return { demand: observed, observed, model: 'naive', detail: `${deferred}: planning for the latest value` };
      }
    } else if (reason !== null) {
      try {
        cached = await this.#fit(request, reason, end, windowSeconds);
        this.#cache.set(pool, cached);
      } catch (err) {
        this.#cache.delete(pool);
        const why = err instanceof Error ? err.message : String(err);
        return { demand: observed, observed, model: 'naive', detail: `the ensemble could not fit (${why}): planning for the latest value` };
      }
    }
    const fit = cached as Cached;
    const plan = planningDemand({
      forecast: fit.result.points, quantile: this.#quantile, leadTimeSeconds: request.leadTimeSeconds,
      intervalSeconds: request.intervalSeconds, observedDemand: observed, nowSeconds: end,
    });
    const q = Math.round(this.#quantile * 100);
    const model = fit.result.fallback ? 'naive' : fit.result.model;
    const detail = plan.source === 'forecast'
      ? `${model} forecast, ${q}th percentile over the next ${windowSeconds} s: ${fmt(plan.demand)} (latest ${fmt(observed)})`
      : `${model} forecast stays below the latest value ${fmt(observed)} over the next ${windowSeconds} s: planning for it`;
    const note = (fit.result.fallback && fit.result.notes.length > 0 ? `; ${fit.result.notes[fit.result.notes.length - 1]}` : '')
      + (deferred === null ? '' : `; ${deferred}`);
    return { demand: plan.demand, observed, model: model === 'ensemble' ? 'ensemble' : `ensemble:${model}`, detail: detail + note };
  }

  /** Counts a fit against the budget of decision time `now`; false when that budget is spent. */
  #takeFit(now: number): boolean {
    if (this.#fitsAt.now !== now) this.#fitsAt = { now, count: 0 };
    if (this.#fitsAt.count >= this.#maxFits) return false;
    this.#fitsAt.count += 1;
    return true;
  }

  /** Null when the cached fit still serves; else why it must be refitted. Also advances the breakout check. */
  #refitReason(cached: Cached | undefined, end: number, step: number, windowSeconds: number, start: number, values: ArrayLike<number>): string | null {
    if (cached === undefined) return 'first';
    if (end < cached.end) return 'rewind';
    if (cached.step !== step || windowSeconds > cached.window) return 'window';
    if (end - cached.end >= this.#refit) return 'schedule';
    // New observations against the cached 99% interval: a run of breakouts means the level moved.
    const points = cached.result.points;
    for (let t = Math.max(cached.checkedTo, cached.end) + step; t <= end; t += step) {
      const i = Math.round((t - start) / step);
      const k = Math.round((t - cached.end) / step) - 1;
      const v = values[i] as number;
      const p = points[k];
      if (p === undefined || !Number.isFinite(v)) continue;
      cached.breakouts = v > p.hi99 || v < p.lo99 ? cached.breakouts + 1 : 0;
      cached.checkedTo = t;
      if (cached.breakouts >= this.#breakout) return 'changepoint';
    }
    return null;
  }

  async #fit(request: PlanningDemandRequest, reason: string, end: number, windowSeconds: number): Promise<Cached> {
    const source = this.#options.engine;
    this.#engine ??= await (typeof source === 'function' ? source() : source);
    const engine = this.#engine;
    const { history } = request;
    const step = history.stepSeconds;
    const n = history.values.length;
    const take = Math.min(n, Math.max(MIN_HISTORY, Math.floor(this.#window / step)));
    const y: number[] = new Array<number>(take);
    for (let i = 0; i < take; i += 1) y[i] = Number(history.values[n - take + i]);
    const startSeconds = history.startSeconds + (n - take) * step;
    // Cover every decision window until the next scheduled refit, plus a quarter of the refit interval of slack
    // for refits deferred by the fit budget.
    const horizon = Math.max(1, Math.ceil((windowSeconds + 1.25 * this.#refit) / step) + 1);
    let exclude: number[] = [];
    let anomalies: PoolFit['anomalies'] = [];
    if ((this.#options.anomalyDetection ?? true) && take >= 2 * MIN_HISTORY && y.every((v) => Number.isFinite(v))) {
      const report = detectAnomalies(y, engine, { stepSeconds: step, algorithm: this.#options.anomalyAlgorithm ?? 'mad' });
      // Anomalies are rare by definition: a detector flagging more than a tenth of the history has misread the
      // series' shape (too few seasons to compare), and imputing that much would fit the models to themselves.
      if (report.excluded.length <= take * MAX_EXCLUDED_SHARE) {
        exclude = report.excluded;
        anomalies = report.anomalies;
      }
    }
    const result = await forecastSeries({ startSeconds, stepSeconds: step, values: y }, engine, {
      horizon, exclude, ...(this.#options.models ? { models: this.#options.models } : {}),
      ...(this.#options.origins !== undefined ? { origins: this.#options.origins } : {}),
      backtestHorizon: Math.max(1, Math.min(horizon, Math.ceil(Math.max(windowSeconds, 3600) / step))),
    });
    this.#forced.delete(request.pool);
    if (this.#options.onFit) {
      try {
        await this.#options.onFit({ pool: request.pool, result, reason, anomalies, fittedAtSeconds: end });
      } catch {
        // Recording is best effort: the decision must not fail because the forecast store did.
      }
    }
    return { result, end, step, window: windowSeconds, checkedTo: end, breakouts: 0 };
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}
