import { randomUUID } from 'node:crypto';
import { GovError, isGovError } from '../../core/errors.js';
import type { Node, NodeState } from '../../core/model/node.js';
import type { Offering } from '../../core/model/offering.js';
import type { Plan, PlanAction } from '../../core/model/plan.js';
import { providerError, providerErrorKind } from '../../core/provider/errors.js';
import type {
  ActionJournal, ActionPlanRecord, ActionRecord, ActionStatus, ControlState, PlanStatus,
} from '../../ports/action-journal.js';
import { TOKEN_LABEL, type CloudProvider, type ProviderNode } from '../../ports/cloud-provider.js';
import type { Clock } from '../../ports/clock.js';
import type { NodeRepository } from '../../ports/store.js';
import type { EventBus } from '../events.js';
import { DEFAULT_ENGINE_SETTINGS, DEFAULT_POOL_ACTUATION, type EngineSettings, type PoolActuation } from './policy.js';
import { staticProviders, type ProviderResolver } from './providers.js';
import { timerSleep, withProviderRetry, withRateLimit, type Sleep } from './wrappers.js';

export interface ActionEngineOptions {
  /** The durable journal (store.actions). */
  readonly journal: ActionJournal;
  /** The inventory table (store.nodes), kept in step with every node state the engine sees. */
  readonly nodes: NodeRepository;
  /** Where actions go: a resolver (the provider registry) or a fixed list. */
  readonly providers: ProviderResolver | readonly CloudProvider[];
  /** Catalog lookup by offering id (the live catalog). */
  readonly offerings: (id: string) => Offering | undefined;
  /** Per-pool policy; undefined → DEFAULT_POOL_ACTUATION (mode recommend). Swap it with setPools. */
  readonly pools?: (pool: string) => PoolActuation | undefined;
  readonly clock: Clock;
  readonly events?: EventBus;
  readonly settings?: Partial<EngineSettings>;
  /** Waits between polls and retries (default: timers). Tests and backtests pass one that advances a FakeClock. */
  readonly sleep?: Sleep;
  /** Jitter source for retries (default Math.random). */
  readonly random?: () => number;
  /** HTTP health probe: true when `url` answers 2xx within `timeoutMs` (default: fetch). */
  readonly probe?: (url: string, timeoutMs: number) => Promise<boolean>;
  /** Told about failures of background work (a plan that threw): for the caller's log. The engine never logs. */
  readonly onError?: (error: unknown, context: { planId?: number; operation: string }) => void;
}

/** What `submit` takes: a plan from the planner (its actions are split by pool) or bare actions. */
export interface SubmitInput {
  readonly plan: Plan | { readonly actions: readonly PlanAction[] };
  /** `loop`, `api`, `cli`, `backtest` … */
  readonly source: string;
  /** The deployment_decisions row the plan was recorded as, if any. */
  readonly decisionId?: number | null;
}

export interface ScaleRequest {
  readonly nodeId: string;
  /** `stop`: stop this node; `start`: start one more node like it (same offering, same pool). */
  readonly action: 'start' | 'stop';
  /** `key:<id>`, `cli` … */
  readonly actor: string;
}

export interface ReconcileReport {
  /** Start actions whose node was found by its token after a restart. */
  readonly adopted: readonly { actionId: number; nodeId: string }[];
  /** Plans that were running or approved when the process stopped, resumed now (or halted when paused). */
  readonly resumed: readonly number[];
  readonly halted: readonly number[];
  /** Nodes started by Governator whose action had failed or been rolled back, stopped now. */
  readonly orphansStopped: readonly string[];
  /** Providers that could not be listed (their nodes were not reconciled this time). */
  readonly unreachable: readonly string[];
}

interface Waiter {
  row: ActionRecord;
  readonly provider: CloudProvider;
  readonly nodeId: string;
  readonly deadline: number;
}

const TERMINAL_PLAN: ReadonlySet<PlanStatus> = new Set(['succeeded', 'failed', 'rolled-back', 'rejected', 'blocked', 'superseded', 'halted']);
const ALIVE: ReadonlySet<NodeState> = new Set(['pending', 'running']);

