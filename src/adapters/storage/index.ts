/** Storage adapters for the Store port (src/ports/store.ts): embedded PGlite and external PostgreSQL. */
export { IN_MEMORY, openPgliteStore } from './pglite/index.js';
export type { PgliteStoreOptions } from './pglite/index.js';
export { maskDatabaseUrl, openPostgresStore } from './postgres/index.js';
export type { PostgresStoreOptions } from './postgres/index.js';
