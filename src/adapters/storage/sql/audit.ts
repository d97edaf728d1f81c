import type { AuditOutcome, AuditRecord } from '../../../core/audit/chain.js';
import { GENESIS_HASH } from '../../../core/audit/chain.js';
import { GovError } from '../../../core/errors.js';
import type { AuditHead, AuditListOptions, AuditRepository } from '../../../ports/store.js';
import type { SqlClient } from './client.js';
import { ADVISORY_LOCK_CLASS } from './migrations.js';
import { timestampParam, toDate, toJsonObject, toNumber } from './rows.js';
import { checkLimit } from './validate.js';

interface AuditRow {
  id: unknown;
  at: unknown;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  details: unknown;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'id, at, actor, action, target, outcome, details, prev_hash, hash';
const OUTCOMES: readonly string[] = ['success', 'failure', 'denied'] satisfies readonly AuditOutcome[];

// Appenders take this transaction-scoped advisory lock rather than LOCK TABLE: it needs no UPDATE/DELETE
// privilege on audit_log (an operator may grant INSERT and SELECT only) and serialises appenders in every
// process that shares the database. A writer that skips it still cannot fork the chain: the id is the key.
const APPEND_LOCK = `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, 2)`;

function toRecord(row: AuditRow): AuditRecord {
  if (!OUTCOMES.includes(row.outcome)) throw new TypeError(`audit_log.outcome: unknown outcome ${row.outcome}`);
  return {
    id: toNumber(row.id, 'audit_log.id'),
    at: toDate(row.at, 'audit_log.at'),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome,
    details: toJsonObject(row.details, 'audit_log.details'),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** AuditRepository over SQL: an append-only hash chain (see core/audit/chain.ts). */
export class SqlAuditRepository implements AuditRepository {
  constructor(private readonly db: SqlClient) {}

  async append(seal: (head: AuditHead | null) => AuditRecord): Promise<AuditRecord> {
    return this.db.transaction(async (tx) => {
      await tx.query(APPEND_LOCK);
      const rows = await tx.query<{ id: unknown; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
      const head: AuditHead | null = rows[0] === undefined ? null : { id: toNumber(rows[0].id, 'audit_log.id'), hash: rows[0].hash };
      const record = seal(head);
      const expectedId = (head?.id ?? 0) + 1;
      const expectedPrev = head?.hash ?? GENESIS_HASH;
      if (record.id !== expectedId || record.prevHash !== expectedPrev) {
        throw new GovError('GOV_INTERNAL',
          `audit append: the sealed entry does not continue the chain (id ${record.id}, expected ${expectedId}; ` +
          `prevHash ${record.prevHash.slice(0, 12)}…, expected ${expectedPrev.slice(0, 12)}…)`);
      }
      await tx.query(
        `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
        [record.id, timestampParam(record.at), record.actor, record.action, record.target, record.outcome,
          JSON.stringify(record.details), record.prevHash, record.hash]);
      return record;
    });
  }

  async list(options: AuditListOptions): Promise<readonly AuditRecord[]> {
    checkLimit(options.limit, 10_000, 'audit.list');
    const rows = await this.db.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, [options.afterId ?? 0, options.limit]);
    return rows.map(toRecord);
  }

  async listRecent(limit: number): Promise<readonly AuditRecord[]> {
    checkLimit(limit, 10_000, 'audit.listRecent');
    const rows = await this.db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>('SELECT count(*) AS n FROM audit_log');
    return toNumber(rows[0]?.n ?? 0, 'count');
  }
}
