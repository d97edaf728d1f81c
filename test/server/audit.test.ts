import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/app/audit-log.js';
import { systemClock } from '../../src/adapters/clock/system.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gov-audit-'));
  server = await startTestServer({ store: await openPgliteStore({ dataDir: dir }) });
});
afterAll(async () => {
  await server?.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const newest = async () => (await server.audit.recent(1))[0]!;

describe('audit rows', () => {
  it('records a successful mutation with who, what, when and outcome', async () => {
    const adminId = server.tokens.admin.split('_')[1];
    const before = Date.now();
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/keys', headers: { ...bearer(server.tokens.admin), 'x-request-id': 'audit-1' }, payload: { name: 'audited', role: 'viewer' } });
    expect(res.statusCode).toBe(201);
    const row = await newest();
    expect(row).toMatchObject({
      actor: `key:${adminId}`,
      action: 'POST /api/v1/keys',
      target: '/api/v1/keys',
      outcome: 'success',
      details: { status: 201, requestId: 'audit-1', keyName: 'test-admin', role: 'admin' },
    });
    expect(row.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(row)).not.toContain(res.json().key); // the new key's secret is not in the log
  });

  it('records a failed mutation as a failure with its error code', async () => {
    await server.app.inject({ method: 'DELETE', url: '/api/v1/keys/0123456789ab', headers: bearer(server.tokens.admin) });
    expect(await newest()).toMatchObject({ action: 'DELETE /api/v1/keys/:id', target: '/api/v1/keys/0123456789ab', outcome: 'failure', details: { status: 404, error: 'GOV_NOT_FOUND' } });
  });

  it('records a request without a key as denied, by anonymous, with the reason', async () => {
    await server.app.inject({ url: '/api/v1/nodes' });
    expect(await newest()).toMatchObject({ actor: 'anonymous', action: 'GET /api/v1/nodes', outcome: 'denied', details: { status: 401, error: 'GOV_AUTH_REQUIRED' } });
  });

  it('records a bad key as denied with why (for operators, not for the client)', async () => {
    await server.app.inject({ url: '/api/v1/nodes', headers: bearer(`gov_000000000000_${'x'.repeat(43)}`) });
    expect(await newest()).toMatchObject({ actor: 'anonymous', outcome: 'denied', details: { status: 401, error: 'GOV_AUTH_INVALID', reason: 'unknown' } });
  });

  it('records a forbidden call with the caller', async () => {
    const viewerId = server.tokens.viewer.split('_')[1];
    await server.app.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(server.tokens.viewer), payload: { name: 'sneaky', role: 'admin' } });
    expect(await newest()).toMatchObject({ actor: `key:${viewerId}`, outcome: 'denied', details: { status: 403, error: 'GOV_FORBIDDEN' } });
  });

  it('does not record successful reads', async () => {
    const count = await server.store.audit.count();
    await server.app.inject({ url: '/api/v1/nodes', headers: bearer(server.tokens.viewer) });
    await server.app.inject({ url: '/healthz' });
    expect(await server.store.audit.count()).toBe(count);
  });

  it('the chain verifies over HTTP', async () => {
    const res = await server.app.inject({ url: '/api/v1/audit/verify', headers: bearer(server.tokens.admin) });
    expect(res.json()).toMatchObject({ ok: true, breaks: [] });
    expect(res.json().checked).toBeGreaterThanOrEqual(5);
  });
});

describe('tampering', () => {
  it('an edited row and a deleted row are both found by verify', async () => {
    const total = await server.store.audit.count();
    await server.close();
    // An attacker with access to the database files: bypass the append-only trigger and rewrite history.
    const raw = await PGlite.create({ dataDir: join(dir, 'pg') });
    await raw.exec(`ALTER TABLE audit_log DISABLE TRIGGER USER;
      UPDATE audit_log SET actor = 'key:innocent' WHERE id = 2;
      DELETE FROM audit_log WHERE id = 4;
      ALTER TABLE audit_log ENABLE TRIGGER USER;`);
    await raw.close();

    const store = await openPgliteStore({ dataDir: dir });
    try {
      const result = await new AuditLog({ store, clock: systemClock }).verify();
      expect(result.ok).toBe(false);
      expect(result.checked).toBe(total - 1);
      expect(result.breaks).toEqual([
        { id: 2, reason: 'hash-mismatch' },
        { id: 5, reason: 'prev-hash-mismatch' },
      ]);
    } finally {
      await store.close();
    }
  });
});
