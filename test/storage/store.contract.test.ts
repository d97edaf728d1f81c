/**
 * The Store port's contract (src/ports/store.ts), run against both adapters: PGlite (in memory) and a real
 * PostgreSQL (GOVERNATOR_TEST_DATABASE_URL; see test/support/postgres.ts). One suite, so the two cannot drift.
 *
 * Tests in a backend's suite share one database and run in order: the migration tests come first, and every
 * later test picks ids, names and providers of its own.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from '../../src/adapters/storage/sql/index.js';
import { auditEntryText, GENESIS_HASH, verifyChain } from '../../src/core/audit/chain.js';
import type { AuditRecord } from '../../src/core/audit/chain.js';
import { isGovError } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { Node } from '../../src/core/model/node.js';
import type { ApiKeyRecord, AuditEntryInput, AuditHead, Store } from '../../src/ports/store.js';
import { describeWithPostgres } from '../support/postgres.js';
import { pgliteBackend, postgresBackend } from './backends.js';
import { seriesContract } from './series.contract.js';
import { costHistoryContract } from './cost-history.contract.js';
import { decisionsContract } from './decisions.contract.js';
import { forecastsContract } from './forecasts.contract.js';
import type { StoreBackend } from './backends.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const INIT_SQL = join(fileURLToPath(DEFAULT_MIGRATIONS_DIR), '0001_init.sql');

async function expectGovError(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!isGovError(err)) throw new Error(`expected GovError ${code}, got ${err === undefined ? 'success' : String(err)}`);
  expect(err.code).toBe(code);
  return err;
}

function node(id: string, overrides: Partial<Node> = {}): Node {
  return {
    id,
    provider: 'aws',
    region: 'us-east-1',
    zone: 'us-east-1a',
    instanceType: 'p5.48xlarge',
    offeringId: 'aws:us-east-1:p5.48xlarge:on-demand',
    pool: 'llm-inference',
    state: 'running',
    labels: { team: 'ml', 'governator.io/managed': 'true' },
    vcpus: 192,
    memoryGiB: 2048,
    gpu: { model: 'H100', count: 8 },
    pricePerHour: 98.32,
    startedAt: new Date('2024-05-01T10:00:00.123Z'),
    updatedAt: new Date('2024-05-01T10:05:00.456Z'),
    ...overrides,
  };
}

function apiKey(id: string, name: string, createdAt: Date, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id, name, role: 'operator', salt: 'ab'.repeat(16), hash: sha256(`${id}-secret`), createdAt, createdBy: 'cli',
    revokedAt: null, ...overrides,
  };
}

/** The sealer a real caller passes: next id, previous hash, SHA-256 over the canonical text. */
function sealer(input: AuditEntryInput): (head: AuditHead | null) => AuditRecord {
  return (head) => {
    const entry = { id: (head?.id ?? 0) + 1, ...input, prevHash: head?.hash ?? GENESIS_HASH };
    return { ...entry, hash: sha256(auditEntryText(entry)) };
  };
}

function auditInput(n: number): AuditEntryInput {
  return {
    at: new Date(Date.UTC(2024, 5, 1, 12, 0, 0, n)),
    actor: 'key:abc123',
    action: 'POST /api/v1/keys',
    target: n % 2 === 0 ? `key:k${n}` : null,
    outcome: n % 3 === 0 ? 'denied' : 'success',
    details: { n, status: 201, nested: { z: 1, a: [1, 'two', null, { y: true }] }, 'ключ': 'значение' },
  };
}

/** A migrations folder with `files`, after every migration of this build when `copyInit` (not only 0001). */
function tempMigrations(files: Record<string, string>, copyInit = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'governator-migrations-'));
  const migrationsDir = fileURLToPath(DEFAULT_MIGRATIONS_DIR);
  if (copyInit) for (const name of readdirSync(migrationsDir).filter((n) => n.endsWith('.sql'))) copyFileSync(join(migrationsDir, name), join(dir, name));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

