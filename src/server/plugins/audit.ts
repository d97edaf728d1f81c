import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditOutcome } from '../../core/audit/chain.js';
import type { AuditLog } from '../../app/audit-log.js';
import type { ServerMetrics } from './metrics.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuditPluginOptions {
  readonly audit: AuditLog;
  readonly metrics: ServerMetrics;
}

/**
 * Writes every mutating API call and every authentication or authorisation failure to the audit log
 * before the response leaves, so a client that got an answer can find its row.
 * Who: `key:<id>` or `anonymous`; what: `METHOD /route/pattern`; outcome by status.
 */
async function auditPlugin(app: FastifyInstance, options: AuditPluginOptions): Promise<void> {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    const status = reply.statusCode;
    const denied = status === 401 || status === 403;
    const matched = request.routeOptions.url !== undefined;
    if (!denied && !(matched && MUTATING.has(request.method))) return payload;
    // High-volume machine routes (telemetry ingest) audit only refusals of their key; the rest is in metrics.
    if (!denied && request.routeOptions.config.audit === 'denied-only') return payload;
    const outcome: AuditOutcome = denied ? 'denied' : status < 400 ? 'success' : 'failure';
    const principal = request.principal;
    try {
      await options.audit.record({
        actor: principal ? `key:${principal.keyId}` : 'anonymous',
        action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        target: request.url.split('?')[0] ?? null,
        outcome,
        details: {
          status,
          requestId: request.id,
          ip: request.ip,
          ...(principal ? { keyName: principal.name, role: principal.role } : {}),
          ...(request.govError ? { error: request.govError.code } : {}),
          ...(request.govError?.details && typeof request.govError.details === 'object' && 'reason' in request.govError.details
            ? { reason: (request.govError.details as { reason: unknown }).reason }
            : {}),
        },
      });
      options.metrics.auditEntries.inc({ outcome });
    } catch (error) {
      // The response stands; the missing row is logged and counted so it is noticed.
      options.metrics.auditWriteErrors.inc();
      request.log.error({ err: error }, 'audit log write failed');
    }
    return payload;
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `denied-only`: audit only 401/403 on this route, not every call (telemetry ingest; docs/api.md "Audit"). Default: all. */
    audit?: 'all' | 'denied-only';
  }
}

export default fp(auditPlugin, { name: 'governator-audit', fastify: '5.x' });
