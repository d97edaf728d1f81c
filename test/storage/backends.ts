/**
 * The two storage backends behind one small harness, so test/storage/store.contract.test.ts runs the same
 * contract against both. Each harness owns one test database and can open several stores over it (with a
 * chosen migrations folder), run raw SQL on it (to tamper, as an attacker or a bad migration would), and open
 * stores over a brand-new empty database.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { IN_MEMORY, openPgliteStore, pgliteClient } from '../../src/adapters/storage/pglite/index.js';
import { openPostgresStore } from '../../src/adapters/storage/postgres/index.js';
import type { SqlClient } from '../../src/adapters/storage/sql/index.js';
import { createSqlStore } from '../../src/adapters/storage/sql/index.js';
import type { Store, StoreKind } from '../../src/ports/store.js';
import { createTestDatabase } from '../support/postgres.js';
import type { TestDatabase } from '../support/postgres.js';

export interface StoreBackend {
  readonly kind: StoreKind;
  /** A store over this harness's database. Closed by dispose(). */
  openStore(options?: { migrationsDir?: string }): Promise<Store>;
  /** Raw SQL on the same database, outside the store. */
  exec(sql: string): Promise<void>;
  /** `count` stores over one brand-new empty database (on PGlite: one store, `count` times). */
  openEmpty(count: number, options?: { migrationsDir?: string }): Promise<Store[]>;
  dispose(): Promise<void>;
}

/** PGlite in memory: the harness keeps the PGlite instance for raw SQL and shares it between its stores. */
export async function pgliteBackend(): Promise<StoreBackend> {
  const db = await PGlite.create();
  const client = pgliteClient(db, IN_MEMORY);
  // Stores share the one PGlite: closing a store must not close it under the others.
  const shared: SqlClient = { ...client, close: async () => undefined };
  const empties: Store[] = [];
  return {
    kind: 'pglite',
    async openStore(options = {}) {
      return createSqlStore({ kind: 'pglite', location: IN_MEMORY, client: shared, migrationsDir: options.migrationsDir });
    },
    async exec(sql) {
      await db.exec(sql);
    },
    async openEmpty(count, options = {}) {
      const store = await openPgliteStore({ dataDir: IN_MEMORY, migrationsDir: options.migrationsDir });
      empties.push(store);
      return Array.from({ length: count }, () => store);
    },
    async dispose() {
      await Promise.all(empties.map((s) => s.close()));
      await client.close();
    },
  };
}

/** A database of its own on the PostgreSQL server at `adminUrl`; stores are opened with openPostgresStore. */
export async function postgresBackend(adminUrl: string): Promise<StoreBackend> {
  const databases: TestDatabase[] = [await createTestDatabase(adminUrl)];
  const main = databases[0] as TestDatabase;
  const raw = new pg.Pool({ connectionString: main.url, max: 2 });
  const stores: Store[] = [];
  const open = async (url: string, migrationsDir?: string): Promise<Store> => {
    const store = await openPostgresStore({ url, maxConnections: 5, migrationsDir });
    stores.push(store);
    return store;
  };
  return {
    kind: 'postgres',
    openStore: (options = {}) => open(main.url, options.migrationsDir),
    async exec(sql) {
      await raw.query(sql);
    },
    async openEmpty(count, options = {}) {
      const db = await createTestDatabase(adminUrl);
      databases.push(db);
      return Promise.all(Array.from({ length: count }, () => open(db.url, options.migrationsDir)));
    },
    async dispose() {
      await Promise.all(stores.map((s) => s.close()));
      await raw.end();
      await Promise.all(databases.map((d) => d.drop()));
    },
  };
}
