import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DecisionRecord, DecisionRepository } from '../../ports/store.js';
import { withErrors } from '../schemas.js';

/**
 * The decision record over HTTP (issue #8, docs/loop.md "Decisions"): every plan the control loop, the
 * recommendations endpoint and simulations computed, newest first, with the explanation in words.
 */

const Open = { additionalProperties: true } as const;
/** Decisions read per request before filtering by source and pool. */
const SCAN = 1000;

const DecisionSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ description: 'RFC 3339.' }),
  source: Type.String({ description: '`loop`, `recommendation`, `simulate` …' }),
  pools: Type.Array(Type.String()),
  feasible: Type.Boolean(),
  savingsPerHour: Type.Number(),
  costPerHourBefore: Type.Number(),
  costPerHourAfter: Type.Number(),
  actions: Type.Array(Type.Object({}, Open), { description: 'Make-before-break: every start, then every stop.' }),
  explanation: Type.Array(Type.String(), { description: 'Why, in words: demand observed and planned for, the forecast, the choice and its alternatives.' }),
  poolOutcomes: Type.Array(Type.Object({}, Open), { description: 'Per pool: demand, capacity and utilisation before and after, shortfall.' }),
}, Open);

export function decisionToJson(d: DecisionRecord) {
  return {
    id: d.id,
    at: d.at.toISOString(),
    source: d.source,
    pools: d.workload.split(',').filter((p) => p.length > 0),
    feasible: d.feasible,
    savingsPerHour: d.savingsPerHour,
    costPerHourBefore: d.plan.costPerHourBefore,
    costPerHourAfter: d.plan.costPerHourAfter,
    actions: d.plan.actions.map((a) => ({ ...a })),
    explanation: [...d.plan.explanation],
    poolOutcomes: d.plan.pools.map((p) => ({ ...p })),
  };
}

export function decisionRoutes(app: FastifyInstance, deps: { decisions: Pick<DecisionRepository, 'listRecent'> }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/decisions', {
    config: { access: 'cost:read' },
    schema: {
      summary: 'Recorded decisions, newest first',
      description: 'Plans recorded in deployment_decisions (the control loop\'s, recommendations, simulations) with their explanation. '
        + 'Query `source` (e.g. `loop`), `pool` (decisions that planned this pool), `limit` (1–1000, default 50).',
      tags: ['planning'],
      querystring: Type.Object({
        source: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        pool: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ decisions: Type.Array(DecisionSchema) }) }),
    },
  }, async (request) => {
    const { source, pool, limit } = request.query;
    const unfiltered = source === undefined && pool === undefined;
    const rows = await deps.decisions.listRecent(unfiltered ? limit : SCAN);
    const out = rows
      .filter((d) => (source === undefined || d.source === source) && (pool === undefined || d.workload.split(',').includes(pool)))
      .slice(0, limit);
    return { decisions: out.map(decisionToJson) };
  });
}
