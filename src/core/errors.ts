/**
 * The one catalogue of Governator error codes. Every error that crosses a boundary (HTTP, CLI, logs) is a
 * {@link GovError} with one of these codes; the HTTP status for each lives in one place
 * (src/server/errors.ts) and the CLI exit code in src/cli/exit.ts. Codes are stable: tests, clients and
 * dashboards match on them, so a code is never renamed or reused; add a new one instead.
 *
 * docs/errors.md lists them for users.
 */
export const ERROR_CODES = {
  // Input and requests
  GOV_VALIDATION: 'A request or document did not match its schema; details name the field.',
  GOV_MALFORMED_JSON: 'The request body is not valid JSON.',
  GOV_UNSUPPORTED_MEDIA_TYPE: 'The request body has a content type this endpoint does not accept.',
  GOV_PAYLOAD_TOO_LARGE: 'The request body is larger than server.body_limit.',
  GOV_NOT_FOUND: 'No such route or resource.',
  GOV_CONFLICT: 'The request conflicts with the current state (e.g. a duplicate name).',
  // Authentication and authorisation
  GOV_AUTH_REQUIRED: 'No API key was presented (expected "Authorization: Bearer <key>").',
  GOV_AUTH_INVALID: 'The API key presented is malformed, unknown or revoked.',
  GOV_FORBIDDEN: "The API key's role lacks the permission this route needs.",
  // Service state
  GOV_NOT_READY: 'A dependency (the database) is not reachable.',
  GOV_SHUTTING_DOWN: 'The server is shutting down and takes no new work.',
  GOV_INTERNAL: 'An unexpected error; the server log has the details under the request id.',
  // Configuration and start-up
  GOV_CONFIG_INVALID: 'A configuration value is invalid; the message names the key, its source and what is expected.',
  GOV_CONFIG_FILE: 'The configuration file cannot be read or is not valid TOML.',
  GOV_DATA_DIR_LOCKED: 'Another Governator process holds the embedded database directory.',
  // Storage
  GOV_DB_UNAVAILABLE: 'The database cannot be opened or reached.',
  GOV_DB_MIGRATION: 'A schema migration failed or the schema on disk does not match this version.',
  GOV_AUDIT_CHAIN_BROKEN: 'The audit log hash chain does not verify: a row was edited, removed or inserted.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GovErrorOptions {
  /** Structured, client-safe data about the failure (field paths, limits …). Never secrets. */
  readonly details?: unknown;
  /** The underlying error, kept for logs; never sent to clients. */
  readonly cause?: unknown;
}

/** An error with a stable code from {@link ERROR_CODES}. */
export class GovError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: GovErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GovError';
    this.code = code;
    this.details = options.details;
  }
}

export function isGovError(value: unknown): value is GovError {
  return value instanceof GovError;
}
