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
import { EventBus } from '../../app/events.js';
import { createControlLoopFromRuntime, withPoolQueries, type ControlLoopHandle } from '../../bootstrap/loop.js';
import { applyDemoConfig, demoDecision, demoProviderFactories, DEMO_PLAN_OPTIONS, startDemo, type DemoRun } from '../../bootstrap/demo.js';
import type { SimProvider } from '../../adapters/cloud/sim/index.js';
import type { Offering } from '../../core/model/offering.js';
import { resolve } from 'node:path';
import { VERSION } from '../../version.js';
import { loadCommandConfig } from '../context.js';
import { formatError } from '../exit.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Governator server (API, metrics, health, the control loop) on the configured database')
    .option('--demo', 'with no [[providers]] and no [[pools]] configured: govern a demo fleet on the simulated cloud, driven by replayed real traces (docs/loop.md)')
    .action(async (opts: { demo?: boolean }, cmd: Command) => {
      const loaded = loadCommandConfig(cmd);
      const logger = createLogger(loaded.config.log.level);
      for (const name of loaded.unknownEnv) logger.warn({ variable: name }, 'ignoring unknown GOVERNATOR_* environment variable');
      // The first-run demo (docs/loop.md "Demo") replaces nothing the user configured: it runs only without providers and pools.
      const demo = demoDecision(loaded.config, opts.demo === true);
      if (opts.demo === true) logger.info({ demo: demo.run, reason: demo.reason }, demo.run ? 'demo: starting the simulated hybrid fleet' : 'demo: not started');
      // Pools' PromQL demand queries join the Prometheus puller's queries before telemetry is built.
      const config = withPoolQueries(demo.run ? applyDemoConfig(loaded.config) : loaded.config);
      // The price catalog first: a corrupt bundle or a bad [[catalog.owned]] entry stops start-up before the database opens.
      const { catalog } = loadCatalog(config, { logger });
      const liveCatalog = new LiveCatalog(catalog);
      const runtime = await createRuntime(config, { logger });
      let app;
      let refresher: PriceRefresher | null = null;
      let providers: ProviderServices | null = null;
      let loop: ControlLoopHandle | null = null;
      let demoRun: DemoRun | null = null;
      const events = new EventBus({ onSubscriberError: (err, type) => logger.warn({ err, type }, 'an event subscriber failed') });
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
        const demoCloud: { sim: SimProvider | null } = { sim: null };
        const offerings = (): readonly Offering[] => liveCatalog.current().offerings;
        providers = await createProviderServices({
          config, store: runtime.store, clock: runtime.clock, scheduler: systemScheduler,
          offerings, logger, generateKey: true,
          ...(demo.run ? { factories: demoProviderFactories({ clock: runtime.clock, offerings, dataDir: resolve(config.database.data_dir) }, (sim) => { demoCloud.sim = sim; }) } : {}),
        });
        providers.registry.start();
        // The action engine (issue #7), acting through the provider registry.
        const actions = createActionEngine({
          config: config.actions, store: runtime.store, clock: runtime.clock, providers: providers.registry,
          offerings: (id) => liveCatalog.current().byId.get(id), logger, events,
        });
        // Finish or roll back what a previous run left in flight (journal vs providers) before new plans come.
        const reconciled = await actions.reconcile();
        if (reconciled.resumed.length + reconciled.halted.length + reconciled.orphansStopped.length > 0) logger.info({ ...reconciled }, 'action engine reconciled in-flight actions');
        // The control loop (issue #8, docs/loop.md) over [[pools]]: inventory from the providers, demand from the
        // series store, forecast, plan, record, act per pool mode. Started once the server listens.
        if (config.loop.enabled && config.pools.length > 0) {
          loop = createControlLoopFromRuntime(runtime, config, {
            providers: providers.registry, actions, offerings, events, logger, scheduler: systemScheduler,
            ...(demo.run ? { planOptions: DEMO_PLAN_OPTIONS } : {}),
          });
        } else if (config.pools.length > 0) {
          logger.warn({ pools: config.pools.length }, 'loop.enabled is false: pools are configured but not governed');
        }
        if (demo.run && demoCloud.sim !== null && loop !== null) {
          demoRun = await startDemo({ sim: demoCloud.sim, telemetry: runtime.telemetry, clock: runtime.clock, scheduler: systemScheduler, pools: loop.pools, offerings, logger });
        }
        const governed = loop;
        app = await buildServer({
          store: runtime.store,
          catalog: liveCatalog,
          keys: runtime.keys,
          audit: runtime.audit,
          logger,
          version: VERSION,
          telemetry: runtime.telemetry,
          planner: createPlannerService({
            store: runtime.store, clock: runtime.clock, offerings: () => liveCatalog.current().offerings,
            ...(governed === null ? {} : { pools: () => governed.plannerPools() }),
          }),
          actions,
          providers,
          events,
          ...(governed === null ? {} : { loop: governed }),
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
        if (loop !== null) {
          loop.start();
          logger.info({ pools: loop.pools.map((p) => `${p.name} (${p.actuation.mode})`), intervalMs: loop.intervalMs }, 'control loop started');
        }
      } catch (error) {
        await loop?.stop().catch(() => undefined);
        demoRun?.stop();
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
          // The loop first (it waits for an iteration in progress), so nothing new is planned while the rest stops.
          await loop?.stop();
          demoRun?.stop();
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
