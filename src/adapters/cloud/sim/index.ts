import type { NodeState } from '../../../core/model/node.js';
import type { Offering } from '../../../core/model/offering.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopMode, StopNodeRequest,
} from '../../../ports/cloud-provider.js';
import type { Clock } from '../../../ports/clock.js';
import { drawDelaySeconds, drawExponentialSeconds, seededRandom, type DelayRange } from './random.js';
import {
  DEFAULT_SPOT_BUCKET, DEFAULT_STARTUP, DEFAULT_STOP_DELAY, spotInterruptionRatePerHour, startupRange,
  type SpotInterruptionBucket, type StartupProfile,
} from './startup.js';

export {
  DEFAULT_SPOT_BUCKET, DEFAULT_STARTUP, DEFAULT_STOP_DELAY, SPOT_INTERRUPTION_BUCKETS, isSpotInterruptionBucket,
  spotInterruptionRatePerHour, type SpotInterruptionBucket, type StartupProfile,
} from './startup.js';
export { longestDelaySeconds, seededRandom, type DelayRange } from './random.js';

/** The provider operations the simulator can be told to fail. */
export type SimOperation = 'listNodes' | 'getNode' | 'startNode' | 'stopNode' | 'health';

/** A random failure: each call of the operation fails with `probability`, as `kind` (default Throttled). */
export interface SimFailureRate {
  readonly probability: number;
  readonly kind?: ProviderErrorKind;
}

export interface SimQuota {
  /** Nodes alive at once (pending, running or stopping) in this provider; default unbounded. */
  readonly maxNodes?: number;
  /** vCPUs alive at once (the way EC2 and GCE count on-demand quota); default unbounded. */
  readonly maxVcpus?: number;
  /** GPUs alive at once (GPU quotas are separate on every cloud); default unbounded. */
  readonly maxGpus?: number;
}

export interface SimProviderOptions {
  /** The provider instance's name (default `sim`); also the prefix of node ids. */
  readonly name?: string;
  /** What can be started: real catalog offerings (the bundled catalog in the demo and backtests). */
  readonly offerings: readonly Offering[];
  /** The only source of time: node states are computed from `clock.now()`; the simulator has no timers. */
  readonly clock: Clock;
  /** Seed of the generator behind delays, failures and interruptions (default 1). */
  readonly seed?: number;
  /** Start-up delay ranges per kind of machine (defaults in DEFAULT_STARTUP, rationale in docs/providers.md). */
  readonly startup?: Partial<StartupProfile>;
  /** From stop accepted to stopped/terminated (default 20–90 s). */
  readonly stopDelay?: DelayRange;
  /** Account quotas (exceeding one is QuotaExceeded). */
  readonly quota?: SimQuota;
  /**
   * Capacity per offering id: how many nodes of it can be alive at once (exceeding it is CapacityUnavailable).
   * Default: the offering's `available` (null: unbounded).
   */
  readonly capacity?: Readonly<Record<string, number | null>>;
  /** Random failures per operation. */
  readonly failures?: Partial<Record<SimOperation, SimFailureRate>>;
  /**
   * Probability that an accepted start never reaches `running` and ends `terminated` after its start-up delay
   * (the provider lost the capacity at placement, or the image failed to boot). Default 0.
   */
  readonly launchFailureProbability?: number;
  /**
   * Spot interruptions. Each spot node draws its interruption time at launch from an exponential distribution
   * whose rate comes from its AWS Spot Advisor bucket (see SPOT_INTERRUPTION_BUCKETS): `buckets` maps an
   * offering id or an instance type to one; offerings not in it use `defaultBucket` (default `5-10%`).
   * `enabled: false` turns interruptions off. An interrupted node reports `stopping` during the
   * `noticeSeconds` (default 120, AWS's two-minute notice) before it is `terminated`.
   */
  readonly spot?: {
    readonly enabled?: boolean;
    readonly buckets?: Readonly<Record<string, SpotInterruptionBucket>>;
    readonly defaultBucket?: SpotInterruptionBucket;
    readonly noticeSeconds?: number;
  };
  /**
   * Eventual consistency: a node is invisible to listNodes and getNode for this long after its start was
   * accepted (default 0). startNode with the same token still returns it.
   */
  readonly visibilityDelaySeconds?: number;
  /** How long a terminated node is still listed before it is gone (NotFound), default 3600 s (EC2: about an hour). */
  readonly terminatedRetentionSeconds?: number;
}

