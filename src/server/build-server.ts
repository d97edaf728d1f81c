import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { Logger } from 'pino';
import { GovError } from '../core/errors.js';
import type { ApiKeyService } from '../app/api-keys.js';
import type { AuditLog } from '../app/audit-log.js';
import type { Store } from '../ports/store.js';
import type { TelemetryService } from '../app/telemetry/service.js';
import { sendError } from './errors.js';
import auditPlugin from './plugins/audit.js';
import authPlugin from './plugins/auth.js';
import metricsPlugin, { ServerMetrics } from './plugins/metrics.js';
import { auditRoutes } from './routes/audit.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { metaRoutes } from './routes/meta.js';
import { nodeRoutes } from './routes/nodes.js';
import { telemetryRoutes } from './routes/telemetry.js';
import { catalogRoutes } from './routes/catalog.js';
import { planningRoutes } from './routes/planning.js';
import { actionRoutes } from './routes/actions.js';
import type { ActionEngine } from '../app/actions/engine.js';
import { overviewRoutes } from './routes/overview.js';
import { STREAM_PROTOCOL, streamRoutes } from './routes/stream.js';
import { uiRoutes } from './routes/ui.js';
import { providerRoutes } from './routes/providers.js';
import { forecastRoutes } from './routes/forecasts.js';
import type { CredentialService } from '../app/credentials/service.js';
import type { ProviderRegistry } from '../app/providers/registry.js';
import type { ProviderMetrics } from '../app/providers/metrics.js';
import type { LoopMetrics } from '../app/loop/metrics.js';
import { decisionRoutes } from './routes/decisions.js';
import { WS_KEY_PROTOCOL_PREFIX } from './plugins/auth.js';
import { EventBus } from '../app/events.js';
import type { PlannerService } from '../app/planner-service.js';
import type { CatalogView } from '../app/live-catalog.js';
import { ErrorResponse, NodeSchema } from './schemas.js';

export interface ServerDeps {
  readonly store: Store;
  /** The price catalog (bundled snapshot + owned hardware) served by GET /api/v1/catalog/offerings. */
  readonly catalog: CatalogView;
  readonly keys: ApiKeyService;
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly version: string;
  readonly options?: ServerOptions;
  /** Telemetry receivers and queries (issue #5); without it those routes are not served. */
  readonly telemetry?: TelemetryService;
  /** The planner (issue #4): POST /api/v1/cost/simulate, GET /api/v1/optimization/recommendations; without it those routes are not served. */
  readonly planner?: PlannerService;
  /** The action engine (issue #7): plans, approvals, the action journal, manual scale, the kill switch; without it those routes are not served. */
  readonly actions?: ActionEngine;
  /** Live events for GET /api/v1/stream (issue #9); without it the stream serves heartbeats only. */
  readonly events?: EventBus;
  /** The built dashboard served at / and /ui/* (default dist/web; docs/dashboard.md). */
  readonly webRoot?: string;
  /** Credentials and the provider registry (issue #7): /api/v1/providers/credentials, /api/multicloud/providers, governator_provider_* metrics; without it those routes are not served. */
  readonly providers?: { readonly credentials: CredentialService; readonly registry: ProviderRegistry; readonly metrics?: ProviderMetrics };
  /** The control loop (issue #8): its governator_loop_* metrics on /metrics. */
  readonly loop?: { readonly metrics: LoopMetrics };
}

export interface ServerOptions {
  /** Largest body accepted, bytes (server.body_limit). */
  readonly bodyLimit?: number;
  /** Per-request time limit, ms (server.request_timeout). */
  readonly requestTimeoutMs?: number;
  /** Trust X-Forwarded-For (server.trust_proxy). */
  readonly trustProxy?: boolean;
  /** HTTPS key and certificate (PEM). */
  readonly https?: { key: Buffer; cert: Buffer };
  /** Heartbeat period of GET /api/v1/stream, ms (default 15 s). */
  readonly streamHeartbeatMs?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Build the HTTP server: every route, hook and plugin, ready for `inject()` in tests or `listen()` in
 * `governator serve`. It never listens by itself.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const options = deps.options ?? {};
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    trustProxy: options.trustProxy ?? false,
    ...(options.https ? { https: options.https } : {}),
    // A caller's X-Request-Id is kept when it is sane, so logs join across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }) as unknown as FastifyInstance;

  const metrics = new ServerMetrics({ version: deps.version, store: deps.store });

  // JSON only: a text/plain body on a JSON route is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.addSchema(ErrorResponse);
  app.addSchema(NodeSchema);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) =>
    sendError(new GovError('GOV_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply));
  // On close, new requests get GOV_SHUTTING_DOWN, and answers still in flight tell keep-alive clients to
  // hang up, so close() does not wait on idle connections.
  let closing = false;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) throw new GovError('GOV_SHUTTING_DOWN', 'the server is shutting down; retry against another replica or after restart');
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Governator API',
        version: deps.version,
        description: 'Hybrid-cloud orchestration decisions. Every /api route needs "Authorization: Bearer <API key>".',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: gov_<id>_<secret>' } } },
      security: [{ bearerAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // Auth first: its onRoute check must see every route registered after it, /metrics included.
  await app.register(authPlugin, { keys: deps.keys, metrics });
  await app.register(auditPlugin, { audit: deps.audit, metrics });
  await app.register(metricsPlugin, { metrics });
  // One WebSocket plugin for the whole server (telemetry ingest and the dashboard stream). The selected subprotocol
  // is never the one carrying the key (governator.key.…, see plugins/auth.ts).
  await app.register(websocket, {
    options: {
      maxPayload: deps.telemetry?.settings.maxBodyBytes ?? 1_048_576,
      handleProtocols: (offered: Set<string>) => {
        if (offered.has(STREAM_PROTOCOL)) return STREAM_PROTOCOL;
        for (const protocol of offered) if (!protocol.startsWith(WS_KEY_PROTOCOL_PREFIX)) return protocol;
        return false;
      },
    },
  });

  healthRoutes(app, { store: deps.store, version: deps.version });
  nodeRoutes(app, { store: deps.store });
  keyRoutes(app, { keys: deps.keys });
  auditRoutes(app, { audit: deps.audit });
  catalogRoutes(app, { catalog: deps.catalog });
  if (deps.planner) planningRoutes(app, { planner: deps.planner });
  if (deps.actions) actionRoutes(app, { engine: deps.actions, journal: deps.store.actions });
  metaRoutes(app);
  overviewRoutes(app, { store: deps.store, journal: deps.store.actions });
  // Recorded plans with their explanations (issue #8): the loop's decisions, served from the store.
  decisionRoutes(app, { decisions: deps.store.decisions });
  deps.loop?.metrics.attach(metrics.registry);
  // Forecasts and anomalies the ForecastService recorded (issue #6): served from the store, so always registered.
  forecastRoutes(app, { forecasts: deps.store.forecasts });
  await app.register(streamRoutes, { events: deps.events ?? new EventBus(), store: deps.store, ...(options.streamHeartbeatMs ? { heartbeatMs: options.streamHeartbeatMs } : {}) });
  uiRoutes(app, deps.webRoot ? { root: deps.webRoot } : {});
  if (deps.providers) {
    providerRoutes(app, deps.providers);
    deps.providers.metrics?.attach(metrics.registry);
  }
  if (deps.telemetry) {
    deps.telemetry.metrics.attach(metrics.registry);
    await app.register(telemetryRoutes, { telemetry: deps.telemetry });
  }

  await app.ready();
  return app;
}
