import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { resolveRoles, type RoleDefinition } from '../../src/core/auth/rbac.js';
import { ApiKeyService } from '../../src/app/api-keys.js';
import { AuditLog } from '../../src/app/audit-log.js';
import { systemClock } from '../../src/adapters/clock/system.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import type { Store } from '../../src/ports/store.js';
import { buildServer, type ServerOptions } from '../../src/server/build-server.js';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly keys: ApiKeyService;
  readonly audit: AuditLog;
  /** A bearer token per built-in role. */
  readonly tokens: { admin: string; operator: string; viewer: string };
  close(): Promise<void>;
}

/** A server over an in-memory PGlite store, with one key per built-in role. */
export async function startTestServer(options: { store?: Store; roles?: RoleDefinition[]; server?: ServerOptions } = {}): Promise<TestServer> {
  const store = options.store ?? (await openPgliteStore({ dataDir: 'memory://' }));
  await store.migrate();
  const keys = new ApiKeyService({ store, clock: systemClock, roles: resolveRoles(options.roles ?? []) });
  const audit = new AuditLog({ store, clock: systemClock });
  const app = await buildServer({ store, keys, audit, logger: pino({ level: 'silent' }), version: '0.0.0-test', ...(options.server ? { options: options.server } : {}) });
  const make = async (role: string) => (await keys.create({ name: `test-${role}`, role, createdBy: 'test' })).token;
  const tokens = { admin: await make('admin'), operator: await make('operator'), viewer: await make('viewer') };
  return {
    app, store, keys, audit, tokens,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
