import type { GovError } from '../../../core/errors.js';
import { isGovError } from '../../../core/errors.js';
import { abortedError, authError, throttledError, unavailableError } from '../errors.js';

/** AWS error names (error.name = the service's error code) that mean "slow down". */
const THROTTLING = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException',
  'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'PriorRequestNotComplete', 'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** …and those that mean our credentials are missing, wrong or lack the permission. */
const AUTH = new Set([
  'AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'AuthFailure', 'UnrecognizedClientException',
  'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'InvalidSignatureException', 'SignatureDoesNotMatch',
  'IncompleteSignature', 'MissingAuthenticationToken', 'CredentialsProviderError', 'OptInRequired',
]);

interface AwsErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * An AWS SDK error as the PriceSource contract's typed error. `callerAborted` / `timedOut` tell an abort by
 * the caller's signal from one by the request timeout (the SDK reports both as AbortError).
 */
export function fromAwsError(source: string, what: string, err: unknown, state: { callerAborted: boolean; timedOut: boolean; timeoutMs: number }): GovError {
  if (isGovError(err)) return err;
  if (state.callerAborted) return abortedError(source, err);
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const statusPart = status === undefined ? {} : { status };
  const message = `${what} failed: ${name}${e.message ? `: ${e.message}` : ''}`;
  if (state.timedOut || name === 'AbortError' || name === 'TimeoutError') {
    return unavailableError(source, `${what}: no answer within ${state.timeoutMs} ms`, { cause: err });
  }
  if (THROTTLING.has(name) || e.$retryable?.throttling === true || status === 429) return throttledError(source, message, { ...statusPart, cause: err });
  if (AUTH.has(name) || status === 401 || status === 403) return authError(source, message, { ...statusPart, cause: err });
  if (status !== undefined && status >= 400 && status < 500) return unavailableError(source, message, { ...statusPart, retryable: false, cause: err });
  return unavailableError(source, message, { ...statusPart, cause: err });
}