/** Options of a scripted failure. */
export interface FailNextOptions {
  /** How many consecutive calls fail (default 1). */
  readonly times?: number;
  /**
   * startNode/stopNode only: the call takes effect and THEN fails (a time-out after the provider accepted the
   * request) — the case idempotency tokens exist for.
   */
  readonly afterEffect?: boolean;
  /** Provider's hint, for Throttled. */
  readonly retryAfterMs?: number;
}

/** A node to put in the simulated fleet without a start call (a fleet that was already running). */
export interface SimSeedNode {
  readonly pool: string | null;
  readonly offeringId: string;
  /** Default `running`. */
  readonly state?: 'running' | 'pending' | 'stopped';
  readonly labels?: Readonly<Record<string, string>>;
  /** Default now. */
  readonly launchedAt?: Date;
}

/** Counters for tests and backtest reports. */
export interface SimStats {
  readonly calls: Readonly<Record<SimOperation, number>>;
  readonly failures: Readonly<Record<SimOperation, number>>;
  readonly started: number;
  readonly interrupted: number;
}

/** The simulated cloud: the CloudProvider port plus controls for tests, demos and backtests. */
export interface SimProvider extends CloudProvider {
  /** The next call(s) of `operation` fail with `kind`. Scripted failures come before random ones. */
  failNext(operation: SimOperation, kind: ProviderErrorKind, options?: FailNextOptions): void;
  /** The next accepted start stays `pending` for ever (a start that never becomes ready). */
  hangNextStart(): void;
  /** Interrupt a running spot (or any) node now: `stopping` for the notice period, then `terminated`. */
  interrupt(nodeId: string): void;
  /** Remove a node entirely, as if deleted behind Governator's back: getNode and stopNode reject NotFound. */
  vanish(nodeId: string): void;
  /** Add nodes that were already there (no start call, no token, no quota check). */
  seed(nodes: readonly SimSeedNode[]): readonly ProviderNode[];
  /** Change capacity of an offering from now on (e.g. capacity runs out mid-plan); null = unbounded. */
  setCapacity(offeringId: string, capacity: number | null): void;
  /** Change a random failure rate from now on. */
  setFailureRate(operation: SimOperation, rate: SimFailureRate | null): void;
  /** Every node the simulator knows, gone ones included, as of now (for assertions). */
  allNodes(): readonly ProviderNode[];
  stats(): SimStats;
}

interface SimNode {
  readonly id: string;
  readonly offering: Offering;
  readonly pool: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly token: string | null;
  readonly address: string;
  readonly launchedAt: number;
  /** When it reaches running; Infinity: never (hung). */
  readyAt: number;
  /** When a failed launch ends terminated; Infinity: the launch succeeds. */
  failedAt: number;
  /** When an interruption terminates it; Infinity: never. */
  interruptAt: number;
  stopRequestedAt: number | null;
  stopDoneAt: number | null;
  stopMode: StopMode;
  vanished: boolean;
}

interface Scripted {
  readonly kind: ProviderErrorKind;
  remaining: number;
  readonly afterEffect: boolean;
  readonly retryAfterMs?: number;
}

const OPERATIONS: readonly SimOperation[] = ['listNodes', 'getNode', 'startNode', 'stopNode', 'health'];
const ALIVE: ReadonlySet<NodeState> = new Set(['pending', 'running', 'stopping']);

