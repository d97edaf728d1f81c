import { describe, expect, it } from 'vitest';
import { isGovError } from '../errors.js';
import type { Offering } from '../model/offering.js';
import { parseScenario, type ScenarioProblem } from './scenario.js';

const offering = { id: 'aws:us-east-1:h100-box:on-demand', provider: 'aws', region: 'us-east-1', instanceType: 'h100-box', purchase: 'on-demand' as const, pricePerHour: 9, vcpus: 16, memoryGiB: 128, gpu: { model: 'H100', count: 1 }, available: 10 };
const pool = { name: 'llm', unit: 'req/s', demand: 20, capacity: { byGpuModel: { H100: 11.2 } }, qos: { maxUtilization: 0.9 }, constraints: { minNodes: 1 } };
const node = { id: 'n1', pool: 'llm', offering: offering.id, state: 'running', startedAt: '2026-01-01T00:00:00Z' };
const valid = () => ({ offerings: [structuredClone(offering)], pools: [structuredClone(pool)], nodes: [structuredClone(node)] });

function problems(document: unknown, options = {}): ScenarioProblem[] {
  try {
    parseScenario(document, options);
  } catch (error) {
    if (isGovError(error) && error.code === 'GOV_VALIDATION') return (error.details as { errors: ScenarioProblem[] }).errors;
    throw error;
  }
  throw new Error('expected GOV_VALIDATION');
}

