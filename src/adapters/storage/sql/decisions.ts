import { GovError } from '../../../core/errors.js';
import type { Plan } from '../../../core/model/plan.js';
import type { DecisionInput, DecisionRecord, DecisionRepository } from '../../../ports/store.js';
import type { SqlExecutor } from './client.js';
import { timestampParam, toDate, toJsonObject, toNumber } from './rows.js';
import { checkLimit } from './validate.js';

interface DecisionRow {
  id: unknown;
  timestamp: unknown;
  source: string;
  workload_id: string;
  recommended_deployment: unknown;
  cost_savings: unknown;
  feasible: boolean | null;
}

/** NUMERIC(12, 4): eight digits before the point. */
const MAX_SAVINGS = 99_999_999.9999;

function invalid(field: string, message: string): GovError {
  return new GovError('GOV_VALIDATION', `decisions.record: ${field} ${message}`, { details: { field } });
}

function toRecord(row: DecisionRow): DecisionRecord {
  const plan = toJsonObject(row.recommended_deployment, 'deployment_decisions.recommended_deployment') as unknown as Plan;
  return {
    id: toNumber(row.id, 'deployment_decisions.id'),
    at: toDate(row.timestamp, 'deployment_decisions.timestamp'),
    source: row.source,
    workload: row.workload_id,
    plan,
    feasible: row.feasible ?? plan.feasible,
    savingsPerHour: toNumber(row.cost_savings, 'deployment_decisions.cost_savings'),
  };
}

const COLUMNS = 'id, timestamp, source, workload_id, recommended_deployment, cost_savings, feasible';

/** DecisionRepository over SQL: the deployment_decisions table (migrations 0001 and 0002). */
export class SqlDecisionRepository implements DecisionRepository {
  constructor(private readonly db: SqlExecutor) {}

  async record(decision: DecisionInput): Promise<DecisionRecord> {
    if (!(decision.at instanceof Date) || Number.isNaN(decision.at.getTime())) throw invalid('at', 'must be a valid Date');
    if (typeof decision.source !== 'string' || decision.source.length < 1 || decision.source.length > 64) throw invalid('source', 'must be 1 to 64 characters');
    if (typeof decision.workload !== 'string' || decision.workload.length < 1 || decision.workload.length > 1000) throw invalid('workload', 'must be 1 to 1000 characters');
    const savings = decision.plan.savingsPerHour;
    if (typeof savings !== 'number' || !Number.isFinite(savings) || Math.abs(savings) > MAX_SAVINGS) {
      throw invalid('plan.savingsPerHour', `must be a finite number of at most ${MAX_SAVINGS} in size, got ${String(savings)}`);
    }
    const impact = {
      costPerHourBefore: decision.plan.costPerHourBefore,
      costPerHourAfter: decision.plan.costPerHourAfter,
      pools: decision.plan.pools.map((p) => ({
        name: p.name, utilizationBefore: p.utilizationBefore, utilizationAfter: p.utilizationAfter, shortfall: p.shortfall,
      })),
    };
    const rows = await this.db.query<DecisionRow>(
      `INSERT INTO deployment_decisions (timestamp, workload_id, recommended_deployment, cost_savings, performance_impact, source, feasible)
       VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7)
       RETURNING ${COLUMNS}`,
      [timestampParam(decision.at), decision.workload, JSON.stringify(decision.plan), savings.toFixed(4), JSON.stringify(impact), decision.source, decision.plan.feasible]);
    return toRecord(rows[0]!);
  }

  async listRecent(limit: number): Promise<readonly DecisionRecord[]> {
    checkLimit(limit, 1000, 'decisions.listRecent');
    const rows = await this.db.query<DecisionRow>(
      `SELECT ${COLUMNS} FROM deployment_decisions ORDER BY timestamp DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toRecord);
  }
}
