import type { GovError } from '../../core/errors.js';
import { backoffDelay } from '../../core/pricing/backoff.js';
import { abortedError, isRetryableSourceError, retryAfterOf } from '../../core/pricing/source-errors.js';
import type { PriceSnapshot } from '../../core/pricing/quote.js';
import type { PriceFetchOptions, PriceSource } from '../../ports/price-source.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). 1 disables retrying. */
  readonly maxAttempts?: number;
  /** Backoff ceiling before the first retry, ms (default 1000); it doubles each retry. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling, ms (default 30 s). */
  readonly maxDelayMs?: number;
  /**
   * A source that asks to wait longer than this (Retry-After) is not retried now: the error goes to the caller,
   * whose next scheduled run comes soon enough (default 120 s).
   */
  readonly maxRetryAfterMs?: number;
  /** Numbers in [0, 1) for the jitter (default Math.random; tests pass a seeded one). */
  readonly random?: () => number;
  /** Wait `ms`, rejecting when `signal` aborts (default: a timer). Tests pass one that skips time. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told about each retry, for the caller's logs and metrics (this wrapper never logs). */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  readonly source: string;
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: GovError;
}

function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The same PriceSource, retrying a whole fetch that failed for a reason another attempt can fix (throttling,
 * a network error, a server error, a timeout), with exponential backoff and full jitter from an injected
 * random source, waiting at least as long as the source's Retry-After asked. Auth failures, aborts and
 * errors marked not retryable go straight to the caller, as does the last error once `maxAttempts` is spent.
 * Item errors are part of a successful snapshot and never cause a retry. (style.md lesson 6: cross-cutting
 * behaviour as a wrapper that returns the same port.)
 */
export function withRetry(source: PriceSource, options: RetryOptions = {}): PriceSource {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
  const policy = { baseDelayMs: options.baseDelayMs ?? 1000, maxDelayMs: options.maxDelayMs ?? 30_000 };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? timerSleep;

  return {
    name: source.name,
    kind: source.kind,
    async fetch(fetchOptions: PriceFetchOptions): Promise<PriceSnapshot> {
      const { signal } = fetchOptions;
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await source.fetch(fetchOptions);
        } catch (error) {
          if (attempt >= maxAttempts || signal.aborted || !isRetryableSourceError(error)) throw error;
          const retryAfter = retryAfterOf(error);
          if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) throw error;
          const delayMs = backoffDelay(policy, attempt, random, retryAfter);
          options.onRetry?.({ source: source.name, attempt, delayMs, error: error as GovError });
          try {
            await sleep(delayMs, signal);
          } catch (cause) {
            throw abortedError(source.name, cause);
          }
        }
      }
    },
  };
}
