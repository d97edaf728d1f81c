import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ActionEngine } from '../../app/actions/engine.js';
import type { ActionJournal } from '../../ports/action-journal.js';
import { GovError } from '../../core/errors.js';
import {
  ACTION_STATUSES, PLAN_STATUSES, type ActionPlanRecord, type ActionRecord, type ControlState,
} from '../../ports/action-journal.js';
import { withErrors } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

const PlanSchema = Type.Object({
  id: Type.Integer(),
  pool: Type.String(),
  mode: Type.String(),
  status: Type.String(),
  source: Type.String(),
  decisionId: NullableInt,
  summary: Type.String(),
  detail: Nullable(Type.String()),
  actions: Type.Array(Type.Object({}, { additionalProperties: true })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});

const ActionSchema = Type.Object({
  id: Type.Integer(),
  planId: Type.Integer(),
  seq: Type.Integer(),
  kind: Type.String(),
  pool: Type.String(),
  provider: Type.String(),
  offeringId: Nullable(Type.String()),
  nodeId: Nullable(Type.String()),
  idempotencyToken: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  actor: Type.String(),
  errorCode: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});

const ControlSchema = Type.Object({
  paused: Type.Boolean(),
  reason: Nullable(Type.String()),
  updatedBy: Nullable(Type.String()),
  updatedAt: Nullable(Type.String()),
});

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function planToJson(plan: ActionPlanRecord) {
  return {
    id: plan.id, pool: plan.pool, mode: plan.mode, status: plan.status, source: plan.source, decisionId: plan.decisionId,
    summary: plan.summary, detail: plan.detail, actions: plan.actions.map((a) => ({ ...a })),
    createdAt: plan.at.toISOString(), updatedAt: plan.updatedAt.toISOString(), decidedBy: plan.decidedBy,
    decidedAt: iso(plan.decidedAt), startedAt: iso(plan.startedAt), finishedAt: iso(plan.finishedAt),
  };
}

function actionToJson(a: ActionRecord) {
  return {
    id: a.id, planId: a.planId, seq: a.seq, kind: a.kind, pool: a.pool, provider: a.provider, offeringId: a.offeringId,
    nodeId: a.nodeId, idempotencyToken: a.idempotencyToken, status: a.status, attempts: a.attempts, actor: a.actor,
    errorCode: a.errorCode, detail: a.detail, createdAt: a.at.toISOString(), updatedAt: a.updatedAt.toISOString(),
    finishedAt: iso(a.finishedAt),
  };
}

function controlToJson(c: ControlState) {
  return { paused: c.paused, reason: c.reason, updatedBy: c.updatedBy, updatedAt: iso(c.updatedAt) };
}

function actor(request: FastifyRequest): string {
  return request.principal ? `key:${request.principal.keyId}` : 'unknown';
}

/** `a,b` → ['a','b'], each checked against the allowed values (GOV_VALIDATION names the bad one). */
function statusList<T extends string>(raw: string | undefined, allowed: readonly T[], field: string): T[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new GovError('GOV_VALIDATION', `${field}: unknown status ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}`, { details: { field } });
    }
  }
  return values as T[];
}

const PlanId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/**
 * The action engine over HTTP (issue #7; docs/api.md): plans and their approval, the action journal, a manual
 * scale of one node, and the global kill switch. Reads need `nodes:read`; anything that can change the fleet
 * needs `nodes:scale`.
 */
