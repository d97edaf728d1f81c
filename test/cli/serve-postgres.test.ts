import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startServe } from '../support/cli.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support/postgres.js';

describeWithPostgres('governator serve on an external PostgreSQL', (adminUrl) => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase(adminUrl());
    dir = mkdtempSync(join(tmpdir(), 'gov-pg-serve-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, serves, shares the database with other processes, and never logs the password', async () => {
    const password = new URL(db.url).password;
    const server = await startServe([], { env: { GOVERNATOR_DATABASE_URL: db.url, GOVERNATOR_DATA_DIR: dir } });
    try {
      const ready = await fetch(`${server.baseUrl}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'postgres' });

      // Unlike the embedded database, a second process may use the same PostgreSQL at the same time.
      const created = await runCli(['keys', 'create', '--name', 'pg-ops', '--role', 'operator'], { env: { GOVERNATOR_DATABASE_URL: db.url } });
      expect(created.code, created.stderr).toBe(0);
      const res = await fetch(`${server.baseUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${created.stdout.trim()}` } });
      expect(((await res.json()) as { name: string }).name).toBe('pg-ops');

      expect(await server.stop()).toBe(0);
      expect(server.output()).toContain('"shutdown complete"');
      expect(server.output()).toContain('****');
      expect(server.output()).not.toContain(`:${password}@`);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('an unreachable database is a clear start-up failure without the password', async () => {
    const res = await runCli(['serve', '--database-url', 'postgres://gov:sup3rsecret@127.0.0.1:9/gov', '--set', 'database.connect_timeout=2s']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('GOV_DB_UNAVAILABLE');
    expect(res.stderr + res.stdout).not.toContain('sup3rsecret');
  }, 30_000);
});
