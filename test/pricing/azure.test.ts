/** Azure Retail Prices adapter over undici's MockAgent, replaying recorded pages (test/fixtures/pricing/azure/). */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAzureRetailPriceSource } from '../../src/adapters/pricing/azure/retail.js';
import { withRetry } from '../../src/app/pricing/with-retry.js';
import { fixture, recordingSleep, rejection, replying, signal, type SeenRequest } from './support.js';

const ORIGIN = 'https://prices.azure.com';
const page1 = fixture<{ NextPageLink: string }>('azure/retail-eastus-page1.json');
const page2 = fixture('azure/retail-eastus-page2.json');
const isPrices = (path: string): boolean => path.startsWith('/api/retail/prices?');

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
const source = (mode: 'list' | 'spot', extra: { maxPages?: number; requestTimeoutMs?: number } = {}) =>
  createAzureRetailPriceSource({ regions: ['eastus'], mode, dispatcher: agent, now, ...extra });

function twoPages(): void {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: (p) => isPrices(p) && !p.includes('skip'), method: 'GET' }).reply(replying(seen, 200, page1));
  pool.intercept({ path: (p) => isPrices(p) && p.includes('%24skip=1000'), method: 'GET' }).reply(replying(seen, 200, page2));
}

describe('azure-retail (list)', () => {
  it('reads pay-as-you-go and 1/3-year reservations (converted to hourly), following NextPageLink', async () => {
    twoPages();
    const snapshot = await source('list').fetch({ signal: signal() });
    const prices = Object.fromEntries(snapshot.quotes.map((q) => [`${q.instanceType}:${q.purchase}${q.term ? `:${q.term}` : ''}`, q.pricePerHour]));
    expect(prices).toEqual({
      'Standard_D4s_v3:on-demand': 0.192,
      'Standard_D4s_v3:reserved:1y': Math.round((1059 / 8760) * 1e10) / 1e10,
      'Standard_D4s_v3:reserved:3y': Math.round((2036 / 26_280) * 1e10) / 1e10,
      'Standard_ND96isr_H100_v5:on-demand': 98.32,
    });
    expect(prices['Standard_D4s_v3:reserved:1y']).toBeCloseTo(0.120_890, 6);
    for (const q of snapshot.quotes) expect(q).toMatchObject({ provider: 'azure', region: 'eastus', zone: null });
    expect(snapshot.quotes.find((q) => q.instanceType === 'Standard_ND96isr_H100_v5')?.asOf).toBe('2023-08-01T00:00:00.000Z');
    expect(seen).toHaveLength(2);
    const first = new URL(`${ORIGIN}${seen[0]?.path ?? ''}`);
    expect(first.searchParams.get('api-version')).toBe('2023-01-01-preview');
    expect(first.searchParams.get('currencyCode')).toBe("'USD'");
    expect(first.searchParams.get('$filter')).toBe(
      "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and (priceType eq 'Consumption' or priceType eq 'Reservation')");
    expect(seen[1]?.path).toBe(new URL(page1.NextPageLink).pathname + new URL(page1.NextPageLink).search);
  });

  it('leaves out Windows, spot, Low Priority, DevTest and 5-year prices, and reports malformed items', async () => {
    twoPages();
    const snapshot = await source('list').fetch({ signal: signal() });
    expect(snapshot.quotes.every((q) => q.pricePerHour !== 0.376 && q.pricePerHour !== 0.1536 && q.pricePerHour !== 0.0384)).toBe(true);
    expect(snapshot.errors).toEqual([
      { item: 'eastus Standard_NC24ads_A100_v4 (meter 5e6c0d2f-7c88-4a39-9a55-6c8e4b3c7d10)', message: 'has no price' },
      { item: 'eastus Standard_D4s_v3 (meter 2d9b1c44-8f71-4b0a-b1f4-93e7c0a5d612)', message: 'unitOfMeasure is "1/Month", expected "1 Hour"' },
      { item: 'eastus page 2 item 4', message: 'item is not an object' },
      { item: 'eastus (no armSkuName) (meter 5e6c0d2f-7c88-4a39-9a55-6c8e4b3c7d11)', message: 'has no armSkuName' },
    ]);
  });
});

