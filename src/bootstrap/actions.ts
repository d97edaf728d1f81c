import type { Logger } from 'pino';
import { ActionEngine } from '../app/actions/engine.js';
import type { PoolActuation } from '../app/actions/policy.js';
import type { ProviderResolver } from '../app/actions/providers.js';
import type { EventBus } from '../app/events.js';
import { parseDuration } from '../config/duration.js';
import type { Config } from '../config/schema.js';
import type { Offering } from '../core/model/offering.js';
import type { CloudProvider } from '../ports/cloud-provider.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

export interface ActionEngineWiring {
  /** The `[actions]` config section. */
  readonly config: Config['actions'];
  readonly store: Store;
  readonly clock: Clock;
  /** The provider registry, or a fixed list; empty: every plan's actions fail with "no provider configured". */
  readonly providers: ProviderResolver | readonly CloudProvider[];
  /** Catalog lookup by offering id (the live catalog, so a price refresh is seen). */
  readonly offerings: (id: string) => Offering | undefined;
  /** Per-pool policies from `[[pools]]`; unset pools are `recommend`. */
  readonly pools?: (pool: string) => PoolActuation | undefined;
  readonly events?: EventBus;
  readonly logger?: Logger;
}

/** The action engine for `governator serve`, with its settings from `[actions]` (docs/configuration.md). */
export function createActionEngine(wiring: ActionEngineWiring): ActionEngine {
  const c = wiring.config;
  return new ActionEngine({
    journal: wiring.store.actions,
    nodes: wiring.store.nodes,
    providers: wiring.providers,
    offerings: wiring.offerings,
    ...(wiring.pools ? { pools: wiring.pools } : {}),
    clock: wiring.clock,
    ...(wiring.events ? { events: wiring.events } : {}),
    settings: {
      maxActionsPerHour: c.max_actions_per_hour,
      retryMaxAttempts: c.retry_max_attempts,
      retryBaseDelayMs: parseDuration(c.retry_base_delay),
      retryMaxDelayMs: parseDuration(c.retry_max_delay),
      readyTimeoutMs: parseDuration(c.ready_timeout),
      stopTimeoutMs: parseDuration(c.stop_timeout),
      pollIntervalMs: Math.max(100, parseDuration(c.poll_interval)),
      providerRatePerSecond: c.provider_rate_limit,
      providerRateBurst: c.provider_rate_burst,
    },
    onError: (error, context) => { wiring.logger?.error({ err: error, ...context }, 'action engine: background work failed'); },
  });
}
