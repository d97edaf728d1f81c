/**
 * Credentials never leak (issue #7, part 5): a real `serve` process with an embedded database and trace-level
 * logs takes secrets through POST /api/v1/providers/credentials, uses one for a registered provider, and
 * refuses a malformed one; then `governator keys rotate-master` re-encrypts them. Afterwards the plaintext is
 * in none of: the HTTP responses, the server's log lines, the CLI's output, any row of any table (as text or
 * as the hex of its bytes), or any byte of the database files (WAL included). A second serve on the rotated
 * key still opens the credential, which shows the rotation re-sealed it rather than dropping it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../support/cli.js';

const base = mkdtempSync(join(tmpdir(), 'gov-creds-'));
const dataDir = join(base, 'data');
afterAll(() => rmSync(base, { recursive: true, force: true }));

// Distinctive values that cannot appear by chance in a log or a page of the database.
const SECRET_KEY = `sk-${randomBytes(18).toString('hex')}`;
const BMC_PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const REFUSED = `refused-${randomBytes(12).toString('hex')}`;
const SECRETS = [SECRET_KEY, BMC_PASSWORD, REFUSED];

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

function expectNoSecret(text: string, where: string): void {
  for (const s of SECRETS) {
    expect(text.includes(s), `${where} holds a secret`).toBe(false);
    expect(text.includes(Buffer.from(s).toString('hex')), `${where} holds the hex of a secret`).toBe(false);
    expect(text.includes(Buffer.from(s).toString('base64')), `${where} holds the base64 of a secret`).toBe(false);
  }
}

interface ProviderJson { id: string; error: string | null; credentials: string | null; health: { status: string; reachable: boolean | null; errorRate: number; calls: number; latencyMs: { p50: number | null } } }

describe('provider credentials', () => {
  it('are sealed, never returned or logged, survive rotate-master, and appear nowhere in logs or database', { timeout: 120_000 }, async () => {
    let server: ServeProcess | undefined = await startServe(['--data-dir', dataDir, '--log-level', 'trace']);
    const seen: string[] = [];
    try {
      const token = readFileSync(join(dataDir, 'initial-admin-key'), 'utf8').trim();
      const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
        const res = await fetch(`${server!.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        seen.push(text);
        return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
      };

      // The master key was generated into the data directory, readable by its owner only.
      const keyFile = join(dataDir, 'master-key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const firstKey = readFileSync(keyFile, 'utf8');

      const aws = await call('POST', '/api/v1/providers/credentials', { name: 'aws-test', provider: 'aws', values: { access_key_id: 'AKIATESTKEY', secret_access_key: SECRET_KEY } });
      expect(aws.status, JSON.stringify(aws.json)).toBe(201);
      expect((aws.json.credential as { fields: string[] }).fields.sort()).toEqual(['access_key_id', 'secret_access_key']);
      const bmc = await call('POST', '/api/v1/providers/credentials', { name: 'bmc', provider: 'baremetal', values: { username: 'admin', password: BMC_PASSWORD } });
      expect(bmc.status, JSON.stringify(bmc.json)).toBe(201);
      const firstKeyId = (bmc.json.credential as { keyId: string }).keyId;

      // A field the kind does not take is refused with a stable code, and the value is not echoed.
      const bad = await call('POST', '/api/v1/providers/credentials', { name: 'bad', provider: 'aws', values: { password: REFUSED } });
      expect(bad.status).toBe(400);
      expect((bad.json.error as { code: string }).code).toMatch(/^GOV_/);

      const list = await call('GET', '/api/v1/providers/credentials');
      expect((list.json.credentials as { name: string }[]).map((c) => c.name).sort()).toEqual(['aws-test', 'bmc']);
      expect(list.json.masterKeyId).toBe(firstKeyId);

      // A provider built from the credential: registered, probed (nothing answers IPMI on that port, so it is
      // unreachable), and its error path must not print the secret either.
      const reg = await call('POST', '/api/multicloud/providers', {
        name: 'rack', kind: 'baremetal', credentials: 'bmc', health_interval: '1s', health_timeout: '3s',
        settings: { hosts: [{ id: 'srv-a', offering: 'owned-a', bmc: '127.0.0.1:9' }] },
      });
      expect(reg.status, JSON.stringify(reg.json)).toBe(201);
      let view: ProviderJson | undefined;
      for (let i = 0; i < 50; i++) {
        view = (await call('GET', '/api/multicloud/providers/rack')).json.provider as ProviderJson;
        if (view.health.status !== 'unknown') break;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(view?.error).toBeNull();
      expect(view?.credentials).toBe('bmc');
      expect(view?.health.status).toBe('unreachable');
      expect(view?.health.reachable).toBe(false);
      const all = (await call('GET', '/api/multicloud/providers')).json.providers as ProviderJson[];
      expect(all.map((p) => p.id)).toContain('rack');

      expect(await server.stop('SIGTERM')).toBe(0);
      const firstLog = server.output();
      server = undefined;
      expect(firstLog).toContain('"shutdown complete"');
      expectNoSecret(firstLog, 'the first server log');

      // Rotation re-seals both credentials under a new key file; the old key is kept beside it.
      const rotated = await runCli(['keys', 'rotate-master', '--json', '--data-dir', dataDir]);
      expect(rotated.code, rotated.stderr).toBe(0);
      const report = JSON.parse(rotated.stdout) as { resealed: number; oldKeyId: string; newKeyId: string };
      expect(report).toMatchObject({ resealed: 2, oldKeyId: firstKeyId });
      expect(report.newKeyId).not.toBe(firstKeyId);
      expect(readFileSync(join(dataDir, 'master-key.old'), 'utf8')).toBe(firstKey);
      expect(readFileSync(keyFile, 'utf8')).not.toBe(firstKey);
      expect(existsSync(join(dataDir, 'master-key.next'))).toBe(false);
      expectNoSecret(rotated.stdout + rotated.stderr, 'rotate-master output');

      // Bad input: a new key equal to the current one is a usage error (exit 2).
      const same = await runCli(['keys', 'rotate-master', '--new-key-file', keyFile, '--data-dir', dataDir]);
      expect(same.code).toBe(2);
      expect(same.stderr).toContain('GOV_VALIDATION');
      // A key from the environment cannot be rewritten by the command: it asks for --new-key-file (exit 2).
      const inline = await runCli(['keys', 'rotate-master', '--data-dir', dataDir], { env: { GOVERNATOR_MASTER_KEY: randomBytes(32).toString('base64') } });
      expect(inline.code).toBe(2);
      expect(inline.stderr).toContain('--new-key-file');

      // A server on the new key opens the credential again (the provider builds without an error).
      server = await startServe(['--data-dir', dataDir, '--log-level', 'trace']);
      const again = (await call('GET', '/api/multicloud/providers/rack')).json.provider as ProviderJson;
      expect(again.error).toBeNull();
      expect(((await call('GET', '/api/v1/providers/credentials')).json.masterKeyId)).toBe(report.newKeyId);
      expect(await server.stop('SIGTERM')).toBe(0);
      const secondLog = server.output();
      server = undefined;
      expectNoSecret(secondLog, 'the second server log');
      expectNoSecret(seen.join('\n'), 'the HTTP responses');

      // Every row of every table, as JSON text (bytea shows as hex there).
      const db = await PGlite.create({ dataDir: join(dataDir, 'pg') });
      try {
        const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        expect(tables.rows.map((t) => t.table_name)).toContain('provider_credentials');
        let rows = 0;
        for (const { table_name: table } of tables.rows) {
          const dump = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
          rows += dump.rows.length;
          expectNoSecret(dump.rows.map((r) => r.row).join('\n'), `table ${table}`);
        }
        expect(rows).toBeGreaterThan(0);
        const sealed = await db.query<{ key_id: string }>('SELECT key_id FROM provider_credentials');
        expect(sealed.rows.map((r) => r.key_id)).toEqual([report.newKeyId, report.newKeyId]);
      } finally {
        await db.close();
      }
      // Every byte of the database's files: heap pages, WAL, everything PostgreSQL wrote.
      const pgFiles = filesUnder(join(dataDir, 'pg'));
      expect(pgFiles.length).toBeGreaterThan(10);
      for (const file of pgFiles) {
        const bytes = readFileSync(file);
        for (const s of SECRETS) expect(bytes.includes(Buffer.from(s)), `${file} holds a secret`).toBe(false);
      }
    } finally {
      server?.child.kill('SIGKILL');
    }
  });
});
