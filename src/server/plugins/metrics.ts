import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../../ports/store.js';

/**
 * The server's Prometheus metrics, on a registry of its own (so several servers can live in one test
 * process). Names follow governator_<subsystem>_<name>_<unit>.
 */
export class ServerMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'governator_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'governator_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'governator_auth_failures_total',
    help: 'Requests refused by authentication or authorisation, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly auditEntries = new Counter({
    name: 'governator_audit_entries_total',
    help: 'Audit log entries written by the API, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly auditWriteErrors = new Counter({
    name: 'governator_audit_write_errors_total',
    help: 'Audit log entries that could not be written.',
    registers: [this.registry],
  });

  constructor(options: { version: string; store: Store }) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'governator_build_info',
      help: 'Always 1; labels say which build is running.',
      labelNames: ['version', 'node_version', 'store'] as const,
      registers: [this.registry],
    }).set({ version: options.version, node_version: process.version, store: options.store.kind }, 1);
    const store = options.store;
    // Both gauges below read one query per scrape; prom-client starts every collect() before awaiting any.
    let scrape: Promise<Partial<Record<string, number>> | null> = Promise.resolve(null);
    new Gauge({
      name: 'governator_nodes',
      help: 'Governed nodes known to the store, by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        scrape = store.nodes.countByState().catch(() => null);
        const counts = await scrape;
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n ?? 0);
      },
    });
    // Registered after governator_nodes, whose collect() just asked the database.
    new Gauge({
      name: 'governator_store_up',
      help: '1 when the database answered during this scrape, else 0.',
      registers: [this.registry],
      async collect() {
        this.set((await scrape) ? 1 : 0);
      },
    });
  }
}

export interface MetricsPluginOptions {
  readonly metrics: ServerMetrics;
}

async function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const { metrics } = options;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', {
    config: { access: 'public' },
    schema: { hide: true },
  }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

export default fp(metricsPlugin, { name: 'governator-metrics', fastify: '5.x' });
