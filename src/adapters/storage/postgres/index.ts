export { openPostgresStore } from './store.js';
export type { PostgresStoreOptions } from './store.js';
export { maskDatabaseUrl } from './url.js';
export { postgresClient } from './client.js';
