import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ server: { bodyLimit: 2048 } });
});
afterAll(async () => server?.close());

const admin = () => bearer(server.tokens.admin);

describe('bad input gets a 4xx with a stable code, never a 500 or a stack trace', () => {
  const cases: Array<{ name: string; request: () => InjectOptions; status: number; code: string; field?: string }> = [
    { name: 'malformed JSON', status: 400, code: 'GOV_MALFORMED_JSON',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: { ...admin(), 'content-type': 'application/json' }, payload: '{"name": "x", ' }) },
    { name: 'empty JSON body', status: 400, code: 'GOV_MALFORMED_JSON',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: { ...admin(), 'content-type': 'application/json' }, payload: '' }) },
    { name: 'wrong types', status: 400, code: 'GOV_VALIDATION', field: 'body.name',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: { first: 'x' }, role: 'viewer' } }) },
    { name: 'missing field', status: 400, code: 'GOV_VALIDATION', field: 'body.role',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: 'x' } }) },
    { name: 'unknown field', status: 400, code: 'GOV_VALIDATION', field: 'body.admin',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: 'x', role: 'viewer', admin: true } }) },
    { name: 'a JSON array instead of an object', status: 400, code: 'GOV_VALIDATION',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: [1, 2] }) },
    { name: 'unknown role', status: 400, code: 'GOV_VALIDATION',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: 'x', role: 'emperor' } }) },
    { name: 'bad key name', status: 400, code: 'GOV_VALIDATION',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: '../../etc', role: 'viewer' } }) },
    { name: 'text/plain body', status: 415, code: 'GOV_UNSUPPORTED_MEDIA_TYPE',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: { ...admin(), 'content-type': 'text/plain' }, payload: 'name=x' }) },
    { name: 'oversized body', status: 413, code: 'GOV_PAYLOAD_TOO_LARGE',
      request: () => ({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: 'x'.repeat(4096), role: 'viewer' } }) },
    { name: 'non-numeric limit', status: 400, code: 'GOV_VALIDATION', field: 'querystring.limit',
      request: () => ({ method: 'GET', url: '/api/v1/nodes?limit=many', headers: admin() }) },
    { name: 'limit out of range', status: 400, code: 'GOV_VALIDATION', field: 'querystring.limit',
      request: () => ({ method: 'GET', url: '/api/v1/nodes?limit=5000', headers: admin() }) },
    { name: 'unknown node state', status: 400, code: 'GOV_VALIDATION', field: 'querystring.state',
      request: () => ({ method: 'GET', url: '/api/v1/nodes?state=exploded', headers: admin() }) },
    { name: 'unknown query parameter', status: 400, code: 'GOV_VALIDATION',
      request: () => ({ method: 'GET', url: '/api/v1/nodes?colour=red', headers: admin() }) },
    { name: 'malformed key id', status: 400, code: 'GOV_VALIDATION', field: 'params.id',
      request: () => ({ method: 'DELETE', url: '/api/v1/keys/zzz', headers: admin() }) },
    { name: 'unknown key id', status: 404, code: 'GOV_NOT_FOUND',
      request: () => ({ method: 'DELETE', url: '/api/v1/keys/0123456789ab', headers: admin() }) },
    { name: 'unknown node', status: 404, code: 'GOV_NOT_FOUND',
      request: () => ({ method: 'GET', url: '/api/v1/nodes/i-nope', headers: admin() }) },
    { name: 'unknown route', status: 404, code: 'GOV_NOT_FOUND',
      request: () => ({ method: 'GET', url: '/api/v1/nope' }) },
    { name: 'unknown method on a known path', status: 404, code: 'GOV_NOT_FOUND',
      request: () => ({ method: 'PATCH', url: '/api/v1/nodes', headers: admin() }) },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const res = await server.app.inject(c.request());
      expect(res.statusCode, res.body).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(body.error.code).toBe(c.code);
      expect(typeof body.error.message).toBe('string');
      expect(res.body).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
      if (c.field) expect(JSON.stringify(body.error.details)).toContain(c.field);
    });
  }

  it('a duplicate key name is a 409 conflict', async () => {
    const first = await server.app.inject({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: 'twice', role: 'viewer' } });
    expect(first.statusCode).toBe(201);
    const second = await server.app.inject({ method: 'POST', url: '/api/v1/keys', headers: admin(), payload: { name: 'twice', role: 'viewer' } });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('GOV_CONFLICT');
  });

  it('an unexpected failure is a 500 GOV_INTERNAL that hides its cause', async () => {
    const broken = await startTestServer();
    const store = broken.store;
    // Make the node list blow up the way a driver bug would.
    (store.nodes as { list: unknown }).list = async () => {
      throw new Error('secret internal detail at /srv/db.js:1:1');
    };
    try {
      const res = await broken.app.inject({ url: '/api/v1/nodes', headers: bearer(broken.tokens.admin) });
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toMatchObject({ code: 'GOV_INTERNAL', message: 'internal error' });
      expect(res.body).not.toContain('secret');
    } finally {
      await broken.close();
    }
  });
});

describe('request ids', () => {
  it('every response carries one, and a sane incoming X-Request-Id is kept', async () => {
    const res = await server.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const fresh = await server.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('error bodies name the request id', async () => {
    const res = await server.app.inject({ url: '/api/v1/nodes', headers: { 'x-request-id': 'req-42' } });
    expect(res.json().error.requestId).toBe('req-42');
  });
});
