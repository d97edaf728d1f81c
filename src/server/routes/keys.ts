import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiKeyService } from '../../app/api-keys.js';
import type { ApiKeyRecord } from '../../ports/store.js';
import { withErrors } from '../schemas.js';

const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

function keyToJson(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

/** API key management over HTTP (the same as `governator keys …`, usable while the server holds the data dir). */
export function keyRoutes(app: FastifyInstance, deps: { keys: ApiKeyService }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/keys', {
    config: { access: 'keys:read' },
    schema: {
      summary: 'List API keys (never their secrets)',
      tags: ['keys'],
      response: withErrors({ 200: Type.Object({ keys: Type.Array(ApiKeySchema) }) }),
    },
  }, async () => ({ keys: (await deps.keys.list()).map(keyToJson) }));

  api.post('/api/v1/keys', {
    config: { access: 'keys:write' },
    schema: {
      summary: 'Create an API key',
      description: 'The response carries the key itself (`key`) once; only a salted hash is stored.',
      tags: ['keys'],
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 64 }),
        role: Type.String({ minLength: 1, maxLength: 64 }),
      }, { additionalProperties: false }),
      response: withErrors({
        201: Type.Object({ key: Type.String(), apiKey: ApiKeySchema }),
        409: Type.Ref('ErrorResponse'),
      }),
    },
  }, async (request, reply) => {
    const created = await deps.keys.create({
      name: request.body.name,
      role: request.body.role,
      createdBy: request.principal ? `key:${request.principal.keyId}` : 'unknown',
    });
    return reply.status(201).send({ key: created.token, apiKey: keyToJson(created.record) });
  });

  api.delete('/api/v1/keys/:id', {
    config: { access: 'keys:write' },
    schema: {
      summary: 'Revoke an API key',
      tags: ['keys'],
      params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) }),
      response: withErrors({ 200: Type.Object({ apiKey: ApiKeySchema }), 404: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => ({ apiKey: keyToJson(await deps.keys.revoke(request.params.id)) }));
}
