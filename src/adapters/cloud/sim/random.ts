/**
 * Seeded randomness for the simulated cloud (style.md lesson 11): the same seed gives the same start-up
 * delays, failures and spot interruptions, so a backtest or a chaos test replays exactly.
 */

/** mulberry32: a tiny, fast 32-bit generator; numbers in [0, 1). Not for cryptography. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate (Box–Muller). */
export function normal(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A delay range as a log-normal distribution: the median is the geometric mean of `min` and `max`, and they
 * sit about two standard deviations out (so ~95 % of draws fall inside); draws are clamped to [min/2, max×2]
 * so a rare draw is slow but never absurd. Boot times are right-skewed (most boots are quick, a few hang on
 * a slow image pull or a busy hypervisor), which a log-normal captures and a uniform range does not.
 */
export interface DelayRange {
  /** Seconds. */
  readonly min: number;
  /** Seconds. */
  readonly max: number;
}

/** The slowest delay {@link drawDelaySeconds} can draw from `range`: the upper end of its clamp. */
export function longestDelaySeconds(range: DelayRange): number {
  const min = Math.max(0, range.min);
  const max = Math.max(min, range.max);
  return min === max || min === 0 ? max : max * 2;
}

export function drawDelaySeconds(range: DelayRange, random: () => number): number {
  const min = Math.max(0, range.min);
  const max = Math.max(min, range.max);
  if (max === 0) return 0;
  if (min === max || min === 0) return min === max ? min : max * random();
  const mu = (Math.log(min) + Math.log(max)) / 2;
  const sigma = (Math.log(max) - Math.log(min)) / 4;
  const draw = Math.exp(mu + sigma * normal(random));
  return Math.min(longestDelaySeconds(range), Math.max(min / 2, draw));
}

/** Seconds until an event of a Poisson process with the given hourly rate; Infinity for a zero rate. */
export function drawExponentialSeconds(ratePerHour: number, random: () => number): number {
  if (!(ratePerHour > 0)) return Number.POSITIVE_INFINITY;
  const u = Math.max(random(), Number.EPSILON);
  return (-Math.log(u) / ratePerHour) * 3600;
}
