import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withErrors } from '../schemas.js';

/** About the API itself: the caller's identity and the OpenAPI document. */
export function metaRoutes(app: FastifyInstance): void {
  app.get('/api/v1/whoami', {
    config: { access: 'authenticated' },
    schema: {
      summary: 'The key making this request: its name, role and permissions',
      tags: ['meta'],
      response: withErrors({
        200: Type.Object({ keyId: Type.String(), name: Type.String(), role: Type.String(), permissions: Type.Array(Type.String()) }),
      }),
    },
  }, async (request) => ({ ...request.principal!, permissions: [...request.principal!.permissions] }));

  app.get('/api/v1/openapi.json', {
    config: { access: 'authenticated' },
    schema: { hide: true },
  }, async () => app.swagger());
}
