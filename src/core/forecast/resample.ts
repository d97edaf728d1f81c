/**
 * Resampling onto a regular grid (issue #6). Every forecasting model here assumes one value per fixed step with
 * no holes; real series have irregular timestamps, duplicates, missing values (NaN) and gaps. This module turns
 * any such series into a regular one and says, in `warnings`, what it had to do, so a caller (the CLI, the
 * forecast service) can show the user why the numbers may differ from the file.
 *
 * Pure: no I/O, no clock. Timestamps are Unix seconds.
 */
import { GovError } from '../errors.js';

/** How several observations that fall into one grid step are combined. */
export type Aggregate = 'mean' | 'sum' | 'last' | 'max';

export interface ResampleOptions {
  /** Grid step in seconds. Default: the median positive difference between consecutive timestamps. */
  readonly stepSeconds?: number;
  /**
   * How observations with the same timestamp (exact duplicates) are combined. Default 'sum': in the traces we
   * read, repeated timestamps are per-container rows of one total (e.g. QPS per container).
   */
  readonly duplicates?: Aggregate;
  /** How distinct observations inside one grid step are combined. Default 'mean' (values are rates or levels). */
  readonly withinStep?: Aggregate;
  /** Refuse grids longer than this many steps (a stray timestamp must not allocate gigabytes). Default 5,000,000. */
  readonly maxPoints?: number;
}

export interface RegularSeries {
  /** Unix seconds, strictly increasing by exactly `stepSeconds`. */
  readonly timestamps: number[];
  /** One finite value per timestamp. */
  readonly values: number[];
  readonly stepSeconds: number;
  /** True when the output differs from the input point for point (sorted, merged, binned or gap-filled). */
  readonly resampled: boolean;
  /** Index of every output point that was filled in (no observation in that step), ascending. */
  readonly filled: number[];
  /** Human-readable notes on what was changed; empty when the input was already regular and complete. */
  readonly warnings: string[];
}

function combine(values: number[], how: Aggregate): number {
  if (how === 'last') return values[values.length - 1] as number;
  if (how === 'max') return Math.max(...values);
  let sum = 0;
  for (const v of values) sum += v;
  return how === 'sum' ? sum : sum / values.length;
}

/** Median of a non-empty array (copied, not sorted in place). */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Puts a series on a regular grid. Steps with no observation are filled by linear interpolation between their
 * neighbours (the ends by the nearest value). Throws GovError GOV_VALIDATION when there is no finite value at
 * all, when the lengths differ, or when the grid would exceed `maxPoints`.
 */
