/** GCP Cloud Billing Catalog adapter over undici's MockAgent, replaying recorded SKU pages (test/fixtures/pricing/gcp/). */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createGcpCatalogPriceSource, familyOfSku, gcpFamilyOf, gcpModelOfSkuForTest, gcpShapesFromOfferings, type GcpMachineShape,
} from './gcp-exports.js';
import { fixture, rejection, replying, signal, type SeenRequest } from './support.js';

const ORIGIN = 'https://cloudbilling.googleapis.com';
const PATH = '/v1/services/6F81-5844-456A/skus?';
const API_KEY = 'AIzaSyD-test-key-0123456789abcdefghijk';
const page1 = fixture('gcp/skus-page1.json');
const page2 = fixture('gcp/skus-page2.json');

const shapes: GcpMachineShape[] = [
  { instanceType: 'n2-standard-8', family: 'n2', vcpus: 8, memoryGiB: 32, gpu: null },
  { instanceType: 'g2-standard-4', family: 'g2', vcpus: 4, memoryGiB: 16, gpu: { model: 'L4', count: 1 } },
  { instanceType: 'e2-standard-4', family: 'e2', vcpus: 4, memoryGiB: 16, gpu: null },
  { instanceType: 'f1-micro', family: 'f1', vcpus: 0.2, memoryGiB: 0.6, gpu: null },
  { instanceType: 'c2-standard-4', family: 'c2', vcpus: 4, memoryGiB: 16, gpu: null },
];

let agent: MockAgent;
let seen: SeenRequest[];
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  seen = [];
});
afterEach(async () => {
  await agent.close();
});

const now = () => new Date('2026-01-01T12:00:00.000Z');
const source = (extra: { regions?: string[]; maxPages?: number } = {}) =>
  createGcpCatalogPriceSource({ apiKey: API_KEY, machineTypes: shapes, dispatcher: agent, now, ...extra });

function twoPages(): void {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: (p) => p.startsWith(PATH) && !p.includes('pageToken'), method: 'GET' }).reply(replying(seen, 200, page1));
  pool.intercept({ path: (p) => p.startsWith(PATH) && p.includes('pageToken='), method: 'GET' }).reply(replying(seen, 200, page2));
}

const price = (vcpus: number, core: number, gib: number, ram: number, gpu = 0): number => Math.round((vcpus * core + gib * ram + gpu) * 1e10) / 1e10;

