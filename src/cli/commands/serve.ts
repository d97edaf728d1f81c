import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { buildServer } from '../../server/build-server.js';
import { createLogger } from '../../bootstrap/logger.js';
import { createRuntime, ensureInitialAdminKey } from '../../bootstrap/runtime.js';
import { loadCatalog } from '../../bootstrap/catalog.js';
import { createPriceRefresher } from '../../bootstrap/pricing.js';
import { LiveCatalog } from '../../app/live-catalog.js';
import type { PriceRefresher } from '../../app/price-refresher.js';
import { createPlannerService } from '../../bootstrap/planner.js';
import { createActionEngine } from '../../bootstrap/actions.js';
import { createProviderServices, type ProviderServices } from '../../bootstrap/providers.js';
import { systemScheduler } from '../../adapters/clock/scheduler.js';
import { VERSION } from '../../version.js';
import { loadCommandConfig } from '../context.js';
import { formatError } from '../exit.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Governator server (API, metrics, health) on the configured database')
    .action(async (_opts, cmd: Command) => {
      const loaded = loadCommandConfig(cmd);
      const { config } = loaded;
      const logger = createLogger(config.log.level);
      for (const name of loaded.unknownEnv) logger.warn({ variable: name }, 'ignoring unknown GOVERNATOR_* environment variable');
      // The price catalog first: a corrupt bundle or a bad [[catalog.owned]] entry stops start-up before the database opens.
      const { catalog } = loadCatalog(config, { logger });
      const liveCatalog = new LiveCatalog(catalog);
      const runtime = await createRuntime(config, { logger });
      let app;
      let refresher: PriceRefresher | null = null;
      let providers: ProviderServices | null = null;
      try {
        // Live prices (all sources off by default): each refresh that changes a price swaps in a new catalog.
        const { aws, azure, gcp, digitalocean } = config.pricing;
        if (aws.enabled || azure.enabled || gcp.enabled || digitalocean.enabled) {
          const live: PriceRefresher = createPriceRefresher(config.pricing, {
            clock: runtime.clock,
            store: runtime.store,
            initialOfferings: catalog.offerings,
            onRefresh: (result) => {
              if (result.ok) liveCatalog.replace(live.current());
              else logger.warn({ source: result.source, error: result.error }, 'price refresh failed; serving the last good prices');
            },
          });
          refresher = live;
          refresher.start();
        }
        await ensureInitialAdminKey(runtime, logger);
        // Reload series and the hot window, then start rollups, scrapers and pullers (docs/telemetry.md).
        await runtime.telemetry.start();
        // Credentials and the provider registry (issue #7): a configured provider that cannot be built stops
        // start-up with GOV_CONFIG_INVALID; health probes run from here on (docs/providers.md).
        providers = await createProviderServices({
          config, store: runtime.store, clock: runtime.clock, scheduler: systemScheduler,
          offerings: () => liveCatalog.current().offerings, logger, generateKey: true,
        });
        providers.registry.start();
        // The action engine (issue #7), acting through the provider registry.
        const actions = createActionEngine({
          config: config.actions, store: runtime.store, clock: runtime.clock, providers: providers.registry,
          offerings: (id) => liveCatalog.current().byId.get(id), logger,
        });
        // Finish or roll back what a previous run left in flight (journal vs providers) before new plans come.
        const reconciled = await actions.reconcile();
        if (reconciled.resumed.length + reconciled.halted.length + reconciled.orphansStopped.length > 0) logger.info({ ...reconciled }, 'action engine reconciled in-flight actions');
        app = await buildServer({
          store: runtime.store,
          catalog: liveCatalog,
          keys: runtime.keys,
          audit: runtime.audit,
          logger,
          version: VERSION,
          telemetry: runtime.telemetry,
          planner: createPlannerService({ store: runtime.store, clock: runtime.clock, offerings: () => liveCatalog.current().offerings }),
          actions,
          providers,
          options: {
            bodyLimit: config.server.body_limit,
            requestTimeoutMs: parseDuration(config.server.request_timeout),
            trustProxy: config.server.trust_proxy,
            ...(config.server.tls_cert && config.server.tls_key
              ? { https: { cert: readFileSync(config.server.tls_cert), key: readFileSync(config.server.tls_key) } }
              : {}),
          },
        });
        await app.listen({ host: config.server.host, port: config.server.port });
      } catch (error) {
        await refresher?.stop();
        providers?.registry.stop();
        await app?.close().catch(() => undefined);
        await runtime.close();
        throw error;
      }
      const shutdownMs = parseDuration(config.server.shutdown_timeout);
      let closing = false;
      const shutdown = async (signal: string): Promise<void> => {
        if (closing) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        closing = true;
        logger.info({ signal, timeoutMs: shutdownMs }, 'shutting down: no new requests, finishing in-flight ones');
        const timer = setTimeout(() => {
          logger.error({ timeoutMs: shutdownMs }, 'shutdown timed out; exiting');
          process.exit(1);
        }, shutdownMs);
        timer.unref();
        try {
          await refresher?.stop();
          providers?.registry.stop();
          await app.close();
          await runtime.close();
          clearTimeout(timer);
          logger.info('shutdown complete');
          process.exitCode = 0;
        } catch (error) {
          logger.error({ err: error }, 'shutdown failed');
          console.error(formatError(error));
          process.exit(1);
        }
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      logger.info({ url: `${config.server.tls_cert ? 'https' : 'http'}://${config.server.host}:${port}`, port, store: runtime.store.location, config: loaded.file }, 'governator serving');
    });
}
