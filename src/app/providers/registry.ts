import { Value } from '@sinclair/typebox/value';
import { GovError, isGovError } from '../../core/errors.js';
import type { Offering } from '../../core/model/offering.js';
import { MASK } from '../../core/secrets.js';
import { maskSecretsWithin } from '../../config/providers.js';
import { PROVIDER_KINDS, ProviderKindSchemas } from '../../config/schema.js';
import type { CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest } from '../../ports/cloud-provider.js';
import type { Clock } from '../../ports/clock.js';
import type { ProviderRepository } from '../../ports/credential-store.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import { chooseProvider, type ProviderResolver } from '../actions/providers.js';
import type { CredentialService } from '../credentials/service.js';
import { callOutcome, HealthTracker, type HealthView, type HealthWindowOptions, type ProviderStatus } from './health.js';
import type { ProviderMetrics } from './metrics.js';

export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** One provider instance to build: from a `[[providers]]` entry or an API registration. */
export interface ProviderSpec {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly enabled: boolean;
  /** Name of a stored credential whose values are handed to the factory, or null. */
  readonly credentials: string | null;
  /** The options table of the kind (`[providers.aws]`), defaults applied; may hold secrets from ${ENV}. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly healthIntervalMs: number;
  readonly healthTimeoutMs: number;
  readonly source: 'config' | 'api';
  readonly createdAt?: Date;
  readonly createdBy?: string;
}

/**
 * Builds the adapter of one kind. `secrets` are the stored credential's values overlaid by the secret fields of
 * `spec.settings` (field names as in the config schema, e.g. `secret_access_key`). Throws GovError
 * GOV_CONFIG_INVALID (or GOV_VALIDATION) for settings the adapter cannot work with.
 */
export type ProviderFactory = (spec: ProviderSpec, secrets: Readonly<Record<string, string>>) => CloudProvider | Promise<CloudProvider>;

export interface ProviderRegistryOptions {
  /** The kinds this build can run, each with its factory (src/bootstrap/providers.ts). */
  readonly factories: Readonly<Partial<Record<string, ProviderFactory>>>;
  readonly credentials: CredentialService;
  /** Where API-registered providers are kept; without it POST /api/multicloud/providers is refused. */
  readonly repository?: ProviderRepository;
  readonly clock: Clock;
  /** Drives the periodic health probes. */
  readonly scheduler: Scheduler;
  readonly metrics?: ProviderMetrics;
  readonly window?: HealthWindowOptions;
  /** Monotonic milliseconds for call latency (default performance.now). */
  readonly monotonic?: () => number;
  /** Told when a provider's reachability changes (the caller logs it; the registry never logs). */
  readonly onHealthChange?: (event: { provider: string; kind: string; reachable: boolean; detail: string | null }) => void;
}

/** A registered provider as the API shows it (no secret: secret settings are masked). */
export interface ProviderView {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly source: 'config' | 'api';
  readonly enabled: boolean;
  readonly credentials: string | null;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly health: HealthView;
  /** Why the provider could not be built (status `unavailable`), else null. */
  readonly error: string | null;
  readonly createdAt: string | null;
}

export interface RegisterProviderInput {
  readonly name: string;
  readonly kind: string;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly credentials?: string | null;
  readonly enabled?: boolean;
  readonly healthIntervalMs?: number;
  readonly healthTimeoutMs?: number;
  readonly createdBy: string;
}

interface Entry {
  readonly spec: ProviderSpec;
  readonly tracker: HealthTracker;
  /** The instrumented provider handed out; null when disabled or unavailable. */
  provider: CloudProvider | null;
  raw: CloudProvider | null;
  error: string | null;
  task: ScheduledTask | null;
  probing: boolean;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** The same provider, with every call timed and counted into `tracker` and `metrics` (style.md lesson 6). */
export function instrumentProvider(
  provider: CloudProvider, tracker: HealthTracker, options: { clock: Clock; monotonic: () => number; metrics?: ProviderMetrics },
): CloudProvider {
  const { clock, monotonic, metrics } = options;
  async function measure<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = monotonic();
    let failure: unknown;
    try {
      return await call();
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const ms = Math.max(0, monotonic() - started);
      tracker.recordCall(clock.now(), ms, failure);
      metrics?.calls.inc({ provider: provider.name, operation, outcome: callOutcome(failure) });
      metrics?.callSeconds.observe({ provider: provider.name, operation }, ms / 1000);
    }
  }
  return {
    name: provider.name,
    kind: provider.kind,
    listNodes: (o) => measure('listNodes', () => provider.listNodes(o)),
    getNode: (id, o) => measure('getNode', () => provider.getNode(id, o)),
    startNode: (request: StartNodeRequest): Promise<ProviderNode> => measure('startNode', () => provider.startNode(request)),
    stopNode: (request: StopNodeRequest): Promise<void> => measure('stopNode', () => provider.stopNode(request)),
    health: (): Promise<ProviderHealth> => measure('health', () => provider.health()),
  };
}

/** The kind's options with schema defaults applied; GOV_VALIDATION naming `settings.<field>` when invalid. */
export function checkSettings(kind: ProviderKind, settings: unknown, where: string): Record<string, unknown> {
  const schema = ProviderKindSchemas[kind];
  const value = Value.Default(schema, structuredClone(settings ?? {}));
  const first = Value.Errors(schema, value).First();
  if (first !== undefined) {
    const field = `${where}${first.path.replaceAll('/', '.')}`;
    throw new GovError('GOV_VALIDATION', `${field} ${first.message.toLowerCase()}`, { details: { errors: [{ field, message: first.message }] } });
  }
  return value as Record<string, unknown>;
}

/**
 * Every provider instance Governator can act on (issue #7), from `[[providers]]` and from the API, each
 * wrapped so that every call is measured, and probed with health() on a schedule. It is the ProviderResolver
 * of the action engine: `byName(name)` is how any component gets a CloudProvider by name.
 *
 * Contract: `load` throws GOV_CONFIG_INVALID for a configured provider that cannot be built (kind not in this
 * build, credential missing, of another kind or unreadable); a stored (API) provider that cannot be built is
 * kept with status `unavailable` and its reason, so one bad row never stops start-up.
 */
export class ProviderRegistry implements ProviderResolver {
  readonly #options: ProviderRegistryOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #monotonic: () => number;
  #started = false;