describe('gcp-catalog', () => {
  it('prices machine types as vcpus × core + memory × RAM (+ GPUs), per region and usage type', async () => {
    twoPages();
    const snapshot = await source().fetch({ signal: signal() });
    const q = new Map(snapshot.quotes.map((x) => [`${x.instanceType}|${x.region}|${x.purchase}${x.term ? `:${x.term}` : ''}`, x.pricePerHour]));
    expect(q.get('n2-standard-8|us-central1|on-demand')).toBe(price(8, 0.031611, 32, 0.004237));
    expect(q.get('n2-standard-8|us-central1|on-demand')).toBeCloseTo(0.388472, 9);
    // us-east4 has its own (more specific) SKUs, which win over the Americas ones.
    expect(q.get('n2-standard-8|us-east4|on-demand')).toBe(price(8, 0.03561, 32, 0.004771));
    expect(q.get('n2-standard-8|us-west1|spot')).toBe(price(8, 0.00765, 32, 0.001025));
    expect(q.get('n2-standard-8|us-east1|reserved:1y')).toBe(price(8, 0.019915, 32, 0.002669));
    expect(q.has('n2-standard-8|us-east1|reserved:3y')).toBe(false); // core commitment only: reported below
    expect(q.get('g2-standard-4|us-central1|on-demand')).toBe(price(4, 0.024988, 16, 0.002928, 0.56004));
    expect(q.get('g2-standard-4|us-central1|on-demand')).toBeCloseTo(0.70684, 9);
    expect(q.get('c2-standard-4|us-west1|on-demand')).toBe(price(4, 0.033982, 16, 0.004555));
    expect([...q.keys()].filter((k) => k.startsWith('n2-standard-8|')).sort()).toEqual([
      ...['us-central1', 'us-east1', 'us-east4', 'us-west1'].flatMap((r) => [`n2-standard-8|${r}|on-demand`, `n2-standard-8|${r}|reserved:1y`, `n2-standard-8|${r}|spot`]),
    ].sort());
    for (const x of snapshot.quotes) expect(x).toMatchObject({ provider: 'gcp', zone: null });
    expect(snapshot.quotes.find((x) => x.instanceType === 'n2-standard-8' && x.purchase === 'spot')?.asOf).toBe('2025-12-20T08:00:00.000Z');
  });

  it('reports what it cannot price instead of guessing', async () => {
    twoPages();
    const { errors } = await source({ regions: ['us-central1'] }).fetch({ signal: signal() });
    expect(errors).toEqual(expect.arrayContaining([
      { item: 'sku A1B2-C3D4-E5F6 "E2 Instance Core running in Americas"', message: 'has no tieredRates[].unitPrice from usage 0' },
      { item: 'sku 1C3E-5A9F-77D2 "C3 Instance Core running in Americas"', message: 'unitPrice {"units":"abc","nanos":0} is not a price' },
      { item: 'page 2 sku 9', message: 'SKU is not an object' },
      { item: 'machine type n2-standard-8 in us-central1 (reserved:3y)', message: 'has a core price but no RAM price: cannot price the machine' },
      { item: 'machine type e2-standard-4 in us-central1 (on-demand)', message: 'has a RAM price but no core price: cannot price the machine' },
      expect.objectContaining({ item: 'machine type f1-micro', message: expect.stringMatching(/no "f1 Instance Core\/Ram" SKU matched family "f1"/) }),
    ]));
    // G2 has a spot GPU price but no spot core/RAM SKU: not sold as spot there, so no quote and no error.
    expect(errors).toHaveLength(6);
  });

  it('sends the API key and the page token, and keeps the key out of errors', async () => {
    twoPages();
    await source().fetch({ signal: signal() });
    const [first, second] = seen.map((s) => new URL(`${ORIGIN}${s.path}`));
    expect(first?.searchParams.get('key')).toBe(API_KEY);
    expect(first?.searchParams.get('pageToken')).toBeNull();
    expect(second?.searchParams.get('pageToken')).toBe('CiAKGjBwZTFhYWE2LTQ2NzgtNGE4Ny1iYmQ4LTA0MDUwMTAxMBAC');

    agent.get(ORIGIN).intercept({ path: (p) => p.startsWith(PATH), method: 'GET' }).reply(replying(seen, 400, {
      error: { code: 400, message: `API key not valid. Please pass a valid API key. (${API_KEY})`, status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] },
    }));
    const err = await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_AUTH');
    expect(err.message).toMatch(/API key not valid/);
    expect(err.message).not.toContain(API_KEY);
    expect(JSON.stringify(err.details)).not.toContain(API_KEY);
  });

  it('maps 429 RESOURCE_EXHAUSTED to THROTTLED and 403 to AUTH', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: (p) => p.startsWith(PATH), method: 'GET' }).reply(replying(seen, 429, { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }));
    await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_THROTTLED');
    pool.intercept({ path: (p) => p.startsWith(PATH), method: 'GET' }).reply(replying(seen, 403, { error: { code: 403, message: 'Cloud Billing API has not been used in project 123 before or it is disabled.', status: 'PERMISSION_DENIED' } }));
    await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_AUTH');
  });

  it('stops when nextPageToken repeats or pages never end', async () => {
    agent.get(ORIGIN).intercept({ path: (p) => p.startsWith(PATH), method: 'GET' }).reply(replying(seen, 200, { skus: [], nextPageToken: 'loop' })).persist();
    const err = await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/nextPageToken repeats/);
    expect(seen).toHaveLength(2);
  });
});

describe('gcp family and GPU names', () => {
  it.each([
    ['N2', 'n2'], ['N2D AMD', 'n2d'], ['N1 Predefined', 'n1'], ['A3 Mega', 'a3-mega'], ['Memory-optimized', 'm1'],
    ['Compute optimized', 'c2'], ['', 'n1'], ['N2 Custom', null], ['Sole Tenancy', null],
  ])('SKU family words %j → %j', (words, family) => {
    expect(familyOfSku(words)).toBe(family);
  });

  it.each([
    ['Tesla T4', 'T4'], ['Tesla A100', 'A100'], ['A100 80GB', 'A100-80GB'], ['H100 80GB', 'H100'], ['H100 80GB Mega', 'H100-MEGA'],
    ['L4', 'L4'], ['Tesla T4 Virtual Workstation', null],
  ])('GPU %j → %j', (name, model) => {
    expect(gcpModelOfSkuForTest(name)).toBe(model);
  });

  it('derives machine families and shapes from catalog offerings', () => {
    expect(['n2-standard-8', 'a3-megagpu-8g', 'a3-highgpu-8g', 'a3-ultragpu-8g', 'e2-micro'].map(gcpFamilyOf)).toEqual(['n2', 'a3-mega', 'a3', 'a3-ultra', 'e2']);
    const offering = { provider: 'gcp', instanceType: 'g2-standard-4', vcpus: 4, memoryGiB: 16, gpu: { model: 'L4', count: 1 } };
    expect(gcpShapesFromOfferings([offering, { ...offering }, { ...offering, provider: 'aws' }])).toEqual([
      { instanceType: 'g2-standard-4', family: 'g2', vcpus: 4, memoryGiB: 16, gpu: { model: 'L4', count: 1 } },
    ]);
  });
});
