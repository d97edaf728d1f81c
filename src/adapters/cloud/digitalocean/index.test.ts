import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Offering } from '../../../core/model/offering.js';
import { isGovError } from '../../../core/errors.js';
import { createDigitalOceanProvider, tokenTag } from './index.js';

const API = 'https://api.digitalocean.com';
const TOKEN = 'dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab';
let agent: MockAgent;
beforeEach(() => { agent = new MockAgent(); agent.disableNetConnect(); });
afterEach(async () => { await agent.close(); });

const offering: Offering = {
  id: 'digitalocean:nyc3:s-2vcpu-4gb:on-demand', provider: 'digitalocean', region: 'nyc3', zone: null, instanceType: 's-2vcpu-4gb',
  vcpus: 2, memoryGiB: 4, gpu: null, purchase: 'on-demand', term: null, pricePerHour: 0.03571, available: null, source: 'bundled', asOf: null,
};

/** Trimmed from a real GET /v2/droplets/{id} answer (DigitalOcean API reference). */
const droplet = (o: Record<string, unknown> = {}) => ({
  id: 3164444, name: 'gov-web-1a2b3c4d5e6f', memory: 4096, vcpus: 2, disk: 80, locked: false, status: 'active',
  created_at: '2026-11-22T08:00:00Z', features: ['monitoring'], backup_ids: [], snapshot_ids: [],
  image: { id: 6918990, name: '24.04 (LTS) x64', distribution: 'Ubuntu', slug: 'ubuntu-24-04-x64' },
  size_slug: 's-2vcpu-4gb', region: { name: 'New York 3', slug: 'nyc3', available: true },
  networks: { v4: [{ ip_address: '10.128.192.124', netmask: '255.255.0.0', gateway: 'nil', type: 'private' }, { ip_address: '192.241.165.154', netmask: '255.255.255.0', gateway: '192.241.165.1', type: 'public' }], v6: [] },
  tags: ['governator:pool:web', 'governator:offering:digitalocean:nyc3:s-2vcpu-4gb:on-demand'], vpc_uuid: '760e09ef-dc84-11e8-981e-3cfdfeaae000',
  ...o,
});
const page = (droplets: unknown[], next?: string) => ({ droplets, links: next ? { pages: { next, last: next } } : {}, meta: { total: droplets.length } });

let clock = 1_000_000;
const provider = (extra: Partial<Parameters<typeof createDigitalOceanProvider>[0]> = {}) => createDigitalOceanProvider({
  name: 'do-nyc', token: TOKEN, dispatcher: agent, now: () => clock, ...extra,
});
const pool = () => agent.get(API);
const json = { headers: { 'content-type': 'application/json' } };

async function rejection(p: Promise<unknown>) {
  try { await p; } catch (error) { if (isGovError(error)) return error; throw error; }
  throw new Error('expected a rejection');
}

