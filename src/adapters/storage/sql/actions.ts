import { GovError } from '../../../core/errors.js';
import type { PlanAction } from '../../../core/model/plan.js';
import {
  ACTION_STATUSES, PLAN_STATUSES,
  type ActionJournal, type ActionPatch, type ActionPlanRecord, type ActionQuery, type ActionRecord, type ActionStatus,
  type ControlState, type NewAction, type NewActionPlan, type PlanMode, type PlanPatch, type PlanQuery, type PlanStatus,
} from '../../../ports/action-journal.js';
import type { SqlExecutor } from './client.js';
import { UNIQUE_VIOLATION, sqlState } from './errors.js';
import { timestampParam, toDate, toDateOrNull, toNumber, toStringOrNull } from './rows.js';
import { checkLimit } from './validate.js';

interface PlanRow {
  id: unknown; created_at: unknown; updated_at: unknown; pool: string; mode: string; status: string; source: string;
  decision_id: unknown; actions: unknown; summary: string; detail: string | null; decided_by: string | null;
  decided_at: unknown; started_at: unknown; finished_at: unknown;
}

interface ActionRow {
  id: unknown; plan_id: unknown; seq: unknown; kind: string; pool: string; provider: string; offering_id: string | null;
  node_id: string | null; idempotency_token: string; status: string; attempts: unknown; actor: string;
  error_code: string | null; detail: string | null; created_at: unknown; updated_at: unknown; finished_at: unknown;
}

const PLAN_COLUMNS = `id, created_at, updated_at, pool, mode, status, source, decision_id, actions, summary, detail,
  decided_by, decided_at, started_at, finished_at`;
const ACTION_COLUMNS = `id, plan_id, seq, kind, pool, provider, offering_id, node_id, idempotency_token, status, attempts,
  actor, error_code, detail, created_at, updated_at, finished_at`;

function oneOf<T extends string>(value: string, allowed: readonly T[], column: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new TypeError(`${column}: unknown value ${value}`);
  return value as T;
}

function toPlan(row: PlanRow): ActionPlanRecord {
  const actions = typeof row.actions === 'string' ? JSON.parse(row.actions) as unknown : row.actions;
  if (!Array.isArray(actions)) throw new TypeError('action_plans.actions: not an array');
  return {
    id: toNumber(row.id, 'action_plans.id'),
    at: toDate(row.created_at, 'action_plans.created_at'),
    updatedAt: toDate(row.updated_at, 'action_plans.updated_at'),
    pool: row.pool,
    mode: oneOf<PlanMode>(row.mode, ['recommend', 'approve', 'auto', 'manual'], 'action_plans.mode'),
    status: oneOf<PlanStatus>(row.status, PLAN_STATUSES, 'action_plans.status'),
    source: row.source,
    decisionId: row.decision_id === null ? null : toNumber(row.decision_id, 'action_plans.decision_id'),
    actions: actions as PlanAction[],
    summary: row.summary,
    detail: toStringOrNull(row.detail),
    decidedBy: toStringOrNull(row.decided_by),
    decidedAt: toDateOrNull(row.decided_at, 'action_plans.decided_at'),
    startedAt: toDateOrNull(row.started_at, 'action_plans.started_at'),
    finishedAt: toDateOrNull(row.finished_at, 'action_plans.finished_at'),
  };
}

function toAction(row: ActionRow): ActionRecord {
  return {
    id: toNumber(row.id, 'actions.id'),
    planId: toNumber(row.plan_id, 'actions.plan_id'),
    seq: toNumber(row.seq, 'actions.seq'),
    kind: oneOf<'start' | 'stop'>(row.kind, ['start', 'stop'], 'actions.kind'),
    pool: row.pool,
    provider: row.provider,
    offeringId: toStringOrNull(row.offering_id),
    nodeId: toStringOrNull(row.node_id),
    idempotencyToken: row.idempotency_token,
    status: oneOf<ActionStatus>(row.status, ACTION_STATUSES, 'actions.status'),
    attempts: toNumber(row.attempts, 'actions.attempts'),
    actor: row.actor,
    errorCode: toStringOrNull(row.error_code),
    detail: toStringOrNull(row.detail),
    at: toDate(row.created_at, 'actions.created_at'),
    updatedAt: toDate(row.updated_at, 'actions.updated_at'),
    finishedAt: toDateOrNull(row.finished_at, 'actions.finished_at'),
  };
}

