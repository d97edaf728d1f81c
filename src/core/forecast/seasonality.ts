/**
 * Seasonal period detection (issue #6): periods come from the data, not from an assumption.
 *
 * augurs `seasons` finds candidate periods from the periodogram, but a periodogram over a few thousand points
 * has coarse resolution at long periods (a 288-step daily cycle can come out as 256). So every candidate —
 * the periodogram's, plus the calendar periods one day and one week, which is where demand cycles usually
 * are — is refined to the lag with the highest autocorrelation near it and kept only if that autocorrelation
 * is clearly positive. Calendar candidates are thus tested, never assumed. Pure.
 */
import type { ForecastEngine } from './types.js';

export interface DetectPeriodsOptions {
  readonly stepSeconds: number;
  /** Keep at most this many periods (strongest autocorrelation first, returned ascending). Default 2. */
  readonly maxPeriods?: number;
  /** Minimum autocorrelation for a period to count. Default 0.3. */
  readonly minAutocorrelation?: number;
}

/** Autocorrelation of a (detrended) series at `lag`. */
function autocorrelation(x: readonly number[], lag: number, mean: number, variance: number): number {
  if (variance <= 0 || lag >= x.length) return 0;
  let sum = 0;
  for (let i = lag; i < x.length; i++) sum += ((x[i] as number) - mean) * ((x[i - lag] as number) - mean);
  return sum / ((x.length - lag) * variance);
}

/** The series minus its least-squares line, so a trend does not pass for seasonality. */
function detrend(y: readonly number[]): number[] {
  const n = y.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i] as number;
    sx += i; sy += v; sxx += i * i; sxy += i * v;
  }
  const denominator = n * sxx - sx * sx;
  const slope = denominator === 0 ? 0 : (n * sxy - sx * sy) / denominator;
  const intercept = (sy - slope * sx) / n;
  return y.map((v, i) => v - (intercept + slope * i));
}

/**
 * Seasonal periods of `y` in steps, ascending (e.g. [288, 2016] for 5-minute data with daily and weekly
 * cycles). A period needs at least two full cycles of history. Returns [] for a series without seasonality
 * (or a constant one).
 */
export function detectPeriods(y: readonly number[], engine: ForecastEngine, options: DetectPeriodsOptions): number[] {
  const n = y.length;
  const maxPeriod = Math.floor(n / 2);
  if (maxPeriod < 4) return [];
  const x = detrend(y);
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  variance /= n;
  if (!(variance > 0)) return [];
  const candidates = new Set<number>();
  if (engine.seasonalities) {
    try {
      for (const p of engine.seasonalities(y, { minPeriod: 4, maxPeriod: Math.min(maxPeriod, 4096), threshold: 0.9 })) candidates.add(p);
    } catch {
      // The periodogram is a hint; the calendar candidates below still get tested.
    }
  }
  for (const seconds of [86_400, 604_800]) {
    const p = Math.round(seconds / options.stepSeconds);
    if (p >= 4 && p <= maxPeriod) candidates.add(p);
  }
  const minAcf = options.minAutocorrelation ?? 0.3;
  const found = new Map<number, number>();
  for (const candidate of candidates) {
    // Search ±20% around the candidate for the autocorrelation peak; a coarse step first on long periods.
    const lo = Math.max(2, Math.floor(candidate * 0.8));
    const hi = Math.min(maxPeriod, Math.ceil(candidate * 1.2));
    const stride = Math.max(1, Math.floor((hi - lo) / 60));
    let best = candidate;
    let bestAcf = -Infinity;
    for (let lag = lo; lag <= hi; lag += stride) {
      const r = autocorrelation(x, lag, mean, variance);
      if (r > bestAcf) { bestAcf = r; best = lag; }
    }
    for (let lag = Math.max(lo, best - stride); lag <= Math.min(hi, best + stride); lag++) {
      const r = autocorrelation(x, lag, mean, variance);
      if (r > bestAcf) { bestAcf = r; best = lag; }
    }
    // Snap to a calendar period when the peak is within 2% of it: cycles in demand are set by clocks.
    for (const seconds of [86_400, 604_800]) {
      const p = Math.round(seconds / options.stepSeconds);
      if (Math.abs(best - p) <= Math.max(1, p * 0.02) && p <= maxPeriod) best = p;
    }
    if (bestAcf >= minAcf && best <= maxPeriod) found.set(best, Math.max(found.get(best) ?? -Infinity, bestAcf));
  }
  // Drop near-duplicates (within 10% of a stronger one).
  const ranked = [...found.entries()].sort((a, b) => b[1] - a[1]);
  const kept: number[] = [];
  for (const [p] of ranked) {
    if (kept.some((k) => Math.abs(k - p) <= 0.1 * Math.max(k, p))) continue;
    kept.push(p);
    if (kept.length >= (options.maxPeriods ?? 2)) break;
  }
  return kept.sort((a, b) => a - b);
}
