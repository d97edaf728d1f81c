import { GovError, isGovError } from '../../../core/errors.js';

/** The SQLSTATE of a database error (`23505` …), or undefined when `err` is not one. Works for PGlite and pg. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** SQLSTATE 23505: a unique constraint or primary key was violated. */
export const UNIQUE_VIOLATION = '23505';

/** Name of the constraint or index a database error is about, when the driver reports it. */
export function constraintName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const name = (err as { constraint?: unknown }).constraint;
  return typeof name === 'string' ? name : undefined;
}

// Socket-level errors from Node (pg) when the server cannot be reached or goes away.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ECONNABORTED',
]);

// Messages the drivers use for a lost, timed-out or closed connection (they carry no code).
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /cannot use a pool after calling end/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /pglite is closed/i,
];

/**
 * True when `err` says the database cannot be reached or used at all (as opposed to a bad statement):
 * network errors, SQLSTATE class 08 (connection exception), 28 (authentication), 3D000 (no such database),
 * 53300 (too many connections), 57P01..57P03 (server shutting down or starting), a closed pool or PGlite.
 */
export function isConnectionError(err: unknown): boolean {
  if (isGovError(err)) return err.code === 'GOV_DB_UNAVAILABLE';
  const state = sqlState(err);
  if (state !== undefined) {
    return state.startsWith('08') || state.startsWith('28') || state === '3D000' || state === '53300'
      || state === '57P01' || state === '57P02' || state === '57P03';
  }
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && CONNECTION_MESSAGES.some((re) => re.test(message));
}

/**
 * Turn a connection failure into GovError `GOV_DB_UNAVAILABLE` naming `location` (already safe to print);
 * every other error is returned unchanged.
 */
export function toDbError(err: unknown, location: string): unknown {
  if (isGovError(err) || !isConnectionError(err)) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new GovError('GOV_DB_UNAVAILABLE', `The database at ${location} is unavailable: ${reason}`, { cause: err });
}
