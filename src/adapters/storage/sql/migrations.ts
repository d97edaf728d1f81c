import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GovError, isGovError } from '../../../core/errors.js';
import type { MigrationReport, MigrationState } from '../../../ports/store.js';
import type { SqlClient, SqlExecutor } from './client.js';
import { toDateOrNull, toNumber } from './rows.js';

/**
 * The versioned schema migrations (migrations/NNNN_name.sql at the repository root) and the runner that
 * applies them. The same files run on PGlite and on PostgreSQL.
 *
 * Rules for migration files:
 * - Named `NNNN_snake_case_name.sql`; versions are unique and applied in ascending order.
 * - Never edit a migration once it has been released: its checksum is recorded when applied and a mismatch
 *   stops `migrate()` with GOV_DB_MIGRATION. Add a new migration instead.
 * - No BEGIN/COMMIT inside: the runner wraps each file in its own transaction.
 */

/** The repository's migrations folder: from src/adapters/storage/sql and from dist/adapters/storage/sql alike. */
export const DEFAULT_MIGRATIONS_DIR = new URL('../../../../migrations/', import.meta.url);

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** hex SHA-256 of the file with line endings normalised to LF (a Windows checkout must not look edited). */
  readonly checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

/** Read and validate every migration in `dir`, ordered by version. */
export async function loadMigrations(dir: string | URL = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  let names: string[];
  try {
    names = await readdir(path);
  } catch (err) {
    throw new GovError('GOV_DB_MIGRATION', `Cannot read the migrations folder ${path}: ${(err as Error).message}`, { cause: err });
  }
  const files: MigrationFile[] = [];
  for (const fileName of names.filter((n) => n.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(fileName);
    if (match === null) {
      throw new GovError('GOV_DB_MIGRATION', `Migration file ${fileName} in ${path} is not named NNNN_name.sql`);
    }
    const version = Number(match[1]);
    if (version === 0) throw new GovError('GOV_DB_MIGRATION', `Migration ${fileName}: versions start at 0001`);
    const previous = files.at(-1);
    if (previous !== undefined && previous.version === version) {
      throw new GovError('GOV_DB_MIGRATION', `Two migrations have version ${version} in ${path}: ${previous.name} and ${match[2]}`);
    }
    const sql = (await readFile(`${path}/${fileName}`, 'utf8')).replace(/\r\n/g, '\n');
    files.push({ version, name: match[2] ?? '', sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

// pg_advisory_xact_lock(MIGRATION_LOCK_CLASS, MIGRATION_LOCK_ID) serialises migrators sharing one database
// (several replicas starting at once). The class is 'GOV' in ASCII; see also the audit lock in ./audit.ts.
export const ADVISORY_LOCK_CLASS = 0x474f56;
const MIGRATION_LOCK_ID = 1;
const LOCK = `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, ${MIGRATION_LOCK_ID})`;

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

interface AppliedRow {
  version: unknown;
  name: string;
  checksum: string;
  applied_at: unknown;
}

interface Applied {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date | null;
}

async function readApplied(db: SqlExecutor): Promise<Map<number, Applied>> {
  const rows = await db.query<AppliedRow>('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
  return new Map(rows.map((r) => {
    const version = toNumber(r.version, 'schema_migrations.version');
    return [version, { version, name: r.name, checksum: r.checksum, appliedAt: toDateOrNull(r.applied_at, 'applied_at') }];
  }));
}

async function tableExists(db: SqlExecutor): Promise<boolean> {
  const rows = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
}

/** Fail when the database was migrated by a different build: an edited migration, or one this build lacks. */
function checkConsistent(files: readonly MigrationFile[], applied: ReadonlyMap<number, Applied>): void {
  const known = new Map(files.map((f) => [f.version, f]));
  for (const row of applied.values()) {
    const file = known.get(row.version);
    if (file === undefined) {
      throw new GovError('GOV_DB_MIGRATION',
        `The database has migration ${row.version} (${row.name}) applied, which this build of Governator does not know: ` +
        'the database was migrated by a newer version. Upgrade Governator, or use a database made by this version.',
        { details: { version: row.version, name: row.name } });
    }
    if (file.checksum !== row.checksum) {
      throw new GovError('GOV_DB_MIGRATION',
        `Migration ${row.version} (${file.name}) differs from the one applied to the database (checksum ` +
        `${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… in this build). Released ` +
        'migrations must never be edited: restore the original file and add a new migration instead.',
        { details: { version: row.version, name: file.name } });
    }
  }
}

/**
 * Apply every pending migration, each in its own transaction holding the migration advisory lock, so that
 * concurrent migrators apply each version once (the loser of the race finds it applied and skips it).
 * Rejects with GOV_DB_MIGRATION when a migration fails (naming it; the failed one is rolled back, earlier
 * ones stay applied) or when the database does not match this build (see checkConsistent).
 */
export async function runMigrations(db: SqlClient, files: readonly MigrationFile[]): Promise<MigrationReport> {
  await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.exec(CREATE_TABLE);
  });
  checkConsistent(files, await readApplied(db));

  const applied: MigrationState[] = [];
  for (const file of files) {
    const state = await db.transaction(async (tx): Promise<MigrationState | null> => {
      await tx.query(LOCK);
      const current = await readApplied(tx);
      checkConsistent(files, current);
      if (current.has(file.version)) return null;
      try {
        await tx.exec(file.sql);
      } catch (err) {
        if (isGovError(err)) throw err;
        throw new GovError('GOV_DB_MIGRATION',
          `Migration ${file.version} (${file.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      const rows = await tx.query<{ applied_at: unknown }>(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3) RETURNING applied_at',
        [file.version, file.name, file.checksum]);
      return { version: file.version, name: file.name, appliedAt: toDateOrNull(rows[0]?.applied_at, 'applied_at') };
    });
    if (state !== null) applied.push(state);
  }
  return { applied, version: files.at(-1)?.version ?? 0 };
}

/**
 * Every migration this build knows, with when it was applied (null: pending), plus any version applied to the
 * database that this build lacks (a newer build migrated it). Does not create anything.
 */
export async function readMigrationStatus(db: SqlExecutor, files: readonly MigrationFile[]): Promise<MigrationState[]> {
  const applied = (await tableExists(db)) ? await readApplied(db) : new Map<number, Applied>();
  const states: MigrationState[] = files.map((f) => ({
    version: f.version, name: f.name, appliedAt: applied.get(f.version)?.appliedAt ?? null,
  }));
  const known = new Set(files.map((f) => f.version));
  for (const row of applied.values()) {
    if (!known.has(row.version)) states.push({ version: row.version, name: row.name, appliedAt: row.appliedAt });
  }
  return states.sort((a, b) => a.version - b.version);
}
