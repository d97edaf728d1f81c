export type { SqlClient, SqlExecutor } from './client.js';
export { isConnectionError, sqlState, toDbError } from './errors.js';
export { DEFAULT_MIGRATIONS_DIR, loadMigrations } from './migrations.js';
export type { MigrationFile } from './migrations.js';
export { createSqlStore } from './store.js';
export type { SqlStoreOptions } from './store.js';
