import { GovError } from '../../../core/errors.js';
import type { ProviderRecord, ProviderRepository } from '../../../ports/credential-store.js';
import type { SqlExecutor } from './client.js';
import { sqlState, UNIQUE_VIOLATION } from './errors.js';
import { timestampParam, toDate, toJsonObject, toNumber, toStringOrNull } from './rows.js';

interface ProviderRow {
  id: string;
  kind: string;
  settings: unknown;
  credentials: unknown;
  enabled: boolean;
  health_interval_ms: unknown;
  health_timeout_ms: unknown;
  created_at: unknown;
  updated_at: unknown;
  created_by: string;
}

const COLUMNS = 'id, kind, settings, credentials, enabled, health_interval_ms, health_timeout_ms, created_at, updated_at, created_by';

function toRecord(row: ProviderRow): ProviderRecord {
  return {
    id: row.id,
    kind: row.kind,
    settings: toJsonObject(row.settings, 'cloud_providers.settings'),
    credentials: toStringOrNull(row.credentials),
    enabled: row.enabled,
    healthIntervalMs: toNumber(row.health_interval_ms, 'cloud_providers.health_interval_ms'),
    healthTimeoutMs: toNumber(row.health_timeout_ms, 'cloud_providers.health_timeout_ms'),
    createdAt: toDate(row.created_at, 'cloud_providers.created_at'),
    updatedAt: toDate(row.updated_at, 'cloud_providers.updated_at'),
    createdBy: row.created_by,
  };
}

/** ProviderRepository over SQL (table cloud_providers, migrations/0007_providers.sql). */
export class SqlProviderRepository implements ProviderRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(record: ProviderRecord): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO cloud_providers (${COLUMNS}) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10)`,
        [record.id, record.kind, JSON.stringify(record.settings), record.credentials, record.enabled,
          record.healthIntervalMs, record.healthTimeoutMs,
          timestampParam(record.createdAt), timestampParam(record.updatedAt), record.createdBy]);
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
      throw new GovError('GOV_CONFLICT', `a provider named "${record.id}" already exists`, { details: { field: 'name', value: record.id }, cause: err });
    }
  }

  async list(): Promise<readonly ProviderRecord[]> {
    const rows = await this.db.query<ProviderRow>(`SELECT ${COLUMNS} FROM cloud_providers ORDER BY id`);
    return rows.map(toRecord);
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>('DELETE FROM cloud_providers WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }
}
