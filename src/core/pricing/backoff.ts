/**
 * Exponential backoff with full jitter (pure: the random source is passed in). Used by `withRetry`
 * (src/app/pricing/with-retry.ts) between attempts at a price source.
 */
export interface BackoffPolicy {
  /** Delay ceiling for the first retry, ms. */
  readonly baseDelayMs: number;
  /** No computed delay exceeds this, ms. */
  readonly maxDelayMs: number;
}

/**
 * How long to wait before retry number `retry` (1 for the first retry): a uniformly random delay in
 * [0, min(maxDelayMs, baseDelayMs × 2^(retry−1))) ("full jitter"), so many clients throttled at once do not
 * come back in step. When the server said how long to wait (`retryAfterMs`, from Retry-After), the delay is
 * at least that.
 *
 * @param random a source of numbers in [0, 1), e.g. Math.random or a seeded generator in tests.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number, retryAfterMs?: number): number {
  const exponent = Math.max(0, Math.floor(retry) - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 52));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
  const jittered = Math.floor(ceiling * unit);
  return retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > jittered
    ? Math.ceil(retryAfterMs)
    : jittered;
}
