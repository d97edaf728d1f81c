import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { LiveCatalog } from '../../src/app/live-catalog.js';
import { ApiKeyService } from '../../src/app/api-keys.js';
import { AuditLog } from '../../src/app/audit-log.js';
import { systemClock } from '../../src/adapters/clock/system.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { resolveRoles } from '../../src/core/auth/rbac.js';
import { buildServer } from '../../src/server/build-server.js';
import { fixtureCatalog } from '../support/catalog.js';
import { bearer } from '../support/server.js';

describe('live catalog', () => {
  it('the catalog route serves the new prices once the refresher replaces the catalog', async () => {
    const store = await openPgliteStore({ dataDir: 'memory://' });
    await store.migrate();
    const keys = new ApiKeyService({ store, clock: systemClock, roles: resolveRoles([]) });
    const live = new LiveCatalog(fixtureCatalog());
    const app = await buildServer({ store, catalog: live, keys, audit: new AuditLog({ store, clock: systemClock }), logger: pino({ level: 'silent' }), version: 't' });
    try {
      const { token } = await keys.create({ name: 'v', role: 'viewer', createdBy: 'test' });
      const query = async () => (await app.inject({ url: '/api/v1/catalog/offerings?gpu=H200', headers: bearer(token) })).json().offerings as Array<{ id: string; pricePerHour: number }>;
      const before = await query();
      expect(before).toHaveLength(1);
      expect(before[0]!.pricePerHour).toBe(63.296);

      // What the price refresher does after a live source changed the H200's price.
      live.replace(live.current().offerings.map((o) => (o.gpu?.model === 'H200' ? { ...o, pricePerHour: 59.5, source: 'live:aws-pricing' } : o)));
      const after = await query();
      expect(after).toEqual([expect.objectContaining({ id: before[0]!.id, pricePerHour: 59.5 })]);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
