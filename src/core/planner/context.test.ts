import { describe, expect, it } from 'vitest';
import type { Offering } from '../model/offering.js';
import type { Pool } from '../model/pool.js';
import { buildContext, pruneDominated } from './context.js';
import { resolvePlanOptions } from './options.js';

const o = (id: string, pricePerHour: number, more: Partial<Offering> = {}): Offering => ({
  id, provider: 'aws', region: 'r', zone: null, instanceType: id, vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand', term: null,
  pricePerHour, available: null, source: 'test', asOf: null, ...more,
});
const cand = (offering: Offering, capacity: number) => ({ pool: 0, offering, capacity });
const kept = (list: ReturnType<typeof cand>[], zone = false, spot = false) => pruneDominated(list, zone, spot).kept.map((c) => c.offering.id).sort();

describe('pruneDominated', () => {
  it('drops an offering that costs no less and serves no more than one without a quota', () => {
    expect(kept([cand(o('a', 2), 10), cand(o('b', 2.5), 8), cand(o('c', 3), 12), cand(o('d', 2), 10)])).toEqual(['a', 'c']);
  });

  it('keeps a cheaper offering that serves less (it can fill a small remainder)', () => {
    expect(kept([cand(o('big', 5), 8), cand(o('small', 2.5), 3)])).toEqual(['big', 'small']);
  });

  it('never lets an offering with a quota dominate', () => {
    expect(kept([cand(o('a', 1, { available: 2 }), 10), cand(o('b', 2), 10)])).toEqual(['a', 'b']);
  });

  it('compares only within a zone when zones count, and only like with like under a spot cap', () => {
    const a = o('a', 1, { zone: 'z1' });
    const b = o('b', 2, { zone: 'z2' });
    expect(kept([cand(a, 10), cand(b, 10)])).toEqual(['a']);
    expect(kept([cand(a, 10), cand(b, 10)], true)).toEqual(['a', 'b']);
    const spotBig = o('s1', 1, { purchase: 'spot' });
    const spotSmall = o('s2', 2, { purchase: 'spot' });
    const od = o('od', 5);
    // Under a spot cap a bigger spot node is not a safe swap (more spot capacity can break the cap); equal is.
    expect(kept([cand(spotBig, 10), cand(spotSmall, 8), cand(od, 10)], false, true)).toEqual(['od', 's1', 's2']);
    expect(kept([cand(spotBig, 10), cand(spotSmall, 10), cand(od, 10)], false, true)).toEqual(['od', 's1']);
    expect(kept([cand(spotBig, 10), cand(spotSmall, 8), cand(od, 10)])).toEqual(['s1']);
  });
});

describe('buildContext', () => {
  const pool = (name: string, byOffering: Record<string, number>, constraints: Pool['constraints'] = {}): Pool =>
    ({ name, unit: 'u', demand: 10, capacity: { byOffering }, qos: { maxUtilization: 1 }, constraints });

  it('groups identical running nodes, protects young and pending ones, and ignores the rest', () => {
    const ctx = buildContext({
      offerings: [o('a', 1)],
      pools: [pool('p', { a: 5 })],
      nodes: [
        { id: 'old1', pool: 'p', offering: 'a', state: 'running', startedAt: '2026-01-01T00:00:00Z' },
        { id: 'old2', pool: 'p', offering: 'a', state: 'running', startedAt: '2026-01-01T01:00:00Z' },
        { id: 'young', pool: 'p', offering: 'a', state: 'running', startedAt: '2026-06-01T11:50:00Z' },
        { id: 'pend', pool: 'p', offering: 'a', state: 'pending', startedAt: null },
        { id: 'gone', pool: 'p', offering: 'a', state: 'terminated', startedAt: null },
      ],
      now: '2026-06-01T12:00:00Z',
    }, resolvePlanOptions());
    expect(ctx.groups.map((g) => [g.protected, g.nodes.map((n) => n.id)])).toEqual([[true, ['young', 'pend']], [false, ['old2', 'old1']]]);
    expect(ctx.ignored.map((n) => n.id)).toEqual(['gone']);
  });

  it('links pools into one component only through an offering with a limited quota', () => {
    const ctx = buildContext({
      offerings: [o('shared', 1, { available: 3 }), o('free', 1), o('own', 1, { available: 1 })],
      pools: [pool('p1', { shared: 1, own: 1 }), pool('p2', { shared: 1 }), pool('p3', { free: 1 }), pool('p4', { free: 1 })],
      nodes: [],
      now: '2026-06-01T12:00:00Z',
    }, resolvePlanOptions());
    expect(ctx.components.map((c) => [...c].sort())).toEqual([[0, 1], [2], [3]]);
  });

  it('filters offerings by the pool\'s providers, regions and purchase options', () => {
    const ctx = buildContext({
      offerings: [o('a', 1), o('b', 1, { provider: 'gcp' }), o('c', 1, { region: 'eu' }), o('d', 1, { purchase: 'spot' })],
      pools: [pool('p', { a: 1, b: 1, c: 1, d: 1 }, { providers: ['aws'], regions: ['r'], purchase: ['on-demand'] })],
      nodes: [],
      now: '2026-06-01T12:00:00Z',
    }, resolvePlanOptions());
    expect(ctx.candidates.map((c) => c.offering.id)).toEqual(['a']);
  });

  it('refuses a node on an unknown offering or pool', () => {
    const base = { offerings: [o('a', 1)], pools: [pool('p', { a: 1 })], now: '2026-06-01T12:00:00Z' };
    expect(() => buildContext({ ...base, nodes: [{ id: 'n', pool: 'p', offering: 'x', state: 'running', startedAt: null }] }, resolvePlanOptions())).toThrow(/no known offering/);
    expect(() => buildContext({ ...base, nodes: [{ id: 'n', pool: 'q', offering: 'a', state: 'running', startedAt: null }] }, resolvePlanOptions())).toThrow(/no known pool/);
  });
});
