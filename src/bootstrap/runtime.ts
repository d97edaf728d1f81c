import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import type { Logger } from 'pino';
import { resolveRoles } from '../core/auth/rbac.js';
import { ApiKeyService } from '../app/api-keys.js';
import { AuditLog } from '../app/audit-log.js';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { systemClock } from '../adapters/clock/system.js';
import { openPgliteStore } from '../adapters/storage/pglite/index.js';
import { openPostgresStore } from '../adapters/storage/postgres/index.js';
import { systemScheduler } from '../adapters/clock/scheduler.js';
import type { TelemetryService } from '../app/telemetry/service.js';
import { createTelemetry } from './telemetry.js';

/** The services one Governator process runs on, wired from config. */
export interface Runtime {
  readonly config: Readonly<Config>;
  readonly store: Store;
  readonly clock: Clock;
  readonly keys: ApiKeyService;
  readonly audit: AuditLog;
  /** Telemetry ingestion and queries (issue #5). Built, not started: `serve` starts it; close() drains it first. */
  readonly telemetry: TelemetryService;
  close(): Promise<void>;
}

/** Open the configured store: external PostgreSQL when database.url is set, else PGlite in data_dir. */
export function openStore(config: Readonly<Config>): Promise<Store> {
  if (config.database.url) {
    return openPostgresStore({
      url: config.database.url,
      maxConnections: config.database.max_connections,
      connectTimeoutMs: parseDuration(config.database.connect_timeout),
    });
  }
  return openPgliteStore({ dataDir: resolve(config.database.data_dir) });
}

export interface RuntimeOptions {
  readonly clock?: Clock;
  /** Apply pending migrations (default: database.enable_migrations). */
  readonly migrate?: boolean;
  readonly logger?: Logger;
}

/** Open the store, migrate it when configured, and build the application services over it. */
export async function createRuntime(config: Readonly<Config>, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const store = await openStore(config);
  try {
    if (options.migrate ?? config.database.enable_migrations) {
      const report = await store.migrate();
      if (report.applied.length > 0) {
        options.logger?.info({ applied: report.applied.map((m) => `${m.version}_${m.name}`), version: report.version }, 'database migrated');
      }
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const roles = resolveRoles(config.rbac.roles);
  let telemetry: TelemetryService;
  try {
    telemetry = createTelemetry({ store, clock, scheduler: systemScheduler, config: config.telemetry, ...(options.logger ? { logger: options.logger } : {}) });
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    config,
    store,
    clock,
    keys: new ApiKeyService({ store, clock, roles }),
    audit: new AuditLog({ store, clock }),
    telemetry,
    // Telemetry drains its write queue into the store before the store closes.
    close: async () => {
      try {
        await telemetry.stop(parseDuration(config.telemetry.ack_timeout));
      } finally {
        await store.close();
      }
    },
  };
}

export const INITIAL_ADMIN_KEY_FILE = 'initial-admin-key';

/**
 * First start: when no active API key exists and auth.bootstrap_admin_key is on, create an admin key and
 * write it to <data_dir>/initial-admin-key with mode 0600. The key never goes to the log, only the path.
 * Returns the file path, or null when nothing was created.
 */
export async function ensureInitialAdminKey(runtime: Runtime, logger?: Logger): Promise<string | null> {
  if (!runtime.config.auth.bootstrap_admin_key) return null;
  if ((await runtime.store.apiKeys.countActive()) > 0) return null;
  const created = await runtime.keys.create({ name: 'initial-admin', role: 'admin', createdBy: 'bootstrap' });
  const dir = resolve(runtime.config.database.data_dir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, INITIAL_ADMIN_KEY_FILE);
  writeFileSync(file, `${created.token}\n`, { mode: 0o600 });
  await runtime.audit.record({
    actor: 'bootstrap',
    action: 'keys.create',
    target: `key:${created.record.id}`,
    outcome: 'success',
    details: { name: created.record.name, role: 'admin', file },
  });
  logger?.warn({ file, keyId: created.record.id }, 'no API key existed: created an admin key and wrote it to this file (readable by this user only); revoke it once you have made your own');
  return file;
}
