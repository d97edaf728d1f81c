import type { PlanAction } from '../core/model/plan.js';

/**
 * The action engine's durable journal (issue #7; tables in migrations/0006_actions.sql). The engine writes the
 * intent of every provider call, with its idempotency token, BEFORE the call and its outcome after, so a
 * restarted Governator can tell what was in flight and reconcile it against the providers.
 *
 * Contracts:
 * - Nothing here reads the clock: every timestamp is passed in. Failures to reach the database reject with
 *   GOV_DB_UNAVAILABLE.
 * - `transitionPlan` is a compare-and-set on the plan's status, so two approvers (or two replicas) racing on one
 *   plan cannot both win.
 * - `recordAction` rejects with GOV_CONFLICT when the idempotency token is already used.
 */
export interface ActionJournal {
  createPlan(plan: NewActionPlan): Promise<ActionPlanRecord>;
  getPlan(id: number): Promise<ActionPlanRecord | null>;
  /** Newest first. */
  listPlans(query: PlanQuery): Promise<readonly ActionPlanRecord[]>;
  /** Apply `patch` when the plan's status is one of `from`; null (nothing changed) when it is not or no such plan. */
  transitionPlan(id: number, from: readonly PlanStatus[], patch: PlanPatch): Promise<ActionPlanRecord | null>;

  recordAction(action: NewAction): Promise<ActionRecord>;
  updateAction(id: number, patch: ActionPatch): Promise<ActionRecord>;
  /** Oldest first (id order) when `planId` is given, else newest first. */
  listActions(query: ActionQuery): Promise<readonly ActionRecord[]>;
  /** Actions that reached a provider (status neither `planned` nor `skipped`) created at or after `since`. */
  countAttemptedSince(since: Date): Promise<number>;
  /** When the last attempted action of the pool finished, or null (for the cooldown). */
  lastFinishedAt(pool: string): Promise<Date | null>;

  /** The global kill switch; `{ paused: false }` until first set. */
  getControl(): Promise<ControlState>;
  setControl(state: ControlState): Promise<ControlState>;
}

/** How a pool's plans are executed (PoolActuation.mode); `manual` marks a one-node scale request. */
export type ExecutionMode = 'recommend' | 'approve' | 'auto';
export type PlanMode = ExecutionMode | 'manual';

/**
 * - `recommended`: stored only (mode recommend). `pending-approval`: waits for approve/reject (mode approve).
 * - `approved` → `running` → `succeeded` | `failed` (some actions failed, the fleet is consistent) |
 *   `rolled-back` (new nodes did not come up: they were stopped and the old nodes kept) | `halted` (the kill
 *   switch stopped it between steps).
 * - `rejected` by a person; `blocked` by a guardrail (detail says which); `superseded` by a newer plan for the pool.
 */
export const PLAN_STATUSES = [
  'recommended', 'pending-approval', 'approved', 'running', 'succeeded', 'failed', 'rolled-back', 'rejected', 'blocked',
  'superseded', 'halted',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];
/** Plans that may still change the fleet. */
export const OPEN_PLAN_STATUSES: readonly PlanStatus[] = ['pending-approval', 'approved', 'running'];

/**
 * - `planned`: the engine will call the provider; nothing sent yet. `pending`: the intent is written and the
 *   call is (or may be) under way — its outcome is unknown until reconciled. `in-progress`: the provider
 *   accepted it (node id known); waiting for the node to be ready / stopped.
 * - `succeeded`, `failed`, `rolled-back` (a started node stopped again because its plan could not complete),
 *   `skipped` (never sent: a guardrail, the kill switch or a roll-back).
 */
export const ACTION_STATUSES = ['planned', 'pending', 'in-progress', 'succeeded', 'failed', 'rolled-back', 'skipped'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface NewActionPlan {
  readonly at: Date;
  readonly pool: string;
  readonly mode: PlanMode;
  readonly status: PlanStatus;
  /** Who or what made it: `loop`, `api`, `cli` … */
  readonly source: string;
  readonly decisionId: number | null;
  readonly actions: readonly PlanAction[];
  /** One line for people, e.g. `start 2 × aws:us-east-1:p5.48xlarge:on-demand, stop i-0abc`. */
  readonly summary: string;
  readonly detail: string | null;
  readonly decidedBy?: string | null;
}

export interface ActionPlanRecord extends NewActionPlan {
  readonly id: number;
  readonly updatedAt: Date;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface PlanPatch {
  readonly at: Date;
  readonly status: PlanStatus;
  readonly detail?: string | null;
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
}

export interface PlanQuery {
  readonly status?: readonly PlanStatus[];
  readonly pool?: string;
  /** 1..1000. */
  readonly limit: number;
}

export interface NewAction {
  readonly at: Date;
  readonly planId: number;
  /** Order inside the plan, from 0. */
  readonly seq: number;
  readonly kind: 'start' | 'stop';
  readonly pool: string;
  readonly provider: string;
  readonly offeringId: string | null;
  /** The node to stop; for a start, filled in once the provider answered. */
  readonly nodeId: string | null;
  readonly idempotencyToken: string;
  readonly status: ActionStatus;
  readonly actor: string;
}

export interface ActionRecord extends NewAction {
  readonly id: number;
  readonly attempts: number;
  readonly errorCode: string | null;
  readonly detail: string | null;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export interface ActionPatch {
  readonly at: Date;
  readonly status?: ActionStatus;
  readonly nodeId?: string;
  /** Added to the attempt count. */
  readonly addAttempts?: number;
  readonly errorCode?: string | null;
  readonly detail?: string | null;
  /** Sets finished_at (terminal statuses). */
  readonly finished?: boolean;
}

export interface ActionQuery {
  readonly planId?: number;
  readonly status?: readonly ActionStatus[];
  readonly pool?: string;
  /** 1..10000. */
  readonly limit: number;
}

export interface ControlState {
  readonly paused: boolean;
  readonly reason: string | null;
  /** `key:<id>`, `cli`, … ; null until first set. */
  readonly updatedBy: string | null;
  readonly updatedAt: Date | null;
}
