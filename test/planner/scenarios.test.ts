/**
 * The planner on a table of scenarios whose optimal cost was worked out by hand (the comment on each says how),
 * solved by HiGHS and cross-checked by the exhaustive solver. Issue #4, "Must show".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExhaustiveSolver } from '../../src/adapters/solver/exhaustive/index.js';
import { HighsSolver } from '../../src/adapters/solver/highs/index.js';
import type { Plan } from '../../src/core/model/plan.js';
import { applyActions, parseScenario, plan } from '../../src/core/planner/index.js';
import { LONG_AGO, minutesAgo, node, offering, pool, scenario } from './fixtures.js';

const highs = new HighsSolver();
const exhaustive = new ExhaustiveSolver();

interface Case {
  readonly name: string;
  readonly doc: Record<string, unknown>;
  /** Hand-computed optimal hourly cost of the chosen fleet. */
  readonly cost: number;
  readonly feasible?: boolean;
  readonly check?: (plan: Plan) => void;
}

const starts = (p: Plan) => p.actions.filter((a) => a.action === 'start').map((a) => (a.action === 'start' ? `${a.count}×${a.offering}` : ''));
const stops = (p: Plan) => p.actions.filter((a) => a.action === 'stop').map((a) => (a.action === 'stop' ? a.nodeId : ''));

