/** openPostgresStore's failures: GOV_DB_UNAVAILABLE naming the server, never the password. */
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/storage/postgres/index.js';
import { isGovError } from '../../src/core/errors.js';
import { describeWithPostgres } from '../support/postgres.js';

async function openFailure(url: string): Promise<Error & { code: string }> {
  const err = await openPostgresStore({ url, connectTimeoutMs: 3000 }).then(
    async (store) => { await store.close(); return undefined; },
    (e: unknown) => e);
  if (!isGovError(err)) throw new Error(`expected a GovError, got ${String(err)}`);
  return err;
}

describe('openPostgresStore without a server', () => {
  it('rejects with GOV_DB_UNAVAILABLE, the URL masked', async () => {
    const err = await openFailure('postgres://gov:topsecret@127.0.0.1:1/governator');
    expect(err.code).toBe('GOV_DB_UNAVAILABLE');
    expect(err.message).toContain('postgres://gov:****@127.0.0.1:1/governator');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('topsecret');
  });
});

describeWithPostgres('openPostgresStore against a server', (adminUrl) => {
  it('rejects a wrong password with GOV_DB_UNAVAILABLE and never prints it', async () => {
    const url = new URL(adminUrl());
    url.password = 'definitely-wrong-password';
    const err = await openFailure(url.toString());
    expect(err.code).toBe('GOV_DB_UNAVAILABLE');
    expect(err.message).toMatch(/password authentication failed/);
    expect(err.message).not.toContain('definitely-wrong-password');
    expect(err.message).toContain(':****@');
  });

  it('rejects a database that does not exist with GOV_DB_UNAVAILABLE', async () => {
    const url = new URL(adminUrl());
    url.pathname = '/gov_test_no_such_database';
    const err = await openFailure(url.toString());
    expect(err.code).toBe('GOV_DB_UNAVAILABLE');
    expect(err.message).toMatch(/does not exist/);
  });

  it('opens, pings and reports the masked URL as its location', async () => {
    const store = await openPostgresStore({ url: adminUrl(), maxConnections: 2 });
    try {
      expect(store.kind).toBe('postgres');
      expect(store.location).toBe(adminUrl().replace(/:[^:@/]*@/, ':****@'));
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