describe('digitalocean adapter', () => {
  it('lists every droplet across pages, mapping pool tag, state, size, region and private address', async () => {
    pool().intercept({ path: '/v2/droplets?per_page=200', method: 'GET' }).reply(200, page([droplet()], `${API}/v2/droplets?page=2&per_page=200`), json);
    pool().intercept({ path: '/v2/droplets?page=2&per_page=200', method: 'GET' }).reply(200, page([droplet({ id: 42, status: 'off', tags: [] })]), json);
    const nodes = await provider().listNodes();
    expect(nodes).toHaveLength(2);
    expect(nodes[0]).toMatchObject({ id: '3164444', pool: 'web', state: 'running', instanceType: 's-2vcpu-4gb', region: 'nyc3', address: '10.128.192.124', offeringId: offering.id });
    expect(nodes[1]).toMatchObject({ id: '42', pool: null, state: 'stopped' });
  });

  it('listScope owned keeps only droplets with a pool tag', async () => {
    pool().intercept({ path: '/v2/droplets?per_page=200', method: 'GET' }).reply(200, page([droplet(), droplet({ id: 7, tags: ['db'] })]), json);
    const nodes = await provider({ listScope: 'owned' }).listNodes();
    expect(nodes.map((n) => n.id)).toEqual(['3164444']);
  });

  it('starts a droplet with pool, token and offering tags, and a retried start with the same token returns it', async () => {
    const tag = tokenTag('act-42');
    let body: Record<string, unknown> = {};
    pool().intercept({ path: `/v2/droplets?per_page=200&tag_name=${encodeURIComponent(tag)}`, method: 'GET' }).reply(200, page([]), json);
    pool().intercept({ path: '/v2/droplets', method: 'POST', body: (b) => { body = JSON.parse(b) as Record<string, unknown>; return true; } })
      .reply(202, { droplet: droplet({ status: 'new', tags: ['governator:pool:web', tag] }), links: { actions: [{ id: 7515, rel: 'create', href: `${API}/v2/actions/7515` }] } }, json);
    const first = await provider().startNode({ pool: 'web', offering, idempotencyToken: 'act-42', labels: { team: 'search' } });
    expect(first).toMatchObject({ id: '3164444', state: 'pending', pool: 'web' });
    expect(body).toMatchObject({ region: 'nyc3', size: 's-2vcpu-4gb', image: 'ubuntu-24-04-x64' });
    expect(body['tags']).toEqual(['governator:pool:web', tag, 'governator:offering:digitalocean:nyc3:s-2vcpu-4gb:on-demand', 'team:search']);

    // The retry finds the droplet by its token tag: no second POST (the MockAgent would refuse an unplanned one).
    pool().intercept({ path: `/v2/droplets?per_page=200&tag_name=${encodeURIComponent(tag)}`, method: 'GET' }).reply(200, page([droplet({ tags: ['governator:pool:web', tag] })]), json);
    const again = await provider().startNode({ pool: 'web', offering, idempotencyToken: 'act-42' });
    expect(again.id).toBe(first.id);
    agent.assertNoPendingInterceptors();
  });

  it('a droplet just created but not yet visible reads as pending, and NotFound after the grace window', async () => {
    const p = provider();
    pool().intercept({ path: /tag_name=/, method: 'GET' }).reply(200, page([]), json);
    pool().intercept({ path: '/v2/droplets', method: 'POST' }).reply(202, { droplet: droplet({ id: 99, status: 'new' }) }, json);
    await p.startNode({ pool: 'web', offering, idempotencyToken: 't-1' });
    const notFound = { id: 'not_found', message: 'The resource you were accessing could not be found.' };
    pool().intercept({ path: '/v2/droplets/99', method: 'GET' }).reply(404, notFound, json);
    expect((await p.getNode('99')).state).toBe('pending');
    clock += 200_000;
    pool().intercept({ path: '/v2/droplets/99', method: 'GET' }).reply(404, notFound, json);
    const error = await rejection(p.getNode('99'));
    expect(error.code).toBe('GOV_PROVIDER_NOT_FOUND');
  });

  it('stop terminate deletes; stopping a vanished droplet is NotFound; power_off of an off droplet is a no-op', async () => {
    pool().intercept({ path: '/v2/droplets/3164444', method: 'GET' }).reply(200, { droplet: droplet() }, json);
    pool().intercept({ path: '/v2/droplets/3164444', method: 'DELETE' }).reply(204, '');
    await provider().stopNode({ nodeId: '3164444', mode: 'terminate' });

    pool().intercept({ path: '/v2/droplets/3164444', method: 'GET' }).reply(200, { droplet: droplet({ status: 'off' }) }, json);
    await provider().stopNode({ nodeId: '3164444', mode: 'stop' });

    pool().intercept({ path: '/v2/droplets/3164444', method: 'GET' }).reply(200, { droplet: droplet() }, json);
    pool().intercept({ path: '/v2/droplets/3164444/actions', method: 'POST' }).reply(201, { action: { id: 36804745, status: 'in-progress', type: 'power_off' } }, json);
    await provider().stopNode({ nodeId: '3164444', mode: 'stop' });

    pool().intercept({ path: '/v2/droplets/5', method: 'GET' }).reply(404, { id: 'not_found', message: 'The resource you were accessing could not be found.' }, json);
    expect((await rejection(provider().stopNode({ nodeId: '5', mode: 'terminate' }))).code).toBe('GOV_PROVIDER_NOT_FOUND');
    agent.assertNoPendingInterceptors();
  });

  it('maps 429 with ratelimit headers to Throttled with retryAfterMs, 401/403 to AuthFailed, never echoing the token', async () => {
    clock = 1_700_000_000_000;
    pool().intercept({ path: '/v2/droplets?per_page=200', method: 'GET' }).reply(429, { id: 'too_many_requests', message: 'API Rate limit exceeded.' },
      { headers: { 'content-type': 'application/json', 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': String(1_700_000_000 + 30) } });
    const throttled = await rejection(provider().listNodes());
    expect(throttled.code).toBe('GOV_PROVIDER_THROTTLED');
    expect(throttled.details).toMatchObject({ retryable: true, retryAfterMs: 30_000, providerCode: 'too_many_requests' });

    pool().intercept({ path: '/v2/droplets?per_page=200', method: 'GET' }).reply(429, { id: 'too_many_requests', message: 'Too many requests' }, { headers: { 'retry-after': '7' } });
    expect((await rejection(provider().listNodes())).details).toMatchObject({ retryAfterMs: 7000 });

    for (const status of [401, 403]) {
      pool().intercept({ path: '/v2/droplets?per_page=200', method: 'GET' }).reply(status, { id: 'unauthorized', message: 'Unable to authenticate you' }, json);
      const auth = await rejection(provider().listNodes());
      expect(auth.code).toBe('GOV_PROVIDER_AUTH_FAILED');
      expect(JSON.stringify({ m: auth.message, d: auth.details })).not.toContain(TOKEN);
    }
    pool().intercept({ path: '/v2/account', method: 'GET' }).reply(401, { id: 'unauthorized', message: 'Unable to authenticate you' }, json);
    const health = await provider().health();
    expect(health.ok).toBe(false);
    expect(JSON.stringify(health)).not.toContain(TOKEN);
  });

  it('maps droplet limit to QuotaExceeded and an unavailable size to CapacityUnavailable', async () => {
    pool().intercept({ path: /tag_name=/, method: 'GET' }).reply(200, page([]), json);
    pool().intercept({ path: '/v2/droplets', method: 'POST' }).reply(422, { id: 'unprocessable_entity', message: 'creating this/these droplet(s) will exceed your droplet limit' }, json);
    expect((await rejection(provider().startNode({ pool: 'web', offering, idempotencyToken: 'q' }))).code).toBe('GOV_PROVIDER_QUOTA_EXCEEDED');
    pool().intercept({ path: /tag_name=/, method: 'GET' }).reply(200, page([]), json);
    pool().intercept({ path: '/v2/droplets', method: 'POST' }).reply(422, { id: 'unprocessable_entity', message: 'Size is not available in this region.' }, json);
    expect((await rejection(provider().startNode({ pool: 'web', offering, idempotencyToken: 'c' }))).code).toBe('GOV_PROVIDER_CAPACITY_UNAVAILABLE');
  });

  it('a failure on a later page fails the whole list (no silently partial inventory); a 503 is retryable Unavailable', async () => {
    pool().intercept({ path: '/v2/droplets?per_page=200', method: 'GET' }).reply(200, page([droplet()], `${API}/v2/droplets?page=2&per_page=200`), json);
    pool().intercept({ path: '/v2/droplets?page=2&per_page=200', method: 'GET' }).reply(503, 'upstream connect error', { headers: { 'content-type': 'text/plain' } });
    const error = await rejection(provider().listNodes());
    expect(error.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ retryable: true });
  });

  it('a non-numeric id is NotFound without a request', async () => {
    expect((await rejection(provider().getNode('../account'))).code).toBe('GOV_PROVIDER_NOT_FOUND');
  });
});
