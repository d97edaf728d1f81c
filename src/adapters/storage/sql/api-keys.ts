import { GovError } from '../../../core/errors.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../../../ports/store.js';
import type { SqlExecutor } from './client.js';
import { constraintName, sqlState, UNIQUE_VIOLATION } from './errors.js';
import { timestampParam, timestampParamOrNull, toDate, toDateOrNull, toNumber } from './rows.js';

interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  salt: string;
  hash: string;
  created_at: unknown;
  created_by: string;
  revoked_at: unknown;
}

const COLUMNS = 'id, name, role, salt, hash, created_at, created_by, revoked_at';

/** The partial unique index on api_keys(name) WHERE revoked_at IS NULL (migrations/0001_init.sql). */
const ACTIVE_NAME_INDEX = 'api_keys_active_name_key';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    salt: row.salt,
    hash: row.hash,
    createdAt: toDate(row.created_at, 'api_keys.created_at'),
    createdBy: row.created_by,
    revokedAt: toDateOrNull(row.revoked_at, 'api_keys.revoked_at'),
  };
}

/** ApiKeyRepository over SQL. */
export class SqlApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(record: ApiKeyRecord): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [record.id, record.name, record.role, record.salt, record.hash, timestampParam(record.createdAt),
          record.createdBy, timestampParamOrNull(record.revokedAt)]);
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
      const byName = constraintName(err) === ACTIVE_NAME_INDEX;
      throw new GovError('GOV_CONFLICT',
        byName ? `An active API key is already named "${record.name}"` : `An API key with id "${record.id}" already exists`,
        { details: byName ? { field: 'name', value: record.name } : { field: 'id', value: record.id }, cause: err });
    }
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async list(): Promise<readonly ApiKeyRecord[]> {
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`);
    return rows.map(toRecord);
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING id', [id, timestampParam(at)]);
    return rows.length > 0;
  }

  async countActive(): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL');
    return toNumber(rows[0]?.n ?? 0, 'count');
  }
}