/**
 * A simulated cloud over real catalog offerings, driven only by the injected Clock: a node's state is a pure
 * function of `clock.now()` and the times drawn when it was started (no timers), so a backtest on a FakeClock
 * runs as fast as the CPU allows and replays exactly for a given seed. Implements every CloudProvider contract
 * (idempotent start by token, idempotent stop, NotFound for vanished nodes, typed errors) so the action engine
 * cannot tell it from a cloud. See docs/providers.md, "Simulated cloud".
 */
export function createSimProvider(options: SimProviderOptions): SimProvider {
  const name = options.name ?? 'sim';
  const clock = options.clock;
  const random = seededRandom(options.seed ?? 1);
  const startup: StartupProfile = { ...DEFAULT_STARTUP, ...options.startup };
  const stopDelay = options.stopDelay ?? DEFAULT_STOP_DELAY;
  const quota = options.quota ?? {};
  const spotEnabled = options.spot?.enabled ?? true;
  const spotBuckets = options.spot?.buckets ?? {};
  const defaultBucket = options.spot?.defaultBucket ?? DEFAULT_SPOT_BUCKET;
  const noticeMs = (options.spot?.noticeSeconds ?? 120) * 1000;
  const visibilityMs = (options.visibilityDelaySeconds ?? 0) * 1000;
  const retentionMs = (options.terminatedRetentionSeconds ?? 3600) * 1000;
  const launchFailureProbability = options.launchFailureProbability ?? 0;

  const offerings = new Map<string, Offering>();
  for (const offering of options.offerings) offerings.set(offering.id, offering);
  const capacity = new Map<string, number | null>();
  for (const offering of options.offerings) capacity.set(offering.id, offering.available);
  for (const [id, value] of Object.entries(options.capacity ?? {})) capacity.set(id, value);
  const failureRates = new Map<SimOperation, SimFailureRate>(
    Object.entries(options.failures ?? {}) as [SimOperation, SimFailureRate][]);

  const nodes = new Map<string, SimNode>();
  const byToken = new Map<string, string>();
  const scripted = new Map<SimOperation, Scripted[]>();
  const calls = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<SimOperation, number>;
  const failures = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<SimOperation, number>;
  let counter = 0;
  let started = 0;
  let interrupted = 0;
  let hangNext = 0;

  const now = (): number => clock.now().getTime();

  function stateOf(node: SimNode, at: number): NodeState {
    if (node.stopRequestedAt !== null && node.stopDoneAt !== null) {
      if (at >= node.stopDoneAt) return node.stopMode === 'stop' ? 'stopped' : 'terminated';
      return 'stopping';
    }
    if (at >= node.failedAt) return 'terminated';
    if (at >= node.interruptAt) return 'terminated';
    if (at >= node.interruptAt - noticeMs && at >= node.readyAt) return 'stopping';
    if (at >= node.readyAt) return 'running';
    return 'pending';
  }

  /** When the node became terminated (for retention), or null. */
  function terminatedAt(node: SimNode): number | null {
    if (node.stopRequestedAt !== null && node.stopDoneAt !== null) return node.stopMode === 'terminate' ? node.stopDoneAt : null;
    const end = Math.min(node.failedAt, node.interruptAt);
    return Number.isFinite(end) ? end : null;
  }

  function isGone(node: SimNode, at: number): boolean {
    if (node.vanished) return true;
    const end = terminatedAt(node);
    return end !== null && at >= end && at - end > retentionMs;
  }

  function isVisible(node: SimNode, at: number): boolean {
    return !isGone(node, at) && at >= node.launchedAt + visibilityMs;
  }

  function view(node: SimNode, at: number): ProviderNode {
    return {
      id: node.id,
      provider: name,
      offeringId: node.offering.id,
      instanceType: node.offering.instanceType,
      region: node.offering.region,
      zone: node.offering.zone,
      pool: node.pool,
      state: stateOf(node, at),
      labels: node.labels,
      launchedAt: new Date(node.launchedAt).toISOString(),
      idempotencyToken: node.token,
      address: node.address,
    };
  }

  function fail(operation: SimOperation, kind: ProviderErrorKind, message: string, extra: { nodeId?: string; retryAfterMs?: number } = {}): never {
    failures[operation] += 1;
    throw providerError(kind, name, operation, message, { ...extra, providerCode: `Sim${kind}` });
  }

  /** The scripted failure due for this call, if any (consumed), else a random one, else null. */
  function injected(operation: SimOperation): Scripted | null {
    const queue = scripted.get(operation);
    const head = queue?.[0];
    if (queue !== undefined && head !== undefined) {
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return head;
    }
    const rate = failureRates.get(operation);
    if (rate !== undefined && rate.probability > 0 && random() < rate.probability) {
      return { kind: rate.kind ?? 'Throttled', remaining: 0, afterEffect: false };
    }
    return null;
  }

  function enter(operation: SimOperation, signal: AbortSignal | undefined): void {
    calls[operation] += 1;
    if (signal?.aborted === true) fail(operation, 'Timeout', 'aborted by the caller');
  }

  function aliveCount(at: number, predicate: (node: SimNode) => boolean): { nodes: number; vcpus: number; gpus: number } {
    let count = 0;
    let vcpus = 0;
    let gpus = 0;
    for (const node of nodes.values()) {
      if (node.vanished || !ALIVE.has(stateOf(node, at)) || !predicate(node)) continue;
      count += 1;
      vcpus += node.offering.vcpus;
      gpus += node.offering.gpu?.count ?? 0;
    }
    return { nodes: count, vcpus, gpus };
  }

  function checkLimits(offering: Offering, at: number): void {
    const all = aliveCount(at, () => true);
    if (quota.maxNodes !== undefined && all.nodes + 1 > quota.maxNodes) {
      fail('startNode', 'QuotaExceeded', `node quota of ${quota.maxNodes} reached`);
    }
    if (quota.maxVcpus !== undefined && all.vcpus + offering.vcpus > quota.maxVcpus) {
      fail('startNode', 'QuotaExceeded', `vCPU quota of ${quota.maxVcpus} reached (${all.vcpus} in use, ${offering.vcpus} asked)`);
    }
    const gpus = offering.gpu?.count ?? 0;
    if (quota.maxGpus !== undefined && gpus > 0 && all.gpus + gpus > quota.maxGpus) {
      fail('startNode', 'QuotaExceeded', `GPU quota of ${quota.maxGpus} reached (${all.gpus} in use, ${gpus} asked)`);
    }
    const limit = capacity.get(offering.id) ?? null;
    if (limit !== null && aliveCount(at, (node) => node.offering.id === offering.id).nodes + 1 > limit) {
      fail('startNode', 'CapacityUnavailable', `no capacity left for ${offering.id} (${limit} nodes)`);
    }
  }

  function interruptionRate(offering: Offering): number {
    if (!spotEnabled || offering.purchase !== 'spot') return 0;
    const bucket = spotBuckets[offering.id] ?? spotBuckets[offering.instanceType] ?? defaultBucket;
    return spotInterruptionRatePerHour(bucket);
  }

  function create(input: {
    offering: Offering; pool: string | null; token: string | null; labels: Readonly<Record<string, string>>;
    launchedAt: number; readyAt?: number;
  }): SimNode {
    counter += 1;
    const id = `${name}-${String(counter).padStart(6, '0')}`;
    const labels: Record<string, string> = { ...input.labels };
    if (input.pool !== null) labels[POOL_LABEL] = input.pool;
    if (input.token !== null) labels[TOKEN_LABEL] = input.token;
    // Every draw happens here, in creation order, so a seed replays the same fleet whatever is queried later.
    const delayMs = drawDelaySeconds(startupRange(startup, input.offering), random) * 1000;
    const launchFails = launchFailureProbability > 0 && random() < launchFailureProbability;
    const readyAt = input.readyAt ?? input.launchedAt + delayMs;
    const interruptAfterMs = drawExponentialSeconds(interruptionRate(input.offering), random) * 1000;
    const node: SimNode = {
      id,
      offering: input.offering,
      pool: input.pool,
      labels,
      token: input.token,
      address: `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`,
      launchedAt: input.launchedAt,
      readyAt: launchFails ? Number.POSITIVE_INFINITY : readyAt,
      failedAt: launchFails ? input.launchedAt + delayMs : Number.POSITIVE_INFINITY,
      interruptAt: Number.isFinite(readyAt) ? readyAt + interruptAfterMs : Number.POSITIVE_INFINITY,
      stopRequestedAt: null,
      stopDoneAt: null,
      stopMode: 'terminate',
      vanished: false,
    };
    nodes.set(id, node);
    if (input.token !== null) byToken.set(input.token, id);
    return node;
  }

  function visibleNode(operation: SimOperation, id: string, at: number): SimNode {
    const node = nodes.get(id);
    if (node === undefined || !isVisible(node, at)) fail(operation, 'NotFound', `node ${id} not found`, { nodeId: id });
    return node;
  }

  return {
    name,
    kind: 'sim',

    async listNodes(listOptions = {}): Promise<readonly ProviderNode[]> {
      enter('listNodes', listOptions.signal);
      const failure = injected('listNodes');
      if (failure !== null) fail('listNodes', failure.kind, 'injected failure', { retryAfterMs: failure.retryAfterMs });
      const at = now();
      return [...nodes.values()].filter((node) => isVisible(node, at)).map((node) => view(node, at));
    },

    async getNode(id, getOptions = {}): Promise<ProviderNode> {
      enter('getNode', getOptions.signal);
      const failure = injected('getNode');
      if (failure !== null) fail('getNode', failure.kind, 'injected failure', { nodeId: id, retryAfterMs: failure.retryAfterMs });
      const at = now();
      return view(visibleNode('getNode', id, at), at);
    },

    async startNode(request: StartNodeRequest): Promise<ProviderNode> {
      enter('startNode', request.signal);
      const at = now();
      const existing = byToken.get(request.idempotencyToken);
      const failure = injected('startNode');
      if (failure !== null && !failure.afterEffect) {
        fail('startNode', failure.kind, 'injected failure', { retryAfterMs: failure.retryAfterMs });
      }
      if (existing !== undefined) {
        const node = nodes.get(existing);
        if (node !== undefined) {
          if (failure !== null) fail('startNode', failure.kind, 'injected failure after the start was accepted');
          return view(node, at);
        }
      }
      const offering = offerings.get(request.offering.id);
      if (offering === undefined) {
        fail('startNode', 'InvalidRequest', `offering ${request.offering.id} is not offered by ${name}`);
      }
      if (request.pool.trim() === '') fail('startNode', 'InvalidRequest', 'pool must not be empty');
      checkLimits(offering, at);
      const hang = hangNext > 0;
      if (hang) hangNext -= 1;
      const node = create({
        offering, pool: request.pool, token: request.idempotencyToken, labels: request.labels ?? {}, launchedAt: at,
        ...(hang ? { readyAt: Number.POSITIVE_INFINITY } : {}),
      });
      started += 1;
      if (failure !== null) fail('startNode', failure.kind, 'injected failure after the start was accepted');
      return view(node, at);
    },

    async stopNode(request: StopNodeRequest): Promise<void> {
      enter('stopNode', request.signal);
      const failure = injected('stopNode');
      if (failure !== null && !failure.afterEffect) {
        fail('stopNode', failure.kind, 'injected failure', { nodeId: request.nodeId, retryAfterMs: failure.retryAfterMs });
      }
      const at = now();
      const node = nodes.get(request.nodeId);
      if (node === undefined || isGone(node, at)) {
        fail('stopNode', 'NotFound', `node ${request.nodeId} not found`, { nodeId: request.nodeId });
      }
      const state = stateOf(node, at);
      if (state === 'terminated') {
        // Idempotent: nothing to do.
      } else if (state === 'stopped') {
        if (request.mode === 'terminate') {
          node.stopMode = 'terminate';
          node.stopDoneAt = at;
        }
      } else if (node.stopRequestedAt === null) {
        node.stopRequestedAt = at;
        node.stopMode = request.mode;
        node.stopDoneAt = at + drawDelaySeconds(stopDelay, random) * 1000;
      } else if (request.mode === 'terminate') {
        // A stop in progress becomes a terminate: the end state changes, not the timing.
        node.stopMode = 'terminate';
      }
      if (failure !== null) {
        fail('stopNode', failure.kind, 'injected failure after the stop was accepted', { nodeId: request.nodeId });
      }
    },

    async health(): Promise<ProviderHealth> {
      calls.health += 1;
      const failure = injected('health');
      if (failure !== null) {
        failures.health += 1;
        return { ok: false, latencyMs: 0, detail: `injected ${failure.kind}` };
      }
      return { ok: true, latencyMs: 0 };
    },

    failNext(operation, kind, failOptions = {}): void {
      const queue = scripted.get(operation) ?? [];
      queue.push({
        kind, remaining: Math.max(1, Math.floor(failOptions.times ?? 1)), afterEffect: failOptions.afterEffect ?? false,
        ...(failOptions.retryAfterMs === undefined ? {} : { retryAfterMs: failOptions.retryAfterMs }),
      });
      scripted.set(operation, queue);
    },

    hangNextStart(): void {
      hangNext += 1;
    },

    interrupt(nodeId): void {
      const node = nodes.get(nodeId);
      if (node === undefined) throw providerError('NotFound', name, 'interrupt', `node ${nodeId} not found`, { nodeId });
      const at = now();
      if (stateOf(node, at) !== 'running') return;
      node.interruptAt = at + noticeMs;
      interrupted += 1;
    },

    vanish(nodeId): void {
      const node = nodes.get(nodeId);
      if (node !== undefined) node.vanished = true;
    },

    seed(seedNodes): readonly ProviderNode[] {
      const at = now();
      return seedNodes.map((seed) => {
        const offering = offerings.get(seed.offeringId);
        if (offering === undefined) {
          throw providerError('InvalidRequest', name, 'seed', `offering ${seed.offeringId} is not offered by ${name}`);
        }
        const launchedAt = seed.launchedAt?.getTime() ?? at;
        const state = seed.state ?? 'running';
        const node = create({
          offering, pool: seed.pool, token: null, labels: seed.labels ?? {}, launchedAt: launchedAt - visibilityMs,
          ...(state === 'running' ? { readyAt: Math.min(launchedAt, at) } : {}),
        });
        if (state === 'running') node.failedAt = Number.POSITIVE_INFINITY;
        if (state === 'stopped') {
          node.failedAt = Number.POSITIVE_INFINITY;
          node.stopRequestedAt = launchedAt;
          node.stopDoneAt = launchedAt;
          node.stopMode = 'stop';
        }
        return view(node, at);
      });
    },

    setCapacity(offeringId, value): void {
      capacity.set(offeringId, value);
    },

    setFailureRate(operation, rate): void {
      if (rate === null) failureRates.delete(operation);
      else failureRates.set(operation, rate);
    },

    allNodes(): readonly ProviderNode[] {
      const at = now();
      return [...nodes.values()].map((node) => view(node, at));
    },

    stats(): SimStats {
      return { calls: { ...calls }, failures: { ...failures }, started, interrupted };
    },
  };
}
