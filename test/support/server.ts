import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { resolveRoles, type RoleDefinition } from '../../src/core/auth/rbac.js';
import { ApiKeyService } from '../../src/app/api-keys.js';
import { AuditLog } from '../../src/app/audit-log.js';
import { systemClock } from '../../src/adapters/clock/system.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import type { Store } from '../../src/ports/store.js';
import { buildServer, type ServerOptions } from '../../src/server/build-server.js';
import type { Catalog } from '../../src/core/catalog/catalog.js';
import { fixtureCatalog } from './catalog.js';
import { LiveCatalog } from '../../src/app/live-catalog.js';
import { Value } from '@sinclair/typebox/value';
import type { Dispatcher } from 'undici';
import { systemScheduler } from '../../src/adapters/clock/scheduler.js';
import type { TelemetryService, TelemetrySettings } from '../../src/app/telemetry/service.js';
import { createTelemetry } from '../../src/bootstrap/telemetry.js';
import { TelemetrySchema, type Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/ports/clock.js';
import type { Scheduler } from '../../src/ports/scheduler.js';
import { PlannerService } from '../../src/app/planner-service.js';
import { HighsSolver } from '../../src/adapters/solver/highs/index.js';
import type { Pool } from '../../src/core/model/pool.js';
import type { EventBus } from '../../src/app/events.js';
import { ActionEngine } from '../../src/app/actions/engine.js';
import { CredentialService } from '../../src/app/credentials/service.js';
import { generateMasterKey } from '../../src/app/credentials/cipher.js';
import { ProviderRegistry } from '../../src/app/providers/registry.js';
import { providerFactories } from '../../src/bootstrap/providers.js';
import { tmpdir } from 'node:os';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly keys: ApiKeyService;
  readonly audit: AuditLog;
  /** A bearer token per built-in role. */
  readonly tokens: { admin: string; operator: string; viewer: string; ingest: string };
  /** Telemetry (issue #5), started (reloaded) unless `telemetry.start` is false. */
  readonly telemetry: TelemetryService;
  close(): Promise<void>;
}

/** Telemetry options of a test server: the [telemetry] config (defaults otherwise), settings overrides, time. */
export interface TestTelemetryOptions {
  readonly config?: Partial<Config['telemetry']>;
  readonly overrides?: Partial<TelemetrySettings>;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly dispatcher?: Dispatcher;
  /** Call telemetry.start() (reload, rollups, scrapers, pullers); default true. */
  readonly start?: boolean;
}

/** The [telemetry] section with the schema's defaults, then `config` over it. */
export function telemetryConfig(config: Partial<Config['telemetry']> = {}): Config['telemetry'] {
  return { ...(Value.Default(TelemetrySchema, {}) as Config['telemetry']), ...config };
}

/** A server over an in-memory PGlite store, with one key per built-in role. */
export async function startTestServer(options: { store?: Store; roles?: RoleDefinition[]; server?: ServerOptions; catalog?: Catalog; telemetry?: TestTelemetryOptions; pools?: () => readonly Pool[]; events?: EventBus; webRoot?: string; actions?: (store: Store, catalog: Catalog) => ActionEngine } = {}): Promise<TestServer> {
  const store = options.store ?? (await openPgliteStore({ dataDir: 'memory://' }));
  await store.migrate();
  const keys = new ApiKeyService({ store, clock: systemClock, roles: resolveRoles(options.roles ?? []) });
  const audit = new AuditLog({ store, clock: systemClock });
  const t = options.telemetry ?? {};
  const telemetry = createTelemetry({
    store, clock: t.clock ?? systemClock, scheduler: t.scheduler ?? systemScheduler, config: telemetryConfig(t.config),
    ...(t.overrides ? { overrides: t.overrides } : {}), ...(t.dispatcher ? { dispatcher: t.dispatcher } : {}),
  });
  if (t.start ?? true) await telemetry.start();
  const catalog = options.catalog ?? fixtureCatalog();
  const planner = new PlannerService({ store, clock: systemClock, solver: new HighsSolver(), offerings: () => catalog.offerings, ...(options.pools ? { pools: options.pools } : {}) });
  // The action engine (issue #7): no providers unless the test brings an engine of its own.
  const actions = options.actions?.(store, catalog) ?? new ActionEngine({ journal: store.actions, nodes: store.nodes, providers: [], offerings: (id) => catalog.byId.get(id), clock: systemClock });
  // Credentials and the provider registry (issue #7) with every kind of this build; health probes are not started.
  const credentials = new CredentialService({ repository: store.credentials.secrets, clock: systemClock, key: generateMasterKey() });
  const factories = providerFactories({ clock: systemClock, offerings: () => catalog.offerings, dataDir: tmpdir() });
  const registry = new ProviderRegistry({ factories, credentials, repository: store.credentials.providers, clock: systemClock, scheduler: systemScheduler });
  const app = await buildServer({ store, catalog: new LiveCatalog(catalog), keys, audit, logger: pino({ level: 'silent' }), version: '0.0.0-test', telemetry, planner, actions, providers: { credentials, registry }, ...(options.server ? { options: options.server } : {}), ...(options.events ? { events: options.events } : {}), ...(options.webRoot ? { webRoot: options.webRoot } : {}) });
  const make = async (role: string) => (await keys.create({ name: `test-${role}`, role, createdBy: 'test' })).token;
  const tokens = { admin: await make('admin'), operator: await make('operator'), viewer: await make('viewer'), ingest: await make('ingest') };
  return {
    app, store, keys, audit, tokens, telemetry,
    close: async () => {
      await app.close();
      registry.stop();
      await telemetry.stop();
      await store.close();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
