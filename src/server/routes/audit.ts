import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../../app/audit-log.js';
import { withErrors } from '../schemas.js';

const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

/** The audit log, read-only: newest entries, and a verification of the whole hash chain. */
export function auditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/audit', {
    config: { access: 'audit:read' },
    schema: {
      summary: 'Newest audit log entries',
      tags: ['audit'],
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }) }),
    },
  }, async (request) => {
    const entries = await deps.audit.recent(request.query.limit);
    return { entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })) };
  });

  api.get('/api/v1/audit/verify', {
    config: { access: 'audit:read' },
    schema: {
      summary: 'Verify the audit log hash chain',
      tags: ['audit'],
      response: withErrors({
        200: Type.Object({
          ok: Type.Boolean(),
          checked: Type.Integer(),
          headId: Type.Integer(),
          headHash: Type.String(),
          breaks: Type.Array(Type.Object({ id: Type.Integer(), reason: Type.String() })),
        }),
      }),
    },
  }, async () => deps.audit.verify());
}
