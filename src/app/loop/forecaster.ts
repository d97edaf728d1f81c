/**
 * What the control loop needs from forecasting: one number per pool and iteration, the demand to plan for,
 * i.e. the demand expected (at a high quantile) between now and the moment nodes started now are serving.
 */

/** A regular demand series, oldest first: values[i] at startSeconds + i·stepSeconds (Unix seconds). */
export interface DemandHistory {
  readonly startSeconds: number;
  readonly stepSeconds: number;
  /** An array or a typed-array view (backtests pass subarrays of the trace, so no step copies it). */
  readonly values: ArrayLike<number>;
}

export interface PlanningDemandRequest {
  readonly pool: string;
  readonly history: DemandHistory;
  /** Seconds from "start" until a new node serves. */
  readonly leadTimeSeconds: number;
  /** Seconds until the loop decides again. */
  readonly intervalSeconds: number;
  /** Unix seconds of the decision. */
  readonly nowSeconds: number;
}

export interface PlanningDemandEstimate {
  /** Demand to plan for, ≥ observed. */
  readonly demand: number;
  /** The latest observed demand. */
  readonly observed: number;
  /** Which model produced it (`headroom`, `ensemble`, `hindsight` …). */
  readonly model: string;
  /** One sentence for the decision's explanation. */
  readonly detail: string;
}

/**
 * Contract: `planningDemand` never returns less than the latest observed value and never throws for a short
 * or flat history (it falls back to the observed value and says so in `detail`). Implementations may cache
 * fitted models per pool and refit on their own schedule.
 */
export interface DemandForecaster {
  planningDemand(request: PlanningDemandRequest): Promise<PlanningDemandEstimate>;
}

export interface HeadroomOptions {
  /** Quantile of the historical lead-time growth to plan for (default 0.99). */
  readonly quantile?: number;
  /** History used to learn the growth distribution, seconds (default 7 days; less if less is there). */
  readonly windowSeconds?: number;
  /** Refit the growth quantile at most this often per pool, seconds of the series' own time (default 3600). */
  readonly refitSeconds?: number;
  /** Need at least this many history points before trusting the learned growth (default 30). */
  readonly minPoints?: number;
}

interface Fit {
  readonly at: number;
  readonly horizon: number;
  readonly step: number;
  readonly ratio: number;
  readonly seasonalRatio: number | null;
  readonly period: number | null;
}

const DAY = 86_400;

/**
 * The loop's built-in forecaster (used until, and beside, the forecasting service): "how much can demand grow
 * within the lead time?", learned from the pool's own history. For every past instant t it takes the growth
 * ratio max(y[t+1..t+h]) / y[t] over the horizon h = lead time + interval, and plans for the latest value times
 * the `quantile` of those ratios. With a day or more of history it also looks one day back: if demand grew
 * over the same horizon yesterday (a morning ramp), that growth, scaled to today's level, is planned for too.
 *
 * The quantile is refit every `refitSeconds` (not every iteration), which keeps a backtest over months of
 * 1-minute data fast: O(window) work once an hour, O(h) per step.
 */
export class HeadroomForecaster implements DemandForecaster {
  readonly #quantile: number;
  readonly #window: number;
  readonly #refit: number;
  readonly #minPoints: number;
  readonly #fits = new Map<string, Fit>();

  constructor(options: HeadroomOptions = {}) {
    this.#quantile = options.quantile ?? 0.99;
    this.#window = options.windowSeconds ?? 7 * DAY;
    this.#refit = options.refitSeconds ?? 3600;
    this.#minPoints = options.minPoints ?? 30;
  }

  async planningDemand(request: PlanningDemandRequest): Promise<PlanningDemandEstimate> {
    return this.estimate(request);
  }