export function resampleToGrid(
  input: { readonly timestamps: readonly number[]; readonly values: readonly number[] },
  options: ResampleOptions = {},
): RegularSeries {
  if (input.timestamps.length !== input.values.length) {
    throw new GovError('GOV_VALIDATION', `timestamps (${input.timestamps.length}) and values (${input.values.length}) differ in length`);
  }
  const warnings: string[] = [];
  let resampled = false;
  // Drop unusable rows first: a NaN value is a missing observation, which the grid fill below restores.
  const pairs: Array<[number, number]> = [];
  let missing = 0;
  for (let i = 0; i < input.timestamps.length; i++) {
    const t = input.timestamps[i] as number;
    const v = input.values[i] as number;
    if (!Number.isFinite(t)) throw new GovError('GOV_VALIDATION', `timestamp #${i} is not a finite number`);
    if (!Number.isFinite(v)) { missing++; continue; }
    pairs.push([t, v]);
  }
  if (pairs.length === 0) throw new GovError('GOV_VALIDATION', 'the series has no finite value');
  if (missing > 0) {
    warnings.push(`${missing} missing or non-numeric value(s) were filled by interpolation`);
    resampled = true;
  }
  let sorted = true;
  for (let i = 1; i < pairs.length; i++) if ((pairs[i] as [number, number])[0] < (pairs[i - 1] as [number, number])[0]) { sorted = false; break; }
  if (!sorted) {
    pairs.sort((a, b) => a[0] - b[0]);
    warnings.push('timestamps were not in order and were sorted');
    resampled = true;
  }
  // Merge exact duplicates.
  const times: number[] = [];
  const vals: number[] = [];
  let dupes = 0;
  for (let i = 0; i < pairs.length;) {
    const t = (pairs[i] as [number, number])[0];
    const group: number[] = [];
    while (i < pairs.length && (pairs[i] as [number, number])[0] === t) { group.push((pairs[i] as [number, number])[1]); i++; }
    if (group.length > 1) dupes += group.length - 1;
    times.push(t);
    vals.push(combine(group, options.duplicates ?? 'sum'));
  }
  if (dupes > 0) {
    warnings.push(`${dupes} row(s) repeated an earlier timestamp and were combined (${options.duplicates ?? 'sum'})`);
    resampled = true;
  }
  let step = options.stepSeconds;
  if (step === undefined) {
    const diffs: number[] = [];
    for (let i = 1; i < times.length; i++) diffs.push((times[i] as number) - (times[i - 1] as number));
    step = diffs.length === 0 ? 60 : median(diffs);
    // Float noise in Unix-second timestamps (e.g. 1662859176.0003) must not give a 59.9997 s grid.
    if (step >= 1) step = Math.round(step);
  }
  if (!(Number.isFinite(step) && step > 0)) throw new GovError('GOV_VALIDATION', `step ${step} is not a positive number of seconds`);
  const t0 = times[0] as number;
  const span = (times[times.length - 1] as number) - t0;
  const n = Math.floor(span / step + 1e-9) + 1;
  const maxPoints = options.maxPoints ?? 5_000_000;
  if (n > maxPoints) {
    throw new GovError('GOV_VALIDATION', `the series spans ${n} steps of ${step} s, more than the ${maxPoints} allowed; check for a stray timestamp`, { details: { points: n, maxPoints } });
  }
  // Bin every observation into [t0 + k·step, t0 + (k+1)·step).
  const buckets: number[][] = Array.from({ length: n }, () => []);
  let offGrid = 0;
  for (let i = 0; i < times.length; i++) {
    const rel = ((times[i] as number) - t0) / step;
    const k = Math.min(n - 1, Math.floor(rel + 1e-9));
    if (Math.abs(rel - Math.round(rel)) > 1e-6) offGrid++;
    (buckets[k] as number[]).push(vals[i] as number);
  }
  const out: number[] = new Array<number>(n).fill(Number.NaN);
  let merged = 0;
  for (let k = 0; k < n; k++) {
    const b = buckets[k] as number[];
    if (b.length > 0) out[k] = combine(b, options.withinStep ?? 'mean');
    if (b.length > 1) merged += b.length - 1;
  }
  if (offGrid > 0 || merged > 0) {
    warnings.push(`irregular timestamps were resampled to a ${step} s grid (${offGrid} off-grid, ${merged} merged into a shared step)`);
    resampled = true;
  }
  const filled = fillGaps(out);
  if (filled.length > 0) {
    let longest = 0;
    let run = 0;
    for (let i = 0; i < filled.length; i++) {
      run = i > 0 && filled[i] === (filled[i - 1] as number) + 1 ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    warnings.push(`${filled.length} step(s) had no observation and were interpolated (longest gap ${longest} step(s))`);
    resampled = true;
  }
  const timestamps = Array.from({ length: n }, (_, k) => t0 + k * step);
  return { timestamps, values: out, stepSeconds: step, resampled, filled, warnings };
}

/**
 * Fills NaN entries in place by linear interpolation between the nearest finite neighbours (ends: the nearest
 * finite value) and returns the indexes it filled. An all-NaN array is left as is.
 */
export function fillGaps(values: number[]): number[] {
  const filled: number[] = [];
  let prev = -1;
  for (let i = 0; i <= values.length; i++) {
    if (i < values.length && !Number.isFinite(values[i] as number)) continue;
    // values[prev+1 .. i-1] are holes.
    if (i - prev > 1) {
      const left = prev >= 0 ? (values[prev] as number) : undefined;
      const right = i < values.length ? (values[i] as number) : undefined;
      if (left === undefined && right === undefined) return filled;
      for (let k = prev + 1; k < i; k++) {
        let v: number;
        if (left === undefined) v = right as number;
        else if (right === undefined) v = left;
        else v = left + ((right - left) * (k - prev)) / (i - prev);
        values[k] = v;
        filled.push(k);
      }
    }
    prev = i;
  }
  return filled;
}
