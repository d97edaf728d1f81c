/**
 * The small SQL surface both storage adapters provide (PGlite in-process, `pg` over the network). The
 * repositories and the migration runner in this folder are written once against it.
 *
 * Contracts:
 * - `query` runs ONE statement with `$1…` parameters and resolves to its rows. Parameters are plain values:
 *   strings, numbers, booleans, null, `Date`, `Uint8Array`. JSON values are passed as text made with
 *   `JSON.stringify` and cast in SQL (`$1::jsonb`): the `pg` driver would turn a JS array into a PostgreSQL array.
 * - `exec` runs a script of one or more statements without parameters (the simple query protocol).
 * - Row values come back as each driver parses them: BIGINT and NUMERIC may be `number`, `string` or `bigint`,
 *   TIMESTAMPTZ is a `Date`, JSONB an object, BYTEA a `Uint8Array`. Normalise them with ./rows.ts.
 * - Connection failures reject with GovError `GOV_DB_UNAVAILABLE`; SQL errors reject with the driver's error,
 *   whose `code` is the SQLSTATE (read it with `sqlState()` from ./errors.ts).
 */
export interface SqlExecutor {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
  /**
   * Bulk-load rows in PostgreSQL's binary COPY format (`data`: header, tuples, trailer) into `table (columns)`,
   * all or nothing: `COPY … FROM STDIN` over `pg` (pg-copy-streams), `COPY … FROM '/dev/blob'` on PGlite.
   * `table` and `columns` are trusted identifiers (never user input). COPY has no ON CONFLICT: a duplicate key
   * rejects with SQLSTATE 23505 and nothing is written. The fastest bulk path both drivers have (issue #5).
   */
  copyBinary(table: string, columns: readonly string[], data: Uint8Array): Promise<void>;
}

/** A connection (or pool of them) that can also run a transaction. */
export interface SqlClient extends SqlExecutor {
  /**
   * Run `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it rejects (and
   * reject with its error). Use only `tx` inside `fn`: on PGlite the outer client waits for the transaction
   * to end, so a query on it from inside `fn` would never finish. Transactions do not nest.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Release the connections. Idempotent; afterwards every call rejects with `GOV_DB_UNAVAILABLE`. */
  close(): Promise<void>;
}
