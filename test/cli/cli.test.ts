import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe } from '../support/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gov-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage errors exit 2', () => {
  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['serve', '--frobnicate'], /unknown option '--frobnicate'/],
    [['keys', 'create', '--name', 'x'], /required option '--role <role>' not specified/],
  ])('governator %j', async (args, message) => {
    const res = await runCli(args, { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('an invalid config value names the key, the source and what is expected', async () => {
    const res = await runCli(['config', 'print'], { cwd: dir, env: { GOVERNATOR_PORT: 'eighty' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('GOV_CONFIG_INVALID');
    expect(res.stderr).toContain('server.port (env GOVERNATOR_PORT): "eighty" is not an integer from 0 to 65535');
  });

  it('serve refuses to start on an invalid config file, naming the file', async () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, '[server]\nprot = 80\n');
    const res = await runCli(['serve', '--config', file], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`server.prot (file ${file})`);
    expect(res.stderr).toContain('did you mean server.port');
  });

  it('--help and --version exit 0', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('config print', () => {
  it('shows flags over env over file, and masks secrets', async () => {
    const file = join(dir, 'governator.toml');
    writeFileSync(file, '[server]\nport = 7000\nhost = "127.0.0.1"\n[database]\nurl = "postgres://gov:hunter2@db.internal:5432/gov"\n');
    const res = await runCli(['config', 'print', '--json', '--port', '7200'], { cwd: dir, env: { GOVERNATOR_PORT: '7100', GOVERNATOR_HOST: '127.0.0.2' } });
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout);
    expect(printed.server).toMatchObject({ port: 7200, host: '127.0.0.2' });
    expect(printed.database.url).toBe('postgres://gov:****@db.internal:5432/gov');
    expect(res.stdout).not.toContain('hunter2');

    const sources = await runCli(['config', 'print', '--sources'], { cwd: dir, env: { GOVERNATOR_PORT: '7100' } });
    expect(sources.stdout).toMatch(/server\.port\s+7100\s+env GOVERNATOR_PORT/);
    expect(sources.stdout).toMatch(new RegExp(`server\\.host\\s+"127\\.0\\.0\\.1"\\s+file ${file.replaceAll('.', '\\.')}`));
    expect(sources.stdout).not.toContain('hunter2');
    rmSync(file);
  });
});

describe('database, keys and audit commands on an embedded database', () => {
  const dataDir = () => join(dir, 'data-keys');

  it('db migrate applies the schema once, db status lists it', async () => {
    const first = await runCli(['db', 'migrate', '--data-dir', dataDir()]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied 0001_init/);
    const again = await runCli(['db', 'migrate', '--data-dir', dataDir()]);
    expect(again.stdout).toMatch(/schema is current \(version \d+\)/);
    const status = await runCli(['db', 'status', '--json', '--data-dir', dataDir()]);
    const migrations = JSON.parse(status.stdout).migrations;
    expect(migrations[0]).toMatchObject({ version: 1, name: 'init', appliedAt: expect.any(String) });
  });

  it('keys create prints the key once; list never shows it; revoke stops it', async () => {
    const created = await runCli(['keys', 'create', '--name', 'ops', '--role', 'operator', '--data-dir', dataDir()]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^gov_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/only time it is shown/);
    const id = token.split('_')[1]!;

    const list = await runCli(['keys', 'list', '--json', '--data-dir', dataDir()]);
    expect(list.stdout).not.toContain(token.slice(18));
    expect(JSON.parse(list.stdout).keys).toEqual([expect.objectContaining({ id, name: 'ops', role: 'operator', revokedAt: null })]);

    const bad = await runCli(['keys', 'create', '--name', 'ops2', '--role', 'emperor', '--data-dir', dataDir()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown role "emperor": expected one of admin, operator, viewer');

    const dup = await runCli(['keys', 'create', '--name', 'ops', '--role', 'viewer', '--data-dir', dataDir()]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('GOV_CONFLICT');

    const revoked = await runCli(['keys', 'revoke', id, '--data-dir', dataDir()]);
    expect(revoked.code).toBe(0);
    const after = JSON.parse((await runCli(['keys', 'list', '--json', '--data-dir', dataDir()])).stdout).keys;
    expect(after[0].revokedAt).toEqual(expect.any(String));

    const missing = await runCli(['keys', 'revoke', '0123456789ab', '--data-dir', dataDir()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('GOV_NOT_FOUND');
  });

  it('audit list shows what the CLI did; audit verify passes, then finds an edited row', async () => {
    const list = JSON.parse((await runCli(['audit', 'list', '--json', '--data-dir', dataDir()])).stdout).entries;
    expect(list.map((e: { action: string }) => e.action)).toEqual(['keys.revoke', 'keys.create']);
    expect(list[0].actor).toMatch(/^cli/);

    const ok = await runCli(['audit', 'verify', '--data-dir', dataDir()]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit log OK: 2 entries, head #2 [0-9a-f]{64}/);

    const raw = await PGlite.create({ dataDir: join(dataDir(), 'pg') });
    await raw.exec(`ALTER TABLE audit_log DISABLE TRIGGER USER;
      UPDATE audit_log SET details = '{"name":"someone else"}' WHERE id = 1;
      ALTER TABLE audit_log ENABLE TRIGGER USER;`);
    await raw.close();

    const broken = await runCli(['audit', 'verify', '--data-dir', dataDir()]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('entry #1: hash-mismatch');
    expect(broken.stderr).toContain('GOV_AUDIT_CHAIN_BROKEN');
  });
});

describe('governator serve', () => {
  it('serves health and metrics, holds the data dir against a second process, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = join(dir, 'data-serve');
    const started = Date.now();
    const server = await startServe(['--data-dir', dataDir, '--log-level', 'info']);
    try {
      expect(Date.now() - started).toBeLessThan(20_000);
      const health = await fetch(`${server.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^governator_build_info\{/m);

      // First start: an admin key in a file only its owner can read, never in the log.
      const keyFile = join(dataDir, 'initial-admin-key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      const me = await fetch(`${server.baseUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await me.json()) as { role: string }).role).toBe('admin');
      await fetch(`${server.baseUrl}/api/v1/nodes`, { headers: { authorization: `Bearer ${key}x` } });

      const second = await runCli(['keys', 'list', '--data-dir', dataDir]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('GOV_DATA_DIR_LOCKED');
      expect(second.stderr).toContain(`process ${server.child.pid}`);

      const code = await server.stop('SIGTERM');
      expect(code).toBe(0);
      const log = server.output();
      expect(log).toContain('"shutdown complete"');
      expect(log).not.toContain(key.split('_')[2]);
      expect(existsSync(join(dataDir, 'governator.lock'))).toBe(false);

      // The data is intact and the directory free again.
      const keys = await runCli(['keys', 'list', '--json', '--data-dir', dataDir]);
      expect(keys.code, keys.stderr).toBe(0);
      expect(JSON.parse(keys.stdout).keys[0]).toMatchObject({ name: 'initial-admin', role: 'admin', createdBy: 'bootstrap' });
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('SIGINT shuts down cleanly too', async () => {
    const server = await startServe(['--data-dir', join(dir, 'data-int')]);
    expect(await server.stop('SIGINT')).toBe(0);
    expect(server.output()).toContain('"shutdown complete"');
  }, 60_000);

  it('a port already in use is a clear start-up failure that releases the data dir', async () => {
    const first = await startServe(['--data-dir', join(dir, 'data-a')]);
    try {
      const res = await runCli(['serve', '--host', '127.0.0.1', '--port', String(first.port), '--data-dir', join(dir, 'data-b')]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/EADDRINUSE|address already in use/);
      expect(existsSync(join(dir, 'data-b', 'governator.lock'))).toBe(false);
    } finally {
      await first.stop();
    }
  }, 60_000);
});
