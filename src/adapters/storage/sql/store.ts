import type {
  ApiKeyRepository, AuditRepository, CostHistoryRepository, MigrationReport, MigrationState, NodeRepository, Store, StoreKind,
} from '../../../ports/store.js';
import { SqlActionJournal } from './actions.js';
import { SqlCredentialRepository } from './credentials.js';
import { SqlProviderRepository } from './providers.js';
import { SqlApiKeyRepository } from './api-keys.js';
import { SqlAuditRepository } from './audit.js';
import { SqlCostHistoryRepository } from './cost-history.js';
import { SqlDecisionRepository } from './decisions.js';
import { SqlForecastRepository } from './forecasts.js';
import type { SqlClient } from './client.js';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, readMigrationStatus, runMigrations } from './migrations.js';
import { SqlNodeRepository } from './nodes.js';
import { SqlSeriesRepository } from './series.js';

export interface SqlStoreOptions {
  readonly kind: StoreKind;
  /** Safe to print (no password). */
  readonly location: string;
  readonly client: SqlClient;
  /** Folder of NNNN_name.sql files; default: the repository's migrations/ folder. */
  readonly migrationsDir?: string | URL;
  /** Runs once, after the client is closed (e.g. to release the data-directory lock). */
  readonly onClose?: () => Promise<void> | void;
}

/** The Store port over any SqlClient: both adapters build their store with this. */
export function createSqlStore(options: SqlStoreOptions): Store {
  const { client } = options;
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  let closing: Promise<void> | undefined;

  const nodes: NodeRepository = new SqlNodeRepository(client);
  const apiKeys: ApiKeyRepository = new SqlApiKeyRepository(client);
  const audit: AuditRepository = new SqlAuditRepository(client);
  const costHistory: CostHistoryRepository = new SqlCostHistoryRepository(client);
  const series = new SqlSeriesRepository(client);
  const decisions = new SqlDecisionRepository(client);

  return {
    kind: options.kind,
    location: options.location,
    nodes,
    apiKeys,
    audit,
    costHistory,
    series,
    decisions,
    actions: new SqlActionJournal(client),
    credentials: { secrets: new SqlCredentialRepository(client), providers: new SqlProviderRepository(client) },
    forecasts: new SqlForecastRepository(client),
    async migrate(): Promise<MigrationReport> {
      return runMigrations(client, await loadMigrations(migrationsDir));
    },
    async migrationStatus(): Promise<readonly MigrationState[]> {
      return readMigrationStatus(client, await loadMigrations(migrationsDir));
    },
    async ping(): Promise<void> {
      await client.query('SELECT 1');
    },
    close(): Promise<void> {
      closing ??= (async () => {
        try {
          await client.close();
        } finally {
          await options.onClose?.();
        }
      })();
      return closing;
    },
  };
}
