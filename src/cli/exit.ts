import { isGovError, type ErrorCode } from '../core/errors.js';

/** Exit codes: 0 success; 1 the work failed; 2 the input (flags, config, arguments) was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'GOV_VALIDATION', 'GOV_CONFIG_INVALID', 'GOV_CONFIG_FILE', 'GOV_NOT_FOUND', 'GOV_CONFLICT', 'GOV_MALFORMED_JSON',
]);

export function exitCodeFor(error: unknown): number {
  return isGovError(error) && USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** One line (or a few) for stderr: the code and the message, never a stack trace for known errors. */
export function formatError(error: unknown): string {
  if (isGovError(error)) return `error ${error.code}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message}`;
}
