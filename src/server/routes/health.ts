import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { GovError } from '../../core/errors.js';
import type { Store } from '../../ports/store.js';

const READY_TIMEOUT_MS = 2_000;

/** Liveness and readiness, for load balancers and orchestrators. Public. */
export function healthRoutes(app: FastifyInstance, deps: { store: Store; version: string }): void {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: {
      summary: 'Liveness: the process is up and serving',
      tags: ['health'],
      security: [],
      response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
    },
  }, async () => ({ status: 'ok' as const, version: deps.version }));

  app.get('/readyz', {
    config: { access: 'public' },
    schema: {
      summary: 'Readiness: the database answers',
      tags: ['health'],
      security: [],
      response: {
        200: Type.Object({ status: Type.Literal('ready'), store: Type.String() }),
        503: Type.Ref('ErrorResponse'),
      },
    },
  }, async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GovError('GOV_NOT_READY', `the database did not answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([deps.store.ping(), timeout]);
    } catch (error) {
      if (error instanceof GovError && error.code === 'GOV_NOT_READY') throw error;
      throw new GovError('GOV_NOT_READY', 'the database is not reachable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ready' as const, store: deps.store.kind };
  });
}
