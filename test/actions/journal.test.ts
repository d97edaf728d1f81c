/**
 * The action journal (src/ports/action-journal.ts) on both storage backends: embedded PGlite and a real
 * PostgreSQL (describeWithPostgres), the same contract for each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGovError } from '../../src/core/errors.js';
import type { Store } from '../../src/ports/store.js';
import { describeWithPostgres } from '../support/postgres.js';
import { pgliteBackend, postgresBackend, type StoreBackend } from '../storage/backends.js';

function journalContract(open: () => Promise<StoreBackend>): void {
  let backend: StoreBackend;
  let store: Store;
  beforeAll(async () => {
    backend = await open();
    store = await backend.openStore();
    await store.migrate();
  });
  afterAll(async () => {
    await backend.dispose();
  });
  const t0 = new Date('2026-03-01T00:00:00.000Z');
  const at = (s: number): Date => new Date(t0.getTime() + s * 1000);

  it('stores plans with their actions and lists them newest first, filtered by status and pool', async () => {
    const actions = [{ action: 'start' as const, pool: 'web', offering: 'aws:us-east-1:m7i.large:on-demand', count: 2, costDeltaPerHour: 0.2 }];
    const a = await store.actions.createPlan({ at: at(0), pool: 'web', mode: 'approve', status: 'pending-approval', source: 'loop', decisionId: null, actions, summary: 'start 2', detail: null });
    const b = await store.actions.createPlan({ at: at(1), pool: 'db', mode: 'recommend', status: 'recommended', source: 'loop', decisionId: 7, actions: [], summary: 'none', detail: 'x' });
    expect(a.actions).toEqual(actions);
    expect(a.decidedBy).toBeNull();
    expect(b.decisionId).toBe(7);
    expect((await store.actions.listPlans({ limit: 10 })).map((p) => p.id)).toEqual([b.id, a.id]);
    expect((await store.actions.listPlans({ limit: 10, status: ['pending-approval'] })).map((p) => p.id)).toEqual([a.id]);
    expect((await store.actions.listPlans({ limit: 10, pool: 'db' })).map((p) => p.id)).toEqual([b.id]);
    expect(await store.actions.getPlan(a.id)).toEqual(a);
    expect(await store.actions.getPlan(999_999)).toBeNull();
  });

  it('transitions a plan only from the expected status (compare-and-set)', async () => {
    const p = await store.actions.createPlan({ at: at(10), pool: 'cas', mode: 'approve', status: 'pending-approval', source: 'loop', decisionId: null, actions: [], summary: 's', detail: null });
    const [first, second] = await Promise.all([
      store.actions.transitionPlan(p.id, ['pending-approval'], { at: at(11), status: 'approved', decidedBy: 'key:a', decidedAt: at(11) }),
      store.actions.transitionPlan(p.id, ['pending-approval'], { at: at(11), status: 'rejected', decidedBy: 'key:b', decidedAt: at(11) }),
    ]);
    expect([first, second].filter((r) => r !== null)).toHaveLength(1);
    const done = await store.actions.transitionPlan(p.id, ['approved', 'rejected'], { at: at(12), status: 'succeeded', finishedAt: at(12), detail: 'ok' });
    expect(done?.status).toBe('succeeded');
    expect(done?.finishedAt).toEqual(at(12));
    expect(done?.detail).toBe('ok');
    expect(done?.decidedBy).toMatch(/^key:[ab]$/);
  });

  it('records actions with unique tokens, updates them, and answers the guardrail queries', async () => {
    const plan = await store.actions.createPlan({ at: at(20), pool: 'g', mode: 'auto', status: 'running', source: 'loop', decisionId: null, actions: [], summary: 's', detail: null });
    const a = await store.actions.recordAction({ at: at(20), planId: plan.id, seq: 0, kind: 'start', pool: 'g', provider: 'sim', offeringId: 'o', nodeId: null, idempotencyToken: 'tok-g-0', status: 'planned', actor: 'loop' });
    await store.actions.recordAction({ at: at(20), planId: plan.id, seq: 1, kind: 'stop', pool: 'g', provider: 'sim', offeringId: null, nodeId: 'n1', idempotencyToken: 'tok-g-1', status: 'planned', actor: 'loop' });
    const duplicate = await store.actions.recordAction({ at: at(20), planId: plan.id, seq: 2, kind: 'start', pool: 'g', provider: 'sim', offeringId: 'o', nodeId: null, idempotencyToken: 'tok-g-0', status: 'planned', actor: 'loop' }).catch((e: unknown) => e);
    expect(isGovError(duplicate) && duplicate.code).toBe('GOV_CONFLICT');
    expect(await store.actions.countAttemptedSince(at(0))).toBe(0);
    const pending = await store.actions.updateAction(a.id, { at: at(21), status: 'pending', addAttempts: 1 });
    expect(pending.attempts).toBe(1);
    const done = await store.actions.updateAction(a.id, { at: at(25), status: 'succeeded', nodeId: 'n9', finished: true, detail: 'ready' });
    expect(done).toMatchObject({ status: 'succeeded', nodeId: 'n9', detail: 'ready', attempts: 1, errorCode: null });
    expect(done.finishedAt).toEqual(at(25));
    expect(await store.actions.countAttemptedSince(at(0))).toBe(1);
    expect(await store.actions.countAttemptedSince(at(100))).toBe(0);
    expect(await store.actions.lastFinishedAt('g')).toEqual(at(25));
    expect(await store.actions.lastFinishedAt('nobody')).toBeNull();
    expect((await store.actions.listActions({ planId: plan.id, limit: 10 })).map((r) => r.seq)).toEqual([0, 1]);
    expect((await store.actions.listActions({ status: ['planned'], pool: 'g', limit: 10 })).map((r) => r.idempotencyToken)).toEqual(['tok-g-1']);
    const missing = await store.actions.updateAction(999_999, { at: at(30), status: 'failed' }).catch((e: unknown) => e);
    expect(isGovError(missing) && missing.code).toBe('GOV_NOT_FOUND');
  });

  it('keeps the kill switch', async () => {
    expect(await store.actions.getControl()).toEqual({ paused: false, reason: null, updatedBy: null, updatedAt: null });
    const paused = await store.actions.setControl({ paused: true, reason: 'incident', updatedBy: 'key:ops', updatedAt: at(40) });
    expect(paused).toEqual({ paused: true, reason: 'incident', updatedBy: 'key:ops', updatedAt: at(40) });
    const reopened = await backend.openStore();
    expect((await reopened.actions.getControl()).paused).toBe(true);
    await store.actions.setControl({ paused: false, reason: null, updatedBy: 'cli', updatedAt: at(41) });
    expect((await reopened.actions.getControl()).paused).toBe(false);
  });
}

describe('action journal on PGlite', () => journalContract(pgliteBackend));
describeWithPostgres('action journal on PostgreSQL', (adminUrl) => journalContract(() => postgresBackend(adminUrl())));