describe('azure-spot', () => {
  it('reads only Spot meters', async () => {
    twoPages();
    const snapshot = await source('spot').fetch({ signal: signal() });
    expect(snapshot.quotes.map((q) => [q.instanceType, q.purchase, q.pricePerHour])).toEqual([
      ['Standard_D4s_v3', 'spot', 0.036902],
      ['Standard_ND96isr_H100_v5', 'spot', 18.169536],
    ]);
    expect(new URL(`${ORIGIN}${seen[0]?.path ?? ''}`).searchParams.get('$filter')).toBe(
      "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and priceType eq 'Consumption'");
  });
});

describe('azure failures', () => {
  it('429 with Retry-After is THROTTLED with retryAfterMs; withRetry waits that long and succeeds', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 429, { error: { code: 'TooManyRequests', message: 'Rate limit exceeded' } }, { 'retry-after': '7' }));
    const err = await rejection(source('list').fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_THROTTLED');
    expect(err.details).toMatchObject({ source: 'azure-retail', status: 429, retryAfterMs: 7000 });
    expect(err.message).toMatch(/answered 429 \(too many requests\): Rate limit exceeded/);

    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 429, '', { 'retry-after': '3' }));
    twoPages();
    const { delays, sleep } = recordingSleep();
    const snapshot = await withRetry(source('list'), { random: () => 0, sleep }).fetch({ signal: signal() });
    expect(delays).toEqual([3000]);
    expect(snapshot.quotes).toHaveLength(4);
  });

  it('a Retry-After longer than withRetry accepts is handed to the caller', async () => {
    agent.get(ORIGIN).intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 429, '', { 'retry-after': '3600' }));
    const { delays, sleep } = recordingSleep();
    await rejection(withRetry(source('list'), { sleep, maxRetryAfterMs: 60_000 }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_THROTTLED');
    expect(delays).toEqual([]);
  });

  it('5xx is UNAVAILABLE and retryable; a 400 is UNAVAILABLE and not retried', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 503, '<html>Service Unavailable</html>'));
    const err = await rejection(source('list').fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.details).toMatchObject({ status: 503, retryable: true });

    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 400, { Error: { Code: 'BadRequest' }, message: "Invalid OData parameter" }));
    const { delays, sleep } = recordingSleep();
    const bad = await rejection(withRetry(source('list'), { sleep }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(bad.details).toMatchObject({ status: 400, retryable: false });
    expect(delays).toEqual([]);
  });

  it('an answer that is not JSON, or has no Items, is UNAVAILABLE', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 200, '{"Items": [ {"armSkuName": "Standard_D4s'));
    expect((await rejection(source('list').fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE')).message).toMatch(/not valid JSON/);
    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 200, { BillingCurrency: 'USD' }));
    expect((await rejection(source('list').fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE')).message).toMatch(/no Items array/);
  });

  it('stops a NextPageLink that loops after maxPages', async () => {
    agent.get(ORIGIN).intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 200, { Items: [], NextPageLink: `${ORIGIN}/api/retail/prices?$skip=0` })).persist();
    const err = await rejection(source('list', { maxPages: 4 }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/region eastus: still more pages after 4/);
    expect(seen).toHaveLength(4);
  });

  it('refuses a NextPageLink to another origin', async () => {
    agent.get(ORIGIN).intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 200, { Items: [], NextPageLink: 'https://prices.example.net/api/retail/prices?$skip=1000' }));
    const err = await rejection(source('list').fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/points to https:\/\/prices\.example\.net/);
  });

  it('bounds each request with a timeout, and a network error is UNAVAILABLE', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: isPrices, method: 'GET' }).reply(replying(seen, 200, page2)).delay(2000);
    const err = await rejection(source('list', { requestTimeoutMs: 30 }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/no complete answer within 30 ms/);

    pool.intercept({ path: isPrices, method: 'GET' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const refused = await rejection(source('list').fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(refused.details).toMatchObject({ retryable: true });
  });

  it('rejects a region name that could break the OData filter', () => {
    expect(() => createAzureRetailPriceSource({ regions: ["eastus' or 1 eq 1"], mode: 'list' })).toThrow(/not an ARM region name/);
  });
});