export function actionRoutes(app: FastifyInstance, deps: { engine: ActionEngine; journal: ActionJournal }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/plans', {
    config: { access: 'nodes:read' },
    schema: {
      summary: 'List action plans',
      description: 'Newest first. `status` takes a comma-separated list (e.g. `pending-approval`).',
      tags: ['actions'],
      querystring: Type.Object({
        status: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        pool: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ plans: Type.Array(PlanSchema) }) }),
    },
  }, async (request) => {
    const status = statusList(request.query.status, PLAN_STATUSES, 'status');
    const plans = await deps.journal.listPlans({
      limit: request.query.limit, ...(status ? { status } : {}), ...(request.query.pool ? { pool: request.query.pool } : {}),
    });
    return { plans: plans.map(planToJson) };
  });

  api.post('/api/v1/plans/:id/approve', {
    config: { access: 'nodes:scale' },
    schema: {
      summary: 'Approve a plan waiting for approval',
      description: 'The plan runs in the background within the guardrails; poll GET /api/v1/plans or /api/v1/actions.',
      tags: ['actions'],
      params: PlanId,
      response: withErrors({ 200: PlanSchema, 404: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => planToJson(await deps.engine.approve(request.params.id, actor(request))));

  api.post('/api/v1/plans/:id/reject', {
    config: { access: 'nodes:scale' },
    schema: {
      summary: 'Reject a plan waiting for approval',
      tags: ['actions'],
      params: PlanId,
      response: withErrors({ 200: PlanSchema, 404: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => planToJson(await deps.engine.reject(request.params.id, actor(request), reasonOf(request.body))));

  api.post('/api/v1/nodes/:id/scale', {
    config: { access: 'nodes:scale' },
    schema: {
      summary: 'Start or stop one node by hand',
      description: '`stop` stops the node; `start` starts one more node like it (same offering, same pool). Goes through the action journal and the guardrails (kill switch, max actions per hour, min nodes); runs in the background: 202 with the plan.',
      tags: ['actions', 'nodes'],
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
      body: Type.Object({ action: Type.Union([Type.Literal('start'), Type.Literal('stop')]) }, { additionalProperties: false }),
      response: withErrors({ 202: PlanSchema, 404: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') }),
    },
  }, async (request, reply) => {
    const plan = await deps.engine.scaleNode({ nodeId: request.params.id, action: request.body.action, actor: actor(request) });
    return reply.code(202).send(planToJson(plan));
  });

  api.get('/api/v1/actions', {
    config: { access: 'nodes:read' },
    schema: {
      summary: 'The action journal',
      description: 'One row per node-level action: intent, idempotency token, outcome. Newest first, or in plan order with `planId`.',
      tags: ['actions'],
      querystring: Type.Object({
        planId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
        status: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        pool: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ actions: Type.Array(ActionSchema) }) }),
    },
  }, async (request) => {
    const q = request.query;
    const status = statusList(q.status, ACTION_STATUSES, 'status');
    const actions = await deps.journal.listActions({
      limit: q.limit, ...(q.planId !== undefined ? { planId: q.planId } : {}), ...(status ? { status } : {}), ...(q.pool ? { pool: q.pool } : {}),
    });
    return { actions: actions.map(actionToJson) };
  });

  api.get('/api/v1/control', {
    config: { access: 'nodes:read' },
    schema: {
      summary: 'The global kill switch',
      tags: ['actions'],
      response: withErrors({ 200: ControlSchema }),
    },
  }, async () => controlToJson(await deps.engine.control()));

  api.post('/api/v1/control/pause', {
    config: { access: 'nodes:scale' },
    schema: {
      summary: 'Pause every action (kill switch on)',
      description: 'Persisted: survives restarts and applies to every replica. Running plans stop before their next provider call.',
      tags: ['actions'],
      response: withErrors({ 200: ControlSchema }),
    },
  }, async (request) => controlToJson(await deps.engine.pause(actor(request), reasonOf(request.body))));

  api.post('/api/v1/control/resume', {
    config: { access: 'nodes:scale' },
    schema: {
      summary: 'Resume actions (kill switch off)',
      tags: ['actions'],
      response: withErrors({ 200: ControlSchema }),
    },
  }, async (request) => controlToJson(await deps.engine.resume(actor(request))));
}

/**
 * The optional `{ "reason": "…" }` body of reject and pause. Checked here rather than by a body schema because
 * the body itself is optional (a bare POST is fine), which a Fastify body schema cannot say.
 */
function reasonOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw new GovError('GOV_VALIDATION', 'body: expected a JSON object { "reason": "…" } or no body', { details: { field: 'body' } });
  const { reason, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new GovError('GOV_VALIDATION', `body: unknown field ${JSON.stringify(unknown[0])}; only "reason" is accepted`, { details: { field: unknown[0] } });
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string' || reason.length < 1 || reason.length > 1000) {
    throw new GovError('GOV_VALIDATION', 'reason: expected a string of 1 to 1000 characters', { details: { field: 'reason' } });
  }
  return reason;
}
