import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { toDbError } from '../sql/errors.js';

type Queryable = Pick<PGlite, 'query' | 'exec'> | Pick<Transaction, 'query' | 'exec'>;

function executor(db: Queryable, location: string): SqlExecutor {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await db.query<T>(sql, [...params])).rows;
      } catch (err) {
        throw toDbError(err, location);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await db.exec(sql);
      } catch (err) {
        throw toDbError(err, location);
      }
    },
    async copyBinary(table: string, columns: readonly string[], data: Uint8Array): Promise<void> {
      try {
        // PGlite has no COPY FROM STDIN; '/dev/blob' reads the `blob` option instead.
        await db.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob: new Blob([data]) });
      } catch (err) {
        throw toDbError(err, location);
      }
    },
  };
}

/**
 * SqlClient over one PGlite instance. PGlite is a single backend: it runs one query at a time and a
 * transaction holds it exclusively, so concurrent callers simply queue.
 */
export function pgliteClient(db: PGlite, location: string): SqlClient {
  let closed = false;
  return {
    ...executor(db, location),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((tx) => fn(executor(tx, location)));
      } catch (err) {
        throw toDbError(err, location);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}
