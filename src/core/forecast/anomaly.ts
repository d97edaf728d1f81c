/**
 * Anomaly detection on demand and utilisation series (issue #6 §3). Pure; augurs does the numerics through the
 * injected {@link ForecastEngine}.
 *
 * Outliers: augurs `outlier` (MAD or DBSCAN) finds which series of a *group* deviate from the others at each
 * time step. A single seasonal series becomes such a group by folding it into one row per season (one row per
 * day for a daily cycle): each time of day is then compared with the same time on the other days, which is
 * exactly "this value is unusual for this hour". Non-seasonal series are folded into fixed windows.
 *
 * Changepoints: augurs Bayesian online changepoint detection (Normal-Gamma prior) on the deseasonalised,
 * standardised series at a coarse step; a changepoint is kept as a level shift only when the level after it
 * differs from the level before it by several robust standard deviations, so ordinary noise does not trigger
 * refits.
 *
 * Spikes, dips and outages are excluded from model fitting (the caller passes `excluded` to forecastSeries);
 * level shifts are not — the new level is the truth — but they trigger a refit.
 */
import { coarsen } from './models.js';
import { detectPeriods } from './seasonality.js';
import type { ForecastEngine } from './types.js';

/** Seasons (folds) needed before per-phase medians are trustworthy. */
const MIN_FOLDS = 4;

export type AnomalyKind = 'spike' | 'dip' | 'outage' | 'level_shift';

/** One anomaly, as index ranges into the input series. */
export interface Anomaly {
  readonly kind: AnomalyKind;
  /** First index (inclusive). */
  readonly start: number;
  /** End index (exclusive); start + 1 for a level shift. */
  readonly end: number;
  /** The most deviating observed value in the range (the first value after the shift for a level shift). */
  readonly value: number;
  /** What was expected there (median of the same phase in other seasons, or the level before the shift). */
  readonly expected: number;
  /** |value − expected| in robust standard deviations. */
  readonly score: number;
  /** 'mad', 'dbscan' or 'changepoint'. */
  readonly detector: string;
}

export interface DetectAnomaliesOptions {
  readonly stepSeconds: number;
  /** Seasonal periods in steps; default detected. The shortest is the fold length. */
  readonly periods?: readonly number[];
  /** Outlier algorithm. Default 'mad' (per time step, robust; DBSCAN needs denser groups). */
  readonly algorithm?: 'mad' | 'dbscan';
  /** augurs outlier sensitivity in (0, 1); higher flags more (the score filter then prunes). Default 0.5. */
  readonly sensitivity?: number;
  /** Minimum robust z-score for an outlier run to be kept. Default 4.5 (Gaussian noise passes it once in ~150,000 points). */
  readonly minScore?: number;
  /** Changepoint hazard λ at the coarse step (mean run length). Default 250. */
  readonly hazardLambda?: number;
  /** Minimum level change, in robust standard deviations of the residual, for a level shift. Default 3. */
  readonly minShift?: number;
  /** Run changepoint detection. Default true. */
  readonly changepoints?: boolean;
}

export interface AnomalyReport {
  readonly anomalies: Anomaly[];
  /** Indexes to exclude from model fitting (spikes, dips, outages), ascending. */
  readonly excluded: number[];
  /** Indexes of kept level shifts (refit triggers). */
  readonly changepoints: number[];
  readonly periods: number[];
  readonly notes: string[];
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Robust standard deviation: 1.4826 × median absolute deviation (with a floor so a flat series is not 0). */
function robustSd(values: readonly number[], floor: number): number {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m))) * 1.4826;
  return Math.max(mad, floor);
}

/**
 * Finds spikes, dips, outages and level shifts in a regular series. Never throws for bad data: too-short or
 * constant input yields no anomalies and a note; a failing detector yields a note.
 */