  /** Synchronous form (backtests call it once per step). */
  estimate(request: PlanningDemandRequest): PlanningDemandEstimate {
    const { history } = request;
    const values = history.values;
    const n = values.length;
    const observed = n > 0 ? Math.max(0, values[n - 1] as number) : 0;
    const step = history.stepSeconds;
    const horizon = Math.max(1, Math.ceil((request.leadTimeSeconds + request.intervalSeconds) / step));
    if (n < this.#minPoints) {
      return { demand: observed, observed, model: 'naive', detail: `only ${n} demand points so far: planning for the latest value` };
    }
    const end = history.startSeconds + (n - 1) * step;
    let fit = this.#fits.get(request.pool);
    if (fit === undefined || fit.horizon !== horizon || fit.step !== step || end - fit.at >= this.#refit || end < fit.at) {
      fit = this.#fit(values, step, horizon, end);
      this.#fits.set(request.pool, fit);
    }
    let demand = observed * fit.ratio;
    let detail = `latest ${round(observed)}; demand grew by up to ×${fit.ratio.toFixed(3)} within ${horizon * step} s in ${Math.round(this.#quantile * 100)}% of the past windows`;
    if (fit.period !== null && fit.seasonalRatio !== null) {
      // Yesterday over the same horizon, scaled to today's level.
      const back = n - 1 - fit.period;
      if (back >= 0) {
        const then = Math.max(values[back] as number, 1e-9);
        let peak = 0;
        for (let i = back + 1; i <= Math.min(back + horizon, n - 1); i += 1) peak = Math.max(peak, values[i] as number);
        const seasonal = observed * Math.min(peak / then, fit.seasonalRatio);
        if (seasonal > demand) {
          demand = seasonal;
          detail += `; one day earlier it grew ×${(peak / then).toFixed(3)} over the same horizon, planned for that`;
        }
      }
    }
    demand = Math.max(observed, demand);
    return { demand, observed, model: 'headroom', detail };
  }

  #fit(values: ArrayLike<number>, step: number, horizon: number, end: number): Fit {
    const n = values.length;
    const span = Math.min(n, Math.max(this.#minPoints, Math.floor(this.#window / step)));
    const from = n - span;
    // Values below a small share of the typical level make ratios explode (a night at zero): floor them.
    const sorted: number[] = [];
    for (let i = from; i < n; i += 1) if ((values[i] as number) > 0) sorted.push(values[i] as number);
    sorted.sort((a, b) => a - b);
    const floor = sorted.length > 0 ? (sorted[Math.floor(sorted.length / 2)] as number) * 0.05 : 1e-9;
    const ratios: number[] = [];
    // A sliding maximum over the next `horizon` values (monotonic deque), so the fit is O(span).
    const deque: number[] = [];
    for (let t = n - 1; t >= from; t -= 1) {
      if (t + 1 < n) {
        const j = t + 1;
        while (deque.length > 0 && (values[deque[deque.length - 1] as number] as number) <= (values[j] as number)) deque.pop();
        deque.push(j);
      }
      while (deque.length > 0 && (deque[0] as number) > t + horizon) deque.shift();
      if (t + horizon >= n || deque.length === 0) continue;
      const ahead = values[deque[0] as number] as number;
      ratios.push(Math.max(1, ahead / Math.max(values[t] as number, floor)));
    }
    const ratio = ratios.length === 0 ? 1 : quantileOf(ratios, this.#quantile);
    const period = Math.round(DAY / step);
    const seasonal = n > period + horizon && step <= 3600 ? period : null;
    return { at: end, horizon, step, ratio: Math.min(ratio, 10), seasonalRatio: seasonal === null ? null : Math.max(ratio * 2, 1.5), period: seasonal };
  }
}

/**
 * Perfect knowledge of the future (the backtest's lower bound): the maximum of the actual demand between now
 * and the end of the horizon. Only a backtest can build one (it holds the whole trace).
 */
export class HindsightForecaster implements DemandForecaster {
  readonly #trace: DemandHistory;

  constructor(trace: DemandHistory) {
    this.#trace = trace;
  }

  async planningDemand(request: PlanningDemandRequest): Promise<PlanningDemandEstimate> {
    return this.estimate(request);
  }

  estimate(request: PlanningDemandRequest): PlanningDemandEstimate {
    const t = this.#trace;
    const i = Math.round((request.nowSeconds - t.startSeconds) / t.stepSeconds);
    const horizon = Math.max(1, Math.ceil((request.leadTimeSeconds + request.intervalSeconds) / t.stepSeconds));
    const observed = t.values[Math.min(Math.max(i, 0), t.values.length - 1)] ?? 0;
    let peak = observed;
    for (let k = Math.max(i, 0); k <= Math.min(i + horizon, t.values.length - 1); k += 1) peak = Math.max(peak, t.values[k] as number);
    return { demand: peak, observed, model: 'hindsight', detail: `the actual peak of the next ${horizon * t.stepSeconds} s` };
  }
}

/** Nearest-rank quantile of an unsorted array (copied and sorted). */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}
