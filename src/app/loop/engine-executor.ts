import type { Plan, PlanAction } from '../../core/model/plan.js';
import type { ActionJournal, ActionPlanRecord } from '../../ports/action-journal.js';
import type { ActionEngine } from '../actions/engine.js';
import type { ExecutionOutcome, PlanExecutor } from './loop.js';

export interface ActionEngineExecutorOptions {
  readonly engine: Pick<ActionEngine, 'submit' | 'policy'>;
  readonly journal: Pick<ActionJournal, 'listPlans'>;
  /** Source recorded on the action plans (default `loop`). */
  readonly source?: string;
}

/**
 * Hands the loop's plans to the action engine, which acts per pool mode (recommend: stored; approve: waits for a
 * person; auto: runs within the guardrails). Two cases are not re-submitted every interval, so the journal
 * does not fill with copies and a person is not asked about a plan that a newer identical one supersedes:
 * - a pool in `approve` whose plan waiting for approval has exactly the same actions: it keeps waiting;
 * - a pool in `auto` with a plan still approved or running: the next one waits until it finished.
 */
export class ActionEngineExecutor implements PlanExecutor {
  readonly #o: ActionEngineExecutorOptions;

  constructor(options: ActionEngineExecutorOptions) {
    this.#o = options;
  }

  async submit(input: { readonly plan: Plan; readonly decisionId: number | null }): Promise<readonly ExecutionOutcome[]> {
    const byPool = new Map<string, PlanAction[]>();
    for (const action of input.plan.actions) {
      const list = byPool.get(action.pool) ?? [];
      list.push(action);
      byPool.set(action.pool, list);
    }
    const outcomes: ExecutionOutcome[] = [];
    const submit: PlanAction[] = [];
    for (const [pool, actions] of byPool) {
      const mode = this.#o.engine.policy(pool).mode;
      if (mode === 'approve') {
        const waiting = await this.#o.journal.listPlans({ pool, status: ['pending-approval'], limit: 1 });
        const same = waiting[0];
        if (same !== undefined && sameActions(same, actions)) {
          outcomes.push({ pool, status: 'pending-approval', detail: `the same plan #${same.id} is still waiting for approval` });
          continue;
        }
      } else if (mode === 'auto') {
        const open = await this.#o.journal.listPlans({ pool, status: ['approved', 'running'], limit: 1 });
        const busy = open[0];
        if (busy !== undefined) {
          outcomes.push({ pool, status: 'deferred', detail: `plan #${busy.id} is still ${busy.status}; the pool is planned again once it finished` });
          continue;
        }
      }
      submit.push(...actions);
    }
    if (submit.length > 0) {
      const records = await this.#o.engine.submit({ plan: { actions: submit }, source: this.#o.source ?? 'loop', decisionId: input.decisionId });
      for (const r of records) outcomes.push({ pool: r.pool, status: r.status, detail: r.detail });
    }
    return outcomes;
  }
}

/** Same actions in the same order: starts by offering and count, stops by node. */
function sameActions(plan: ActionPlanRecord, actions: readonly PlanAction[]): boolean {
  if (plan.actions.length !== actions.length) return false;
  return plan.actions.every((a, i) => {
    const b = actions[i] as PlanAction;
    if (a.action !== b.action || a.offering !== b.offering) return false;
    return a.action === 'start' ? a.count === (b as typeof a).count : a.nodeId === (b as typeof a).nodeId;
  });
}
