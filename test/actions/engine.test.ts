/**
 * The action engine against the simulated cloud in virtual time (issue #7, "Must show"): make-before-break,
 * chaos (throttling storms, time-outs, a start that never becomes ready, a stop of a vanished node, quota
 * exhausted mid-plan), each guardrail, the execution modes, and reconciliation after a crash.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isGovError } from '../../src/core/errors.js';
import { ActionEngine, withRateLimit, withProviderRetry } from '../../src/app/actions/index.js';
import { FakeCloudProvider } from '../../src/adapters/cloud/fake/index.js';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { providerError, providerErrorKind } from '../../src/core/provider/errors.js';
import { actionEvents, bench, CPU, expectConsistent, H100, H200, start, stop, type Bench } from './harness.js';

let current: Bench | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function make(options: Parameters<typeof bench>[0] = {}): Promise<Bench> {
  current = await bench(options);
  return current;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isGovError(error)) throw new Error(`expected a GovError, got ${String(error)}`);
  return error.code;
}

describe('make-before-break', () => {
  it('starts the new nodes, waits until they run and are healthy, then stops the old one', async () => {
    const probes: string[] = [];
    const b = await make({ pools: { llm: { readiness: { healthUrl: 'http://{address}/health' } } } });
    const [old] = await b.seed('llm', H200, 1);
    const healthyAfter = b.clock.now().getTime() + 10 * 60_000;
    // An engine of its own, with a health probe that turns healthy 10 virtual minutes from now.
    const engine = new ActionEngine({
      journal: b.store.actions, nodes: b.store.nodes, providers: [b.sim], offerings: (id) => [H100, H200, CPU].find((o) => o.id === id),
      pools: () => ({ mode: 'auto', stopMode: 'terminate', minNodes: 1, cooldownSeconds: 0, disruptionBudgetPercent: 100, readiness: { healthUrl: 'http://{address}/health' } }),
      clock: b.clock, events: b.bus, sleep: async (ms) => { b.clock.advance(ms); }, random: () => 0.5,
      probe: async (url) => { probes.push(url); return b.clock.now().getTime() >= healthyAfter; },
    });
    const [record] = await engine.submit({ plan: { actions: [start('llm', H100, 2), stop('llm', old!)] }, source: 'test' });
    expect(record?.status).toBe('approved');
    const final = await engine.execute(record!.id);
    expect(final.status).toBe('succeeded');
    const events = actionEvents(b);
    const firstStop = events.findIndex((e) => e.kind === 'stop');
    const startsDone = events.map((e, i) => (e.kind === 'start' && e.status === 'succeeded' ? i : -1)).filter((i) => i >= 0);
    expect(startsDone).toHaveLength(2);
    expect(Math.max(...startsDone)).toBeLessThan(firstStop);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes[0]).toMatch(/^http:\/\/10\.0\.0\.\d+\/health$/);
    const live = (await b.sim.listNodes()).filter((n) => n.state === 'running');
    expect(live.map((n) => n.offeringId).sort()).toEqual([H100.id, H100.id]);
    expect((await b.store.nodes.get(old!.id))?.state).toMatch(/stopping|terminated/);
    expect(b.events.some((e) => e.type === 'node.state')).toBe(true);
    await engine.idle();
    await expectConsistent(b);
  });
});

describe('chaos', () => {
  it('a throttling storm on every call still ends in the planned fleet', async () => {
    const b = await make({
      sim: { failures: { startNode: { probability: 0.5 }, getNode: { probability: 0.5 }, stopNode: { probability: 0.5 }, listNodes: { probability: 0.5 } } },
      settings: { retryMaxAttempts: 12 },
      pools: { web: { disruptionBudgetPercent: 100 } },
    });
    const old = await b.seed('web', CPU, 3);
    const [plan] = await b.engine.submit({ plan: { actions: [start('web', H100, 2), ...old.map((n) => stop('web', n))] }, source: 'test' });
    const final = await b.engine.execute(plan!.id);
    expect(final.status).toBe('succeeded');
    expect(b.sim.stats().failures.startNode + b.sim.stats().failures.getNode).toBeGreaterThan(3);
    expect(b.sim.stats().started).toBe(2);
    await expectConsistent(b);
  });

  it('a start that timed out after the provider accepted it is retried with the same token: one node, not two', async () => {
    const b = await make();
    b.sim.failNext('startNode', 'Timeout', { afterEffect: true, times: 1 });
    b.sim.failNext('startNode', 'Timeout', { times: 2 });
    const [plan] = await b.engine.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    expect((await b.engine.execute(plan!.id)).status).toBe('succeeded');
    expect(b.sim.stats().started).toBe(1);
    expect(b.sim.allNodes()).toHaveLength(1);
    const [action] = await b.store.actions.listActions({ planId: plan!.id, limit: 10 });
    expect(action?.status).toBe('succeeded');
    await expectConsistent(b);
  });

  it('a start that never becomes ready is stopped at the time limit and the old node kept (rolled back)', async () => {
    const b = await make({ pools: { llm: { readiness: { timeoutSeconds: 900 } } } });
    const [old] = await b.seed('llm', H200, 1);
    b.sim.hangNextStart();
    const [plan] = await b.engine.submit({ plan: { actions: [start('llm', H100, 2), stop('llm', old!)] }, source: 'test' });
    const t0 = b.clock.now().getTime();
    const final = await b.engine.execute(plan!.id);
    expect(final.status).toBe('rolled-back');
    expect(final.detail).toMatch(/1 of 2 new nodes did not come up: not running and ready after 900 s/);
    expect(b.clock.now().getTime() - t0).toBeGreaterThanOrEqual(900_000);
    const rows = await b.store.actions.listActions({ planId: plan!.id, limit: 10 });
    expect(rows.map((r) => `${r.kind}:${r.status}`)).toEqual(['start:rolled-back', 'start:rolled-back', 'stop:skipped']);
    expect(rows.find((r) => r.errorCode === 'GOV_PROVIDER_TIMEOUT')).toBeDefined();
    expect((await b.sim.getNode(old!.id)).state).toBe('running');
    b.clock.advance(10 * 60_000);
    expect((await b.sim.listNodes()).filter((n) => n.state === 'running').map((n) => n.id)).toEqual([old!.id]);
    await expectConsistent(b);
  });

  it('stopping a node that already vanished counts as done and marks it terminated', async () => {
    const b = await make();
    const [gone, kept] = await b.seed('web', CPU, 2);
    b.sim.vanish(gone!.id);
    const [plan] = await b.engine.submit({ plan: { actions: [stop('web', gone!)] }, source: 'test' });
    expect((await b.engine.execute(plan!.id)).status).toBe('succeeded');
    const [row] = await b.store.actions.listActions({ planId: plan!.id, limit: 10 });
    expect(row?.status).toBe('succeeded');
    expect(row?.detail).toBe('the node was already gone');
    expect((await b.store.nodes.get(gone!.id))?.state).toBe('terminated');
    expect((await b.sim.getNode(kept!.id)).state).toBe('running');
    await expectConsistent(b);
  });

  it('quota exhausted mid-plan: the started node is stopped again, the old nodes kept, the journal says why', async () => {
    const b = await make({ sim: { quota: { maxGpus: 24 } } });
    const old = await b.seed('llm', H200, 2);
    const [plan] = await b.engine.submit({ plan: { actions: [start('llm', H100, 2), ...old.map((n) => stop('llm', n))] }, source: 'test' });
    const final = await b.engine.execute(plan!.id);
    expect(final.status).toBe('rolled-back');
    const rows = await b.store.actions.listActions({ planId: plan!.id, limit: 10 });
    expect(rows.map((r) => `${r.kind}:${r.status}`)).toEqual(['start:rolled-back', 'start:failed', 'stop:skipped', 'stop:skipped']);
    expect(rows[1]?.errorCode).toBe('GOV_PROVIDER_QUOTA_EXCEEDED');
    expect(rows[1]?.detail).toMatch(/GPU quota of 24/);
    b.clock.advance(10 * 60_000);
    const running = (await b.sim.listNodes()).filter((n) => n.state === 'running').map((n) => n.id).sort();
    expect(running).toEqual(old.map((n) => n.id).sort());
    await expectConsistent(b);
  });

  it('non-retryable errors are not retried; retryable ones are, up to the attempt limit', async () => {
    const fake = new FakeCloudProvider();
    const clock = new FakeClock();
    const slept: number[] = [];
    const wrapped = withProviderRetry(fake, { maxAttempts: 3, baseDelayMs: 1000, random: () => 0.5, sleep: async (ms) => { slept.push(ms); } });
    fake.failNext('getNode', 'AuthFailed');
    expect(providerErrorKind(await wrapped.getNode('x').catch((e: unknown) => e))).toBe('AuthFailed');
    expect(fake.calls).toHaveLength(1);
    fake.failNext('listNodes', 'Throttled');
    fake.failNext('listNodes', 'Unavailable');
    fake.failNext('listNodes', 'Timeout');
    expect(providerErrorKind(await wrapped.listNodes().catch((e: unknown) => e))).toBe('Timeout');
    expect(slept).toEqual([500, 1000]);
    // The rate limit spaces calls by clock time.
    const limitedSleeps: number[] = [];
    const limited = withRateLimit(fake, { ratePerSecond: 2, burst: 1, clock, sleep: async (ms) => { limitedSleeps.push(ms); clock.advance(ms); } });
    const t0 = clock.now().getTime();
    for (let i = 0; i < 5; i += 1) await limited.listNodes();
    expect(clock.now().getTime() - t0).toBe(2000);
    expect(limitedSleeps).toEqual([500, 500, 500, 500]);
  });

  it('backoff is jittered under a doubling ceiling, honours Retry-After, and gives up on a long Retry-After', async () => {
    const fake = new FakeCloudProvider();
    const slept: number[] = [];
    const draws = [0.9, 0.1, 0.75, 0.3];
    const wrapped = withProviderRetry(fake, { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 4000, maxRetryAfterMs: 10_000, random: () => draws.shift() ?? 0, sleep: async (ms) => { slept.push(ms); } });
    for (let i = 0; i < 4; i += 1) fake.failNext('listNodes', 'Throttled');
    await wrapped.listNodes();
    // Ceilings 1000, 2000, 4000, 4000 (capped) times the draws: full jitter, not a fixed schedule.
    expect(slept).toEqual([900, 200, 3000, 1200]);
    slept.length = 0;
    fake.failNext('getNode', providerError('Throttled', 'fake', 'getNode', 'slow down', { retryAfterMs: 7000 }));
    fake.addNode({ id: 'n1' });
    await wrapped.getNode('n1');
    expect(slept).toEqual([7000]);
    slept.length = 0;
    fake.failNext('getNode', providerError('Throttled', 'fake', 'getNode', 'come back in a minute', { retryAfterMs: 60_000 }));
    expect(providerErrorKind(await wrapped.getNode('n1').catch((e: unknown) => e))).toBe('Throttled');
    expect(slept).toEqual([]);
  });
});

describe('provider routing', () => {
  it("a pool's start_on pins its starts to those instances; other pools keep the default choice", async () => {
    const pinned = new FakeCloudProvider({ name: 'k8s-prod' });
    const b = await make({ providers: (sim) => [sim, pinned], pools: { gpu: { providers: ['k8s-prod'] } } });
    const [gpuPlan] = await b.engine.submit({ plan: { actions: [start('gpu', H100, 1)] }, source: 'test' });
    const [webPlan] = await b.engine.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    expect((await b.engine.execute(gpuPlan!.id)).status).toBe('succeeded');
    expect((await b.engine.execute(webPlan!.id)).status).toBe('succeeded');
    const [gpuAction] = await b.store.actions.listActions({ planId: gpuPlan!.id, limit: 10 });
    const [webAction] = await b.store.actions.listActions({ planId: webPlan!.id, limit: 10 });
    expect(gpuAction?.provider).toBe('k8s-prod');
    expect(webAction?.provider).toBe(b.sim.name);
    expect((await pinned.listNodes()).filter((n) => n.pool === 'gpu')).toHaveLength(1);
    expect(b.sim.allNodes().filter((n) => n.pool === 'gpu')).toHaveLength(0);
  });

  it('a pool pinned to a provider that is not configured gets no provider: the start fails with a clear reason', async () => {
    const b = await make({ pools: { gpu: { providers: ['gcp-missing'] } } });
    const [plan] = await b.engine.submit({ plan: { actions: [start('gpu', H100, 1)] }, source: 'test' });
    const final = await b.engine.execute(plan!.id);
    expect(final.status).not.toBe('succeeded');
    const [action] = await b.store.actions.listActions({ planId: plan!.id, limit: 10 });
    expect(action?.status).toBe('failed');
    expect(action?.detail).toMatch(/no provider configured/);
    expect(b.sim.allNodes()).toHaveLength(0);
  });
});

describe('guardrails', () => {
  it('disruption budget: never more than 20 % of the pool stopping at once', async () => {
    const b = await make({ pools: { web: { disruptionBudgetPercent: 20 } } });
    const nodes = await b.seed('web', CPU, 10);
    let inFlight = 0;
    let maxInFlight = 0;
    b.bus.subscribe((e) => {
      if (e.type !== 'action') return;
      const data = e.data as { kind: string; status: string };
      if (data.kind !== 'stop') return;
      if (data.status === 'in-progress') inFlight += 1;
      if (data.status === 'succeeded' || data.status === 'failed') inFlight -= 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
    });
    const [plan] = await b.engine.submit({ plan: { actions: nodes.slice(0, 6).map((n) => stop('web', n)) }, source: 'test' });
    expect((await b.engine.execute(plan!.id)).status).toBe('succeeded');
    expect(maxInFlight).toBe(2);
    expect(b.sim.allNodes().filter((n) => n.state === 'terminated')).toHaveLength(6);
    await expectConsistent(b);
  });

  it('cooldown: a pool that just acted takes no new plan until the cooldown has passed', async () => {
    const b = await make({ pools: { web: { cooldownSeconds: 600 } } });
    const [first] = await b.engine.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    expect((await b.engine.execute(first!.id)).status).toBe('succeeded');
    const [second] = await b.engine.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    const blocked = await b.engine.execute(second!.id);
    expect(blocked.status).toBe('blocked');
    expect(blocked.detail).toMatch(/^cooldown: pool web acted 0 s ago; 600 s left of 600 s/);
    expect(b.sim.stats().started).toBe(1);
    b.clock.advance(601_000);
    const [third] = await b.engine.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    expect((await b.engine.execute(third!.id)).status).toBe('succeeded');
    expect(b.sim.stats().started).toBe(2);
    await expectConsistent(b);
  });

  it('min nodes: stops that would go below the minimum are skipped, and a manual stop is refused', async () => {
    const b = await make({ pools: { web: { minNodes: 2, disruptionBudgetPercent: 100 } } });
    const nodes = await b.seed('web', CPU, 3);
    const [plan] = await b.engine.submit({ plan: { actions: nodes.map((n) => stop('web', n)) }, source: 'test' });
    const final = await b.engine.execute(plan!.id);
    expect(final.status).toBe('succeeded');
    expect(final.detail).toMatch(/2 skipped \(min nodes: pool web keeps at least 2\)/);
    expect((await b.sim.listNodes()).filter((n) => n.state === 'running')).toHaveLength(2);
    const survivor = (await b.sim.listNodes()).find((n) => n.state === 'running')!;
    expect(await codeOf(b.engine.scaleNode({ nodeId: survivor.id, action: 'stop', actor: 'test' }))).toBe('GOV_GUARDRAIL_BLOCKED');
    await expectConsistent(b);
  });

  it('kill switch: paused blocks new plans and manual actions, halts a running plan between steps, and persists', async () => {
    const b = await make({ pools: { web: { disruptionBudgetPercent: 100 } } });
    const old = await b.seed('web', CPU, 2);
    // Pause as soon as the first new node is accepted: the plan must not stop the old nodes.
    const off = b.bus.subscribe((e) => {
      if (e.type === 'action' && (e.data as { status: string }).status === 'in-progress') void b.engine.pause('test', 'incident 42');
    });
    const [plan] = await b.engine.submit({ plan: { actions: [start('web', CPU, 2), ...old.map((n) => stop('web', n))] }, source: 'test' });
    const halted = await b.engine.execute(plan!.id);
    off();
    expect(halted.status).toBe('halted');
    const rows = await b.store.actions.listActions({ planId: plan!.id, limit: 10 });
    expect(rows.filter((r) => r.kind === 'stop').map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(rows.filter((r) => r.kind === 'start' && r.status === 'skipped')).toHaveLength(1);
    for (const n of old) expect((await b.sim.getNode(n.id)).state).toBe('running');
    // Persisted: a restarted engine is still paused.
    const restarted = b.restart();
    expect((await restarted.control()).paused).toBe(true);
    expect((await restarted.control()).reason).toBe('incident 42');
    const [next] = await restarted.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    expect((await restarted.execute(next!.id)).status).toBe('blocked');
    expect(await codeOf(restarted.scaleNode({ nodeId: old[0]!.id, action: 'stop', actor: 'test' }))).toBe('GOV_ACTIONS_PAUSED');
    const startedBefore = b.sim.stats().started;
    await restarted.resume('test');
    const [after] = await restarted.submit({ plan: { actions: [start('web', CPU, 1)] }, source: 'test' });
    expect((await restarted.execute(after!.id)).status).toBe('succeeded');
    expect(b.sim.stats().started).toBe(startedBefore + 1);
    expect(b.events.filter((e) => e.type === 'control.paused').map((e) => (e.data as { paused: boolean }).paused)).toEqual([true, false]);
    await expectConsistent(b);
  });

  it('max actions per hour: a plan that would exceed it is blocked until the hour has passed', async () => {
    const b = await make({ settings: { maxActionsPerHour: 3 } });
    const [first] = await b.engine.submit({ plan: { actions: [start('web', CPU, 2)] }, source: 'test' });
    expect((await b.engine.execute(first!.id)).status).toBe('succeeded');
    const [second] = await b.engine.submit({ plan: { actions: [start('web', CPU, 2)] }, source: 'test' });
    const blocked = await b.engine.execute(second!.id);
    expect(blocked.status).toBe('blocked');
    expect(blocked.detail).toBe('max actions per hour: 2 in the last hour + 2 would exceed 3');
    b.clock.advance(3600_000);
    const [third] = await b.engine.submit({ plan: { actions: [start('web', CPU, 2)] }, source: 'test' });
    expect((await b.engine.execute(third!.id)).status).toBe('succeeded');
  });
});

describe('execution modes', () => {
  it('recommend stores the plan and runs nothing; approve waits for a person; reject ends it', async () => {
    const b = await make({ pools: { rec: { mode: 'recommend' }, appr: { mode: 'approve' } } });
    const records = await b.engine.submit({ plan: { actions: [start('rec', CPU, 1), start('appr', CPU, 1)] }, source: 'loop', decisionId: null });
    expect(records.map((r) => `${r.pool}:${r.mode}:${r.status}`)).toEqual(['rec:recommend:recommended', 'appr:approve:pending-approval']);
    await b.engine.idle();
    expect(b.sim.stats().started).toBe(0);
    expect(await codeOf(b.engine.approve(records[0]!.id, 'key:op'))).toBe('GOV_CONFLICT');
    const approved = await b.engine.approve(records[1]!.id, 'key:op');
    expect(approved.decidedBy).toBe('key:op');
    await b.engine.idle();
    expect((await b.store.actions.getPlan(records[1]!.id))?.status).toBe('succeeded');
    expect(b.sim.stats().started).toBe(1);
    expect(await codeOf(b.engine.approve(records[1]!.id, 'key:op'))).toBe('GOV_CONFLICT');
    expect(await codeOf(b.engine.reject(999_999, 'key:op'))).toBe('GOV_NOT_FOUND');
    const [again] = await b.engine.submit({ plan: { actions: [start('appr', CPU, 1)] }, source: 'loop' });
    const [newer] = await b.engine.submit({ plan: { actions: [start('appr', CPU, 2)] }, source: 'loop' });
    expect((await b.store.actions.getPlan(again!.id))?.status).toBe('superseded');
    const rejected = await b.engine.reject(newer!.id, 'key:op', 'not now');
    expect(rejected.status).toBe('rejected');
    expect(rejected.detail).toBe('not now');
    await b.engine.idle();
    expect(b.sim.stats().started).toBe(1);
  });

  it('scaleNode starts one more node like a given one, and stops one, through the journal', async () => {
    const b = await make({ pools: { web: { mode: 'recommend' } } });
    const [a, c] = await b.seed('web', CPU, 2);
    const started = await b.engine.scaleNode({ nodeId: a!.id, action: 'start', actor: 'key:op' });
    expect(started.mode).toBe('manual');
    await b.engine.idle();
    expect((await b.store.actions.getPlan(started.id))?.status).toBe('succeeded');
    const stopped = await b.engine.scaleNode({ nodeId: c!.id, action: 'stop', actor: 'key:op' });
    await b.engine.idle();
    expect((await b.store.actions.getPlan(stopped.id))?.status).toBe('succeeded');
    expect(await codeOf(b.engine.scaleNode({ nodeId: 'nope', action: 'stop', actor: 'x' }))).toBe('GOV_NOT_FOUND');
    await expectConsistent(b);
  });
});

describe('reconciliation after a crash', () => {
  it('adopts a node started before the crash by its token, resumes the plan, starts nothing twice', async () => {
    const b = await make({ pools: { web: { disruptionBudgetPercent: 100 } } });
    const [old] = await b.seed('web', CPU, 1);
    // What a crashed engine leaves: plan running, the start's intent written (pending), the call made, no outcome.
    const plan = await b.store.actions.createPlan({
      at: b.clock.now(), pool: 'web', mode: 'auto', status: 'running', source: 'test', decisionId: null,
      actions: [start('web', CPU, 2), stop('web', old!)], summary: 'crash', detail: null,
    });
    const rows = [];
    for (let seq = 0; seq < 2; seq += 1) {
      rows.push(await b.store.actions.recordAction({
        at: b.clock.now(), planId: plan.id, seq, kind: 'start', pool: 'web', provider: 'sim', offeringId: CPU.id, nodeId: null,
        idempotencyToken: `gov-${plan.id}-t${seq}`, status: seq === 0 ? 'pending' : 'planned', actor: 'test',
      }));
    }
    await b.store.actions.recordAction({
      at: b.clock.now(), planId: plan.id, seq: 2, kind: 'stop', pool: 'web', provider: 'sim', offeringId: CPU.id, nodeId: old!.id,
      idempotencyToken: `gov-${plan.id}-t2`, status: 'planned', actor: 'test',
    });
    const before = await b.sim.startNode({ pool: 'web', offering: CPU, idempotencyToken: `gov-${plan.id}-t0` });
    // An orphan: a node whose start the journal says failed (the crash came before its roll-back).
    const orphanPlan = await b.store.actions.createPlan({
      at: b.clock.now(), pool: 'other', mode: 'auto', status: 'rolled-back', source: 'test', decisionId: null, actions: [], summary: 'x', detail: null,
    });
    const orphanRow = await b.store.actions.recordAction({
      at: b.clock.now(), planId: orphanPlan.id, seq: 0, kind: 'start', pool: 'other', provider: 'sim', offeringId: CPU.id, nodeId: null,
      idempotencyToken: `gov-${orphanPlan.id}-o`, status: 'failed', actor: 'test',
    });
    const orphan = await b.sim.startNode({ pool: 'other', offering: CPU, idempotencyToken: orphanRow.idempotencyToken });

    const restarted = b.restart();
    const report = await restarted.reconcile();
    expect(report.adopted).toEqual([{ actionId: rows[0]!.id, nodeId: before.id }]);
    expect(report.orphansStopped).toEqual([orphan.id]);
    expect(report.resumed).toEqual([plan.id]);
    await restarted.idle();
    expect((await b.store.actions.getPlan(plan.id))?.status).toBe('succeeded');
    expect(b.sim.stats().started).toBe(3);
    const live = (await b.sim.listNodes()).filter((n) => n.pool === 'web' && n.state === 'running');
    expect(live).toHaveLength(2);
    expect(live.map((n) => n.id)).toContain(before.id);
    await expectConsistent({ ...b, engine: restarted });
  });
});
