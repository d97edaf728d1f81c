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
  // Live price sources (docs/pricing-sources.md)
  GOV_PRICE_SOURCE_THROTTLED: 'A price source (cloud pricing API) answered "too many requests"; details.retryAfterMs says how long it asked us to wait.',
  GOV_PRICE_SOURCE_UNAVAILABLE: 'A price source could not be read: network error, timeout, server error, or an answer that is not the expected format.',
  GOV_PRICE_SOURCE_AUTH: 'A price source refused our credentials (missing, invalid or lacking permission).',
  // Price catalog (docs/catalog.md)
  GOV_CATALOG_UNAVAILABLE: 'The bundled price catalog cannot be read or does not match its manifest (missing, corrupt or edited file).',
  // Telemetry ingestion (docs/telemetry.md)
  GOV_INGEST_REJECTED: 'Some samples of an ingest request were refused (details.rejected counts them by reason); the others were stored.',
  GOV_INGEST_BACKPRESSURE: 'The telemetry write queue is full; nothing of the request was accepted. Retry after the Retry-After header.',
  GOV_UPGRADE_REQUIRED: 'This endpoint speaks WebSocket only: send an HTTP Upgrade request.',
  // Cloud providers and actuation (docs/providers.md); made by providerError() in src/core/provider/errors.ts
  GOV_PROVIDER_NOT_FOUND: 'The provider has no such node (never existed, or already gone).',
  GOV_PROVIDER_QUOTA_EXCEEDED: 'The provider refused a start: an account quota or limit is exhausted.',
  GOV_PROVIDER_CAPACITY_UNAVAILABLE: 'The provider has no capacity for the requested offering in that place right now.',
  GOV_PROVIDER_THROTTLED: 'The provider answered "too many requests"; retried with backoff.',
  GOV_PROVIDER_AUTH_FAILED: 'The provider refused our credentials (missing, invalid or lacking permission).',
  GOV_PROVIDER_INVALID_REQUEST: 'The provider rejected the request as invalid (unknown instance type, bad template …).',
  GOV_PROVIDER_UNAVAILABLE: 'The provider could not be reached or answered with a server error.',
  GOV_PROVIDER_TIMEOUT: 'A provider call, or a node becoming ready, took longer than its time limit.',
  // Action engine (docs/providers.md)
  GOV_ACTIONS_PAUSED: 'The global kill switch is on (governator pause): no action is carried out until governator resume.',
  GOV_GUARDRAIL_BLOCKED: 'A guardrail refused the action: max actions per hour, cooldown, min nodes or disruption budget; details.guardrail names it.',
  // Provider credentials (docs/providers.md, "Credentials and the provider registry")
  GOV_CREDENTIAL_UNREADABLE: 'A stored provider credential cannot be opened: it was sealed under another master key, or the stored value was altered.',
  // Forecasting (docs/forecasting.md)
  GOV_FORECAST_NOT_FOUND: 'No forecast has been recorded for this pool yet (the control loop fits one on its first decision for the pool).',
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
