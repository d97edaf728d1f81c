import { GovError, isGovError } from '../errors.js';

/**
 * Typed failures of the CloudProvider contract (src/ports/cloud-provider.ts), made in one place for every
 * adapter, the action engine's retry policy and the HTTP error mapping. Details are client-safe: never a
 * credential.
 */

/** The kinds of provider failure the action engine distinguishes (issue #7). */
export const PROVIDER_ERROR_KINDS = {
  NotFound: 'GOV_PROVIDER_NOT_FOUND',
  QuotaExceeded: 'GOV_PROVIDER_QUOTA_EXCEEDED',
  CapacityUnavailable: 'GOV_PROVIDER_CAPACITY_UNAVAILABLE',
  Throttled: 'GOV_PROVIDER_THROTTLED',
  AuthFailed: 'GOV_PROVIDER_AUTH_FAILED',
  InvalidRequest: 'GOV_PROVIDER_INVALID_REQUEST',
  Unavailable: 'GOV_PROVIDER_UNAVAILABLE',
  Timeout: 'GOV_PROVIDER_TIMEOUT',
} as const;

export type ProviderErrorKind = keyof typeof PROVIDER_ERROR_KINDS;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_KINDS)[ProviderErrorKind];

/** Kinds where another attempt (after a backoff) can help. Quota and capacity may clear, but not in seconds. */
const RETRYABLE: ReadonlySet<ProviderErrorKind> = new Set(['Throttled', 'Unavailable', 'Timeout']);

export interface ProviderErrorDetails {
  /** The provider instance's name (config), e.g. `aws-prod`. */
  readonly provider: string;
  readonly kind: ProviderErrorKind;
  /** What we were doing: `listNodes`, `startNode`, `stopNode`, `getNode`, `health`. */
  readonly operation: string;
  /** Whether the action engine may retry (with backoff). */
  readonly retryable: boolean;
  /** Node id, when the failure is about one node. */
  readonly nodeId?: string;
  /** How long the provider asked us to wait (Retry-After / throttling hint), ms. */
  readonly retryAfterMs?: number;
  /** The provider's own error code (e.g. EC2 `InsufficientInstanceCapacity`), for people. */
  readonly providerCode?: string;
}

export interface ProviderErrorOptions {
  readonly nodeId?: string;
  readonly retryAfterMs?: number;
  readonly providerCode?: string;
  /** Override the kind's default retryability. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/** A GovError for one provider failure: `${provider}: ${operation}: ${message}`. */
export function providerError(
  kind: ProviderErrorKind, provider: string, operation: string, message: string, options: ProviderErrorOptions = {},
): GovError {
  const details: ProviderErrorDetails = {
    provider, kind, operation, retryable: options.retryable ?? RETRYABLE.has(kind),
    ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
    ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    ...(options.providerCode === undefined ? {} : { providerCode: options.providerCode }),
  };
  return new GovError(PROVIDER_ERROR_KINDS[kind], `${provider}: ${operation}: ${message}`, { details, cause: options.cause });
}

/** The provider error kind of `error`, or null when it is not a provider error. */
export function providerErrorKind(error: unknown): ProviderErrorKind | null {
  if (!isGovError(error)) return null;
  const details = error.details as Partial<ProviderErrorDetails> | undefined;
  return details?.kind !== undefined && PROVIDER_ERROR_KINDS[details.kind] === error.code ? details.kind : null;
}

/** True when `error` is a provider error another attempt may cure. */
export function isRetryableProviderError(error: unknown): boolean {
  if (providerErrorKind(error) === null) return false;
  return (error as GovError & { details: ProviderErrorDetails }).details.retryable;
}
