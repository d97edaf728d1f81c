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
  /**
   * Longest recent-peak window the fit may choose, seconds (default 3600; never below the lead time + interval).
   * 0 keeps the window at the lead time + interval.
   */
  readonly maxPeakWindowSeconds?: number;
}

interface Fit {
  readonly at: number;
  /** History points the fit saw. */
  readonly points: number;
  readonly horizon: number;
  readonly step: number;
  /** Steps the recent peak is taken over (≥ horizon; chosen by the fit, see HeadroomForecaster). */
  readonly window: number;
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
 * With h = ceil((lead time + interval) / step) steps, a peak window of w ≥ h steps, the recent peak
 * P(t) = max(y[t−w+1..t]), the future peak F(t) = max(y[t+1..t+h]) and the typical level L = the median of the
 * window's positive values, every past instant t gives a growth g(t) = (F(t) − P(t)) / max(P(t), L), i.e. how far
 * the peak of the next h steps rose above the recent peak, relative to that peak (or to the typical level when the
 * peak was below it). The loop plans for P(now) + quantile(g) × max(P(now), L). With a day or more of history it
 * also looks one day back: if demand rose over the same horizon yesterday (a morning ramp), that growth, scaled to
 * today's level, is planned for too.
 *
 * Measuring from the recent peak rather than the latest point keeps per-step noise out of the growth (the peak of
 * h noisy steps is a steady level; the ratio of a future peak to one noisy point is not), and makes scale-in wait
 * until demand has stayed lower for a whole window. Relating growth to max(peak, L) rather than to the peak alone
 * keeps a rise from near zero (a cold start, a night) from reading as a ×10 growth to apply at every level.
 *
 * The window w is chosen at each fit among h × {1, 1.5, 2, 3, 4, 6, 8, 12, 16} up to `maxPeakWindowSeconds`: the one
 * whose plan, at the quantile's coverage, would have been lowest on average over the same past instants. Longer
 * windows are tried only once the history holds 10 / (1 − quantile) instants, so the quantile compared rests on
 * about ten exceedances rather than on chance.
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
  readonly #maxPeakWindow: number;
  readonly #fits = new Map<string, Fit>();

  constructor(options: HeadroomOptions = {}) {
    this.#quantile = options.quantile ?? 0.99;
    this.#window = options.windowSeconds ?? 7 * DAY;
    this.#refit = options.refitSeconds ?? 3600;
    this.#minPoints = options.minPoints ?? 30;
    this.#maxPeakWindow = Math.max(0, options.maxPeakWindowSeconds ?? 3600);
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
      const recent = peakOf(values, n - horizon, n - 1);
      return { demand: Math.max(observed, recent), observed, model: 'naive', detail: `only ${n} demand points so far: planning for the peak of the last ${horizon * step} s` };
    }
    const end = history.startSeconds + (n - 1) * step;
    let fit = this.#fits.get(request.pool);
    // Refit on schedule, and sooner while the history is still short: whenever it has grown by a quarter (a fit
    // made from the first 30 points must not stand for an hour of new data). Geometric growth keeps it O(n) in all.
    if (fit === undefined || fit.horizon !== horizon || fit.step !== step || end - fit.at >= this.#refit || end < fit.at || n >= fit.points * 1.25) {
      fit = this.#fit(values, step, horizon, end);
      this.#fits.set(request.pool, fit);
    }
    const peak = peakOf(values, n - fit.window, n - 1);
    const reference = Math.max(peak, fit.level);
    let demand = peak + fit.growth * reference;
    let detail = `peak of the last ${fit.window * step} s ${round(peak)}; within ${horizon * step} s demand rose above that peak by up to ${(fit.growth * 100).toFixed(1)}% in ${Math.round(this.#quantile * 100)}% of the past windows`;
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
    // The future peak F(t) = max(y[t+1..t+h]) is the trailing peak over h steps, read h steps later.
    const future = trailingPeaks(values, from, horizon);
    // Candidate recent-peak windows: the horizon and multiples of it up to the longest allowed. A longer one is
    // tried only when the history holds enough instants for the growth quantile to rest on about ten exceedances
    // (10 / (1 − q) instants: 1,000 at q = 0.99); on less, the quantile of each window is mostly chance and the
    // comparison picks the luckiest. All are scored on the same instants (those where the longest candidate has a
    // full trailing window), so their plans compare like for like.
    const longest = Math.max(horizon, Math.floor(this.#maxPeakWindow / step));
    const needed = Math.ceil(10 / Math.max(1e-6, 1 - this.#quantile));
    const windows: number[] = [horizon];
    for (const m of WINDOW_MULTIPLES) {
      const w = Math.round(horizon * m);
      if (w > longest || w <= (windows[windows.length - 1] as number)) continue;
      if (span - Math.max(0, w - 1 - from) - horizon < needed) break;
      windows.push(w);
    }
    const first = Math.max(0, (windows[windows.length - 1] as number) - 1 - from);
    let best: { window: number; growth: number; planned: number } | null = null;
    for (const w of windows) {
      const peaks = w === horizon ? future : trailingPeaks(values, from, w);
      const growths: number[] = [];
      let referenceSum = 0;
      let peakSum = 0;
      // Only instants with a full trailing window (a peak over fewer points reads low at the start of a series).
      for (let k = first; k + horizon < span; k += 1) {
        const before = peaks[k] as number;
        const reference = Math.max(before, level);
        growths.push(Math.max(0, ((future[k + horizon] as number) - before) / reference));
        peakSum += before;
        referenceSum += reference;
      }
      const growth = growths.length === 0 ? 0 : Math.min(quantileOf(growths, this.#quantile), MAX_GROWTH);
      // What this window would have planned on average, at the same coverage of the future peaks.
      const planned = growths.length === 0 ? 0 : (peakSum + growth * referenceSum) / growths.length;
      if (best === null || planned < best.planned * (1 - 1e-9)) best = { window: w, growth, planned };
    }
    const chosen = best as { window: number; growth: number; planned: number };
    const period = Math.round(DAY / step);
    const seasonal = n > period + horizon && step <= 3600 ? period : null;
    return {
      at: end, points: n, horizon, step, window: chosen.window, growth: chosen.growth, level,
      seasonalCap: seasonal === null ? null : Math.max(chosen.growth * 2, 0.5), period: seasonal,
    };
  }
}

/** Recent-peak windows the fit tries, as multiples of the horizon (lead time + interval). */
const WINDOW_MULTIPLES = [1.5, 2, 3, 4, 6, 8, 12, 16] as const;

/**
 * Trailing peaks P(t) = max(y[t−w+1..t]) for t in [from, n), indexed from 0 at `from`, by a monotonic deque:
 * O(n − from + w).
 */
function trailingPeaks(values: ArrayLike<number>, from: number, w: number): Float64Array {
  const n = values.length;
  const peaks = new Float64Array(n - from);
  const deque: number[] = [];
  let head = 0;
  for (let t = Math.max(0, from - w + 1); t < n; t += 1) {
    const v = values[t] as number;
    while (deque.length > head && (values[deque[deque.length - 1] as number] as number) <= v) deque.pop();
    deque.push(t);
    while ((deque[head] as number) <= t - w) head += 1;
    if (t >= from) peaks[t - from] = values[deque[head] as number] as number;
  }
  return peaks;
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
