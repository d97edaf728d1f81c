import { GovError } from '../../../core/errors.js';
import type { CostHistoryQuery, CostHistoryRecord, CostHistoryRepository, CostHistoryRow } from '../../../ports/store.js';
import type { SqlExecutor } from './client.js';
import { timestampParam, toDate, toNumber } from './rows.js';
import { checkLimit } from './validate.js';

interface CostRow {
  id: unknown;
  timestamp: unknown;
  provider: string;
  resource_type: string;
  resource_id: string;
  cost_per_hour: unknown;
  currency: string;
}

/** NUMERIC(12, 6): six digits before the point. */
const MAX_COST = 999_999.999_999;
const CURRENCY = /^[A-Z]{3}$/;

function invalid(index: number, field: string, message: string): GovError {
  return new GovError('GOV_VALIDATION', `costHistory.append: row ${index}: ${field} ${message}`, {
    details: { row: index, field },
  });
}

function checkText(value: unknown, index: number, field: string, max: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(index, field, `must be a string of 1 to ${max} characters`);
  }
}

function checkRow(row: CostHistoryRow, index: number): void {
  if (!(row.timestamp instanceof Date) || Number.isNaN(row.timestamp.getTime())) throw invalid(index, 'timestamp', 'must be a valid Date');
  checkText(row.provider, index, 'provider', 50);
  checkText(row.resourceType, index, 'resourceType', 100);
  checkText(row.resourceId, index, 'resourceId', 255);
  if (typeof row.costPerHour !== 'number' || !Number.isFinite(row.costPerHour) || row.costPerHour < 0
    || Math.round(row.costPerHour * 1e6) / 1e6 > MAX_COST) {
    throw invalid(index, 'costPerHour', `must be a finite number from 0 to ${MAX_COST}, got ${String(row.costPerHour)}`);
  }
  if (typeof row.currency !== 'string' || !CURRENCY.test(row.currency)) throw invalid(index, 'currency', 'must be three capital letters (ISO 4217)');
}

function toRecord(row: CostRow): CostHistoryRecord {
  return {
    id: toNumber(row.id, 'cost_history.id'),
    timestamp: toDate(row.timestamp, 'cost_history.timestamp'),
    provider: row.provider,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    costPerHour: toNumber(row.cost_per_hour, 'cost_history.cost_per_hour'),
    currency: row.currency,
  };
}

/**
 * CostHistoryRepository over the seed table `cost_history` (migrations/0001_init.sql). A batch goes in as one
 * JSON parameter expanded by jsonb_to_recordset: one statement (so all rows or none), any number of rows,
 * without the 65535-parameter limit a VALUES list would hit, and the same on PGlite and `pg`.
 */
export class SqlCostHistoryRepository implements CostHistoryRepository {
  constructor(private readonly db: SqlExecutor) {}

  async append(rows: readonly CostHistoryRow[]): Promise<void> {
    if (rows.length === 0) return;
    rows.forEach(checkRow);
    const payload = rows.map((row, ord) => ({
      ord,
      ts: timestampParam(row.timestamp),
      provider: row.provider,
      resource_type: row.resourceType,
      resource_id: row.resourceId,
      // Text, so NUMERIC parses the decimal the caller meant, and rounds it to 6 places itself.
      cost_per_hour: String(row.costPerHour),
      currency: row.currency,
    }));
    await this.db.query(
      `INSERT INTO cost_history (timestamp, provider, resource_type, resource_id, cost_per_hour, currency)
       SELECT r.ts, r.provider, r.resource_type, r.resource_id, r.cost_per_hour::numeric, r.currency
       FROM jsonb_to_recordset($1::jsonb) AS r(ord integer, ts timestamptz, provider text, resource_type text,
                                                 resource_id text, cost_per_hour text, currency text)
       ORDER BY r.ord`,
      [JSON.stringify(payload)]);
  }

  async list(query: CostHistoryQuery): Promise<readonly CostHistoryRecord[]> {
    checkLimit(query.limit, 10_000, 'costHistory.list');
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown): void => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (query.resourceId !== undefined) add((p) => `resource_id = ${p}`, query.resourceId);
    if (query.provider !== undefined) add((p) => `provider = ${p}`, query.provider);
    if (query.from !== undefined) add((p) => `timestamp >= ${p}`, timestampParam(query.from));
    if (query.to !== undefined) add((p) => `timestamp < ${p}`, timestampParam(query.to));
    params.push(query.limit);
    const rows = await this.db.query<CostRow>(
      `SELECT id, timestamp, provider, resource_type, resource_id, cost_per_hour, currency FROM cost_history
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY timestamp, id LIMIT $${params.length}`, params);
    return rows.map(toRecord);
  }
}
