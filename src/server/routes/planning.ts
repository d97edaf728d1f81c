import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlannerService } from '../../app/planner-service.js';
import { withErrors } from '../schemas.js';

/**
 * The planner over HTTP (issue #4, docs/planner.md): simulate a scenario, and recommendations for the stored
 * fleet. Every plan computed here is recorded in deployment_decisions.
 */

const Open = { additionalProperties: true } as const;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const ActionSchema = Type.Object({
  action: Type.Union([Type.Literal('start'), Type.Literal('stop')]),
  pool: Type.String(),
  offering: Type.String(),
  count: Type.Optional(Type.Integer({ description: 'start: how many nodes.' })),
  nodeId: Type.Optional(Type.String({ description: 'stop: which node.' })),
  costDeltaPerHour: Type.Number(),
}, Open);

const ReportSchema = Type.Object({ pool: Type.String(), constraint: Type.String(), detail: Type.String() }, Open);

export const PlanSchema = Type.Object({
  feasible: Type.Boolean(),
  costPerHourBefore: Type.Number(),
  costPerHourAfter: Type.Number(),
  savingsPerHour: Type.Number(),
  actions: Type.Array(ActionSchema, { description: 'Make-before-break: every start, then every stop.' }),
  pools: Type.Array(Type.Object({
    name: Type.String(), unit: Type.String(), demand: Type.Number(), requiredCapacity: Type.Number(),
    capacityBefore: Type.Number(), capacityAfter: Type.Number(),
    utilizationBefore: Nullable(Type.Number()), utilizationAfter: Nullable(Type.Number()),
    nodesBefore: Type.Integer(), nodesAfter: Type.Integer(), costPerHourBefore: Type.Number(), costPerHourAfter: Type.Number(),
    shortfall: Type.Number({ description: 'Demand the target fleet cannot serve within maxUtilization.' }),
  }, Open)),
  targetFleet: Type.Array(Type.Object({ pool: Type.String(), offering: Type.String(), count: Type.Integer() }, Open)),
  explanation: Type.Array(Type.String()),
  diagnostics: Type.Object({
    decision: Type.String(),
    decisions: Type.Array(Type.Object({
      pools: Type.Array(Type.String()), decision: Type.String(), keepCostPerHour: Nullable(Type.Number()), keepCostIsLowerBound: Type.Boolean(),
      optimumCostPerHour: Nullable(Type.Number()), savingsThresholdPerHour: Type.Number(),
    }, Open)),
    bindingConstraints: Type.Array(ReportSchema),
    unmetConstraints: Type.Array(ReportSchema),
    alternatives: Type.Array(Type.Object({ description: Type.String(), costPerHour: Nullable(Type.Number()), whyLost: Type.String() }, Open)),
    solver: Type.Object({
      name: Type.String(), status: Type.String(), gap: Nullable(Type.Number()), timeMs: Type.Number(), solves: Type.Integer(),
      components: Type.Integer(), candidateOfferings: Type.Integer(), prunedOfferings: Type.Integer(), variables: Type.Integer(), constraints: Type.Integer(),
    }, Open),
    protectedNodes: Type.Array(Type.String()),
    ignoredNodes: Type.Array(Type.String()),
  }, Open),
}, { ...Open, $id: 'Plan', description: 'A plan: docs/planner.md and the scenario format.' });

export function planningRoutes(app: FastifyInstance, deps: { planner: PlannerService }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(PlanSchema);

  api.post('/api/v1/cost/simulate', {
    config: { access: 'cost:read' },
    schema: {
      summary: 'Plan a scenario',
      description: 'The body is a scenario (offerings, pools with demand, QoS and constraints, running nodes; docs/planner.md). '
        + 'Answers the cost-optimal start/stop plan, recorded in deployment_decisions as `decisionId`. A malformed scenario is '
        + '400 GOV_VALIDATION with `details.errors[{ path, message }]`, each path a JSON path such as `$.pools[0].qos.maxUtilization`.',
      tags: ['planning'],
      body: Type.Object({}, { ...Open, description: 'A scenario document.' }),
      response: withErrors({ 200: Type.Intersect([Type.Ref('Plan'), Type.Object({ decisionId: Type.Integer() })]) }),
    },
  }, async (request) => {
    const { plan, decisionId } = await deps.planner.simulate(request.body);
    return { ...plan, decisionId };
  });

  api.get('/api/v1/optimization/recommendations', {
    config: { access: 'cost:read' },
    schema: {
      summary: 'Recommended start/stop actions for the stored fleet',
      description: 'Plans the nodes in the store against the governed pools\' latest demand and records the plan. Until pools '
        + 'are configured (the control loop adds them) the answer is empty with a `reason`.',
      tags: ['planning'],
      response: withErrors({
        200: Type.Object({
          recommendations: Type.Array(ActionSchema),
          plan: Nullable(Type.Ref('Plan')),
          decisionId: Nullable(Type.Integer()),
          reason: Type.Optional(Type.String()),
        }),
      }),
    },
  }, async () => deps.planner.recommendations());
}
