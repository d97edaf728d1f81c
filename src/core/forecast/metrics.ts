/**
 * Forecast accuracy metrics (issue #6): MASE, sMAPE and interval coverage. Pure.
 *
 * MASE (Hyndman & Koehler 2006) scales the mean absolute error by the in-sample mean absolute error of the
 * seasonal-naive forecast with period `m`, so 1.0 means "as good as repeating the last season" whatever the
 * series' units — that is what lets us compare models across traces and decide who earns ensemble weight.
 */

/**
 * Mean absolute in-sample error of the seasonal-naive forecast with period m (m = 1: plain naive). Falls back
 * to m = 1 when the history is shorter than m + 1, and returns 0 for a constant series (the caller must
 * handle a zero scale; {@link mase} does).
 */
export function naiveScale(history: readonly number[], m: number): number {
  const period = history.length > m ? Math.max(1, m) : 1;
  let sum = 0;
  let n = 0;
  for (let i = period; i < history.length; i++) {
    sum += Math.abs((history[i] as number) - (history[i - period] as number));
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** Mean absolute error of `forecast` against `actual` (same length). */
export function mae(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((actual[i] as number) - (forecast[i] as number));
  return actual.length === 0 ? Number.NaN : sum / actual.length;
}

/**
 * MASE = MAE / scale. A zero scale (constant history) gives 0 when the forecast is exact and +Infinity
 * otherwise — a model that misses on a flat series is infinitely worse than naive, which is the honest answer.
 */
export function mase(actual: readonly number[], forecast: readonly number[], scale: number): number {
  const error = mae(actual, forecast);
  if (scale > 0) return error / scale;
  return error === 0 ? 0 : Number.POSITIVE_INFINITY;
}

/** Symmetric MAPE in percent; a pair where both values are 0 counts as a 0% error. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const f = forecast[i] as number;
    const denominator = Math.abs(a) + Math.abs(f);
    sum += denominator === 0 ? 0 : (200 * Math.abs(a - f)) / denominator;
  }
  return actual.length === 0 ? Number.NaN : sum / actual.length;
}

/** Share (0–1) of actual values inside [lower, upper] (inclusive). */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  let inside = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (a >= (lower[i] as number) && a <= (upper[i] as number)) inside++;
  }
  return actual.length === 0 ? Number.NaN : inside / actual.length;
}

/** The q-quantile (0–1) of `values` by linear interpolation between order statistics (type 7). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
