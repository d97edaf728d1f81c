export { IN_MEMORY, openPgliteStore } from './store.js';
export type { PgliteStoreOptions } from './store.js';
export { acquireDataDirLock, LOCK_FILE_NAME } from './lock.js';
export type { AcquireLockOptions, DataDirLock, LockOwner } from './lock.js';
export { pgliteClient } from './client.js';
