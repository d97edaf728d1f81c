import type { GovError } from '../../core/errors.js';
import { backoffDelay } from '../../core/pricing/backoff.js';
import { isRetryableProviderError, providerError } from '../../core/provider/errors.js';
import type { CloudProvider, ProviderNode, StartNodeRequest, StopNodeRequest } from '../../ports/cloud-provider.js';
import type { Clock } from '../../ports/clock.js';

/** Wait `ms`; tests and backtests pass one that advances a FakeClock instead of sleeping. */
export type Sleep = (ms: number) => Promise<void>;

export const timerSleep: Sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, Math.max(0, ms)).unref?.(); });

export interface ProviderRetryOptions {
  /** Attempts in all, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Backoff ceiling before the first retry, ms (default 1000), doubling each retry. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling, ms (default 30 s). */
  readonly maxDelayMs?: number;
  /** A provider asking to wait longer than this (Retry-After) is not retried now (default 120 s). */
  readonly maxRetryAfterMs?: number;
  /** Numbers in [0, 1) for the jitter (default Math.random). */
  readonly random?: () => number;
  readonly sleep?: Sleep;
  /** Told about each retry (the wrapper never logs). */
  readonly onRetry?: (event: { provider: string; operation: string; attempt: number; delayMs: number; error: GovError }) => void;
}

/**
 * The same CloudProvider, retrying calls that failed with a retryable provider error (Throttled, Unavailable,
 * Timeout — `details.retryable`) with exponential backoff and full jitter (src/core/pricing/backoff.ts), never
 * waiting less than the provider's Retry-After. Everything else (NotFound, QuotaExceeded, AuthFailed, …) goes
 * straight to the caller. Retrying startNode is safe because it is idempotent by token, and stopNode because
 * stop is idempotent (style.md lesson 6).
 */
export function withProviderRetry(provider: CloudProvider, options: ProviderRetryOptions = {}): CloudProvider {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 5));
  const policy = { baseDelayMs: options.baseDelayMs ?? 1000, maxDelayMs: options.maxDelayMs ?? 30_000 };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? timerSleep;

  async function attempt<T>(operation: string, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n += 1) {
      try {
        return await call();
      } catch (error) {
        if (n >= maxAttempts || signal?.aborted === true || !isRetryableProviderError(error)) throw error;
        const retryAfter = (error as GovError & { details: { retryAfterMs?: number } }).details.retryAfterMs;
        if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) throw error;
        const delayMs = backoffDelay(policy, n, random, retryAfter);
        options.onRetry?.({ provider: provider.name, operation, attempt: n, delayMs, error: error as GovError });
        await sleep(delayMs);
      }
    }
  }

  return {
    name: provider.name,
    kind: provider.kind,
    listNodes: (o) => attempt('listNodes', o?.signal, () => provider.listNodes(o)),
    getNode: (id, o) => attempt('getNode', o?.signal, () => provider.getNode(id, o)),
    startNode: (request: StartNodeRequest): Promise<ProviderNode> => attempt('startNode', request.signal, () => provider.startNode(request)),
    stopNode: (request: StopNodeRequest): Promise<void> => attempt('stopNode', request.signal, () => provider.stopNode(request)),
    health: () => provider.health(),
  };
}

export interface RateLimitOptions {
  /** Sustained calls per second (> 0). */
  readonly ratePerSecond: number;
  /** Calls allowed at once after a quiet period (default: one second's worth, at least 1). */
  readonly burst?: number;
  /** Where time comes from (the bucket refills by clock time). */
  readonly clock: Clock;
  readonly sleep?: Sleep;
}

/**
 * The same CloudProvider, spacing calls with a token bucket so one Governator never exceeds the provider's
 * API rate (EC2 and GCE throttle per account; a throttling storm is cheaper avoided than retried). Calls wait
 * their turn in order; `health` is not limited. Wrap it INSIDE withProviderRetry so retries are limited too.
 */
export function withRateLimit(provider: CloudProvider, options: RateLimitOptions): CloudProvider {
  if (!(options.ratePerSecond > 0)) {
    throw providerError('InvalidRequest', provider.name, 'withRateLimit', `ratePerSecond must be above 0, got ${options.ratePerSecond}`);
  }
  const capacity = Math.max(1, options.burst ?? Math.ceil(options.ratePerSecond));
  const sleep = options.sleep ?? timerSleep;
  const intervalMs = 1000 / options.ratePerSecond;
  let tokens = capacity;
  let refilledAt = options.clock.now().getTime();
  let queue: Promise<void> = Promise.resolve();

  async function take(): Promise<void> {
    for (;;) {
      const now = options.clock.now().getTime();
      tokens = Math.min(capacity, tokens + (now - refilledAt) / intervalMs);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - tokens) * intervalMs));
    }
  }

  function limited<T>(call: () => Promise<T>): Promise<T> {
    const turn = queue.then(take);
    queue = turn.catch(() => undefined);
    return turn.then(call);
  }

  return {
    name: provider.name,
    kind: provider.kind,
    listNodes: (o) => limited(() => provider.listNodes(o)),
    getNode: (id, o) => limited(() => provider.getNode(id, o)),
    startNode: (request) => limited(() => provider.startNode(request)),
    stopNode: (request) => limited(() => provider.stopNode(request)),
    health: () => provider.health(),
  };
}
