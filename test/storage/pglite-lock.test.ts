/**
 * The embedded database's data directory: exclusive to one process (governator.lock), released on close,
 * taken over after a crash, and persistent across close/reopen.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, LOCK_FILE_NAME, openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { isGovError } from '../../src/core/errors.js';
import type { ErrorCode, GovError } from '../../src/core/errors.js';
import type { Node } from '../../src/core/model/node.js';
import type { Store } from '../../src/ports/store.js';

const base = mkdtempSync(join(tmpdir(), 'governator-lock-test-'));
let counter = 0;
const freshDir = (): string => join(base, `data-${++counter}`);
// One data directory for the tests that start PGlite: initialising a new one costs seconds, reopening does not.
const dataDir = freshDir();

const opened: Store[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(base, { recursive: true, force: true });
});

async function open(dataDir: string): Promise<Store> {
  const store = await openPgliteStore({ dataDir });
  opened.push(store);
  return store;
}

async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<GovError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!isGovError(err)) throw new Error(`expected GovError ${code}, got ${err === undefined ? 'success' : String(err)}`);
  expect(err.code).toBe(code);
  return err;
}

/** A child process that writes a lock file naming itself (as a running Governator would) and then idles. */
async function childHoldingLock(lockPath: string): Promise<ChildProcess> {
  const script = `
    const fs = require('node:fs');
    const os = require('node:os');
    fs.writeFileSync(process.argv[1], JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() }), { flag: 'wx' });
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, lockPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('ready\n');
  return child;
}

/** The pid of a process that has exited (what a crashed Governator leaves in its lock file). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

const sampleNode: Node = {
  id: 'i-0persist', provider: 'aws', region: 'eu-west-1', zone: null, instanceType: 'g6.xlarge', offeringId: null,
  pool: 'batch', state: 'running', labels: { a: 'b' }, vcpus: 4, memoryGiB: 16, gpu: { model: 'L4', count: 1 },
  pricePerHour: 0.8048, startedAt: new Date('2024-07-01T00:00:00.250Z'), updatedAt: new Date('2024-07-01T00:01:00.750Z'),
};

describe('PGlite data directory', () => {
  it('persists data across close and reopen, and releases the lock on close', async () => {
    const dir = dataDir;
    const first = await open(dir);
    expect(first.location).toBe(dir);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);
    expect(existsSync(join(dir, 'pg', 'PG_VERSION'))).toBe(true);
    await first.migrate();
    await first.nodes.upsert(sampleNode);
    await first.close();
    await first.close();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);

    const second = await open(dir);
    expect((await second.migrate()).applied).toEqual([]);
    expect(await second.nodes.get('i-0persist')).toEqual(sampleNode);
    await second.close();
  });

  it('refuses a second open of the same directory in the same process', async () => {
    const dir = dataDir;
    const first = await open(dir);
    const err = await rejection(openPgliteStore({ dataDir: dir }), 'GOV_DATA_DIR_LOCKED');
    expect(err.message).toContain(dir);
    expect(err.message).toContain(`process ${process.pid}`);
    expect(err.message).toMatch(/Stop that process, or use its HTTP API while it runs/);
    expect(err.message).toMatch(/--data-dir or GOVERNATOR_DATA_DIR/);
    expect(err.details).toMatchObject({ dataDir: dir, pid: process.pid });
    await first.ping(); // the holder is unharmed
    await first.close();
  });

  it('refuses a directory held by another live process, and takes it over once that process is gone', async () => {
    const dir = dataDir;
    mkdirSync(dir, { recursive: true });
    const lockPath = join(dir, LOCK_FILE_NAME);
    const child = await childHoldingLock(lockPath);

    const err = await rejection(openPgliteStore({ dataDir: dir }), 'GOV_DATA_DIR_LOCKED');
    expect(err.message).toContain(`Governator process ${child.pid} on ${hostname()}`);

    child.kill('SIGKILL');
    await once(child, 'exit');
    const store = await open(dir); // stale lock: taken over
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    await store.ping();
    await store.close();
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe('acquireDataDirLock', () => {
  const lockIn = (dir: string, content: string): string => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, LOCK_FILE_NAME), content);
    return dir;
  };

  it('takes over a lock left by a dead process on this host', async () => {
    const pid = await deadPid();
    const dir = lockIn(freshDir(), JSON.stringify({ pid, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z' }));
    const lock = acquireDataDirLock(dir);
    expect(lock.owner.pid).toBe(process.pid);
    lock.release();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('refuses a lock held from another host (cannot tell whether it lives)', async () => {
    const pid = await deadPid();
    const dir = lockIn(freshDir(), JSON.stringify({ pid, hostname: 'some-other-host', startedAt: '2024-01-01T00:00:00.000Z' }));
    expect(() => acquireDataDirLock(dir)).toThrow(expect.objectContaining({
      code: 'GOV_DATA_DIR_LOCKED', message: expect.stringContaining(`process ${pid} on some-other-host`) }));
  });

  it('refuses an unreadable lock file and says how to clear it', () => {
    const dir = lockIn(freshDir(), '');
    expect(() => acquireDataDirLock(dir)).toThrow(expect.objectContaining({
      code: 'GOV_DATA_DIR_LOCKED', message: expect.stringContaining(`delete ${join(dir, LOCK_FILE_NAME)}`) }));
  });

  it('release leaves alone a lock file that is no longer its own', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const lock = acquireDataDirLock(dir);
    const foreign = JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: '2024-01-01T00:00:00.000Z' });
    writeFileSync(lock.path, foreign);
    lock.release();
    expect(readFileSync(lock.path, 'utf8')).toBe(foreign);
  });
});

describe('openPgliteStore failures', () => {
  it('rejects with GOV_DB_UNAVAILABLE and releases the lock when the database cannot be opened', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'pg'), 'not a directory');
    const err = await rejection(openPgliteStore({ dataDir: dir }), 'GOV_DB_UNAVAILABLE');
    expect(err.message).toContain(dir);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('rejects with GOV_DB_UNAVAILABLE when the directory cannot be created', async () => {
    const file = join(base, 'a-file');
    writeFileSync(file, '');
    await rejection(openPgliteStore({ dataDir: join(file, 'data') }), 'GOV_DB_UNAVAILABLE');
  });
});
