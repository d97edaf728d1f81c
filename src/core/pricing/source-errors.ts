import { GovError, isGovError } from '../errors.js';

/**
 * Typed whole-source failures of the PriceSource contract (src/ports/price-source.ts), made in one place for
 * the adapters and for withRetry. Details are client-safe: never a credential.
 */

export interface SourceErrorDetails {
  readonly source: string;
  /** HTTP status, when there was an answer. */
  readonly status?: number;
  /** How long the source asked us to wait (Retry-After), ms. */
  readonly retryAfterMs?: number;
  /** Whether another attempt can help (withRetry reads it). */
  readonly retryable: boolean;
  /** True when the caller's signal ended the fetch. */
  readonly aborted?: boolean;
}

export function throttledError(source: string, message: string, extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {}): GovError {
  const details: SourceErrorDetails = {
    source, retryable: true,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
  };
  return new GovError('GOV_PRICE_SOURCE_THROTTLED', `${source}: ${message}`, { details, cause: extra.cause });
}

export function unavailableError(source: string, message: string, extra: { status?: number; retryAfterMs?: number; retryable?: boolean; cause?: unknown } = {}): GovError {
  const details: SourceErrorDetails = {
    source, retryable: extra.retryable ?? true,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
  };
  return new GovError('GOV_PRICE_SOURCE_UNAVAILABLE', `${source}: ${message}`, { details, cause: extra.cause });
}

export function authError(source: string, message: string, extra: { status?: number; cause?: unknown } = {}): GovError {
  const details: SourceErrorDetails = { source, retryable: false, ...(extra.status === undefined ? {} : { status: extra.status }) };
  return new GovError('GOV_PRICE_SOURCE_AUTH', `${source}: ${message}`, { details, cause: extra.cause });
}

export function abortedError(source: string, cause?: unknown): GovError {
  const details: SourceErrorDetails = { source, retryable: false, aborted: true };
  return new GovError('GOV_PRICE_SOURCE_UNAVAILABLE', `${source}: fetch aborted`, { details, cause });
}

export function tooManyPagesError(source: string, what: string, maxPages: number): GovError {
  return unavailableError(source, `${what}: still more pages after ${maxPages}; stopped (is the next-page link looping?)`, { retryable: false });
}

/**
 * Whether another attempt at the source can help: throttling, and unavailability the source did not mark as
 * permanent. Auth failures, aborts and anything that is not a price-source error are not retried.
 */
export function isRetryableSourceError(error: unknown): boolean {
  if (!isGovError(error)) return false;
  const details = (error.details ?? {}) as Partial<SourceErrorDetails>;
  if (details.aborted === true) return false;
  if (error.code === 'GOV_PRICE_SOURCE_THROTTLED') return true;
  return error.code === 'GOV_PRICE_SOURCE_UNAVAILABLE' && details.retryable !== false;
}

/** The wait the source asked for (Retry-After), if the error carries one. */
export function retryAfterOf(error: unknown): number | undefined {
  if (!isGovError(error)) return undefined;
  const value = (error.details as Partial<SourceErrorDetails> | undefined)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
