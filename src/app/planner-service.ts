import type { Offering } from '../core/model/offering.js';
import type { Plan } from '../core/model/plan.js';
import type { Pool } from '../core/model/pool.js';
import type { FleetNode, PlanningSnapshot } from '../core/model/scenario.js';
import { plan } from '../core/planner/plan.js';
import { parseScenario } from '../core/planner/scenario.js';
import type { PlanOptions } from '../core/planner/options.js';
import type { Clock } from '../ports/clock.js';
import type { Solver } from '../ports/solver.js';
import type { Store } from '../ports/store.js';
import { offeringOfNode } from './node-offering.js';

export interface PlannerServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly solver: Solver;
  /** The bundled catalog (bundled snapshot + owned hardware), for scenarios without offerings and for recommendations. */
  readonly offerings?: () => readonly Offering[];
  /**
   * The pools the service governs, with their latest demand. Nothing configures pools yet (the control-loop
   * issue adds them): until then there are none, and recommendations say so.
   */
  readonly pools?: () => Promise<readonly Pool[]> | readonly Pool[];
  /** Planner settings for every plan (a scenario's own `options` override them). */
  readonly planOptions?: Partial<PlanOptions>;
}

export interface SimulationResult {
  readonly plan: Plan;
  /** The deployment_decisions row it was recorded as. */
  readonly decisionId: number;
}

export interface Recommendations {
  /** The actions of the plan for the stored fleet (empty when there is nothing to plan, or nothing to do). */
  readonly recommendations: Plan['actions'];
  readonly plan: Plan | null;
  readonly decisionId: number | null;
  /** Why there is no plan, when there is none. */
  readonly reason?: string;
}

const NODE_PAGE = 1000;
const WORKLOAD_MAX = 1000;

/**
 * The planner as a service (issue #4): plans scenarios (`POST /api/v1/cost/simulate`) and the stored fleet
 * (`GET /api/v1/optimization/recommendations`), and records every plan it computes in deployment_decisions.
 */
export class PlannerService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #solver: Solver;
  readonly #offerings: (() => readonly Offering[]) | undefined;
  readonly #pools: () => Promise<readonly Pool[]> | readonly Pool[];
  readonly #planOptions: Partial<PlanOptions>;

  constructor(options: PlannerServiceOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#solver = options.solver;
    this.#offerings = options.offerings;
    this.#pools = options.pools ?? (() => []);
    this.#planOptions = options.planOptions ?? {};
  }

  /**
   * Plan a scenario document (docs: scenario-format.md) and record it.
   * @throws GovError GOV_VALIDATION naming every problem of the document by JSON path.
   */
  async simulate(document: unknown): Promise<SimulationResult> {
    const scenario = parseScenario(document, this.#offerings ? { bundledOfferings: this.#offerings } : {});
    const snapshot: PlanningSnapshot = {
      offerings: scenario.offerings, pools: scenario.pools, nodes: scenario.nodes, now: scenario.now ?? this.#clock.now().toISOString(),
    };
    const result = await plan(snapshot, { ...this.#planOptions, ...scenario.options }, this.#solver);
    const record = await this.#store.decisions.record({ at: this.#clock.now(), source: 'simulate', workload: workloadOf(snapshot.pools), plan: result });
    return { plan: result, decisionId: record.id };
  }

  /** Plan the stored fleet against the governed pools' latest demand, and record it. */
  async recommendations(): Promise<Recommendations> {
    const pools = await this.#pools();
    if (pools.length === 0) return { recommendations: [], plan: null, decisionId: null, reason: 'no pools configured' };
    if (!this.#offerings) return { recommendations: [], plan: null, decisionId: null, reason: 'no price catalog available' };
    const snapshot = await this.snapshotFromStore(pools, this.#offerings());
    const result = await plan(snapshot, this.#planOptions, this.#solver);
    const record = await this.#store.decisions.record({ at: this.#clock.now(), source: 'recommendation', workload: workloadOf(pools), plan: result });
    return { recommendations: result.actions, plan: result, decisionId: record.id };
  }

  /**
   * The planner's snapshot of the stored fleet: every node of the given pools. A node bought as an offering the
   * catalog lacks (or with no offering id) is planned as an offering of its own, built from the node's
   * recorded shape and price, that cannot be started again (`available: 0`).
   */
  async snapshotFromStore(pools: readonly Pool[], catalog: readonly Offering[]): Promise<PlanningSnapshot> {
    const known = new Set(catalog.map((o) => o.id));
    const extra: Offering[] = [];
    const nodes: FleetNode[] = [];
    for (const pool of pools) {
      let after: string | undefined;
      do {
        const page = await this.#store.nodes.list({ pool: pool.name, limit: NODE_PAGE, ...(after === undefined ? {} : { after }) });
        for (const node of page.nodes) {
          let offering = node.offeringId;
          if (offering === null || !known.has(offering)) {
            const own = offeringOfNode(node);
            extra.push(own);
            known.add(own.id);
            offering = own.id;
          }
          nodes.push({ id: node.id, pool: pool.name, offering, state: node.state, startedAt: node.startedAt?.toISOString() ?? null });
        }
        after = page.nextCursor ?? undefined;
      } while (after !== undefined);
    }
    return { offerings: extra.length === 0 ? catalog : [...catalog, ...extra], pools, nodes, now: this.#clock.now().toISOString() };
  }
}

function workloadOf(pools: readonly Pool[]): string {
  const names = pools.map((p) => p.name).join(',');
  return names.length <= WORKLOAD_MAX ? names : `${names.slice(0, WORKLOAD_MAX - 1)}…`;
}