describe('parseScenario', () => {
  it('parses a valid document, filling what scenarios leave out', () => {
    const s = parseScenario({ ...valid(), now: '2026-06-01T12:00:00Z', options: { minSavingsPercent: 3 } });
    expect(s.offerings[0]).toEqual({ ...offering, zone: null, term: null, source: 'scenario', asOf: null });
    expect(s.pools[0]).toEqual(pool);
    expect(s.nodes[0]).toEqual(node);
    expect(s).toMatchObject({ now: '2026-06-01T12:00:00Z', options: { minSavingsPercent: 3 }, offeringsSource: 'inline' });
  });

  it('defaults unit, constraints, nodes, vCPUs, memory and gpu', () => {
    const s = parseScenario({
      offerings: [{ id: 'o', provider: 'p', region: 'r', instanceType: 't', purchase: 'spot', pricePerHour: 1 }],
      pools: [{ name: 'q', demand: 0, capacity: { byOffering: { o: 1 } }, qos: { maxUtilization: 1 } }],
    });
    expect(s.pools[0]).toMatchObject({ unit: 'units', constraints: {} });
    expect(s.offerings[0]).toMatchObject({ vcpus: 0, memoryGiB: 0, gpu: null, available: null });
    expect(s.nodes).toEqual([]);
    expect(s.now).toBeNull();
  });

  it('hands the bundled catalog on as the very same array (so the planner can reuse its index)', () => {
    const catalog: readonly Offering[] = [{ ...offering, zone: null, term: null, source: 'bundled:test', asOf: null }];
    for (const offerings of [undefined, 'bundled']) {
      const s = parseScenario({ ...valid(), offerings }, { bundledOfferings: () => catalog });
      expect(s.offeringsSource).toBe('bundled');
      expect(s.offerings).toBe(catalog);
    }
  });

  it.each([
    ['not an object', [], '$', /JSON object/],
    ['no pools', { offerings: [] }, '$.pools', /required/],
    ['empty pools', { ...valid(), pools: [] }, '$.pools', /1/],
    ['an unknown top-level field', { ...valid(), pool: [] }, '$.pool', /not a known field/],
    ['bundled without a catalog', { ...valid(), offerings: 'bundled' }, '$.offerings', /bundled catalog/],
    ['offerings of the wrong type', { ...valid(), offerings: 'all' }, '$.offerings', /array of offerings or "bundled"/],
    ['a duplicate offering id', { ...valid(), offerings: [offering, offering] }, '$.offerings[1].id', /duplicates \$\.offerings\[0\]\.id/],
    ['a negative price', { ...valid(), offerings: [{ ...offering, pricePerHour: -1 }] }, '$.offerings[0].pricePerHour', /greater or equal to 0/],
    ['a NaN price', { ...valid(), offerings: [{ ...offering, pricePerHour: Number.NaN }] }, '$.offerings[0].pricePerHour', /expected number/],
    ['an infinite demand', { ...valid(), pools: [{ ...pool, demand: Infinity }] }, '$.pools[0].demand', /expected number/],
    ['an unknown purchase option', { ...valid(), offerings: [{ ...offering, purchase: 'cheap' }] }, '$.offerings[0].purchase', /wrong form/],
    ['a term on an on-demand offering', { ...valid(), offerings: [{ ...offering, term: '1y' }] }, '$.offerings[0].term', /only for reserved/],
    ['a fractional availability', { ...valid(), offerings: [{ ...offering, available: 1.5 }] }, '$.offerings[0].available', /wrong form/],
    ['an unknown offering field', { ...valid(), offerings: [{ ...offering, priceperhour: 1 }] }, '$.offerings[0].priceperhour', /not a known field/],
    ['a negative demand', { ...valid(), pools: [{ ...pool, demand: -5 }] }, '$.pools[0].demand', /greater or equal to 0/],
    ['maxUtilization above 1', { ...valid(), pools: [{ ...pool, qos: { maxUtilization: 1.5 } }] }, '$.pools[0].qos.maxUtilization', /less or equal to 1/],
    ['maxUtilization 0', { ...valid(), pools: [{ ...pool, qos: { maxUtilization: 0 } }] }, '$.pools[0].qos.maxUtilization', /greater than 0/],
    ['a misspelt QoS field', { ...valid(), pools: [{ ...pool, qos: { maxUtilisation: 0.9 } }] }, '$.pools[0].qos.maxUtilization', /required/],
    ['an empty capacity model', { ...valid(), pools: [{ ...pool, capacity: {} }] }, '$.pools[0].capacity', /at least one of/],
    ['a zero capacity', { ...valid(), pools: [{ ...pool, capacity: { byGpuModel: { H100: 0 } } }] }, '$.pools[0].capacity.byGpuModel.H100', /greater than 0/],
    ['minNodes above maxNodes', { ...valid(), pools: [{ ...pool, constraints: { minNodes: 3, maxNodes: 2 } }] }, '$.pools[0].constraints.minNodes', /exceeds maxNodes/],
    ['a spot fraction above 1', { ...valid(), pools: [{ ...pool, constraints: { maxSpotFraction: 2 } }] }, '$.pools[0].constraints.maxSpotFraction', /less or equal to 1/],
    ['a duplicate pool name', { ...valid(), pools: [pool, pool] }, '$.pools[1].name', /duplicates/],
    ['a node in an unknown pool', { ...valid(), nodes: [{ ...node, pool: 'other' }] }, '$.nodes[0].pool', /names no pool/],
    ['a node on an unknown offering', { ...valid(), nodes: [{ ...node, offering: 'x' }] }, '$.nodes[0].offering', /names no offering in \$\.offerings/],
    ['a duplicate node id', { ...valid(), nodes: [node, node] }, '$.nodes[1].id', /duplicates/],
    ['an unknown node state', { ...valid(), nodes: [{ ...node, state: 'sleeping' }] }, '$.nodes[0].state', /wrong form/],
    ['a start time that is not an instant', { ...valid(), nodes: [{ ...node, startedAt: 'yesterday' }] }, '$.nodes[0].startedAt', /ISO 8601/],
    ['a now that is not an instant', { ...valid(), now: '2026-13-45' }, '$.now', /ISO 8601/],
    ['an option out of range', { ...valid(), options: { minSavingsPercent: 150 } }, '$.options.minSavingsPercent', /less or equal to 100/],
    ['an unknown option', { ...valid(), options: { minSavings: 1 } }, '$.options.minSavings', /not a known field/],
  ])('refuses %s, naming %s', (_what, document, path, message) => {
    const found = problems(document);
    const problem = found.find((p) => p.path === path);
    expect(problem, JSON.stringify(found)).toBeDefined();
    expect(problem!.message).toMatch(message);
  });

  it('reports every problem at once, and a bad pool does not orphan its nodes', () => {
    const found = problems({ ...valid(), pools: [{ ...pool, demand: -1 }], nodes: [{ ...node, offering: 'x' }] });
    expect(found.map((p) => p.path)).toEqual(['$.pools[0].demand', '$.nodes[0].offering']);
  });

  it('puts the first problems in the message', () => {
    expect(() => parseScenario({ ...valid(), pools: [{ ...pool, qos: { maxUtilization: 2 } }] })).toThrow(/invalid scenario: \$\.pools\[0\]\.qos\.maxUtilization/);
  });
});
