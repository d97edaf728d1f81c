import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GovError } from '../../core/errors.js';
import type { Node } from '../../core/model/node.js';
import type { Store } from '../../ports/store.js';
import { NodeState, withErrors } from '../schemas.js';

export function nodeToJson(node: Node) {
  return {
    ...node,
    labels: { ...node.labels },
    startedAt: node.startedAt?.toISOString() ?? null,
    updatedAt: node.updatedAt.toISOString(),
  };
}

/** The governed fleet, from the store (the seed's GET /api/v1/nodes). */
export function nodeRoutes(app: FastifyInstance, deps: { store: Store }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/nodes', {
    config: { access: 'nodes:read' },
    schema: {
      summary: 'List governed nodes',
      description: 'Ordered by id; page with `cursor` (the `nextCursor` of the previous page).',
      tags: ['nodes'],
      querystring: Type.Object({
        provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        pool: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        state: Type.Optional(NodeState),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      }, { additionalProperties: false }),
      response: withErrors({
        200: Type.Object({ nodes: Type.Array(Type.Ref('Node')), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
      }),
    },
  }, async (request) => {
    const q = request.query;
    const page = await deps.store.nodes.list({
      limit: q.limit,
      ...(q.provider ? { provider: q.provider } : {}),
      ...(q.region ? { region: q.region } : {}),
      ...(q.pool ? { pool: q.pool } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.cursor ? { after: q.cursor } : {}),
    });
    return { nodes: page.nodes.map(nodeToJson), nextCursor: page.nextCursor };
  });

  api.get('/api/v1/nodes/:id', {
    config: { access: 'nodes:read' },
    schema: {
      summary: 'One governed node',
      tags: ['nodes'],
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
      response: withErrors({ 200: Type.Ref('Node'), 404: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => {
    const node = await deps.store.nodes.get(request.params.id);
    if (!node) throw new GovError('GOV_NOT_FOUND', `no node with id ${JSON.stringify(request.params.id)}`, { details: { id: request.params.id } });
    return nodeToJson(node);
  });
}

