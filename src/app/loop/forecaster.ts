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
  /** History points the fit saw. */
  readonly points: number;
  readonly horizon: number;
  readonly step: number;
  /** The `quantile` of the relative growth g (see HeadroomForecaster). */
  readonly growth: number;
  /** The typical level: the median of the window's positive values. */
  readonly level: number;
  readonly seasonalCap: number | null;
  readonly period: number | null;
}

const DAY = 86_400;
/** Growth is capped at +1000% of the reference level (a pathological window must not plan for infinity). */
const MAX_GROWTH = 10;

/**
 * The loop's built-in forecaster (used until, and beside, the forecasting service): "how far can demand rise
 * above its recent peak within the lead time?", learned from the pool's own history.
 *
 * With h = ceil((lead time + interval) / step) steps, the recent peak P(t) = max(y[t−h+1..t]) and the typical
 * level L = the median of the window's positive values, every past instant t gives a growth
 * g(t) = (P(t+h) − P(t)) / max(P(t), L), i.e. how far the peak of the next h steps rose above the peak of the
 * last h steps, relative to that peak (or to the typical level when the peak was below it). The loop plans for
 * P(now) + quantile(g) × max(P(now), L). With a day or more of history it also looks one day back: if demand
 * rose over the same horizon yesterday (a morning ramp), that growth, scaled to today's level, is planned for too.
 *
 * Measuring from the recent peak rather than the latest point keeps per-step noise out of the growth (the peak of
 * h noisy steps is a steady level; the ratio of a future peak to one noisy point is not), and makes scale-in wait
 * until demand has stayed lower for a whole horizon. Relating growth to max(peak, L) rather than to the peak alone
 * keeps a rise from near zero (a cold start, a night) from reading as a ×10 growth to apply at every level.
 *
 * The quantile is refit every `refitSeconds` (not every iteration), and whenever the history has grown by a quarter
 * since the last fit, which keeps a backtest over months of 1-minute data fast: O(window) work once an hour,
 * O(h) per step.
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
    const peak = peakOf(values, n - horizon, n - 1);
    if (n < this.#minPoints) {
      return { demand: Math.max(observed, peak), observed, model: 'naive', detail: `only ${n} demand points so far: planning for the peak of the last ${horizon * step} s` };
    }
    const end = history.startSeconds + (n - 1) * step;
    let fit = this.#fits.get(request.pool);
    // Refit on schedule, and sooner while the history is still short: whenever it has grown by a quarter (a fit
    // made from the first 30 points must not stand for an hour of new data). Geometric growth keeps it O(n) in all.
    if (fit === undefined || fit.horizon !== horizon || fit.step !== step || end - fit.at >= this.#refit || end < fit.at || n >= fit.points * 1.25) {
      fit = this.#fit(values, step, horizon, end);
      this.#fits.set(request.pool, fit);
    }
    const reference = Math.max(peak, fit.level);
    let demand = peak + fit.growth * reference;
    let detail = `peak of the last ${horizon * step} s ${round(peak)}; within ${horizon * step} s demand rose above its recent peak by up to ${(fit.growth * 100).toFixed(1)}% in ${Math.round(this.#quantile * 100)}% of the past windows`;
    if (fit.period !== null && fit.seasonalCap !== null) {
      // Yesterday over the same horizon, scaled to today's level.
      const back = n - 1 - fit.period;
      if (back - horizon + 1 >= 0 && back + horizon <= n - 1) {
        const before = peakOf(values, back - horizon + 1, back);
        const after = peakOf(values, back + 1, back + horizon);
        const growth = Math.min(Math.max(0, (after - before) / Math.max(before, fit.level, 1e-9)), fit.seasonalCap);
        const seasonal = peak + growth * reference;
        if (seasonal > demand) {
          demand = seasonal;
          detail += `; one day earlier it rose ${(growth * 100).toFixed(1)}% over the same horizon, planned for that`;
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
    const positive: number[] = [];
    for (let i = from; i < n; i += 1) if ((values[i] as number) > 0) positive.push(values[i] as number);
    positive.sort((a, b) => a - b);
    const level = positive.length > 0 ? (positive[Math.floor(positive.length / 2)] as number) : 1e-9;
    // Trailing peaks P(t) = max(y[t-h+1..t]) for t in [from, n), by a monotonic deque: O(span).
    const peaks = new Float64Array(span);
    const deque: number[] = [];
    let head = 0;
    for (let t = Math.max(0, from - horizon + 1); t < n; t += 1) {
      const v = values[t] as number;
      while (deque.length > head && (values[deque[deque.length - 1] as number] as number) <= v) deque.pop();
      deque.push(t);
      while ((deque[head] as number) <= t - horizon) head += 1;
      if (t >= from) peaks[t - from] = values[deque[head] as number] as number;
    }
    const growths: number[] = [];
    // Only instants with a full trailing window (a peak over fewer points reads low at the start of a series).
    for (let k = Math.max(0, horizon - 1 - from); k + horizon < span; k += 1) {
      const before = peaks[k] as number;
      growths.push(Math.max(0, ((peaks[k + horizon] as number) - before) / Math.max(before, level)));
    }
    const growth = growths.length === 0 ? 0 : Math.min(quantileOf(growths, this.#quantile), MAX_GROWTH);
    const period = Math.round(DAY / step);
    const seasonal = n > period + horizon && step <= 3600 ? period : null;
    return { at: end, points: n, horizon, step, growth, level, seasonalCap: seasonal === null ? null : Math.max(growth * 2, 0.5), period: seasonal };
  }
}

/** The largest of values[from..to] (indices clamped to the array; 0 when empty). */
function peakOf(values: ArrayLike<number>, from: number, to: number): number {
  let peak = 0;
  for (let i = Math.max(0, from); i <= Math.min(to, values.length - 1); i += 1) peak = Math.max(peak, values[i] as number);
  return peak;
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