function storeContract(makeBackend: () => Promise<StoreBackend>): void {
  let backend: StoreBackend;
  let store: Store;
  /** Stores over a second, empty database (the race test makes them; the lifecycle test closes them). */
  let raced: Store[] = [];
  const tempDirs: string[] = [];
  const temp = (files: Record<string, string>, copyInit = true): string => {
    const dir = tempMigrations(files, copyInit);
    tempDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    backend = await makeBackend();
    store = await backend.openStore();
  });
  afterAll(async () => {
    await backend?.dispose();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('migrations', () => {
    it('lists every known migration as pending on an empty database', async () => {
      const status = await store.migrationStatus();
      expect(status.length).toBeGreaterThan(0);
      expect(status[0]).toEqual({ version: 1, name: 'init', appliedAt: null });
      expect(status.every((m) => m.appliedAt === null)).toBe(true);
    });

    it('applies every migration in order, and a second run is a no-op', async () => {
      const first = await store.migrate();
      const versions = first.applied.map((m) => m.version);
      expect(versions[0]).toBe(1);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(first.version).toBe(versions.at(-1));
      for (const m of first.applied) expect(m.appliedAt).toBeInstanceOf(Date);

      const status = await store.migrationStatus();
      expect(status.map((m) => m.version)).toEqual(versions);
      expect(status.every((m) => m.appliedAt instanceof Date)).toBe(true);

      const second = await store.migrate();
      expect(second).toEqual({ applied: [], version: first.version });
    });

    it('applies each migration once when several migrators race', async () => {
      raced = await backend.openEmpty(3);
      const reports = await Promise.all(raced.map((s) => s.migrate()));
      const applied = reports.flatMap((r) => r.applied.map((m) => m.version)).sort((a, b) => a - b);
      const known = (await raced[0]!.migrationStatus()).map((m) => m.version);
      expect(applied).toEqual(known);
      expect(new Set(reports.map((r) => r.version)).size).toBe(1);
    });

    it('rolls a failing migration back and names it', async () => {
      const dir = temp({ '9998_broken.sql': 'CREATE TABLE broken_probe (i INT);\nSELECT 1 / 0;\n' });
      const other = await backend.openStore({ migrationsDir: dir });
      const err = await expectGovError(other.migrate(), 'GOV_DB_MIGRATION');
      expect(err.message).toMatch(/Migration 9998 \(broken\) failed: division by zero/);
      expect((await other.migrationStatus()).find((m) => m.version === 9998)?.appliedAt).toBeNull();
      await expect(backend.exec('SELECT 1 FROM broken_probe')).rejects.toThrow(/broken_probe/);
    });

    it('refuses to run when an applied migration was edited (checksum mismatch)', async () => {
      const dir = temp({}, false);
      copyFileSync(INIT_SQL, join(dir, '0001_init.sql'));
      writeFileSync(join(dir, '0001_init.sql'), '-- an innocent-looking edit\n', { flag: 'a' });
      const edited = await backend.openStore({ migrationsDir: dir });
      const err = await expectGovError(edited.migrate(), 'GOV_DB_MIGRATION');
      expect(err.message).toMatch(/Migration 1 \(init\) differs from the one applied/);
      expect(err.message).toMatch(/add a new migration/);
    });

    it('ignores CRLF line endings when comparing checksums', async () => {
      const dir = temp({}, false);
      for (const m of await loadMigrations()) {
        writeFileSync(join(dir, `${String(m.version).padStart(4, '0')}_${m.name}.sql`), m.sql.replace(/\n/g, '\r\n'));
      }
      const crlf = await backend.openStore({ migrationsDir: dir });
      expect((await crlf.migrate()).applied).toEqual([]);
    });

    it('refuses to run on a database migrated by a newer build, and lists the unknown version', async () => {
      // The newer build knows every migration of this one, plus the next version.
      const known = await loadMigrations();
      const next = (known.at(-1)?.version ?? 0) + 1;
      const dir = temp(Object.fromEntries([
        ...known.map((m) => [`${String(m.version).padStart(4, '0')}_${m.name}.sql`, m.sql]),
        [`${String(next).padStart(4, '0')}_newer.sql`, 'CREATE TABLE newer_probe (i INT);\n'],
      ]), false);
      const newer = await backend.openStore({ migrationsDir: dir });
      expect((await newer.migrate()).applied.map((m) => m.version)).toEqual([next]);
      try {
        const err = await expectGovError(store.migrate(), 'GOV_DB_MIGRATION');
        expect(err.message).toMatch(new RegExp(`migration ${next} \\(newer\\) applied, which this build of Governator does not know`));
        const status = await store.migrationStatus();
        expect(status.find((m) => m.version === next)).toMatchObject({ name: 'newer', appliedAt: expect.any(Date) });
      } finally {
        await backend.exec(`DELETE FROM schema_migrations WHERE version = ${next}; DROP TABLE newer_probe;`);
      }
      expect((await store.migrate()).applied).toEqual([]);
    });
  });

  describe('nodes', () => {
    it('round-trips every field, and get returns null for an unknown id', async () => {
      const n = node('i-0roundtrip');
      await store.nodes.upsert(n);
      expect(await store.nodes.get('i-0roundtrip')).toEqual(n);
      expect(await store.nodes.get('i-0missing')).toBeNull();
    });

    it('upsert replaces every field, nulls included', async () => {
      await store.nodes.upsert(node('i-0replace'));
      const replaced = node('i-0replace', {
        provider: 'gcp', region: null, zone: null, instanceType: null, offeringId: null, pool: null, state: 'stopped',
        labels: {}, vcpus: 0.25, memoryGiB: null, gpu: null, pricePerHour: null, startedAt: null,
        updatedAt: new Date('2024-06-01T00:00:00.001Z'),
      });
      await store.nodes.upsert(replaced);
      expect(await store.nodes.get('i-0replace')).toEqual(replaced);
    });

    it('lists with filters and keyset pagination in id order', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 23; i += 1) {
        const id = `pg-${String(i).padStart(2, '0')}`;
        ids.push(id);
        await store.nodes.upsert(node(id, {
          provider: 'page-test',
          pool: i % 2 === 0 ? 'even' : 'odd',
          state: i % 5 === 0 ? 'stopped' : 'running',
          region: i < 10 ? 'eu-west-1' : 'us-east-1',
        }));
      }
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.nodes.list({ provider: 'page-test', limit: 5, ...(after === undefined ? {} : { after }) });
        pages += 1;
        seen.push(...page.nodes.map((n) => n.id));
        if (page.nextCursor === null) break;
        expect(page.nodes).toHaveLength(5);
        after = page.nextCursor;
      }
      expect(seen).toEqual(ids);
      expect(pages).toBe(5);

      const exact = await store.nodes.list({ provider: 'page-test', limit: 23 });
      expect(exact.nodes).toHaveLength(23);
      expect(exact.nextCursor).toBeNull();

      const evenStopped = await store.nodes.list({ provider: 'page-test', pool: 'even', state: 'stopped', limit: 100 });
      expect(evenStopped.nodes.map((n) => n.id)).toEqual(['pg-00', 'pg-10', 'pg-20']);
      const euOdd = await store.nodes.list({ provider: 'page-test', pool: 'odd', region: 'eu-west-1', limit: 100 });
      expect(euOdd.nodes.map((n) => n.id)).toEqual(['pg-01', 'pg-03', 'pg-05', 'pg-07', 'pg-09']);
      expect((await store.nodes.list({ provider: 'no-such-provider', limit: 10 })).nodes).toEqual([]);
    });

    it('orders ids bytewise, whatever the server locale', async () => {
      const ids = ['sort-b', 'sort-B', 'sort-a_1', 'sort-a-1', 'sort-A', 'sort-Z', 'sort-10', 'sort-9', 'sort-é'];
      for (const id of ids) await store.nodes.upsert(node(id, { provider: 'sort-test' }));
      const page = await store.nodes.list({ provider: 'sort-test', limit: 100 });
      expect(page.nodes.map((n) => n.id)).toEqual([...ids].sort());
    });

    it('counts nodes by state, omitting empty states', async () => {
      const before = await store.nodes.countByState();
      await store.nodes.upsert(node('count-1', { provider: 'count-test', state: 'pending' }));
      await store.nodes.upsert(node('count-2', { provider: 'count-test', state: 'pending' }));
      await store.nodes.upsert(node('count-3', { provider: 'count-test', state: 'terminated' }));
      const after = await store.nodes.countByState();
      expect(after.pending).toBe((before.pending ?? 0) + 2);
      expect(after.terminated).toBe((before.terminated ?? 0) + 1);
      expect(after.unknown).toBeUndefined();
      expect(Object.values(after).every((n) => typeof n === 'number' && n > 0)).toBe(true);
    });

    it('rejects page sizes outside 1..1000 with GOV_VALIDATION', async () => {
      await expectGovError(store.nodes.list({ limit: 0 }), 'GOV_VALIDATION');
      await expectGovError(store.nodes.list({ limit: 1001 }), 'GOV_VALIDATION');
      await expectGovError(store.nodes.list({ limit: 1.5 }), 'GOV_VALIDATION');
    });

    it('refuses a state outside NODE_STATES (CHECK constraint)', async () => {
      const bad = { ...node('i-0badstate'), state: 'exploded' } as unknown as Node;
      await expect(store.nodes.upsert(bad)).rejects.toMatchObject({ code: '23514' });
    });
  });

  describe('api keys', () => {
    const t = (s: number): Date => new Date(Date.UTC(2024, 0, 1, 0, 0, s, 7));

    it('creates, gets, lists newest first, revokes and counts', async () => {
      const active = await store.apiKeys.countActive();
      await store.apiKeys.create(apiKey('k1', 'alpha', t(1)));
      await store.apiKeys.create(apiKey('k2', 'beta', t(2), { createdBy: 'key:k1', role: 'admin' }));
      await store.apiKeys.create(apiKey('k3', 'gamma', t(3)));
      expect(await store.apiKeys.get('k2')).toEqual(apiKey('k2', 'beta', t(2), { createdBy: 'key:k1', role: 'admin' }));
      expect(await store.apiKeys.get('nope')).toBeNull();
      expect((await store.apiKeys.list()).map((k) => k.id).filter((id) => ['k1', 'k2', 'k3'].includes(id)))
        .toEqual(['k3', 'k2', 'k1']);
      expect(await store.apiKeys.countActive()).toBe(active + 3);

      expect(await store.apiKeys.revoke('k2', t(10))).toBe(true);
      expect((await store.apiKeys.get('k2'))?.revokedAt?.toISOString()).toBe(t(10).toISOString());
      expect(await store.apiKeys.countActive()).toBe(active + 2);
      // Revoking again is a no-op that keeps the first time.
      expect(await store.apiKeys.revoke('k2', t(20))).toBe(true);
      expect((await store.apiKeys.get('k2'))?.revokedAt?.toISOString()).toBe(t(10).toISOString());
      expect(await store.apiKeys.revoke('nope', t(20))).toBe(false);
      expect((await store.apiKeys.list()).find((k) => k.id === 'k2')?.revokedAt).toEqual(t(10));
    });

    it('rejects a second active key with the same name or id with GOV_CONFLICT', async () => {
      await store.apiKeys.create(apiKey('dup1', 'duplicate', t(30)));
      const byName = await expectGovError(store.apiKeys.create(apiKey('dup2', 'duplicate', t(31))), 'GOV_CONFLICT');
      expect(byName.message).toMatch(/named "duplicate"/);
      const byId = await expectGovError(store.apiKeys.create(apiKey('dup1', 'other-name', t(32))), 'GOV_CONFLICT');
      expect(byId.message).toMatch(/id "dup1"/);
      expect(await store.apiKeys.get('dup2')).toBeNull();
    });

    it("lets a revoked key's name be reused", async () => {
      await store.apiKeys.create(apiKey('re1', 'reused', t(40)));
      await store.apiKeys.revoke('re1', t(41));
      await store.apiKeys.create(apiKey('re2', 'reused', t(42)));
      expect((await store.apiKeys.get('re2'))?.name).toBe('reused');
      // …but not reused twice while active.
      await expectGovError(store.apiKeys.create(apiKey('re3', 'reused', t(43))), 'GOV_CONFLICT');
    });
  });

  describe('audit log', () => {
    it('is empty at first', async () => {
      expect(await store.audit.count()).toBe(0);
      expect(await store.audit.listRecent(10)).toEqual([]);
      expect(await store.audit.list({ limit: 10 })).toEqual([]);
    });

    it('appends a hash chain that verifies, starting at id 1 from the genesis hash', async () => {
      const heads: (AuditHead | null)[] = [];
      for (let i = 1; i <= 5; i += 1) {
        const seal = sealer(auditInput(i));
        const record = await store.audit.append((head) => {
          heads.push(head);
          return seal(head);
        });
        expect(record.id).toBe(i);
      }
      expect(heads[0]).toBeNull();
      expect(heads[1]).toMatchObject({ id: 1 });
      const entries = await store.audit.list({ limit: 100 });
      expect(entries.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
      expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
      // What comes back is what was sealed: same Date, details as objects (jsonb reordered the keys).
      expect(entries[1]).toEqual(sealer(auditInput(2))({ id: 1, hash: entries[0]!.hash }));
      expect(verifyChain(entries, GENESIS_HASH, sha256).breaks).toEqual([]);

      expect((await store.audit.listRecent(2)).map((e) => e.id)).toEqual([5, 4]);
      expect((await store.audit.list({ afterId: 3, limit: 10 })).map((e) => e.id)).toEqual([4, 5]);
      expect((await store.audit.list({ afterId: 1, limit: 2 })).map((e) => e.id)).toEqual([2, 3]);
      expect(await store.audit.count()).toBe(5);
    });

    it('serialises 20 concurrent appends into consecutive ids and one valid chain', async () => {
      const start = await store.audit.count();
      const records = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.audit.append(sealer(auditInput(100 + i)))));
      expect(records.map((r) => r.id).sort((a, b) => a - b))
        .toEqual(Array.from({ length: 20 }, (_, i) => start + i + 1));
      const all = await store.audit.list({ limit: 10_000 });
      expect(all.map((e) => e.id)).toEqual(Array.from({ length: start + 20 }, (_, i) => i + 1));
      expect(verifyChain(all, GENESIS_HASH, sha256)).toMatchObject({ checked: start + 20, breaks: [] });
    });

    it('refuses a sealed entry that does not continue the chain, and stays usable', async () => {
      const before = await store.audit.count();
      await expectGovError(store.audit.append((head) => ({ ...sealer(auditInput(1))(head), id: 999 })), 'GOV_INTERNAL');
      await expectGovError(store.audit.append((head) => ({ ...sealer(auditInput(1))(head), prevHash: 'f'.repeat(64) })), 'GOV_INTERNAL');
      await expect(store.audit.append(() => { throw new Error('sealer failed'); })).rejects.toThrow('sealer failed');
      expect(await store.audit.count()).toBe(before);
      expect((await store.audit.append(sealer(auditInput(7)))).id).toBe(before + 1);
    });

    it('rejects UPDATE, DELETE and TRUNCATE on audit_log (append-only trigger)', async () => {
      for (const sql of [
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
        'DELETE FROM audit_log WHERE id = 2',
        'TRUNCATE audit_log',
      ]) {
        await expect(backend.exec(sql), sql).rejects.toThrow(/audit_log is append-only/);
      }
      const all = await store.audit.list({ limit: 10_000 });
      expect(all[0]?.actor).toBe('key:abc123');
      expect(verifyChain(all, GENESIS_HASH, sha256).breaks).toEqual([]);
    });

    it('rejects limits outside 1..10000 with GOV_VALIDATION', async () => {
      await expectGovError(store.audit.list({ limit: 0 }), 'GOV_VALIDATION');
      await expectGovError(store.audit.listRecent(10_001), 'GOV_VALIDATION');
    });
  });

  describe('telemetry series', () => seriesContract(() => store));

  describe('cost history', () => costHistoryContract(() => store));

  describe('decisions', () => decisionsContract(() => store));

  describe('forecasts', () => forecastsContract(() => store));

  describe('values', () => {
    it('returns every Date with the identical toISOString()', async () => {
      const instants = [
        '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2000-02-29T12:00:00.001Z',
        '2024-03-31T01:30:00.500Z', '2038-01-19T03:14:08.123Z', '2262-04-11T23:47:16.854Z', '0999-06-15T08:00:00.042Z',
      ].map((s) => new Date(s));
      for (const [i, at] of instants.entries()) {
        await store.nodes.upsert(node(`date-${i}`, { provider: 'date-test', startedAt: at, updatedAt: at }));
        const back = await store.nodes.get(`date-${i}`);
        expect(back?.startedAt?.toISOString()).toBe(at.toISOString());
        expect(back?.updatedAt.toISOString()).toBe(at.toISOString());
        await store.apiKeys.create(apiKey(`date-${i}`, `date-${i}`, at, { revokedAt: at }));
        const key = await store.apiKeys.get(`date-${i}`);
        expect(key?.createdAt.toISOString()).toBe(at.toISOString());
        expect(key?.revokedAt?.toISOString()).toBe(at.toISOString());
      }
    });

    it('returns numbers as numbers and JSON as plain objects', async () => {
      const n = node('values-1', { vcpus: 0.1 + 0.2, memoryGiB: 1e-7, pricePerHour: 25.123456789012, labels: { a: 'x', b: '' } });
      await store.nodes.upsert(n);
      const back = await store.nodes.get('values-1');
      expect(back?.vcpus).toBe(0.1 + 0.2);
      expect(back?.memoryGiB).toBe(1e-7);
      expect(back?.pricePerHour).toBe(25.123456789012);
      expect(back?.labels).toEqual({ a: 'x', b: '' });
      expect(Object.getPrototypeOf(back?.labels)).toBe(Object.prototype);
    });
  });

  describe('lifecycle', () => {
    it('pings, closes idempotently, then rejects with GOV_DB_UNAVAILABLE', async () => {
      const other = raced[0] ?? (await backend.openEmpty(1))[0];
      await other!.ping();
      await Promise.all([other!.close(), other!.close()]);
      await other!.close();
      await expectGovError(other!.ping(), 'GOV_DB_UNAVAILABLE');
      await expectGovError(other!.nodes.get('x'), 'GOV_DB_UNAVAILABLE');
      await expectGovError(other!.audit.append(sealer(auditInput(1))), 'GOV_DB_UNAVAILABLE');
    });

    it('reports its kind and a printable location', () => {
      expect(store.kind).toBe(backend.kind);
      expect(store.location).not.toMatch(/governator:governator@/);
    });
  });
}

describe('Store contract: pglite (in memory)', () => {
  storeContract(pgliteBackend);
});

describeWithPostgres('Store contract: postgres', (adminUrl) => {
  storeContract(() => postgresBackend(adminUrl()));
});
