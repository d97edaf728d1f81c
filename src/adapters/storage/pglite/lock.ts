import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { GovError } from '../../../core/errors.js';

/** Name of the lock file inside a data directory. */
export const LOCK_FILE_NAME = 'governator.lock';

/** What the lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
}

/** An exclusive hold on a data directory. */
export interface DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Remove the lock file if it is still ours. Idempotent; never throws. */
  release(): void;
}

export interface AcquireLockOptions {
  /** Defaults: this process's pid, this host's name, the current time. Overridable for tests. */
  readonly pid?: number;
  readonly hostname?: string;
  readonly startedAt?: Date;
}

/**
 * Take the data directory for this process: create `<dataDir>/governator.lock` atomically (O_CREAT|O_EXCL)
 * holding {pid, hostname, startedAt}. PGlite is one PostgreSQL backend writing its files directly, so two
 * processes (or two stores in one process) on one directory would corrupt it; this lock is what stops them.
 *
 * - Held by a live process on this host (this process included) → GovError `GOV_DATA_DIR_LOCKED`.
 * - Held by a process on another host (a shared volume) → `GOV_DATA_DIR_LOCKED` too: we cannot tell if it lives.
 * - Unreadable (being written this instant, or damaged) → `GOV_DATA_DIR_LOCKED`, telling how to clear it.
 * - Held by a dead process on this host (a crash left it behind) → taken over: removed, then created once more.
 *
 * `dataDir` must exist. Not safe against pid reuse: if the dead owner's pid now belongs to another process
 * the directory reads as locked, and the message says to delete the file.
 */
export function acquireDataDirLock(dataDir: string, options: AcquireLockOptions = {}): DataDirLock {
  const path = join(dataDir, LOCK_FILE_NAME);
  const owner: LockOwner = {
    pid: options.pid ?? process.pid,
    hostname: options.hostname ?? osHostname(),
    startedAt: (options.startedAt ?? new Date()).toISOString(),
  };
  const content = `${JSON.stringify(owner)}\n`;

  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (tryCreate(path, content)) return makeLock(path, owner, content);
    const existing = readLock(path);
    if (existing === 'missing') continue; // released between our create and read: try again
    if (existing === 'unreadable') throw lockedError(dataDir, path, null);
    if (attempt > 0 || existing.owner.hostname !== owner.hostname || isAlive(existing.owner.pid)) {
      throw lockedError(dataDir, path, existing.owner);
    }
    // Stale: remove it only if it is still the very file we judged stale, then retry once.
    const again = readLock(path);
    if (again !== 'missing' && again !== 'unreadable' && again.text === existing.text) removeQuietly(path);
  }
  const holder = readLock(path);
  throw lockedError(dataDir, path, holder === 'missing' || holder === 'unreadable' ? null : holder.owner);
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new GovError('GOV_DB_UNAVAILABLE', `Cannot create the lock file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): { owner: LockOwner; text: string } | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return 'unreadable';
    return {
      text,
      owner: {
        pid: parsed.pid,
        hostname: typeof parsed.hostname === 'string' ? parsed.hostname : '',
        startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
      },
    };
  } catch {
    return 'unreadable';
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists but belongs to another user). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function makeLock(path: string, owner: LockOwner, content: string): DataDirLock {
  let released = false;
  return {
    path,
    owner,
    release(): void {
      if (released) return;
      released = true;
      const current = readLock(path);
      if (current !== 'missing' && current !== 'unreadable' && current.text === content) removeQuietly(path);
    },
  };
}

function lockedError(dataDir: string, path: string, owner: LockOwner | null): GovError {
  const who = owner === null
    ? 'another Governator process (its lock file cannot be read)'
    : `Governator process ${owner.pid}${owner.hostname === '' ? '' : ` on ${owner.hostname}`}` +
      `${owner.startedAt === '' ? '' : ` (since ${owner.startedAt})`}`;
  return new GovError('GOV_DATA_DIR_LOCKED',
    `The data directory ${dataDir} is in use by ${who}. Stop that process, or use its HTTP API while it runs, ` +
    'or choose another data directory with --data-dir or GOVERNATOR_DATA_DIR. ' +
    `If no Governator process is using it, delete ${path}.`,
    { details: { dataDir, lockFile: path, pid: owner?.pid ?? null, hostname: owner?.hostname ?? null } });
}
