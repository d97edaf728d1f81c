import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { GovError } from '../../../core/errors.js';
import type { Store } from '../../../ports/store.js';
import { createSqlStore } from '../sql/store.js';
import { pgliteClient } from './client.js';
import { acquireDataDirLock } from './lock.js';
import type { DataDirLock } from './lock.js';

/** Pass as `dataDir` for a throwaway in-memory database (tests, demos): no files, no lock. */
export const IN_MEMORY = 'memory://';

export interface PgliteStoreOptions {
  /**
   * Directory that holds Governator's embedded database, created when missing: PostgreSQL's files go in
   * `<dataDir>/pg`, the lock in `<dataDir>/governator.lock`. Or {@link IN_MEMORY}.
   */
  readonly dataDir: string;
  /** Folder of NNNN_name.sql migrations; default: the repository's migrations/ folder. */
  readonly migrationsDir?: string | URL;
}

/**
 * Open the embedded PostgreSQL (PGlite). Takes the data-directory lock BEFORE PGlite touches any file, so a
 * second process fails fast with GOV_DATA_DIR_LOCKED instead of corrupting the database; close() releases it.
 * Does not migrate: call `store.migrate()`.
 *
 * Rejects with GOV_DATA_DIR_LOCKED (see acquireDataDirLock) or GOV_DB_UNAVAILABLE (the directory cannot be
 * created, or PGlite cannot start on it; the lock is released again).
 */
export async function openPgliteStore(options: PgliteStoreOptions): Promise<Store> {
  if (options.dataDir === IN_MEMORY) {
    const db = await startPglite(undefined, IN_MEMORY);
    return createSqlStore({ kind: 'pglite', location: IN_MEMORY, client: pgliteClient(db, IN_MEMORY), migrationsDir: options.migrationsDir });
  }

  const dataDir = resolve(options.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new GovError('GOV_DB_UNAVAILABLE', `Cannot create the data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  const lock: DataDirLock = acquireDataDirLock(dataDir);
  let db: PGlite;
  try {
    const pgDir = join(dataDir, 'pg');
    mkdirSync(pgDir, { recursive: true });
    if (!existsSync(join(pgDir, 'PG_VERSION'))) await initialiseInWorker(pgDir, dataDir);
    db = await startPglite(pgDir, dataDir);
  } catch (err) {
    lock.release();
    throw err instanceof GovError ? err
      : new GovError('GOV_DB_UNAVAILABLE', `Cannot open the embedded database in ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  return createSqlStore({
    kind: 'pglite',
    location: dataDir,
    client: pgliteClient(db, dataDir),
    migrationsDir: options.migrationsDir,
    onClose: () => lock.release(),
  });
}

async function startPglite(pgDir: string | undefined, location: string): Promise<PGlite> {
  try {
    return await PGlite.create(pgDir === undefined ? {} : { dataDir: pgDir });
  } catch (err) {
    throw new GovError('GOV_DB_UNAVAILABLE', `Cannot start the embedded database (${location}): ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Create a new database cluster in `pgDir` on a short-lived worker thread. PGlite runs initdb as its own
 * WebAssembly instance whose memory (about 400 MiB) never shrinks once grown; done in the server's own thread it
 * would stay in the process's RSS for its whole life. The worker's isolate, and that memory with it, is
 * released when the worker ends, and the server then opens the ready cluster like on any later start.
 */
async function initialiseInWorker(pgDir: string, location: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const code = [
    "const { parentPort, workerData } = require('node:worker_threads');",
    'const { PGlite } = require(workerData.entry);',
    'PGlite.create({ dataDir: workerData.dir })',
    '  .then((db) => db.close())',
    '  .then(() => parentPort.postMessage({ ok: true }), (err) => parentPort.postMessage({ ok: false, message: String((err && err.message) || err) }));',
  ].join('\n');
  const worker = new Worker(code, { eval: true, workerData: { entry, dir: pgDir } });
  try {
    const outcome = await new Promise<{ ok: boolean; message?: string }>((done, fail) => {
      worker.once('message', done);
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`the initialisation worker exited with code ${code}`)));
    });
    if (!outcome.ok) throw new Error(outcome.message ?? 'unknown error');
  } catch (err) {
    throw new GovError('GOV_DB_UNAVAILABLE', `Cannot create the embedded database (${location}): ${(err as Error).message}`, { cause: err });
  } finally {
    await worker.terminate();
  }
}
