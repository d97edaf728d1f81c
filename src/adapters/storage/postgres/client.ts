import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { isConnectionError, toDbError } from '../sql/errors.js';

function executor(db: Pool | PoolClient, location: string): SqlExecutor {
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
        await db.query(sql); // no parameters: the simple query protocol, which runs several statements
      } catch (err) {
        throw toDbError(err, location);
      }
    },
    async copyBinary(table: string, columns: readonly string[], data: Uint8Array): Promise<void> {
      // A COPY holds its connection until the stream ends: take one of the pool's (or use the transaction's).
      let conn: PoolClient;
      let own = false;
      try {
        if ('release' in db) conn = db;
        else { conn = await db.connect(); own = true; }
      } catch (err) {
        throw toDbError(err, location);
      }
      let broken: Error | undefined;
      try {
        const stream = conn.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT binary)`));
        await new Promise<void>((resolve, reject) => {
          stream.on('error', reject);
          stream.on('finish', resolve);
          stream.end(data);
        });
      } catch (err) {
        if (isConnectionError(err)) broken = err instanceof Error ? err : new Error(String(err));
        throw toDbError(err, location);
      } finally {
        if (own) conn.release(broken);
      }
    },
  };
}

/** SqlClient over a `pg` pool; each transaction runs on a connection of its own, taken from the pool. */
export function postgresClient(pool: Pool, location: string): SqlClient {
  let closing: Promise<void> | undefined;
  return {
    ...executor(pool, location),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      let conn: PoolClient;
      try {
        conn = await pool.connect();
      } catch (err) {
        throw toDbError(err, location);
      }
      const tx = executor(conn, location);
      let broken: Error | undefined;
      try {
        await tx.exec('BEGIN');
        const result = await fn(tx);
        await tx.exec('COMMIT');
        return result;
      } catch (err) {
        try {
          await conn.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        }
        throw err;
      } finally {
        conn.release(broken); // a connection whose ROLLBACK failed is destroyed, not reused
      }
    },
    close(): Promise<void> {
      closing ??= pool.end();
      return closing;
    },
  };
}