  constructor(options: ProviderRegistryOptions) {
    this.#options = options;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    options.metrics?.setCollector(() => { this.#updateInfo(); });
  }

  /** Kinds that have a factory in this build. */
  availableKinds(): readonly string[] {
    return PROVIDER_KINDS.filter((k) => this.#options.factories[k] !== undefined);
  }

  /** Build the configured providers, then the stored ones (a stored one named like a configured one is skipped). */
  async load(configured: readonly ProviderSpec[]): Promise<{ skipped: readonly string[] }> {
    for (const spec of configured) {
      const entry = await this.#build(spec, 'config');
      this.#entries.set(spec.name, entry);
    }
    const skipped: string[] = [];
    for (const record of (await this.#options.repository?.list()) ?? []) {
      if (this.#entries.has(record.id)) {
        skipped.push(record.id);
        continue;
      }
      const kind = (PROVIDER_KINDS as readonly string[]).includes(record.kind) ? (record.kind as ProviderKind) : null;
      const spec: ProviderSpec = {
        name: record.id, kind: kind ?? 'sim', enabled: record.enabled, credentials: record.credentials,
        settings: record.settings, healthIntervalMs: record.healthIntervalMs, healthTimeoutMs: record.healthTimeoutMs, source: 'api',
        createdAt: record.createdAt, createdBy: record.createdBy,
      };
      const entry = kind === null
        ? this.#unavailable({ ...spec, kind: record.kind as ProviderKind }, `unknown provider kind "${record.kind}"`)
        : await this.#build(spec, 'stored');
      this.#entries.set(record.id, entry);
    }
    this.#updateInfo();
    return { skipped };
  }

  #unavailable(spec: ProviderSpec, error: string | null): Entry {
    return { spec, tracker: new HealthTracker(this.#options.window), provider: null, raw: null, error, task: null, probing: false };
  }

  /**
   * Build one entry. `mode` decides what a failure does: config → throw GOV_CONFIG_INVALID; api → throw
   * GOV_VALIDATION; stored → keep the entry as unavailable.
   */
  async #build(spec: ProviderSpec, mode: 'config' | 'api' | 'stored'): Promise<Entry> {
    const where = mode === 'config' ? `providers "${spec.name}"` : `provider "${spec.name}"`;
    const fail = (message: string, cause?: unknown): never => {
      const code = mode === 'config' ? 'GOV_CONFIG_INVALID' : 'GOV_VALIDATION';
      throw new GovError(code, `${where}: ${message}`, { details: { provider: spec.name, kind: spec.kind }, ...(cause === undefined ? {} : { cause }) });
    };
    try {
      if (!spec.enabled) return this.#unavailable(spec, null);
      const factory = this.#options.factories[spec.kind];
      if (factory === undefined) {
        fail(`provider kind ${spec.kind} is not available in this build (available: ${this.availableKinds().join(', ') || 'none'})`);
      }
      const secrets: Record<string, string> = {};
      if (spec.credentials !== null) {
        let opened;
        try {
          opened = await this.#options.credentials.open(spec.credentials);
        } catch (error) {
          if (isGovError(error) && error.code === 'GOV_NOT_FOUND') fail(`credentials "${spec.credentials}" do not exist; store them with POST /api/v1/providers/credentials`, error);
          if (isGovError(error)) fail(`credentials "${spec.credentials}": ${error.message}`, error);
          throw error;
        }
        if (opened.provider !== spec.kind) fail(`credentials "${spec.credentials}" are for kind ${opened.provider}, not ${spec.kind}`);
        Object.assign(secrets, opened.values);
      }
      const secretFields = Object.entries(ProviderKindSchemas[spec.kind].properties)
        .filter(([, schema]) => (schema as { secret?: boolean }).secret === true).map(([field]) => field);
      for (const field of secretFields) {
        const value = spec.settings[field];
        if (typeof value === 'string') secrets[field] = value;
      }
      let raw: CloudProvider;
      try {
        raw = await factory!(spec, secrets);
      } catch (error) {
        // The adapter's message may quote settings, never secrets (port contract).
        fail(isGovError(error) || error instanceof Error ? error.message : String(error), error);
        throw error;
      }
      const tracker = new HealthTracker(this.#options.window);
      const provider = instrumentProvider(raw, tracker, { clock: this.#options.clock, monotonic: this.#monotonic, ...(this.#options.metrics ? { metrics: this.#options.metrics } : {}) });
      return { spec, tracker, provider, raw, error: null, task: null, probing: false };
    } catch (error) {
      if (mode !== 'stored') throw error;
      return this.#unavailable(spec, error instanceof Error ? error.message : String(error));
    }
  }

  /** Start the periodic health probes (the first one at once). Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const entry of this.#entries.values()) this.#schedule(entry, 0);
  }

  /** Stop probing. Probes in flight finish but schedule nothing more. */
  stop(): void {
    this.#started = false;
    for (const entry of this.#entries.values()) {
      entry.task?.cancel();
      entry.task = null;
    }
  }

  #schedule(entry: Entry, delayMs: number): void {
    if (!this.#started || entry.raw === null) return;
    entry.task?.cancel();
    entry.task = this.#options.scheduler.schedule(delayMs, () => {
      entry.task = null;
      void this.#probe(entry).then(() => {
        if (this.#entries.get(entry.spec.name) === entry) this.#schedule(entry, entry.spec.healthIntervalMs);
      });
    });
  }

  /** Probe one provider now (also what the schedule runs); resolves with the recorded result. */
  async probe(name: string): Promise<HealthView> {
    const entry = this.#entry(name);
    await this.#probe(entry);
    return entry.tracker.view(this.#options.clock.now());
  }

  async #probe(entry: Entry): Promise<void> {
    const raw = entry.raw;
    if (raw === null || entry.probing) return;
    entry.probing = true;
    const { metrics, scheduler, clock } = this.#options;
    const started = this.#monotonic();
    let timer: ScheduledTask | null = null;
    try {
      const timeout = new Promise<ProviderHealth & { timedOut: true }>((resolve) => {
        timer = scheduler.schedule(entry.spec.healthTimeoutMs, () => {
          resolve({ ok: false, latencyMs: entry.spec.healthTimeoutMs, detail: `no answer within ${entry.spec.healthTimeoutMs} ms`, timedOut: true });
        });
      });
      // health() never rejects by contract; a broken adapter that does is unreachable, not a crash.
      const answer = await Promise.race([
        raw.health().catch((error: unknown): ProviderHealth => ({ ok: false, latencyMs: 0, detail: error instanceof Error ? error.message : String(error) })),
        timeout,
      ]);
      const measured = Math.max(0, this.#monotonic() - started);
      const previous = entry.tracker.lastProbe;
      const result = { at: clock.now(), ok: answer.ok, latencyMs: answer.ok ? Math.max(answer.latencyMs, 0) || measured : measured, detail: answer.detail ?? null };
      entry.tracker.recordProbe(result);
      metrics?.up.set({ provider: entry.spec.name, kind: entry.spec.kind }, answer.ok ? 1 : 0);
      metrics?.probeSeconds.set({ provider: entry.spec.name }, result.latencyMs / 1000);
      metrics?.probes.inc({ provider: entry.spec.name, result: answer.ok ? 'ok' : 'timedOut' in answer ? 'timeout' : 'failed' });
      if (previous === null || previous.ok !== answer.ok) {
        this.#options.onHealthChange?.({ provider: entry.spec.name, kind: entry.spec.kind, reachable: answer.ok, detail: result.detail });
      }
      this.#updateInfo();
    } finally {
      (timer as ScheduledTask | null)?.cancel();
      entry.probing = false;
    }
  }

  #entry(name: string): Entry {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw new GovError('GOV_NOT_FOUND', `no provider named "${name}"`, { details: { provider: name } });
    return entry;
  }

  /** The provider with this name (instrumented), or undefined when there is none or it is disabled/unavailable. */
  byName(name: string): CloudProvider | undefined {
    return this.#entries.get(name)?.provider ?? undefined;
  }

  /** Like byName, but GOV_NOT_FOUND for an unknown name and GOV_PROVIDER_UNAVAILABLE for one that cannot be used. */
  get(name: string): CloudProvider {
    const entry = this.#entry(name);
    if (entry.provider === null) {
      throw new GovError('GOV_PROVIDER_UNAVAILABLE', `provider "${name}" is ${entry.spec.enabled ? `unavailable: ${entry.error ?? 'not built'}` : 'disabled'}`, { details: { provider: name, kind: entry.spec.kind, retryable: false } });
    }
    return entry.provider;
  }

  /** Every usable provider (enabled and built), in registration order. */
  all(): readonly CloudProvider[] {
    return [...this.#entries.values()].flatMap((e) => (e.provider === null ? [] : [e.provider]));
  }

  /** The provider that starts nodes of `offering`, among the usable ones (see chooseProvider). */
  forOffering(offering: Offering, allowed?: readonly string[]): CloudProvider | undefined {
    return chooseProvider(this.all(), offering, allowed);
  }

  /** Names of the registered providers that reference credential `name`. */
  usersOf(credential: string): readonly string[] {
    return [...this.#entries.values()].filter((e) => e.spec.credentials === credential).map((e) => e.spec.name);
  }

  list(): readonly ProviderView[] {
    return [...this.#entries.values()].map((e) => this.#view(e));
  }

  view(name: string): ProviderView {
    return this.#view(this.#entry(name));
  }

  #view(entry: Entry): ProviderView {
    const { spec } = entry;
    const health = entry.tracker.view(this.#options.clock.now());
    const status: ProviderStatus = !spec.enabled ? 'disabled' : entry.provider === null ? 'unavailable' : health.status;
    const known = (PROVIDER_KINDS as readonly string[]).includes(spec.kind);
    return {
      id: spec.name,
      name: spec.name,
      kind: spec.kind,
      source: spec.source,
      enabled: spec.enabled,
      credentials: spec.credentials,
      settings: known ? (maskSecretsWithin(ProviderKindSchemas[spec.kind], spec.settings, MASK) as Record<string, unknown>) : {},
      health: { ...health, status },
      error: spec.enabled ? entry.error : null,
      createdAt: spec.createdAt?.toISOString() ?? null,
    };
  }

  #updateInfo(): void {
    const metrics = this.#options.metrics;
    if (metrics === undefined) return;
    metrics.info.reset();
    const now = this.#options.clock.now();
    for (const entry of this.#entries.values()) {
      const view = this.#view(entry);
      metrics.info.set({ provider: entry.spec.name, kind: entry.spec.kind, source: entry.spec.source, status: view.health.status }, 1);
      metrics.errorRatio.set({ provider: entry.spec.name }, entry.tracker.errorRate(now).rate);
    }
  }

  /**
   * Register a provider through the API: validate, build (so a bad credential or setting is refused now, not
   * at the first action), store, and start probing it. GOV_CONFLICT for a name in use; GOV_VALIDATION for a
   * kind not in this build, bad settings, or credentials that are missing or of another kind.
   */
  async register(input: RegisterProviderInput): Promise<ProviderView> {
    const repository = this.#options.repository;
    if (repository === undefined) throw new GovError('GOV_CONFLICT', 'this server keeps no provider registrations (no store)', {});
    if (!NAME.test(input.name)) {
      throw new GovError('GOV_VALIDATION', `name ${JSON.stringify(input.name)} is not valid; expected a lowercase letter, then up to 63 lowercase letters, digits, _ or -`, { details: { field: 'name' } });
    }
    if (!(PROVIDER_KINDS as readonly string[]).includes(input.kind)) {
      throw new GovError('GOV_VALIDATION', `kind ${JSON.stringify(input.kind)} is not a provider kind; expected one of ${PROVIDER_KINDS.join(', ')}`, { details: { field: 'kind' } });
    }
    const kind = input.kind as ProviderKind;
    if (this.#entries.has(input.name)) {
      throw new GovError('GOV_CONFLICT', `a provider named "${input.name}" already exists`, { details: { field: 'name', value: input.name } });
    }
    const settings = checkSettings(kind, input.settings ?? {}, 'settings');
    // Secrets never go into the providers table: they belong in a stored credential.
    const inlineSecrets = Object.keys(settings).filter((k) => (ProviderKindSchemas[kind].properties as Record<string, { secret?: boolean }>)[k]?.secret === true);
    if (inlineSecrets.length > 0) {
      throw new GovError('GOV_VALIDATION', `settings.${inlineSecrets[0]} is a secret; store it with POST /api/v1/providers/credentials and reference it with "credentials"`, { details: { field: `settings.${inlineSecrets[0]}` } });
    }
    const now = this.#options.clock.now();
    const healthIntervalMs = input.healthIntervalMs ?? 30_000;
    const healthTimeoutMs = input.healthTimeoutMs ?? 10_000;
    const spec: ProviderSpec = {
      name: input.name, kind, enabled: input.enabled ?? true, credentials: input.credentials ?? null, settings,
      healthIntervalMs, healthTimeoutMs, source: 'api', createdAt: now, createdBy: input.createdBy,
    };
    const entry = await this.#build(spec, 'api');
    // The table's primary key settles a race between two registrations of one name (GOV_CONFLICT).
    await repository.create({
      id: spec.name, kind, settings, credentials: spec.credentials, enabled: spec.enabled, healthIntervalMs, healthTimeoutMs,
      createdAt: now, updatedAt: now, createdBy: input.createdBy,
    });
    this.#entries.set(spec.name, entry);
    this.#schedule(entry, 0);
    this.#updateInfo();
    return this.#view(entry);
  }

  /** Remove an API-registered provider. GOV_NOT_FOUND when unknown; GOV_CONFLICT for one from the configuration file. */
  async unregister(name: string): Promise<ProviderView> {
    const entry = this.#entry(name);
    if (entry.spec.source === 'config') {
      throw new GovError('GOV_CONFLICT', `provider "${name}" is defined in the configuration file; remove its [[providers]] entry there`, { details: { provider: name, source: 'config' } });
    }
    await this.#options.repository?.delete(name);
    entry.task?.cancel();
    this.#entries.delete(name);
    const metrics = this.#options.metrics;
    metrics?.up.remove({ provider: name, kind: entry.spec.kind });
    metrics?.probeSeconds.remove({ provider: name });
    metrics?.errorRatio.remove({ provider: name });
    this.#updateInfo();
    return this.#view(entry);
  }
}
