import type { StopMode } from '../../ports/cloud-provider.js';
import type { ExecutionMode } from '../../ports/action-journal.js';
import type { ProviderNode } from '../../ports/cloud-provider.js';

/**
 * How the action engine carries out plans for one pool. The control loop (issue #8) fills it from the pool's
 * `[[pools]]` config; pools the engine has no policy for get DEFAULT_POOL_ACTUATION (mode `recommend`: nothing
 * ever runs by itself).
 */
export interface PoolActuation {
  /** `recommend` (plans stored only), `approve` (a plan waits for approve/reject), `auto` (runs within the guardrails). */
  readonly mode: ExecutionMode;
  /** What "stop" means for this pool's nodes: `terminate` (delete; default) or `stop` (keep the disk). */
  readonly stopMode: StopMode;
  /** Never fewer running nodes than this: stops that would go below are skipped. */
  readonly minNodes: number;
  /** After the pool's last action finished, no new plan runs for this long (manual scale requests excepted). */
  readonly cooldownSeconds: number;
  /**
   * Disruption budget: at most this share of the pool's nodes may be stopping at once (rounded down, at least 1
   * when above 0); 0 forbids stops. Starts do not count: a pending node disrupts nothing (as Karpenter's
   * disruption budgets, which govern voluntary removal only).
   */
  readonly disruptionBudgetPercent: number;
  readonly readiness: ReadinessPolicy;
  /** Provider instances (names or kinds) the pool's new nodes may start on; empty or absent: any (the pool's `start_on`). */
  readonly providers?: readonly string[];
}

/** When a new node counts as ready (make-before-break waits for it before stopping the nodes it replaces). */
export interface ReadinessPolicy {
  /**
   * Besides the provider reporting `running`: an HTTP URL that must answer 2xx. `{address}` is replaced by the
   * node's address (host or host:port), `{id}` by its id, e.g. `http://{address}/health`.
   */
  readonly healthUrl?: string;
  /** Or a custom check (a telemetry signal, …); both must pass when both are given. */
  readonly check?: (node: ProviderNode, signal: AbortSignal) => Promise<boolean>;
  /** Give up on a new node after this long: it is stopped and the plan rolled back (default: `[actions] ready_timeout`). */
  readonly timeoutSeconds?: number;
}

export const DEFAULT_POOL_ACTUATION: PoolActuation = {
  mode: 'recommend',
  stopMode: 'terminate',
  minNodes: 0,
  cooldownSeconds: 300,
  disruptionBudgetPercent: 20,
  readiness: {},
};

/** Engine-wide settings: the `[actions]` config section (docs/configuration.md). */
export interface EngineSettings {
  /** Provider calls that change the fleet, per rolling hour, over all pools (`max_actions_per_hour`). */
  readonly maxActionsPerHour: number;
  /** Attempts per provider call, the first included (`retry_max_attempts`). */
  readonly retryMaxAttempts: number;
  /** Backoff ceiling before the first retry (`retry_base_delay`), ms. */
  readonly retryBaseDelayMs: number;
  /** Backoff ceiling (`retry_max_delay`), ms. */
  readonly retryMaxDelayMs: number;
  /** Default time a new node has to become ready (`ready_timeout`), ms. */
  readonly readyTimeoutMs: number;
  /** Time a stopping node has to reach stopped/terminated (`stop_timeout`), ms. */
  readonly stopTimeoutMs: number;
  /** How often node states are polled while waiting (`poll_interval`), ms. */
  readonly pollIntervalMs: number;
  /** Provider calls per second per provider (`provider_rate_limit`); 0 = no limit. */
  readonly providerRatePerSecond: number;
  /** Burst of the per-provider token bucket (`provider_rate_burst`). */
  readonly providerRateBurst: number;
  /** Time limit of one HTTP health probe, ms. */
  readonly healthProbeTimeoutMs: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  maxActionsPerHour: 60,
  retryMaxAttempts: 5,
  retryBaseDelayMs: 1000,
  retryMaxDelayMs: 30_000,
  readyTimeoutMs: 15 * 60_000,
  stopTimeoutMs: 10 * 60_000,
  pollIntervalMs: 5000,
  providerRatePerSecond: 5,
  providerRateBurst: 10,
  healthProbeTimeoutMs: 2000,
};
