import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Node, NodeState } from '../../core/model/node.js';
import type { DecisionRecord, Store } from '../../ports/store.js';
import type { ActionJournal } from '../../ports/action-journal.js';
import { withErrors } from '../schemas.js';

/**
 * The unified view (issue #9): the whole fleet in one answer, with the original specification's key names
 * (`total_cpus`, `provider_breakdown` …) so tools written against that example read it unchanged. The
 * dashboard's Overview page is drawn from it.
 */

/** Hours in an average month (8,760 / 12): how the cloud providers quote monthly prices. */
export const HOURS_PER_MONTH = 730;

/** States in which a node is in service and billed: what the totals count. Stopped and terminated nodes are in `nodes_by_state` only. */
const IN_SERVICE: ReadonlySet<NodeState> = new Set<NodeState>(['pending', 'running', 'stopping']);

/** Decision sources that are hypothetical (what-if scenarios): they save nothing on the real fleet. */
const HYPOTHETICAL_SOURCES: ReadonlySet<string> = new Set(['simulate']);

export interface Breakdown {
  nodes: number;
  cpus: number;
  memory_gb: number;
  gpus: number;
  /** USD per hour. */
  cost: number;
}

export interface FleetSummary {
  total_nodes: number;
  total_cpus: number;
  total_memory_gb: number;
  total_gpus: number;
  /** USD per hour of the nodes in service. */
  total_cost: number;
  total_cost_per_month: number;
  gpus_by_model: Record<string, number>;
  nodes_by_state: Record<string, number>;
  provider_breakdown: Record<string, Breakdown>;
  pool_breakdown: Record<string, Breakdown>;
  /** Nodes in service with no known price (their cost is missing from total_cost). */
  unpriced_nodes: number;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const empty = (): Breakdown => ({ nodes: 0, cpus: 0, memory_gb: 0, gpus: 0, cost: 0 });

/** Totals over nodes in service; pure, so it is tested without a server. */
export function summariseFleet(nodes: Iterable<Node>): FleetSummary {
  const summary: FleetSummary = {
    total_nodes: 0, total_cpus: 0, total_memory_gb: 0, total_gpus: 0, total_cost: 0, total_cost_per_month: 0,
    gpus_by_model: {}, nodes_by_state: {}, provider_breakdown: {}, pool_breakdown: {}, unpriced_nodes: 0,
  };
  for (const node of nodes) {
    summary.nodes_by_state[node.state] = (summary.nodes_by_state[node.state] ?? 0) + 1;
    if (!IN_SERVICE.has(node.state)) continue;
    const cpus = node.vcpus ?? 0;
    const memory = node.memoryGiB ?? 0;
    const gpus = node.gpu?.count ?? 0;
    const cost = node.pricePerHour ?? 0;
    if (node.pricePerHour === null) summary.unpriced_nodes += 1;
    summary.total_nodes += 1;
    summary.total_cpus += cpus;
    summary.total_memory_gb += memory;
    summary.total_gpus += gpus;
    summary.total_cost += cost;
    if (node.gpu && gpus > 0) summary.gpus_by_model[node.gpu.model] = (summary.gpus_by_model[node.gpu.model] ?? 0) + gpus;
    for (const [table, key] of [[summary.provider_breakdown, node.provider], [summary.pool_breakdown, node.pool ?? '(none)']] as const) {
      const entry = (table[key] ??= empty());
      entry.nodes += 1;
      entry.cpus += cpus;
      entry.memory_gb += memory;
      entry.gpus += gpus;
      entry.cost += cost;
    }
  }
  summary.total_cost = round(summary.total_cost, 4);
  summary.total_cost_per_month = round(summary.total_cost * HOURS_PER_MONTH, 2);
  summary.total_memory_gb = round(summary.total_memory_gb, 2);
  for (const table of [summary.provider_breakdown, summary.pool_breakdown]) {
    for (const entry of Object.values(table)) {
      entry.cost = round(entry.cost, 4);
      entry.memory_gb = round(entry.memory_gb, 2);
    }
  }
  return summary;
}

/**
 * Savings still on the table: for each workload, the newest plan computed for the real fleet, if it saves
 * money. Older plans for the same workload are superseded by the newest one, so they are not added up.
 */
export function availableSavings(decisions: readonly DecisionRecord[]): { perHour: number; latestAt: string | null } {
  const seen = new Set<string>();
  let perHour = 0;
  let latestAt: string | null = null;
  for (const decision of decisions) {
    if (HYPOTHETICAL_SOURCES.has(decision.source) || seen.has(decision.workload)) continue;
    seen.add(decision.workload);
    latestAt ??= decision.at.toISOString();
    if (decision.feasible && decision.savingsPerHour > 0) perHour += decision.savingsPerHour;
  }
  return { perHour: round(perHour, 4), latestAt };
}

export interface OverviewDeps {
  readonly store: Store;
  /** The action engine's journal, when it runs: active actions and realised savings come from it. */
  readonly journal?: Pick<ActionJournal, 'listPlans' | 'listActions'>;
}

const NODE_PAGE = 1000;
/** Largest fleet the overview reads in one answer; beyond it the totals say they are partial. */
const MAX_NODES = 100_000;

const Breakdown = Type.Object({ nodes: Type.Integer(), cpus: Type.Number(), memory_gb: Type.Number(), gpus: Type.Integer(), cost: Type.Number() });

export function overviewRoutes(app: FastifyInstance, deps: OverviewDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/overview', {
    config: { access: 'nodes:read' },
    schema: {
      summary: 'The unified view of the fleet',
      description: 'Totals over nodes in service (pending, running, stopping), per provider and pool, GPUs by model, '
        + 'cost per hour and per month, savings available and realised, active actions. Keys follow the original specification.',
      tags: ['nodes'],
      response: withErrors({
        200: Type.Object({
          generated_at: Type.String({ format: 'date-time' }),
          total_nodes: Type.Integer(),
          total_cpus: Type.Number(),
          total_memory_gb: Type.Number(),
          total_gpus: Type.Integer(),
          total_cost: Type.Number({ description: 'USD per hour.' }),
          total_cost_per_month: Type.Number({ description: 'USD, total_cost × 730 hours.' }),
          gpus_by_model: Type.Record(Type.String(), Type.Integer()),
          nodes_by_state: Type.Record(Type.String(), Type.Integer()),
          provider_breakdown: Type.Record(Type.String(), Breakdown),
          pool_breakdown: Type.Record(Type.String(), Breakdown),
          unpriced_nodes: Type.Integer(),
          partial: Type.Boolean({ description: 'True when the fleet is larger than the overview reads (100,000 nodes).' }),
          cost_savings: Type.Number({ description: 'USD per hour the newest plans for the real fleet would save (available).' }),
          savings: Type.Object({
            available_per_hour: Type.Number(),
            available_per_month: Type.Number(),
            realised_per_hour: Type.Union([Type.Number(), Type.Null()], { description: 'Hourly run-rate saved by executed plans; null without the action engine.' }),
            realised_per_month: Type.Union([Type.Number(), Type.Null()]),
            latest_plan_at: Type.Union([Type.String(), Type.Null()]),
          }),
          active_actions: Type.Union([Type.Integer(), Type.Null()], { description: 'Actions pending or in progress; null without the action engine.' }),
          burst_workloads: Type.Integer(),
          active_migrations: Type.Integer(),
          policy_violations: Type.Integer(),
        }),
      }),
    },
  }, async () => {
    const nodes: Node[] = [];
    let after: string | undefined;
    let partial = false;
    for (;;) {
      const page = await deps.store.nodes.list({ limit: NODE_PAGE, ...(after ? { after } : {}) });
      nodes.push(...page.nodes);
      if (!page.nextCursor) break;
      if (nodes.length >= MAX_NODES) {
        partial = true;
        break;
      }
      after = page.nextCursor;
    }
    const fleet = summariseFleet(nodes);
    const available = availableSavings(await deps.store.decisions.listRecent(200));
    let activeActions: number | null = null;
    let realised: number | null = null;
    if (deps.journal) {
      activeActions = (await deps.journal.listActions({ status: ['pending', 'in-progress'], limit: 10_000 })).length;
      const done = await deps.journal.listPlans({ status: ['succeeded'], limit: 1000 });
      // An executed plan keeps saving what its actions took off the hourly bill.
      realised = round(done.reduce((sum, plan) => sum - plan.actions.reduce((s, a) => s + a.costDeltaPerHour, 0), 0), 4);
    }
    return {
      generated_at: new Date().toISOString(),
      ...fleet,
      partial,
      cost_savings: available.perHour,
      savings: {
        available_per_hour: available.perHour,
        available_per_month: round(available.perHour * HOURS_PER_MONTH, 2),
        realised_per_hour: realised,
        realised_per_month: realised === null ? null : round(realised * HOURS_PER_MONTH, 2),
        latest_plan_at: available.latestAt,
      },
      active_actions: activeActions,
      // Bursting, migrations and policies are not built yet: nothing of the kind can be running.
      burst_workloads: 0,
      active_migrations: 0,
      policy_violations: 0,
    };
  });
}