export function detectAnomalies(values: readonly number[], engine: ForecastEngine, options: DetectAnomaliesOptions): AnomalyReport {
  const notes: string[] = [];
  const n = values.length;
  const finite = values.every((v) => Number.isFinite(v));
  if (!finite) return { anomalies: [], excluded: [], changepoints: [], periods: [], notes: ['the series has non-finite values; resample it first'] };
  const periods = options.periods ? [...options.periods] : detectPeriods(values, engine, { stepSeconds: options.stepSeconds });
  // Fold length: the shortest season, else a window that gives a group of at least 8 rows.
  const fold = periods.length > 0 ? Math.min(...periods) : Math.max(4, Math.min(64, Math.floor(n / 8)));
  const rows = Math.floor(n / fold);
  // With 3 folds the per-phase median sits on one of them, a third of the residuals are exactly 0 and the robust
  // scale collapses: clean noise then scores as outlying. Four or more keep the scale honest.
  if (rows < MIN_FOLDS) {
    notes.push(`anomaly detection needs at least ${MIN_FOLDS} folds of ${fold} steps; the series has ${n} points`);
    return { anomalies: [], excluded: [], changepoints: [], periods, notes };
  }
  const offset = n - rows * fold;
  if (offset > 0) notes.push(`the first ${offset} point(s) precede the first full fold and were not checked for outliers`);
  const group: number[][] = Array.from({ length: rows }, (_, r) => values.slice(offset + r * fold, offset + (r + 1) * fold) as number[]);
  // Expected value per phase and a global robust residual scale.
  const expected = Array.from({ length: fold }, (_, p) => median(group.map((row) => row[p] as number)));
  const residual = values.map((v, i) => (i < offset ? 0 : v - (expected[(i - offset) % fold] as number)));
  const level = median(values.map(Math.abs));
  const scale = robustSd(residual.slice(offset), Math.max(1e-9, level * 1e-3));
  const anomalies: Anomaly[] = [];
  const minScore = options.minScore ?? 4.5;
  const algorithm = options.algorithm ?? 'mad';
  const changepoints: number[] = [];
  if ((options.changepoints ?? true) && engine.changepoints) {
    const factor = Math.max(1, Math.floor(fold / 24));
    const z = coarsen(residual.slice(offset).map((r) => r / scale), factor);
    let found: number[] = [];
    try {
      found = engine.changepoints(z, { hazardLambda: options.hazardLambda ?? 250 });
    } catch (error) {
      notes.push(`changepoint detection failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const window = Math.max(6, Math.min(48, Math.floor(fold / factor)));
    for (const c of found) {
      if (c < window || c + window > z.length) continue;
      const before = median(z.slice(c - window, c));
      const after = median(z.slice(c, c + window));
      // z is in robust-sd units of the fine residual; a window median of coarse means is steady, so a shift of
      // minShift there is a real change of level, not noise.
      const shift = Math.abs(after - before);
      if (shift < (options.minShift ?? 3)) continue;
      // Refine to the fine step: the split in ±2 coarse steps that best separates the two levels.
      let index = offset + c * factor;
      if (factor > 1) {
        const w = 4 * factor;
        let bestGap = -1;
        for (let k = Math.max(offset + w, index - 2 * factor); k <= Math.min(n - w, index + 2 * factor); k++) {
          let left = 0;
          let right = 0;
          for (let j = 1; j <= w; j++) { left += residual[k - j] as number; right += residual[k + j - 1] as number; }
          const gap = Math.abs(right - left);
          if (gap > bestGap) { bestGap = gap; index = k; }
        }
      }
      if (changepoints.length > 0 && index - (changepoints[changepoints.length - 1] as number) < window * factor) continue;
      changepoints.push(index);
      const exp = (before * scale) + (expected[(index - offset) % fold] as number);
      anomalies.push({ kind: 'level_shift', start: index, end: index + 1, value: values[index] as number, expected: exp, score: shift, detector: 'changepoint' });
    }
  }
  // Between changepoints the level is what it is: remove each segment's median residual so a shift does not
  // make every later value look outlying. A segment that sits at (near) zero where demand is normally clearly
  // positive is an outage instead — flagged whole, and left out of the outlier search.
  const inOutage = new Uint8Array(n);
  const bounds = [offset, ...changepoints, n];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const from = bounds[b] as number;
    const to = bounds[b + 1] as number;
    if (to <= from) continue;
    let low = 0;
    for (let k = from; k < to; k++) if (Math.abs(values[k] as number) <= 0.05 * Math.abs(expected[(k - offset) % fold] as number)) low++;
    if (b > 0 && to - from >= 3 && low >= 0.8 * (to - from)) {
      let worst = from;
      for (let k = from; k < to; k++) if (Math.abs(residual[k] as number) > Math.abs(residual[worst] as number)) worst = k;
      inOutage.fill(1, from, to);
      anomalies.push({ kind: 'outage', start: from, end: to, value: values[worst] as number, expected: expected[(worst - offset) % fold] as number, score: Math.abs(residual[worst] as number) / scale, detector: 'changepoint' });
      continue;
    }
    const m = median(residual.slice(from, to));
    for (let k = from; k < to; k++) residual[k] = (residual[k] as number) - m;
  }
  if (engine.outliers) {
    let intervals: Array<Array<{ start: number; end: number }>> = [];
    try {
      // The detector sees standardised residuals, not raw values: a deviation then means the same at the
      // busy hour and at night, and the phase profile itself can never look outlying.
      const zGroup = group.map((row, r) => row.map((_, p) => (residual[offset + r * fold + p] as number) / scale));
      intervals = engine.outliers(zGroup, { algorithm, sensitivity: options.sensitivity ?? 0.5 });
    } catch (error) {
      notes.push(`outlier detection failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Flag each index, then merge runs (a gap of ≤ 2 steps joins two runs).
    const flagged = new Uint8Array(n);
    intervals.forEach((list, r) => {
      for (const { start, end } of list) for (let p = Math.max(0, start); p < Math.min(fold, end); p++) flagged[offset + r * fold + p] = 1;
    });
    for (let i = 0; i < n; i++) if (inOutage[i]) flagged[i] = 0;
    for (let i = 0; i < n;) {
      if (!flagged[i]) { i++; continue; }
      let j = i;
      let last = i;
      while (j < n && j - last <= 3) { if (flagged[j]) last = j; j++; }
      const start = i;
      const end = last + 1;
      i = end;
      let worst = start;
      for (let k = start; k < end; k++) if (Math.abs(residual[k] as number) > Math.abs(residual[worst] as number)) worst = k;
      const score = Math.abs(residual[worst] as number) / scale;
      if (score < minScore) continue;
      const exp = expected[(worst - offset) % fold] as number;
      const value = values[worst] as number;
      const up = value > exp;
      let kind: AnomalyKind = up ? 'spike' : 'dip';
      // An outage: demand collapses to (near) zero for a while where it is normally clearly positive.
      if (!up && end - start >= 3) {
        let low = 0;
        for (let k = start; k < end; k++) if (Math.abs(values[k] as number) <= 0.05 * Math.abs(expected[(k - offset) % fold] as number)) low++;
        if (low >= 0.8 * (end - start)) kind = 'outage';
      }
      anomalies.push({ kind, start, end, value, expected: exp, score, detector: algorithm });
    }
  } else {
    notes.push('no outlier back-end: spikes and dips are not detected');
  }
  anomalies.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
  const excluded: number[] = [];
  for (const a of anomalies) if (a.kind !== 'level_shift') for (let k = a.start; k < a.end; k++) excluded.push(k);
  return { anomalies, excluded: [...new Set(excluded)].sort((a, b) => a - b), changepoints, periods, notes };
}