const ATTEMPTED = `status NOT IN ('planned', 'skipped')`;

/** ActionJournal over SQL: the action_plans, actions and control_state tables (migration 0006). */
export class SqlActionJournal implements ActionJournal {
  constructor(private readonly db: SqlExecutor) {}

  async createPlan(plan: NewActionPlan): Promise<ActionPlanRecord> {
    const at = timestampParam(plan.at);
    const rows = await this.db.query<PlanRow>(
      `INSERT INTO action_plans (created_at, updated_at, pool, mode, status, source, decision_id, actions, summary, detail, decided_by)
       VALUES ($1, $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) RETURNING ${PLAN_COLUMNS}`,
      [at, plan.pool, plan.mode, plan.status, plan.source, plan.decisionId, JSON.stringify(plan.actions), plan.summary,
        plan.detail, plan.decidedBy ?? null]);
    return toPlan(rows[0]!);
  }

  async getPlan(id: number): Promise<ActionPlanRecord | null> {
    if (!Number.isSafeInteger(id)) return null;
    const rows = await this.db.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM action_plans WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : toPlan(rows[0]);
  }

  async listPlans(query: PlanQuery): Promise<readonly ActionPlanRecord[]> {
    checkLimit(query.limit, 1000, 'actions.listPlans');
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      params.push(JSON.stringify(query.status));
      where.push(`status IN (SELECT jsonb_array_elements_text($${params.length}::jsonb))`);
    }
    if (query.pool !== undefined) {
      params.push(query.pool);
      where.push(`pool = $${params.length}`);
    }
    params.push(query.limit);
    const rows = await this.db.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM action_plans ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params);
    return rows.map(toPlan);
  }

  async transitionPlan(id: number, from: readonly PlanStatus[], patch: PlanPatch): Promise<ActionPlanRecord | null> {
    const rows = await this.db.query<PlanRow>(
      `UPDATE action_plans SET status = $3, updated_at = $4,
         detail = CASE WHEN $5::boolean THEN $6 ELSE detail END,
         decided_by = COALESCE($7, decided_by), decided_at = COALESCE($8::timestamptz, decided_at),
         started_at = COALESCE($9::timestamptz, started_at), finished_at = COALESCE($10::timestamptz, finished_at)
       WHERE id = $1 AND status IN (SELECT jsonb_array_elements_text($2::jsonb))
       RETURNING ${PLAN_COLUMNS}`,
      [id, JSON.stringify(from), patch.status, timestampParam(patch.at), patch.detail !== undefined, patch.detail ?? null,
        patch.decidedBy ?? null, patch.decidedAt === undefined ? null : timestampParam(patch.decidedAt),
        patch.startedAt === undefined ? null : timestampParam(patch.startedAt),
        patch.finishedAt === undefined ? null : timestampParam(patch.finishedAt)]);
    return rows[0] === undefined ? null : toPlan(rows[0]);
  }

  async recordAction(action: NewAction): Promise<ActionRecord> {
    const at = timestampParam(action.at);
    try {
      const rows = await this.db.query<ActionRow>(
        `INSERT INTO actions (plan_id, seq, kind, pool, provider, offering_id, node_id, idempotency_token, status, actor,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ${ACTION_COLUMNS}`,
        [action.planId, action.seq, action.kind, action.pool, action.provider, action.offeringId, action.nodeId,
          action.idempotencyToken, action.status, action.actor, at]);
      return toAction(rows[0]!);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) {
        throw new GovError('GOV_CONFLICT', `an action with idempotency token ${action.idempotencyToken} or plan step ${action.planId}/${action.seq} already exists`, { cause: error });
      }
      throw error;
    }
  }

  async updateAction(id: number, patch: ActionPatch): Promise<ActionRecord> {
    const rows = await this.db.query<ActionRow>(
      `UPDATE actions SET updated_at = $2, status = COALESCE($3, status), node_id = COALESCE($4, node_id),
         attempts = attempts + $5,
         error_code = CASE WHEN $6::boolean THEN $7 ELSE error_code END,
         detail = CASE WHEN $8::boolean THEN $9 ELSE detail END,
         finished_at = CASE WHEN $10::boolean THEN $2::timestamptz ELSE finished_at END
       WHERE id = $1 RETURNING ${ACTION_COLUMNS}`,
      [id, timestampParam(patch.at), patch.status ?? null, patch.nodeId ?? null, patch.addAttempts ?? 0,
        patch.errorCode !== undefined, patch.errorCode ?? null, patch.detail !== undefined, patch.detail ?? null,
        patch.finished === true]);
    if (rows[0] === undefined) throw new GovError('GOV_NOT_FOUND', `no action ${id}`);
    return toAction(rows[0]);
  }

  async listActions(query: ActionQuery): Promise<readonly ActionRecord[]> {
    checkLimit(query.limit, 10_000, 'actions.listActions');
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.planId !== undefined) {
      params.push(query.planId);
      where.push(`plan_id = $${params.length}`);
    }
    if (query.status !== undefined) {
      params.push(JSON.stringify(query.status));
      where.push(`status IN (SELECT jsonb_array_elements_text($${params.length}::jsonb))`);
    }
    if (query.pool !== undefined) {
      params.push(query.pool);
      where.push(`pool = $${params.length}`);
    }
    params.push(query.limit);
    const order = query.planId !== undefined ? 'seq, id' : 'id DESC';
    const rows = await this.db.query<ActionRow>(
      `SELECT ${ACTION_COLUMNS} FROM actions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${order} LIMIT $${params.length}`, params);
    return rows.map(toAction);
  }

  async countAttemptedSince(since: Date): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>(
      `SELECT count(*) AS n FROM actions WHERE created_at >= $1 AND ${ATTEMPTED}`, [timestampParam(since)]);
    return toNumber(rows[0]?.n ?? 0, 'count');
  }

  async lastFinishedAt(pool: string): Promise<Date | null> {
    const rows = await this.db.query<{ at: unknown }>(
      `SELECT max(finished_at) AS at FROM actions WHERE pool = $1 AND ${ATTEMPTED}`, [pool]);
    return toDateOrNull(rows[0]?.at ?? null, 'actions.finished_at');
  }

  async getControl(): Promise<ControlState> {
    const rows = await this.db.query<{ paused: boolean; reason: string | null; updated_by: string; updated_at: unknown }>(
      `SELECT paused, reason, updated_by, updated_at FROM control_state WHERE key = 'global'`);
    const row = rows[0];
    if (row === undefined) return { paused: false, reason: null, updatedBy: null, updatedAt: null };
    return { paused: row.paused, reason: toStringOrNull(row.reason), updatedBy: row.updated_by, updatedAt: toDate(row.updated_at, 'control_state.updated_at') };
  }

  async setControl(state: ControlState): Promise<ControlState> {
    await this.db.query(
      `INSERT INTO control_state (key, paused, reason, updated_by, updated_at) VALUES ('global', $1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET paused = EXCLUDED.paused, reason = EXCLUDED.reason,
         updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [state.paused, state.reason, state.updatedBy ?? 'unknown', timestampParam(state.updatedAt ?? new Date(0))]);
    return this.getControl();
  }
}
