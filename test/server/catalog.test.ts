import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledCatalog } from '../../src/adapters/catalog/bundled.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

interface Page {
  offerings: { id: string; provider: string; purchase: string; pricePerHour: number; pricePerGpuHour: number | null; pricePerVcpuHour: number; gpu: { model: string; count: number } | null; vcpus: number; region: string }[];
  total: number;
  nextCursor: string | null;
}

describe('GET /api/v1/catalog/offerings', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ roles: [{ name: 'nodes-reader', permissions: ['nodes:read'] }] });
  });
  afterAll(async () => server?.close());

  const get = async (query: string, token = server.tokens.viewer) => server.app.inject({ method: 'GET', url: `/api/v1/catalog/offerings${query}`, headers: bearer(token) });

  it('lists offerings cheapest first with unit prices', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.total).toBe(9);
    expect(page.nextCursor).toBeNull();
    const prices = page.offerings.map((o) => o.pricePerHour);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const p5 = page.offerings.find((o) => o.id === 'aws:us-east-1:p5.48xlarge:on-demand');
    expect(p5).toMatchObject({ pricePerGpuHour: 55.04 / 8, pricePerVcpuHour: 55.04 / 192, gpu: { model: 'H100', count: 8 }, term: null, zone: null });
    expect(page.offerings.find((o) => o.gpu === null)?.pricePerGpuHour).toBeNull();
  });

  it('filters like the CLI: gpu (any spelling), purchase, provider, minimums', async () => {
    const ids = async (query: string) => (await get(query)).json<Page>().offerings.map((o) => o.id);
    expect(await ids('?gpu=nvidia-h100-80gb&purchase=spot')).toEqual(['aws:us-east-1:p5.48xlarge:spot']);
    expect(await ids('?gpu=H100&minGpus=8&provider=gcp,baremetal')).toEqual(['baremetal:on-prem:dgx-h100:owned', 'gcp:us-central1:a3-highgpu-8g:reserved:3y', 'gcp:us-central1:a3-highgpu-8g:on-demand']);
    expect(await ids('?minVcpus=64&region=us-east-1&gpu=none')).toEqual(['aws:us-east-1:m7i.16xlarge:on-demand']);
    expect(await ids('?minMemory=2000&maxPrice=30')).toEqual(['baremetal:on-prem:dgx-h100:owned', 'aws:us-east-1:p5.48xlarge:spot']);
    expect(await ids('?sort=price-per-gpu&limit=1')).toEqual(['baremetal:on-prem:dgx-h100:owned']);
  });

  it('pages with limit and cursor until nextCursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page: Page = (await get(`?limit=4${cursor === '' ? '' : `&cursor=${cursor}`}`)).json<Page>();
      expect(page.total).toBe(9);
      seen.push(...page.offerings.map((o) => o.id));
      cursor = page.nextCursor;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(9);
  });

  it.each([
    ['?purchase=cheap', 'querystring.purchase', /querystring.purchase "cheap" is not valid: expected one or more of on-demand, spot, reserved, owned/],
    ['?minVcpus=-1', 'querystring.minVcpus', /whole number of at least 0/],
    ['?gpu=X9000', 'querystring.gpu', /expected a GPU model/],
    ['?provider=oracle', 'querystring.provider', /expected one of aws, baremetal, digitalocean, gcp/],
    ['?sort=cheapest', 'querystring.sort', /expected one of price, price-per-gpu/],
    ['?limit=0', 'querystring.limit', /must be >= 1/],
    ['?limit=1001', 'querystring.limit', /must be <= 1000/],
    ['?cursor=abc', 'querystring.cursor', /must match pattern/],
    ['?colour=blue', 'querystring.colour', /not a known field/],
  ])('%s → 400 GOV_VALIDATION naming %s', async (query, field, message) => {
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; message: string; details: { errors: { field: string }[] } } }>();
    expect(body.error.code).toBe('GOV_VALIDATION');
    expect(body.error.message).toMatch(message);
    expect(body.error.details.errors[0]?.field).toBe(field);
  });

  it('needs cost:read', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/api/v1/catalog/offerings' })).statusCode).toBe(401);
    const limited = await server.keys.create({ name: 'nodes-only', role: 'nodes-reader', createdBy: 'test' });
    const denied = await get('', limited.token);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'GOV_FORBIDDEN', details: { required: 'cost:read' } });
    for (const token of [server.tokens.viewer, server.tokens.operator, server.tokens.admin]) expect((await get('?limit=1', token)).statusCode).toBe(200);
  });
});

describe('GET /api/v1/catalog/offerings over the bundled catalog', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ catalog: loadBundledCatalog().catalog });
  });
  afterAll(async () => server?.close());

  it('finds the 8×H200 offerings across clouds, cheapest first', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/catalog/offerings?gpu=H200&minGpus=8&purchase=on-demand&limit=1000', headers: bearer(server.tokens.viewer) });
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.total).toBe(page.offerings.length);
    expect(new Set(page.offerings.map((o) => o.provider))).toEqual(new Set(['aws', 'azure']));
    expect(page.offerings.map((o) => o.id)).toContain('aws:us-east-1:p5en.48xlarge:on-demand');
    expect(page.offerings.every((o) => o.gpu?.model === 'H200' && (o.gpu?.count ?? 0) >= 8 && o.purchase === 'on-demand')).toBe(true);
  });
});