function summarise(actions: readonly PlanAction[]): string {
  const parts = actions.map((a) => a.action === 'start' ? `start ${a.count} × ${a.offering}` : `stop ${a.nodeId}`);
  const text = parts.join(', ');
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string {
  return isGovError(error) ? error.code : 'GOV_INTERNAL';
}

async function fetchProbe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Carries out plans through providers, safely (issue #7; docs/providers.md "Action engine").
 *
 * - Every provider call that changes the fleet is journalled first (intent + idempotency token), its outcome
 *   after; `reconcile()` at start-up finishes or rolls back what a crash left in flight.
 * - Make-before-break: a plan's starts run first; its stops run only when every new node is running and ready
 *   (health URL / check). If a new node fails to come up in time, the plan's new nodes are stopped again and
 *   the old ones kept (plans with starts only keep the nodes that did come up).
 * - Guardrails: the kill switch, max actions per hour, one open plan per pool, cooldown, min nodes, disruption
 *   budget. Retries (backoff + jitter, retryable errors only) and a rate limit wrap every provider.
 * - Execution modes per pool: recommend / approve / auto.
 *
 * One engine per process; across replicas only the leader should run it (the loop's leader election).
 */
export class ActionEngine {
  readonly #journal: ActionJournal;
  readonly #nodes: NodeRepository;
  readonly #resolver: ProviderResolver;
  readonly #offerings: (id: string) => Offering | undefined;
  #pools: (pool: string) => PoolActuation | undefined;
  readonly #clock: Clock;
  readonly #events: EventBus | undefined;
  readonly #settings: EngineSettings;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #probe: (url: string, timeoutMs: number) => Promise<boolean>;
  readonly #onError: ActionEngineOptions['onError'];
  readonly #wrapped = new Map<string, CloudProvider>();
  readonly #running = new Map<number, Promise<ActionPlanRecord>>();
  readonly #busyPools = new Set<string>();
  readonly #nodeStates = new Map<string, NodeState>();

  constructor(options: ActionEngineOptions) {
    this.#journal = options.journal;
    this.#nodes = options.nodes;
    this.#resolver = Array.isArray(options.providers)
      ? staticProviders(options.providers as readonly CloudProvider[])
      : options.providers as ProviderResolver;
    this.#offerings = options.offerings;
    this.#pools = options.pools ?? (() => undefined);
    this.#clock = options.clock;
    this.#events = options.events;
    this.#settings = { ...DEFAULT_ENGINE_SETTINGS, ...options.settings };
    this.#sleep = options.sleep ?? timerSleep;
    this.#random = options.random ?? Math.random;
    this.#probe = options.probe ?? fetchProbe;
    this.#onError = options.onError;
  }

  get settings(): EngineSettings {
    return this.#settings;
  }

  /** Replace the per-pool policies (the loop calls this when `[[pools]]` config changes). */
  setPools(pools: (pool: string) => PoolActuation | undefined): void {
    this.#pools = pools;
  }

  /** The policy in force for a pool. */
  policy(pool: string): PoolActuation {
    return this.#pools(pool) ?? DEFAULT_POOL_ACTUATION;
  }

  // ------------------------------------------------------------------------------------------ public API

  /**
   * Record a plan, one action plan per pool with actions, as its pool's mode says: `recommend` → stored as
   * `recommended`; `approve` → `pending-approval`; `auto` → admitted by the guardrails and run in the background
   * (or `blocked`, detail says why). Older open plans of the pool that have not started are `superseded`.
   * Resolves with the records as created; `idle()` waits for the runs.
   */
  async submit(input: SubmitInput): Promise<readonly ActionPlanRecord[]> {
    const byPool = new Map<string, PlanAction[]>();
    for (const action of input.plan.actions) {
      const list = byPool.get(action.pool) ?? [];
      list.push(action);
      byPool.set(action.pool, list);
    }
    const records: ActionPlanRecord[] = [];
    for (const [pool, actions] of byPool) {
      const policy = this.policy(pool);
      const at = this.#clock.now();
      for (const open of await this.#journal.listPlans({ pool, status: ['pending-approval', 'approved'], limit: 1000 })) {
        if (this.#running.has(open.id)) continue;
        await this.#journal.transitionPlan(open.id, ['pending-approval', 'approved'], {
          at, status: 'superseded', detail: 'a newer plan for the pool replaced it', finishedAt: at,
        });
      }
      const status: PlanStatus = policy.mode === 'recommend' ? 'recommended' : policy.mode === 'approve' ? 'pending-approval' : 'approved';
      const record = await this.#journal.createPlan({
        at, pool, mode: policy.mode, status, source: input.source, decisionId: input.decisionId ?? null, actions,
        summary: summarise(actions), detail: null, decidedBy: policy.mode === 'auto' ? 'auto' : null,
      });
      records.push(record);
      if (status === 'approved') this.#spawn(record.id);
    }
    return records;
  }

  /** Approve a plan waiting for approval and run it in the background. GOV_NOT_FOUND / GOV_CONFLICT. */
  async approve(planId: number, actor: string): Promise<ActionPlanRecord> {
    const at = this.#clock.now();
    const record = await this.#journal.transitionPlan(planId, ['pending-approval'], {
      at, status: 'approved', decidedBy: actor, decidedAt: at,
    });
    if (record === null) throw await this.#notDecidable(planId, 'approve');
    this.#spawn(record.id);
    return record;
  }

  /** Reject a plan waiting for approval: it never runs. GOV_NOT_FOUND / GOV_CONFLICT. */
  async reject(planId: number, actor: string, reason?: string): Promise<ActionPlanRecord> {
    const at = this.#clock.now();
    const record = await this.#journal.transitionPlan(planId, ['pending-approval'], {
      at, status: 'rejected', decidedBy: actor, decidedAt: at, finishedAt: at, detail: reason ?? null,
    });
    if (record === null) throw await this.#notDecidable(planId, 'reject');
    return record;
  }

  /**
   * A manual start or stop of one node through the same journal and guardrails (not the cooldown, not the
   * pool's mode: a person asked). Rejects at once with GOV_ACTIONS_PAUSED when paused, GOV_NOT_FOUND for an
   * unknown node, GOV_VALIDATION for a node outside any pool, GOV_GUARDRAIL_BLOCKED when a guardrail refuses;
   * otherwise resolves with the plan, which runs in the background.
   */
  async scaleNode(request: ScaleRequest): Promise<ActionPlanRecord> {
    const control = await this.#journal.getControl();
    if (control.paused) throw this.#pausedError(control);
    const node = await this.#nodes.get(request.nodeId);
    if (node === null) throw new GovError('GOV_NOT_FOUND', `no node ${request.nodeId}`);
    if (node.pool === null) {
      throw new GovError('GOV_VALIDATION', `node ${node.id} belongs to no pool: Governator only acts on nodes it owns (label governator:pool)`, { details: { field: 'nodeId' } });
    }
    const offeringId = node.offeringId ?? '';
    let action: PlanAction;
    if (request.action === 'start') {
      if (this.#offerings(offeringId) === undefined) {
        throw new GovError('GOV_VALIDATION', `node ${node.id}'s offering ${offeringId || '(unknown)'} is not in the catalog: cannot start another like it`, { details: { field: 'nodeId' } });
      }
      action = { action: 'start', pool: node.pool, offering: offeringId, count: 1, costDeltaPerHour: node.pricePerHour ?? 0 };
    } else {
      if (!ALIVE.has(node.state)) throw new GovError('GOV_CONFLICT', `node ${node.id} is already ${node.state}`);
      const policy = this.policy(node.pool);
      const alive = await this.#aliveCount(node.pool);
      if (policy.minNodes > 0 && alive !== null && alive - 1 < policy.minNodes) {
        throw new GovError('GOV_GUARDRAIL_BLOCKED', `stopping ${node.id} would leave pool ${node.pool} with ${alive - 1} nodes, below its minimum of ${policy.minNodes}`, { details: { guardrail: 'min-nodes' } });
      }
      action = { action: 'stop', pool: node.pool, nodeId: node.id, offering: offeringId, costDeltaPerHour: -(node.pricePerHour ?? 0) };
    }
    const hourly = await this.#hourlyRoom(1);
    if (hourly !== null) throw new GovError('GOV_GUARDRAIL_BLOCKED', hourly, { details: { guardrail: 'max-actions-per-hour' } });
    const at = this.#clock.now();
    const record = await this.#journal.createPlan({
      at, pool: node.pool, mode: 'manual', status: 'approved', source: 'api', decisionId: null, actions: [action],
      summary: summarise([action]), detail: null, decidedBy: request.actor,
    });
    this.#spawn(record.id);
    return record;
  }

  /** Run an approved plan (or resume a running one) and resolve with its final record. */
  execute(planId: number): Promise<ActionPlanRecord> {
    const existing = this.#running.get(planId);
    if (existing !== undefined) return existing;
    const run = this.#execute(planId).finally(() => { this.#running.delete(planId); });
    this.#running.set(planId, run);
    return run;
  }

  /** Resolves when no plan is running in this process. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /** The kill switch. */
  control(): Promise<ControlState> {
    return this.#journal.getControl();
  }

  /** Turn the kill switch on: running plans stop before their next provider call, nothing new runs. Persisted. */
  async pause(by: string, reason?: string): Promise<ControlState> {
    const at = this.#clock.now();
    const state = await this.#journal.setControl({ paused: true, reason: reason ?? null, updatedBy: by, updatedAt: at });
    this.#events?.publish('control.paused', at, { paused: true, by });
    return state;
  }

  async resume(by: string): Promise<ControlState> {
    const at = this.#clock.now();
    const state = await this.#journal.setControl({ paused: false, reason: null, updatedBy: by, updatedAt: at });
    this.#events?.publish('control.paused', at, { paused: false, by });
    return state;
  }

  /**
   * After a restart: find the nodes of start actions whose outcome was unknown (by idempotency token), stop
   * nodes whose action had failed or been rolled back (orphans), and resume plans that were approved or running
   * (halt them instead when paused). Resumed plans re-send unfinished calls with their original tokens, so no
   * node is started twice. Resolves when the reconciliation is done; resumed plans run in the background.
   */
  async reconcile(): Promise<ReconcileReport> {
    const adopted: { actionId: number; nodeId: string }[] = [];
    const orphansStopped: string[] = [];
    const unreachable: string[] = [];
    const byToken = new Map<string, { node: ProviderNode; provider: CloudProvider }>();
    for (const raw of this.#resolver.all()) {
      const provider = this.#provider(raw);
      try {
        for (const node of await provider.listNodes()) {
          const token = node.idempotencyToken ?? node.labels[TOKEN_LABEL];
          if (token !== undefined && token !== null) byToken.set(token, { node, provider });
        }
      } catch {
        unreachable.push(raw.name);
      }
    }
    const open = await this.#journal.listActions({ status: ['pending', 'in-progress'], limit: 10_000 });
    for (const row of open) {
      if (row.kind !== 'start' || row.nodeId !== null) continue;
      const found = byToken.get(row.idempotencyToken);
      if (found === undefined) continue;
      const updated = await this.#updateAction(row, { status: 'in-progress', nodeId: found.node.id, detail: 'found by token after a restart' });
      await this.#recordNode(found.node);
      adopted.push({ actionId: updated.id, nodeId: found.node.id });
    }
    const control = await this.#journal.getControl();
    if (!control.paused) {
      for (const [token, { node, provider }] of byToken) {
        if (!ALIVE.has(node.state)) continue;
        const [row] = await this.#actionsByToken(token);
        if (row === undefined || row.kind !== 'start' || !['failed', 'rolled-back', 'skipped'].includes(row.status)) continue;
        try {
          await provider.stopNode({ nodeId: node.id, mode: 'terminate' });
          await this.#recordNode(await provider.getNode(node.id));
        } catch (error) {
          if (providerErrorKind(error) !== 'NotFound') continue;
          await this.#recordNode({ ...node, state: 'terminated' });
        }
        await this.#updateAction(row, { status: 'rolled-back', nodeId: node.id, detail: 'orphan stopped at reconciliation', finished: true });
        orphansStopped.push(node.id);
      }
    }
    const resumed: number[] = [];
    const halted: number[] = [];
    for (const plan of await this.#journal.listPlans({ status: ['approved', 'running'], limit: 1000 })) {
      if (this.#running.has(plan.id)) continue;
      if (control.paused) {
        const at = this.#clock.now();
        await this.#skipRemaining(plan.id, 'the kill switch is on');
        await this.#journal.transitionPlan(plan.id, ['approved', 'running'], { at, status: 'halted', detail: 'halted at restart: the kill switch is on', finishedAt: at });
        halted.push(plan.id);
      } else {
        this.#spawn(plan.id);
        resumed.push(plan.id);
      }
    }
    return { adopted, resumed, halted, orphansStopped, unreachable };
  }

  // ---------------------------------------------------------------------------------------- execution

  #spawn(planId: number): void {
    this.execute(planId).catch((error: unknown) => {
      this.#onError?.(error, { planId, operation: 'execute' });
    });
  }

  async #execute(planId: number): Promise<ActionPlanRecord> {
    let plan = await this.#journal.getPlan(planId);
    if (plan === null) throw new GovError('GOV_NOT_FOUND', `no plan ${planId}`);
    if (plan.status !== 'approved' && plan.status !== 'running') return plan;
    if (this.#busyPools.has(plan.pool)) {
      return this.#finish(plan, 'blocked', `another plan for pool ${plan.pool} is running`);
    }
    this.#busyPools.add(plan.pool);
    try {
      if (plan.status === 'approved') {
        const refusal = await this.#admit(plan);
        if (refusal !== null) return await this.#finish(plan, refusal.status, refusal.detail);
        const at = this.#clock.now();
        const running = await this.#journal.transitionPlan(plan.id, ['approved'], { at, status: 'running', startedAt: at });
        if (running === null) return (await this.#journal.getPlan(planId)) ?? plan;
        plan = running;
      }
      try {
        return await this.#run(plan);
      } catch (error) {
        // A database failure mid-plan: the journal still says `running`; reconcile() resumes it after a restart.
        this.#onError?.(error, { planId, operation: 'run' });
        throw error;
      }
    } finally {
      this.#busyPools.delete(plan.pool);
    }
  }

  /** Admission guardrails for a plan about to start; null when admitted. */
  async #admit(plan: ActionPlanRecord): Promise<{ status: PlanStatus; detail: string } | null> {
    const control = await this.#journal.getControl();
    if (control.paused) return { status: 'blocked', detail: `the kill switch is on${control.reason ? ` (${control.reason})` : ''}` };
    const others = await this.#journal.listPlans({ pool: plan.pool, status: ['running'], limit: 2 });
    if (others.some((p) => p.id !== plan.id)) return { status: 'blocked', detail: `another plan for pool ${plan.pool} is running` };
    const policy = this.policy(plan.pool);
    if (plan.mode !== 'manual' && policy.cooldownSeconds > 0) {
      const last = await this.#journal.lastFinishedAt(plan.pool);
      const now = this.#clock.now().getTime();
      if (last !== null && now - last.getTime() < policy.cooldownSeconds * 1000) {
        const left = Math.ceil((policy.cooldownSeconds * 1000 - (now - last.getTime())) / 1000);
        return { status: 'blocked', detail: `cooldown: pool ${plan.pool} acted ${Math.floor((now - last.getTime()) / 1000)} s ago; ${left} s left of ${policy.cooldownSeconds} s` };
      }
    }
    const count = plan.actions.reduce((n, a) => n + (a.action === 'start' ? a.count : 1), 0);
    const hourly = await this.#hourlyRoom(count);
    if (hourly !== null) return { status: 'blocked', detail: hourly };
    return null;
  }

  async #hourlyRoom(count: number): Promise<string | null> {
    const since = new Date(this.#clock.now().getTime() - 3600_000);
    const done = await this.#journal.countAttemptedSince(since);
    const max = this.#settings.maxActionsPerHour;
    return done + count > max
      ? `max actions per hour: ${done} in the last hour + ${count} would exceed ${max}`
      : null;
  }

  async #finish(plan: ActionPlanRecord, status: PlanStatus, detail: string | null): Promise<ActionPlanRecord> {
    const at = this.#clock.now();
    const updated = await this.#journal.transitionPlan(plan.id, ['approved', 'running'], { at, status, detail, finishedAt: at });
    return updated ?? (await this.#journal.getPlan(plan.id)) ?? plan;
  }

  /** Journal rows of the plan, created on first run (one per node), reused on resume. */
  async #materialise(plan: ActionPlanRecord): Promise<ActionRecord[]> {
    const existing = await this.#journal.listActions({ planId: plan.id, limit: 10_000 });
    if (existing.length > 0) return [...existing];
    const rows: ActionRecord[] = [];
    const at = this.#clock.now();
    let seq = 0;
    const starts = plan.actions.filter((a) => a.action === 'start');
    const stops = plan.actions.filter((a) => a.action === 'stop');
    const allowed = this.#pools(plan.pool)?.providers;
    for (const action of starts) {
      const offering = this.#offerings(action.offering);
      const provider = offering === undefined ? undefined : this.#resolver.forOffering(offering, allowed);
      for (let i = 0; i < action.count; i += 1) {
        rows.push(await this.#journal.recordAction({
          at, planId: plan.id, seq: seq++, kind: 'start', pool: plan.pool, provider: provider?.name ?? '(none)',
          offeringId: action.offering, nodeId: null, idempotencyToken: `gov-${plan.id}-${randomUUID()}`, status: 'planned',
          actor: plan.decidedBy ?? plan.source,
        }));
      }
    }
    for (const action of stops) {
      const node = await this.#nodes.get(action.nodeId);
      const offering = this.#offerings(action.offering);
      const provider = node !== null ? node.provider : (offering === undefined ? undefined : this.#resolver.forOffering(offering, allowed)?.name);
      rows.push(await this.#journal.recordAction({
        at, planId: plan.id, seq: seq++, kind: 'stop', pool: plan.pool, provider: provider ?? '(none)',
        offeringId: action.offering || null, nodeId: action.nodeId, idempotencyToken: `gov-${plan.id}-${randomUUID()}`,
        status: 'planned', actor: plan.decidedBy ?? plan.source,
      }));
    }
    return rows;
  }

  async #run(plan: ActionPlanRecord): Promise<ActionPlanRecord> {
    const policy = this.policy(plan.pool);
    const rows = await this.#materialise(plan);
    const starts = rows.filter((r) => r.kind === 'start');
    const stops = rows.filter((r) => r.kind === 'stop');

    // 1. Starts: intent (pending) before each call, outcome after.
    let halted = false;
    for (let i = 0; i < starts.length; i += 1) {
      let row = starts[i]!;
      if (row.status !== 'planned' && row.status !== 'pending') continue;
      if ((await this.#journal.getControl()).paused) {
        halted = true;
        break;
      }
      const offering = row.offeringId === null ? undefined : this.#offerings(row.offeringId);
      const raw = this.#resolver.byName(row.provider) ?? (offering === undefined ? undefined : this.#resolver.forOffering(offering, this.#pools(row.pool)?.providers));
      if (offering === undefined || raw === undefined) {
        starts[i] = await this.#updateAction(row, {
          status: 'failed', errorCode: 'GOV_VALIDATION', finished: true,
          detail: offering === undefined ? `offering ${row.offeringId ?? ''} is not in the catalog` : `no provider configured for offering ${offering.id}`,
        });
        continue;
      }
      row = await this.#updateAction(row, { status: 'pending', addAttempts: 1 });
      try {
        const node = await this.#provider(raw).startNode({
          pool: plan.pool, offering, idempotencyToken: row.idempotencyToken, labels: { 'governator:plan': String(plan.id) },
        });
        await this.#recordNode(node, offering);
        starts[i] = await this.#updateAction(row, { status: 'in-progress', nodeId: node.id, errorCode: null, detail: null });
      } catch (error) {
        starts[i] = await this.#updateAction(row, { status: 'failed', errorCode: codeOf(error), detail: messageOf(error), finished: true });
      }
    }

    // 2. Wait for every accepted start to be running and ready.
    const readyTimeoutMs = (policy.readiness.timeoutSeconds ?? this.#settings.readyTimeoutMs / 1000) * 1000;
    const waiting: Waiter[] = [];
    for (const row of starts) {
      if (row.status !== 'in-progress' || row.nodeId === null) continue;
      const raw = this.#resolver.byName(row.provider);
      if (raw === undefined) continue;
      waiting.push({ row, provider: this.#provider(raw), nodeId: row.nodeId, deadline: row.updatedAt.getTime() + readyTimeoutMs });
    }
    await this.#waitAll(waiting, async (node, signal) => {
      if (node === null) return 'wait';
      if (node.state === 'stopping' || node.state === 'stopped' || node.state === 'terminated') return `node ended ${node.state} before it was ready`;
      if (node.state !== 'running') return 'wait';
      return (await this.#isReady(node, policy, signal)) ? 'ok' : 'wait';
    }, async (waiter, outcome) => {
      const done = outcome === 'ok';
      const detail = outcome === 'timeout' ? `not running and ready after ${Math.round(readyTimeoutMs / 1000)} s` : done ? null : outcome;
      const updated = await this.#updateAction(waiter.row, {
        status: done ? 'succeeded' : 'failed', finished: true, detail,
        errorCode: done ? null : outcome === 'timeout' ? 'GOV_PROVIDER_TIMEOUT' : 'GOV_PROVIDER_UNAVAILABLE',
      });
      const index = starts.findIndex((r) => r.id === updated.id);
      if (index >= 0) starts[index] = updated;
    });

    const failedStarts = starts.filter((r) => r.status === 'failed');
    if (failedStarts.length > 0) {
      // Make-before-break failed. A replacement plan is undone entirely (its old nodes stay); a plan with starts
      // only keeps the nodes that came up and removes those that did not.
      const replacement = stops.length > 0;
      const undo = starts.filter((r) => r.nodeId !== null && (r.status === 'failed' || (replacement && r.status === 'succeeded')));
      for (const row of undo) await this.#rollBack(row);
      for (const row of starts.filter((r) => r.status === 'planned' || r.status === 'pending')) {
        await this.#updateAction(row, { status: 'skipped', detail: 'the plan was rolled back', finished: true });
      }
      for (const row of stops) {
        if (row.status === 'planned') await this.#updateAction(row, { status: 'skipped', detail: 'replacement nodes did not come up; this node is kept', finished: true });
      }
      const detail = `${failedStarts.length} of ${starts.length} new nodes did not come up: ${failedStarts[0]?.detail ?? ''}`;
      return this.#finish(plan, replacement ? 'rolled-back' : 'failed', detail);
    }
    if (halted || ((await this.#journal.getControl()).paused && stops.some((r) => r.status === 'planned'))) {
      await this.#skipRemaining(plan.id, 'the kill switch is on');
      return this.#finish(plan, 'halted', 'the kill switch was turned on; new nodes that came up are kept, nothing else was done');
    }

    // 3. Stops, within the disruption budget and never below min nodes.
    const stopFailures = await this.#runStops(plan, policy, stops);
    if (stopFailures.halted) {
      await this.#skipRemaining(plan.id, 'the kill switch is on');
      return this.#finish(plan, 'halted', 'the kill switch was turned on between stops');
    }
    const final = await this.#journal.listActions({ planId: plan.id, limit: 10_000 });
    const failed = final.filter((r) => r.status === 'failed').length;
    const skipped = final.filter((r) => r.status === 'skipped');
    const detail = [
      failed > 0 ? `${failed} action(s) failed` : null,
      skipped.length > 0 ? `${skipped.length} skipped (${[...new Set(skipped.map((r) => r.detail))].join('; ')})` : null,
    ].filter((x) => x !== null).join('; ') || null;
    return this.#finish(plan, failed > 0 ? 'failed' : 'succeeded', detail);
  }

  async #runStops(plan: ActionPlanRecord, policy: PoolActuation, stops: ActionRecord[]): Promise<{ halted: boolean }> {
    const pending = stops.filter((r) => r.status === 'planned' || r.status === 'pending' || r.status === 'in-progress');
    if (pending.length === 0) return { halted: false };
    const poolNodes = await this.#poolNodes(plan.pool);
    const aliveIds = new Set(poolNodes.filter((n) => ALIVE.has(n.state)).map((n) => n.id));
    let alive = aliveIds.size;
    const budget = policy.disruptionBudgetPercent;
    const slots = budget <= 0 ? 0 : Math.max(1, Math.floor((poolNodes.filter((n) => ALIVE.has(n.state) || n.state === 'stopping').length * budget) / 100));
    const stopTimeoutMs = this.#settings.stopTimeoutMs;

    // Stops already sent before a restart finish first.
    const resumed = pending.filter((r) => r.status === 'in-progress');
    await this.#waitStops(resumed, stopTimeoutMs);

    const queue = pending.filter((r) => r.status !== 'in-progress');
    while (queue.length > 0) {
      if ((await this.#journal.getControl()).paused) return { halted: true };
      const batch: ActionRecord[] = [];
      while (queue.length > 0 && batch.length < Math.max(slots, 1)) {
        const row = queue.shift()!;
        if (slots === 0) {
          await this.#updateAction(row, { status: 'skipped', detail: `disruption budget of pool ${plan.pool} is 0 %`, finished: true });
          continue;
        }
        const nodeId = row.nodeId!;
        if (aliveIds.has(nodeId)) {
          if (alive - 1 < policy.minNodes) {
            await this.#updateAction(row, { status: 'skipped', detail: `min nodes: pool ${plan.pool} keeps at least ${policy.minNodes}`, finished: true });
            continue;
          }
          alive -= 1;
          aliveIds.delete(nodeId);
        }
        batch.push(row);
      }
      const sent: ActionRecord[] = [];
      for (const row of batch) {
        const raw = this.#resolver.byName(row.provider);
        if (raw === undefined) {
          await this.#updateAction(row, { status: 'failed', errorCode: 'GOV_VALIDATION', detail: `no provider named ${row.provider}`, finished: true });
          continue;
        }
        const pendingRow = await this.#updateAction(row, { status: 'pending', addAttempts: 1 });
        try {
          await this.#provider(raw).stopNode({ nodeId: row.nodeId!, mode: policy.stopMode });
          sent.push(await this.#updateAction(pendingRow, { status: 'in-progress', errorCode: null, detail: null }));
        } catch (error) {
          if (providerErrorKind(error) === 'NotFound') {
            await this.#markGone(row.nodeId!, row.provider);
            await this.#updateAction(pendingRow, { status: 'succeeded', detail: 'the node was already gone', finished: true });
          } else {
            await this.#updateAction(pendingRow, { status: 'failed', errorCode: codeOf(error), detail: messageOf(error), finished: true });
          }
        }
      }
      await this.#waitStops(sent, stopTimeoutMs);
    }
    return { halted: false };
  }

  async #waitStops(rows: readonly ActionRecord[], timeoutMs: number): Promise<void> {
    const waiting: Waiter[] = [];
    for (const row of rows) {
      const raw = this.#resolver.byName(row.provider);
      if (raw === undefined || row.nodeId === null) continue;
      waiting.push({ row, provider: this.#provider(raw), nodeId: row.nodeId, deadline: row.updatedAt.getTime() + timeoutMs });
    }
    await this.#waitAll(waiting, async (node) => {
      if (node === null || node.state === 'stopped' || node.state === 'terminated') return 'ok';
      return 'wait';
    }, async (waiter, outcome) => {
      if (outcome === 'ok') {
        await this.#updateAction(waiter.row, { status: 'succeeded', finished: true });
      } else {
        await this.#updateAction(waiter.row, {
          status: 'failed', errorCode: 'GOV_PROVIDER_TIMEOUT', finished: true,
          detail: `still not stopped after ${Math.round(timeoutMs / 1000)} s`,
        });
      }
    });
  }

  /**
   * Poll every waiter's node until `verdict` says `ok` or a failure message, or its deadline passes ('timeout').
   * One sleep per round for all nodes, so time advances the same for each (and a FakeClock-driven test is exact).
   * NotFound while waiting passes `null` (a new node may not be visible yet; a stopped one may be gone).
   */
  async #waitAll(
    waiters: Waiter[],
    verdict: (node: ProviderNode | null, signal: AbortSignal) => Promise<'ok' | 'wait' | string>,
    settle: (waiter: Waiter, outcome: string) => Promise<void>,
  ): Promise<void> {
    let open = [...waiters];
    while (open.length > 0) {
      const next: Waiter[] = [];
      for (const waiter of open) {
        let node: ProviderNode | null = null;
        let transient = false;
        try {
          node = await waiter.provider.getNode(waiter.nodeId);
          await this.#recordNode(node);
        } catch (error) {
          if (providerErrorKind(error) === 'NotFound') node = null;
          else transient = true;
        }
        const outcome = transient ? 'wait' : await verdict(node, AbortSignal.timeout(this.#settings.healthProbeTimeoutMs));
        if (node === null && !transient && outcome === 'ok') await this.#markGone(waiter.nodeId, waiter.provider.name);
        if (outcome !== 'wait') {
          await settle(waiter, outcome);
        } else if (this.#clock.now().getTime() >= waiter.deadline) {
          await settle(waiter, 'timeout');
        } else {
          next.push(waiter);
        }
      }
      open = next;
      if (open.length > 0) await this.#sleep(this.#settings.pollIntervalMs);
    }
  }

  async #isReady(node: ProviderNode, policy: PoolActuation, signal: AbortSignal): Promise<boolean> {
    const { healthUrl, check } = policy.readiness;
    if (healthUrl !== undefined) {
      if (node.address === null) return false;
      const url = healthUrl.replaceAll('{address}', node.address).replaceAll('{id}', encodeURIComponent(node.id));
      if (!(await this.#probe(url, this.#settings.healthProbeTimeoutMs))) return false;
    }
    if (check !== undefined) {
      try {
        if (!(await check(node, signal))) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /** Stop a node this plan started (terminate: it never served); the action ends `rolled-back`. */
  async #rollBack(row: ActionRecord): Promise<void> {
    const raw = this.#resolver.byName(row.provider);
    if (raw === undefined || row.nodeId === null) return;
    try {
      await this.#provider(raw).stopNode({ nodeId: row.nodeId, mode: 'terminate' });
    } catch (error) {
      if (providerErrorKind(error) !== 'NotFound') {
        // Left `failed` with its node id: the next reconcile() finds the node by token and stops it.
        await this.#updateAction(row, { detail: `${row.detail ?? ''}; roll-back stop failed: ${messageOf(error)}`.replace(/^; /, '') });
        return;
      }
      await this.#markGone(row.nodeId, row.provider);
    }
    await this.#updateAction(row, {
      status: 'rolled-back', finished: true,
      detail: row.status === 'succeeded' ? 'came up, stopped again: another new node of the plan did not' : row.detail,
    });
  }

  async #skipRemaining(planId: number, why: string): Promise<void> {
    for (const row of await this.#journal.listActions({ planId, limit: 10_000 })) {
      if (row.status === 'planned' || (row.status === 'pending' && row.kind === 'stop')) {
        await this.#updateAction(row, { status: 'skipped', detail: why, finished: true });
      }
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  #provider(raw: CloudProvider): CloudProvider {
    let wrapped = this.#wrapped.get(raw.name);
    if (wrapped === undefined) {
      const s = this.#settings;
      const limited = s.providerRatePerSecond > 0
        ? withRateLimit(raw, { ratePerSecond: s.providerRatePerSecond, burst: s.providerRateBurst, clock: this.#clock, sleep: this.#sleep })
        : raw;
      wrapped = withProviderRetry(limited, {
        maxAttempts: s.retryMaxAttempts, baseDelayMs: s.retryBaseDelayMs, maxDelayMs: s.retryMaxDelayMs,
        random: this.#random, sleep: this.#sleep,
      });
      this.#wrapped.set(raw.name, wrapped);
    }
    return wrapped;
  }

  async #updateAction(row: ActionRecord, patch: { status?: ActionStatus; nodeId?: string; addAttempts?: number; errorCode?: string | null; detail?: string | null; finished?: boolean }): Promise<ActionRecord> {
    const updated = await this.#journal.updateAction(row.id, { at: this.#clock.now(), ...patch });
    if (patch.status !== undefined && patch.status !== row.status) {
      this.#events?.publish('action', this.#clock.now(), {
        id: String(updated.id), planId: updated.planId, kind: updated.kind, pool: updated.pool, provider: updated.provider,
        nodeId: updated.nodeId, status: updated.status, ...(updated.detail === null ? {} : { detail: updated.detail }),
      });
    }
    return updated;
  }

  async #actionsByToken(token: string): Promise<ActionRecord[]> {
    // Tokens are gov-<planId>-<uuid>: look in that plan's rows only.
    const match = /^gov-(\d+)-/.exec(token);
    if (match === null) return [];
    const rows = await this.#journal.listActions({ planId: Number(match[1]), limit: 10_000 });
    return rows.filter((r) => r.idempotencyToken === token);
  }

  async #poolNodes(pool: string): Promise<ProviderNode[]> {
    const nodes: ProviderNode[] = [];
    for (const raw of this.#resolver.all()) {
      try {
        for (const node of await this.#provider(raw).listNodes()) if (node.pool === pool) nodes.push(node);
      } catch (error) {
        throw providerError('Unavailable', raw.name, 'listNodes', `cannot check pool ${pool}'s guardrails: ${messageOf(error)}`, { cause: error, retryable: false });
      }
    }
    return nodes;
  }

  async #aliveCount(pool: string): Promise<number | null> {
    try {
      return (await this.#poolNodes(pool)).filter((n) => ALIVE.has(n.state)).length;
    } catch {
      return null;
    }
  }

  async #recordNode(node: ProviderNode, known?: Offering): Promise<void> {
    const offering = known ?? (node.offeringId === null ? undefined : this.#offerings(node.offeringId));
    const previous = this.#nodeStates.get(node.id) ?? (await this.#nodes.get(node.id))?.state ?? null;
    if (previous === node.state && this.#nodeStates.has(node.id)) return;
    const row: Node = {
      id: node.id, provider: node.provider, region: node.region, zone: node.zone, instanceType: node.instanceType,
      offeringId: node.offeringId, pool: node.pool, state: node.state, labels: node.labels,
      vcpus: offering?.vcpus ?? null, memoryGiB: offering?.memoryGiB ?? null, gpu: offering?.gpu ?? null,
      pricePerHour: offering?.pricePerHour ?? null, startedAt: node.launchedAt === null ? null : new Date(node.launchedAt),
      updatedAt: this.#clock.now(),
    };
    await this.#nodes.upsert(row);
    this.#nodeStates.set(node.id, node.state);
    if (previous !== node.state) {
      this.#events?.publish('node.state', this.#clock.now(), { nodeId: node.id, provider: node.provider, pool: node.pool, state: node.state, previous });
    }
  }

  async #markGone(nodeId: string, provider: string): Promise<void> {
    const existing = await this.#nodes.get(nodeId);
    if (existing === null || existing.state === 'terminated') return;
    await this.#nodes.upsert({ ...existing, state: 'terminated', updatedAt: this.#clock.now() });
    this.#nodeStates.set(nodeId, 'terminated');
    this.#events?.publish('node.state', this.#clock.now(), { nodeId, provider, pool: existing.pool, state: 'terminated', previous: existing.state });
  }

  #pausedError(control: ControlState): GovError {
    return new GovError('GOV_ACTIONS_PAUSED', `actions are paused${control.updatedBy ? ` by ${control.updatedBy}` : ''}${control.reason ? `: ${control.reason}` : ''}; run governator resume`, {
      details: { pausedBy: control.updatedBy, reason: control.reason },
    });
  }

  async #notDecidable(planId: number, verb: string): Promise<GovError> {
    const plan = await this.#journal.getPlan(planId);
    if (plan === null) return new GovError('GOV_NOT_FOUND', `no plan ${planId}`);
    return new GovError('GOV_CONFLICT', `plan ${planId} is ${plan.status}: only a plan pending approval can be ${verb}d`, { details: { status: plan.status } });
  }
}

export { TERMINAL_PLAN as TERMINAL_PLAN_STATUSES };