const seed = JSON.parse(readFileSync(new URL('../../../shared/scenarios/h200-to-h100.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const CASES: Case[] = [
  {
    // 1 H200 (100 req/s, $25) → 2 H100 (2 × 11.2 = 22.4 ≥ 20/0.9 = 22.2, $18). One H100 (11.2) is too little.
    name: 'the seed: one H200 becomes two H100s',
    doc: { ...seed, now: '2026-01-01T00:00:00Z' },
    cost: 18,
    check: (p) => {
      expect(p.actions).toEqual([
        { action: 'start', pool: 'llm', offering: 'aws:us-east-1:h100-box:on-demand', count: 2, costDeltaPerHour: 18 },
        { action: 'stop', pool: 'llm', nodeId: 'node-h200-1', offering: 'aws:us-east-1:h200-box:on-demand', costDeltaPerHour: -25 },
      ]);
      expect(p).toMatchObject({ costPerHourBefore: 25, costPerHourAfter: 18, savingsPerHour: 7 });
      expect(p.pools[0]).toMatchObject({ utilizationBefore: 0.2, utilizationAfter: 0.893, nodesAfter: 2 });
    },
  },
  {
    // Nothing runs; 10 req/s on nodes of 4 → ceil(2.5) = 3 nodes × $2.
    name: 'cold start: enough nodes of the only offering',
    doc: scenario({ offerings: [offering('a', 2)], pools: [pool('p', 10, { a: 4 })] }),
    cost: 6,
    check: (p) => expect(starts(p)).toEqual(['3×a']),
  },
  {
    // Need 10: 2 big (16, $10), 4 small (12, $10), 1 big + 1 small (11, $7.5) ← cheapest, though small is dearer per unit.
    name: 'a mix beats either offering alone (integer rounding)',
    doc: scenario({ offerings: [offering('big', 5), offering('small', 2.5)], pools: [pool('p', 10, { big: 8, small: 3 })] }),
    cost: 7.5,
    check: (p) => expect(starts(p).sort()).toEqual(['1×big', '1×small']),
  },
  {
    // 100 needed, at most 5 × 10 = 50 can be had: start all 5 ($5), short by 50.
    name: 'infeasible demand: start what exists and report the shortfall',
    doc: scenario({ offerings: [offering('a', 1, { available: 5 })], pools: [pool('p', 100, { a: 10 })] }),
    cost: 5,
    feasible: false,
    check: (p) => {
      expect(p.pools[0]!.shortfall).toBe(50);
      expect(p.diagnostics.decision).toBe('shortfall');
      expect(p.diagnostics.unmetConstraints.map((u) => u.constraint)).toEqual(['capacity']);
    },
  },
  {
    // Only aws allowed; gcp node (10) runs. aws can add 1 × 10. Demand 30 cannot be met: the short pool keeps its
    // gcp node even though gcp is not allowed (never stop needed capacity): $3 + $2, short by 10.
    name: 'infeasible: a short pool keeps even a disallowed node',
    doc: scenario({
      offerings: [offering('gcp-a', 3, { provider: 'gcp' }), offering('aws-a', 2, { available: 1 })],
      pools: [pool('p', 30, { 'gcp-a': 10, 'aws-a': 10 }, { constraints: { providers: ['aws'] } })],
      nodes: [node('g1', 'p', 'gcp-a')],
    }),
    cost: 5,
    feasible: false,
    check: (p) => {
      expect(stops(p)).toEqual([]);
      expect(starts(p)).toEqual(['1×aws-a']);
      expect(p.pools[0]!.shortfall).toBe(10);
    },
  },
  {
    // 40 needed; aws (10, $2) has quota for 2 → 2 aws + 2 gcp (10, $3) = $10.
    name: 'quota exhaustion forces a second provider',
    doc: scenario({
      offerings: [offering('aws-a', 2, { available: 2 }), offering('gcp-a', 3, { provider: 'gcp', region: 'us-east1' })],
      pools: [pool('p', 40, { 'aws-a': 10, 'gcp-a': 10 })],
    }),
    cost: 10,
    check: (p) => {
      expect(starts(p).sort()).toEqual(['2×aws-a', '2×gcp-a']);
      expect(p.diagnostics.bindingConstraints.some((b) => b.constraint === 'available')).toBe(true);
    },
  },
  {
    // Without spread: 1 × z1 ($2). Two zones: a zone-b node is needed (only b10, $3, which alone covers 10),
    // plus the cheapest zone-a node: a5 ($1.5) → $4.5.
    name: 'zone spread',
    doc: scenario({
      offerings: [
        offering('a10', 2, { zone: 'us-east-1a' }), offering('a5', 1.5, { zone: 'us-east-1a' }), offering('b10', 3, { zone: 'us-east-1b' }),
      ],
      pools: [pool('p', 10, { a10: 10, a5: 5, b10: 10 }, { constraints: { minDistinctZones: 2 } })],
    }),
    cost: 4.5,
    check: (p) => expect(starts(p).sort()).toEqual(['1×a5', '1×b10']),
  },
  {
    // Spot (10, $1) alone: 2 × $1. With spot ≤ 50% of capacity: 1 spot + 1 on-demand ($3) = $4.
    name: 'spot cap',
    doc: scenario({
      offerings: [offering('spot', 1, { purchase: 'spot' }), offering('od', 3)],
      pools: [pool('p', 20, { spot: 10, od: 10 }, { constraints: { maxSpotFraction: 0.5 } })],
    }),
    cost: 4,
    check: (p) => expect(starts(p).sort()).toEqual(['1×od', '1×spot']),
  },
  {
    // 30 needs 3 × $4 = $12 > budget $10: a budget is a limit, so 2 nodes ($8), short by 10.
    name: 'budget cap makes demand infeasible: the budget holds',
    doc: scenario({ offerings: [offering('a', 4)], pools: [pool('p', 30, { a: 10 }, { constraints: { budgetPerHour: 10 } })] }),
    cost: 8,
    feasible: false,
    check: (p) => {
      expect(p.pools[0]!.shortfall).toBe(10);
      expect(p.diagnostics.unmetConstraints.map((u) => u.constraint)).toEqual(['capacity']);
    },
  },
  {
    // Zone spread alone costs $4.5 (see above); with a $4 budget one zone must do: cheapest single-zone fleet a10 ($2).
    name: 'budget cap versus zone spread: the budget wins, the spread is reported unmet',
    doc: scenario({
      offerings: [offering('a10', 2, { zone: 'us-east-1a' }), offering('a5', 1.5, { zone: 'us-east-1a' }), offering('b10', 3, { zone: 'us-east-1b' })],
      pools: [pool('p', 10, { a10: 10, a5: 5, b10: 10 }, { constraints: { minDistinctZones: 2, budgetPerHour: 4 } })],
    }),
    cost: 2,
    feasible: false,
    check: (p) => expect(p.diagnostics.unmetConstraints.map((u) => u.constraint)).toEqual(['zones']),
  },
  {
    // Owned metal (10, $0.40 marginal, 2 units) first, then cloud (10, $3): 35 → 2 owned + 2 cloud = $6.80.
    name: 'owned bare metal is used first, at its marginal cost',
    doc: scenario({
      offerings: [offering('metal', 0.4, { provider: 'baremetal', region: 'dc1', purchase: 'owned', available: 2 }), offering('cloud', 3)],
      pools: [pool('p', 35, { metal: 10, cloud: 10 })],
    }),
    cost: 6.8,
    check: (p) => expect(starts(p).sort()).toEqual(['2×cloud', '2×metal']),
  },
  {
    // Running a ($10) → b ($9.70) would save $0.30/h < max($0.50, 5% × $10): keep the slightly dearer fleet.
    name: 'hysteresis keeps a slightly suboptimal fleet',
    doc: scenario({ offerings: [offering('a', 10), offering('b', 9.7)], pools: [pool('p', 8, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a')] }),
    cost: 10,
    check: (p) => {
      expect(p.actions).toEqual([]);
      expect(p.diagnostics.decision).toBe('keep-current');
      expect(p.diagnostics.alternatives[0]).toMatchObject({ description: 'the cost-optimal fleet', costPerHour: 9.7 });
      expect(p.diagnostics.alternatives[0]!.whyLost).toMatch(/below the \$0\.50\/h threshold/);
    },
  },
  {
    // Same, b at $9: saves $1/h ≥ $0.50: replace.
    name: 'hysteresis lets a real saving through',
    doc: scenario({ offerings: [offering('a', 10), offering('b', 9)], pools: [pool('p', 8, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a')] }),
    cost: 9,
    check: (p) => {
      expect(starts(p)).toEqual(['1×b']);
      expect(stops(p)).toEqual(['n1']);
    },
  },
  {
    // 10 × a ($10) = $100 for 95; 10 × b ($9.60) = $96 saves $4 < 5% of $100 → keep.
    name: 'hysteresis, relative part: 4% is below the 5% default',
    doc: scenario({
      offerings: [offering('a', 10), offering('b', 9.6, { available: 20 })],
      pools: [pool('p', 95, { a: 10, b: 10 })],
      nodes: Array.from({ length: 10 }, (_, i) => node(`n${i}`, 'p', 'a')),
    }),
    cost: 100,
    check: (p) => expect(p.diagnostics.decisions).toEqual([{ pools: ['p'], decision: 'keep-current', keepCostPerHour: 100, keepCostIsLowerBound: false, optimumCostPerHour: 96, savingsThresholdPerHour: 5 }]),
  },
  {
    // … and with minSavingsPercent 3 the $4 (4%) saving is taken: $96.
    name: 'hysteresis threshold is configurable per scenario',
    doc: scenario({
      offerings: [offering('a', 10), offering('b', 9.6, { available: 20 })],
      pools: [pool('p', 95, { a: 10, b: 10 })],
      nodes: Array.from({ length: 10 }, (_, i) => node(`n${i}`, 'p', 'a')),
      options: { minSavingsPercent: 3 },
    }),
    cost: 96,
    check: (p) => expect(stops(p)).toHaveLength(10),
  },
  {
    // a ($10) started 10 minutes ago: protected by the 30-minute minimum lifetime, though b ($5) would save $5.
    name: 'minimum lifetime: a young node is not stopped',
    doc: scenario({ offerings: [offering('a', 10), offering('b', 5)], pools: [pool('p', 8, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a', { startedAt: minutesAgo(10) })] }),
    cost: 10,
    check: (p) => {
      expect(p.actions).toEqual([]);
      expect(p.diagnostics.protectedNodes).toEqual(['n1']);
      expect(p.diagnostics.bindingConstraints.map((b) => b.constraint)).toContain('min-lifetime');
    },
  },
  {
    // The same node 45 minutes old: replaced by b ($5).
    name: 'minimum lifetime: an older node is replaced',
    doc: scenario({ offerings: [offering('a', 10), offering('b', 5)], pools: [pool('p', 8, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a', { startedAt: minutesAgo(45) })] }),
    cost: 5,
  },
  {
    // a ($10) runs, 15 needed: keeping it needs a start too (≥ $10/h); 2 × b ($1) = $2 beats even $10 by more than
    // the threshold, so the keep fleet is not solved for and its cost is reported as a lower bound.
    name: 'scale up where replacing clearly pays: the keep fleet is bounded, not solved',
    doc: scenario({ offerings: [offering('a', 10), offering('b', 1)], pools: [pool('p', 15, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a')] }),
    cost: 2,
    check: (p) => {
      expect(p.diagnostics.decisions).toEqual([{ pools: ['p'], decision: 'optimize', keepCostPerHour: 10, keepCostIsLowerBound: true, optimumCostPerHour: 2, savingsThresholdPerHour: 0.5 }]);
      expect(p.diagnostics.solver.solves).toBe(1);
      expect(starts(p)).toEqual(['2×b']);
      expect(stops(p)).toEqual(['n1']);
    },
  },
  {
    // A pending node counts as capacity and is never stopped.
    name: 'a pending node is protected and counts',
    doc: scenario({ offerings: [offering('a', 10), offering('b', 5)], pools: [pool('p', 15, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a', { state: 'pending', startedAt: null })] }),
    cost: 15,
    check: (p) => expect(starts(p)).toEqual(['1×b']),
  },
  {
    // Two pools share x ($1, 10 per node, quota 3); y ($2) serves both: 4 nodes needed → 3 x + 1 y = $5.
    name: 'multi-pool: a shared quota is split across pools',
    doc: scenario({
      offerings: [offering('x', 1, { available: 3 }), offering('y', 2)],
      pools: [pool('p1', 20, { x: 10, y: 10 }), pool('p2', 20, { x: 10, y: 10 })],
    }),
    cost: 5,
    check: (p) => expect(p.targetFleet.filter((f) => f.offering === 'x').reduce((s, f) => s + f.count, 0)).toBe(3),
  },
  {
    // 5 × a ($2, 10) for 22 → 3 needed: stop 2, the two most recently started.
    name: 'scale down stops the newest nodes first',
    doc: scenario({
      offerings: [offering('a', 2)],
      pools: [pool('p', 22, { a: 10 })],
      nodes: [1, 2, 3, 4, 5].map((i) => node(`n${i}`, 'p', 'a', { startedAt: minutesAgo(60 * i) })),
    }),
    cost: 6,
    check: (p) => expect(stops(p)).toEqual(['n1', 'n2']),
  },
  {
    // 1 × a ($2) runs, 25 needed. All-b (3 × $1.90 = $5.70) saves only $0.10 over keeping a + 2 b ($5.80).
    name: 'scale up keeps what runs when replacing would save too little',
    doc: scenario({ offerings: [offering('a', 2), offering('b', 1.9)], pools: [pool('p', 25, { a: 10, b: 10 })], nodes: [node('n1', 'p', 'a')] }),
    cost: 5.8,
    check: (p) => {
      expect(starts(p)).toEqual(['2×b']);
      expect(stops(p)).toEqual([]);
      expect(p.diagnostics.decision).toBe('keep-current');
    },
  },
  {
    // 22.2 needed. L4 (1.5, $0.80, 10 left), A100 (5, $3.50), H100 (11.2, $9, 1 left). 9 L4 + 2 A100 = 23.5 for $14.20
    // beats 10 L4 + 2 A100 ($15), 5 L4 + 3 A100 ($14.50), 8 L4 + 1 H100 ($15.40), 5 A100 ($17.50).
    name: 'heterogeneous GPUs across providers',
    doc: scenario({
      offerings: [
        offering('aws-h100', 9, { gpu: { model: 'H100', count: 1 }, available: 1 }),
        offering('gcp-a100', 3.5, { provider: 'gcp', region: 'us-central1', gpu: { model: 'A100', count: 1 } }),
        offering('lambda-l4', 0.8, { provider: 'lambda', region: 'us-west', gpu: { model: 'L4', count: 1 } }),
      ],
      pools: [{ name: 'llm', unit: 'req/s', demand: 20, capacity: { byGpuModel: { H100: 11.2, A100: 5, L4: 1.5 } }, qos: { maxUtilization: 0.9 } }],
    }),
    cost: 14.2,
    check: (p) => expect(starts(p).sort()).toEqual(['2×gcp-a100', '9×lambda-l4']),
  },
  {
    // b (8, $2.50) is dominated by a (10, $2, no quota): pruned. 30 → 3 × a = $6.
    name: 'dominated offerings are pruned without losing the optimum',
    doc: scenario({
      offerings: [offering('a', 2, { available: null }), offering('b', 2.5, { available: null }), offering('c', 3, { available: null })],
      pools: [pool('p', 30, { a: 10, b: 8, c: 12 }, { constraints: { maxNodes: 10 } })],
    }),
    cost: 6,
    check: (p) => expect(p.diagnostics.solver.prunedOfferings).toBe(1),
  },
  {
    // The gcp node ($1) is cheaper, but the pool allows aws only: it is replaced by aws (10, $2).
    name: 'a node outside the allowed providers is replaced',
    doc: scenario({
      offerings: [offering('gcp-a', 1, { provider: 'gcp' }), offering('aws-a', 2)],
      pools: [pool('p', 5, { 'gcp-a': 10, 'aws-a': 10 }, { constraints: { providers: ['aws'] } })],
      nodes: [node('g1', 'p', 'gcp-a')],
    }),
    cost: 2,
    check: (p) => expect(stops(p)).toEqual(['g1']),
  },
  {
    // Residency: eu-west-1 only; the $1 us-east-1 offering is out, eu at $1.50: 2 × $1.50.
    name: 'region restriction',
    doc: scenario({
      offerings: [offering('us', 1), offering('eu', 1.5, { region: 'eu-west-1' })],
      pools: [pool('p', 15, { us: 10, eu: 10 }, { constraints: { regions: ['eu-west-1'] } })],
    }),
    cost: 3,
  },
  {
    // Spot not allowed: on-demand only, 2 × $3.
    name: 'purchase restriction',
    doc: scenario({
      offerings: [offering('spot', 1, { purchase: 'spot' }), offering('od', 3)],
      pools: [pool('p', 20, { spot: 10, od: 10 }, { constraints: { purchase: ['on-demand', 'reserved'] } })],
    }),
    cost: 6,
  },
  {
    // 5 needed, but minNodes 3: 3 × small ($3) = $9 beats big + 2 small ($16).
    name: 'minimum node count',
    doc: scenario({ offerings: [offering('big', 10), offering('small', 3)], pools: [pool('p', 5, { big: 100, small: 10 }, { constraints: { minNodes: 3 } })] }),
    cost: 9,
  },
  {
    // 50 needed, at most 3 nodes: 5 small ($5) is out; 1 big (30, $4) + 2 small = $6.
    name: 'maximum node count',
    doc: scenario({ offerings: [offering('small', 1), offering('big', 4)], pools: [pool('p', 50, { small: 10, big: 30 }, { constraints: { maxNodes: 3 } })] }),
    cost: 6,
  },
  {
    // Demand 0, minNodes 1: keep one node, stop the other.
    name: 'no demand: down to minNodes',
    doc: scenario({ offerings: [offering('a', 2)], pools: [pool('p', 0, { a: 10 }, { constraints: { minNodes: 1 } })], nodes: [node('n1', 'p', 'a'), node('n2', 'p', 'a', { startedAt: minutesAgo(40) })] }),
    cost: 2,
    check: (p) => expect(stops(p)).toEqual(['n2']),
  },
  {
    // perVcpu 1 req/s per vCPU, 30 at 75% → 40 vCPUs: 2 × 16 + 2 × 4 = 40 for $1.80 beats 10 × 4 ($2), 1 × 16 + 6 × 4 ($1.90), 3 × 16 ($2.10).
    name: 'capacity per vCPU',
    doc: scenario({
      offerings: [offering('c4', 0.2, { vcpus: 4 }), offering('c16', 0.7, { vcpus: 16 })],
      pools: [{ name: 'web', unit: 'cores', demand: 30, capacity: { perVcpu: 1 }, qos: { maxUtilization: 0.75 } }],
    }),
    cost: 1.8,
  },
  {
    // Stopped and unknown nodes are not part of the fleet: 2 × a needed from scratch.
    name: 'nodes that are not running are ignored',
    doc: scenario({
      offerings: [offering('a', 2)],
      pools: [pool('p', 20, { a: 10 })],
      nodes: [node('s1', 'p', 'a', { state: 'stopped' }), node('u1', 'p', 'a', { state: 'unknown' })],
    }),
    cost: 4,
    check: (p) => {
      expect(p.costPerHourBefore).toBe(0);
      expect(p.diagnostics.ignoredNodes).toEqual(['s1', 'u1']);
    },
  },
  {
    // Pool p1 is short (needs 100, quota 2 × 10 of a) and keeps its node; pool p2 still swaps its $10 node for a $4 one.
    // p1: 1 running a ($1) + 2 started ($2); p2: c ($4). Total $7.
    name: 'multi-pool: one pool short, the other still optimised',
    doc: scenario({
      offerings: [offering('a', 1, { available: 2 }), offering('b', 10), offering('c', 4)],
      pools: [pool('p1', 100, { a: 10 }), pool('p2', 5, { b: 10, c: 10 })],
      nodes: [node('a1', 'p1', 'a'), node('b1', 'p2', 'b')],
    }),
    cost: 7,
    feasible: false,
    check: (p) => {
      expect(stops(p)).toEqual(['b1']);
      expect(p.pools.find((x) => x.name === 'p1')!.shortfall).toBe(70);
      expect(p.pools.find((x) => x.name === 'p2')!.shortfall).toBe(0);
    },
  },
];

describe('planner: table of scenarios with known optimal cost', () => {
  it('has at least 20 scenarios', () => expect(CASES.length).toBeGreaterThanOrEqual(20));

  for (const c of CASES) {
    it(c.name, async () => {
      const parsed = parseScenario(c.doc);
      const snapshot = { ...parsed, now: parsed.now ?? LONG_AGO };
      const p = await plan(snapshot, parsed.options, highs);
      expect(p.costPerHourAfter, p.explanation.join('\n')).toBeCloseTo(c.cost, 6);
      expect(p.feasible, p.explanation.join('\n')).toBe(c.feasible ?? true);
      expect(p.diagnostics.solver.status).toBe('optimal');
      // The actions turn the running fleet into exactly the target fleet.
      const sorted = [...p.targetFleet].sort((a, b) => (a.pool + a.offering < b.pool + b.offering ? -1 : 1));
      expect(applyActions(parsed.nodes, p.actions)).toEqual(sorted);
      // Make-before-break.
      const firstStop = p.actions.findIndex((a) => a.action === 'stop');
      if (firstStop >= 0) expect(p.actions.slice(firstStop).every((a) => a.action === 'stop')).toBe(true);
      c.check?.(p);

      const brute = await plan(snapshot, parsed.options, exhaustive);
      expect(brute.costPerHourAfter, 'exhaustive solver').toBeCloseTo(p.costPerHourAfter, 6);
      expect(brute.feasible).toBe(p.feasible);
    });
  }
});

describe('planner explanations', () => {
  it('print demand rounded like the other figures, not as a binary float', async () => {
    const doc = { offerings: [{ id: 'a', provider: 'aws', region: 'r', instanceType: 'a', vcpus: 4, memoryGiB: 16, purchase: 'on-demand', pricePerHour: 1 }], pools: [{ name: 'p', unit: 'cores', demand: 0.1 + 0.2, capacity: { perVcpu: 1 }, qos: { maxUtilization: 1 } }], nodes: [] };
    const parsed = parseScenario(doc);
    const p = await plan({ ...parsed, now: LONG_AGO }, parsed.options, highs);
    const line = p.explanation.find((l) => l.startsWith('Pool p: demand'));
    expect(line).toContain('demand 0.3 cores');
    expect(line).not.toContain('0.30000000000000004');
  });
});
