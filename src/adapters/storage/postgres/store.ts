import pg from 'pg';
import { GovError } from '../../../core/errors.js';
import type { Store } from '../../../ports/store.js';
import { createSqlStore } from '../sql/store.js';
import { postgresClient } from './client.js';
import { maskDatabaseUrl } from './url.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (libpq-style parameters such as sslmode are understood). */
  readonly url: string;
  /** Pool size; default 10. */
  readonly maxConnections?: number;
  /** How long to wait for a connection before failing with GOV_DB_UNAVAILABLE; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Shown in pg_stat_activity; default `governator`. */
  readonly applicationName?: string;
  /** Folder of NNNN_name.sql migrations; default: the repository's migrations/ folder. */
  readonly migrationsDir?: string | URL;
  /**
   * Called when an idle pooled connection fails (the server restarted, the network dropped). The pool
   * replaces it; the next query that cannot connect rejects with GOV_DB_UNAVAILABLE. Default: ignore.
   */
  readonly onIdleError?: (err: Error) => void;
}

/**
 * Open a connection pool to an external PostgreSQL (15 or newer) and check that it answers. Does not
 * migrate: call `store.migrate()`. `location` is the URL with its password masked.
 *
 * Rejects with GOV_DB_UNAVAILABLE (message with the masked URL, never the password) when the server cannot
 * be reached, refuses the credentials, or has no such database.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const location = maskDatabaseUrl(options.url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      application_name: options.applicationName ?? 'governator',
    });
  } catch (err) {
    throw new GovError('GOV_DB_UNAVAILABLE', `Cannot use the database URL ${location}: ${(err as Error).message}`, { cause: err });
  }
  pool.on('error', (err) => options.onIdleError?.(err));

  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new GovError('GOV_DB_UNAVAILABLE',
      `Cannot connect to the database at ${location}: ${withoutPassword(describe(err), options.url)}`, { cause: err });
  }
  return createSqlStore({
    kind: 'postgres',
    location,
    client: postgresClient(pool, location),
    migrationsDir: options.migrationsDir,
  });
}

/** Defence in depth: drivers do not echo the password, but a message must never carry it. */
function withoutPassword(message: string, url: string): string {
  let password = '';
  try {
    const parsed = new URL(url);
    password = decodeURIComponent(parsed.password) || (parsed.searchParams.get('password') ?? '');
  } catch {
    return message;
  }
  return password.length >= 3 ? message.split(password).join('****') : message;
}

/** The error's message; its code when the message is empty (Node's AggregateError for `localhost`, ::1 and 127.0.0.1 both refused). */
function describe(err: unknown): string {
  if (err instanceof Error && err.message !== '') return err.message;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : String(err);
}
