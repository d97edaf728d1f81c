/** DigitalOcean sizes adapter over undici's MockAgent, replaying recorded pages (test/fixtures/pricing/digitalocean/). */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDigitalOceanPriceSource } from '../../src/adapters/pricing/digitalocean/sizes.js';
import { withRetry } from '../../src/app/pricing/with-retry.js';
import { fixture, recordingSleep, rejection, replying, signal, type SeenRequest } from './support.js';

const ORIGIN = 'https://api.digitalocean.com';
const TOKEN = 'dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const page1 = fixture('digitalocean/sizes-page1.json');
const page2 = fixture('digitalocean/sizes-page2.json');

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
const source = (maxPages?: number) => createDigitalOceanPriceSource({ token: TOKEN, dispatcher: agent, now, ...(maxPages === undefined ? {} : { maxPages }) });

function twoPages(): void {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: '/v2/sizes?per_page=200', method: 'GET' }).reply(replying(seen, 200, page1));
  pool.intercept({ path: '/v2/sizes?page=2&per_page=200', method: 'GET' }).reply(replying(seen, 200, page2));
}

describe('digitalocean-sizes', () => {
  it('quotes every available size in each of its regions, following links.pages.next with the bearer token', async () => {
    twoPages();
    const snapshot = await source().fetch({ signal: signal() });
    const bySlug = new Map<string, { regions: string[]; price: number }>();
    for (const q of snapshot.quotes) {
      expect(q).toMatchObject({ provider: 'digitalocean', zone: null, purchase: 'on-demand', term: null, asOf: '2026-01-01T12:00:00.000Z' });
      const entry = bySlug.get(q.instanceType) ?? { regions: [], price: q.pricePerHour };
      entry.regions.push(q.region);
      bySlug.set(q.instanceType, entry);
    }
    expect(Object.fromEntries([...bySlug].map(([slug, e]) => [slug, [e.regions.length, e.price]]))).toEqual({
      's-1vcpu-1gb': [10, 0.00893],
      's-4vcpu-8gb': [10, 0.07143],
      'c-4': [2, 0.125],
      'gpu-h100x1-80gb': [2, 6.74],
      'gpu-h100x8-640gb': [2, 47.6],
    });
    expect(bySlug.get('gpu-h100x8-640gb')?.regions).toEqual(['nyc2', 'tor1']);
    expect(seen.map((s) => s.headers['authorization'])).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('skips sizes not for sale and reports malformed ones', async () => {
    twoPages();
    const snapshot = await source().fetch({ signal: signal() });
    expect(snapshot.quotes.some((q) => q.instanceType === 's-8vcpu-16gb-old')).toBe(false);
    expect(snapshot.errors).toEqual([
      { item: 'size m-2vcpu-16gb', message: 'price has type string, expected a number' },
      { item: 'size gpu-broken', message: 'price is zero' },
      { item: 'page 2 size 3', message: 'has no slug' },
    ]);
  });

  it('401 is AUTH, with DigitalOcean\'s message and without the token', async () => {
    agent.get(ORIGIN).intercept({ path: '/v2/sizes?per_page=200', method: 'GET' })
      .reply(replying(seen, 401, { id: 'Unauthorized', message: 'Unable to authenticate you' }));
    const err = await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_AUTH');
    expect(err.message).toBe('digitalocean-sizes: GET https://api.digitalocean.com/v2/sizes answered 401: Unable to authenticate you');
    expect(JSON.stringify(err.details)).not.toContain(TOKEN);
  });

  it('429 with Retry-After, then 500, then success: withRetry gets there', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/v2/sizes?per_page=200', method: 'GET' })
      .reply(replying(seen, 429, { id: 'too_many_requests', message: 'API Rate limit exceeded.' }, { 'retry-after': '2', 'ratelimit-remaining': '0' }));
    pool.intercept({ path: '/v2/sizes?per_page=200', method: 'GET' }).reply(replying(seen, 500, { id: 'server_error', message: 'Unexpected server-side error' }));
    twoPages();
    const { delays, sleep } = recordingSleep();
    const retries: string[] = [];
    const snapshot = await withRetry(source(), { random: () => 0.5, sleep, onRetry: (e) => retries.push(e.error.code) }).fetch({ signal: signal() });
    expect(snapshot.quotes.length).toBeGreaterThan(0);
    expect(delays).toEqual([2000, 1000]);
    expect(retries).toEqual(['GOV_PRICE_SOURCE_THROTTLED', 'GOV_PRICE_SOURCE_UNAVAILABLE']);
  });

  it('never sends the token to another origin named by links.pages.next', async () => {
    agent.get(ORIGIN).intercept({ path: '/v2/sizes?per_page=200', method: 'GET' })
      .reply(replying(seen, 200, { sizes: [], links: { pages: { next: 'https://evil.example.com/v2/sizes?page=2' } } }));
    const err = await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/refusing to follow it/);
    expect(seen.map((s) => s.path)).toEqual(['/v2/sizes?per_page=200']);
  });

  it('bounds pagination', async () => {
    agent.get(ORIGIN).intercept({ path: (p) => p.startsWith('/v2/sizes'), method: 'GET' })
      .reply(replying(seen, 200, { sizes: [], links: { pages: { next: `${ORIGIN}/v2/sizes?page=2&per_page=200` } } })).persist();
    await rejection(source(3).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(seen).toHaveLength(3);
  });

  it('stops at once when aborted mid-request', async () => {
    agent.get(ORIGIN).intercept({ path: '/v2/sizes?per_page=200', method: 'GET' }).reply(replying(seen, 200, page1)).delay(600_000);
    const controller = new AbortController();
    const pending = source().fetch({ signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    // The answer would take 10 minutes: only the abort can end this within the test's time limit.
    const err = await rejection(pending, 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.details).toMatchObject({ aborted: true });
  });
});
