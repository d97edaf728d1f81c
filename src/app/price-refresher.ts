import { GovError, isGovError } from '../core/errors.js';
import type { Offering } from '../core/model/offering.js';
import { applyQuotes } from '../core/pricing/overlay.js';
import type { PriceItemError, PriceSnapshot } from '../core/pricing/quote.js';
import type { Clock } from '../ports/clock.js';
import type { PriceSource, PriceSourceKind } from '../ports/price-source.js';
import type { ScheduledTask, Scheduler } from '../ports/scheduler.js';
import type { CostHistoryRepository, CostHistoryRow } from '../ports/store.js';

/** Defaults of issue #3 part 4: spot prices every minute, list prices every few hours. */
export const DEFAULT_SPOT_INTERVAL_MS = 60_000;
export const DEFAULT_LIST_INTERVAL_MS = 6 * 3_600_000;

export interface PriceRefresherOptions {
  /** Each is refreshed on its own schedule, by kind. Names must be unique. */
  readonly sources: readonly PriceSource[];
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** The bundled catalog: what `current()` serves for anything no live source has priced yet. */
  readonly initialOfferings: readonly Offering[];
  /** Where price changes go; omit to keep no history. */
  readonly store?: { readonly costHistory: CostHistoryRepository } | null;
  /** Interval between runs of a `spot` source, ms (default 60 s). */
  readonly spotIntervalMs?: number;
  /** Interval between runs of a `list` source, ms (default 6 h). */
  readonly listIntervalMs?: number;
  /** After a failed run, try again this soon (capped at the source's interval; default 5 min). */
  readonly retryAfterFailureMs?: number;
  /** A run that has no snapshot after this long is abandoned as failed (default 5 min). */
  readonly fetchTimeoutMs?: number;
  /** Told about every finished run, for the caller's logs and metrics (the refresher never logs). */
  readonly onRefresh?: (result: RefreshResult) => void;
  /** Price-change rows kept for a later attempt while the store refuses them (default 100,000; oldest dropped). */
  readonly maxPendingHistoryRows?: number;
}

export interface RefreshResult {
  readonly source: string;
  readonly ok: boolean;
  /** The failure, when not ok. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly quotes: number;
  readonly itemErrors: number;
  /** Offerings whose price this run changed (across every source's overlay). */
  readonly changes: number;
  readonly startedAt: string;
  readonly durationMs: number;
}

/** What `current()` serves for one source's prices. */
export type Serving = 'live' | 'last-good' | 'bundled';

export interface PriceSourceStatus {
  readonly name: string;
  readonly kind: PriceSourceKind;
  readonly intervalMs: number;
  /** live: the last run succeeded; last-good: it failed and the last good snapshot is served; bundled: never succeeded. */
  readonly serving: Serving;
  readonly running: boolean;
  readonly lastAttemptAt: string | null;
  readonly lastSuccessAt: string | null;
  /** Age of the snapshot served, ms (null: none yet). */
  readonly ageMs: number | null;
  readonly lastErrorAt: string | null;
  /** The most recent failure; kept after a later success, so a flapping source is visible. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly consecutiveFailures: number;
  readonly nextRunAt: string | null;
  /** Of the snapshot served: */
  readonly quotes: number;
  readonly itemErrors: number;
  /** The first item errors of that snapshot (at most 20). */
  readonly itemErrorSamples: readonly PriceItemError[];
  /** Quotes for instance types the catalog has no shape for (reported, not invented). */
  readonly unmatched: number;
  /** Quotes with an impossible price, ignored. */
  readonly invalid: number;
}

export interface PriceHistoryStatus {
  /** Rows waiting for the store to accept them. */
  readonly pendingRows: number;
  readonly droppedRows: number;
  readonly lastError: { readonly at: string; readonly message: string } | null;
}

interface SourceState {
  readonly source: PriceSource;
  readonly intervalMs: number;
  lastGood: PriceSnapshot | null;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  lastFailed: boolean;
  lastErrorAt: Date | null;
  lastError: { code: string; message: string } | null;
  consecutiveFailures: number;
  unmatched: number;
  invalid: number;
  inFlight: Promise<RefreshResult> | null;
  controller: AbortController | null;
  timer: ScheduledTask | null;
  nextRunAt: Date | null;
}

const SAMPLE_ERRORS = 20;
/** NUMERIC(12,6) keeps 6 decimals: a smaller move is not a change anyone can see in cost_history. */
const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new GovError('GOV_VALIDATION', `price refresher: ${what} must be a whole number of ms above 0, got ${String(value)}`);
  return value;
}

function describeError(error: unknown): { code: string; message: string } {
  if (isGovError(error)) return { code: error.code, message: error.message };
  return { code: 'GOV_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

function isSnapshot(value: unknown): value is PriceSnapshot {
  const v = value as Partial<PriceSnapshot> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.quotes) && Array.isArray(v.errors);
}

/**
 * Keeps live prices current (issue #3, part 4). Runs each source on its own interval (spot: 60 s, list: 6 h
 * by default), never two runs of one source at once; keeps each source's last good snapshot and serves it
 * when a run fails (the bundled prices when there never was one); serves `current()` = the bundled offerings
 * with every source's last good snapshot applied in source order (src/core/pricing/overlay.ts); writes each
 * price CHANGE, not every unchanged price, to cost_history. Time comes from the injected Clock and Scheduler,
 * so tests skip time instead of sleeping.
 */
export class PriceRefresher {
  readonly #options: PriceRefresherOptions;
  readonly #states: SourceState[];
  readonly #fetchTimeoutMs: number;
  readonly #retryAfterFailureMs: number;
  readonly #maxPending: number;
  #offerings: readonly Offering[];
  #started = false;
  #stopped = false;
  #pending: CostHistoryRow[] = [];
  #dropped = 0;
  #historyError: { at: string; message: string } | null = null;
  #historyChain: Promise<void> = Promise.resolve();

  constructor(options: PriceRefresherOptions) {
    this.#options = options;
    const spot = positiveInteger(options.spotIntervalMs ?? DEFAULT_SPOT_INTERVAL_MS, 'spotIntervalMs');
    const list = positiveInteger(options.listIntervalMs ?? DEFAULT_LIST_INTERVAL_MS, 'listIntervalMs');
    this.#fetchTimeoutMs = positiveInteger(options.fetchTimeoutMs ?? 300_000, 'fetchTimeoutMs');
    this.#retryAfterFailureMs = positiveInteger(options.retryAfterFailureMs ?? 300_000, 'retryAfterFailureMs');
    this.#maxPending = options.maxPendingHistoryRows ?? 100_000;
    const names = new Set<string>();
    this.#states = options.sources.map((source) => {
      if (names.has(source.name)) throw new GovError('GOV_VALIDATION', `price refresher: two sources are named ${JSON.stringify(source.name)}`);
      names.add(source.name);
      return {
        source, intervalMs: source.kind === 'spot' ? spot : list,
        lastGood: null, lastAttemptAt: null, lastSuccessAt: null, lastFailed: false, lastErrorAt: null, lastError: null,
        consecutiveFailures: 0, unmatched: 0, invalid: 0, inFlight: null, controller: null, timer: null, nextRunAt: null,
      };
    });
    this.#offerings = Object.freeze([...options.initialOfferings]);
  }

  /** Run every source now, then each on its interval. Idempotent; a stopped refresher does not restart. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    for (const state of this.#states) void this.#run(state);
  }

  /** Cancel the timers, abort the runs in flight and wait for them (and for history writes) to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#states) {
      state.timer?.cancel();
      state.timer = null;
      state.nextRunAt = null;
      state.controller?.abort(new Error('price refresher stopped'));
    }
    await this.whenIdle();
  }

  /** Run one source now (or join its run in flight), resolving when it ends. */
  refresh(name: string): Promise<RefreshResult> {
    const state = this.#states.find((s) => s.source.name === name);
    if (state === undefined) return Promise.reject(new GovError('GOV_NOT_FOUND', `price refresher: no source named ${JSON.stringify(name)}`));
    return this.#run(state);
  }

  /** Run every source now (joining runs in flight). */
  refreshAll(): Promise<RefreshResult[]> {
    return Promise.all(this.#states.map((s) => this.#run(s)));
  }

  /** Resolves when no run is in flight and every history write has ended. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const running = this.#states.map((s) => s.inFlight).filter((p): p is Promise<RefreshResult> => p !== null);
      if (running.length === 0) break;
      await Promise.allSettled(running);
    }
    await this.#historyChain;
  }

  /** The offerings with the live prices in force: bundled ones where no source has priced them. */
  current(): readonly Offering[] {
    return this.#offerings;
  }

  status(): PriceSourceStatus[] {
    const now = this.#options.clock.now().getTime();
    return this.#states.map((s) => ({
      name: s.source.name,
      kind: s.source.kind,
      intervalMs: s.intervalMs,
      serving: s.lastGood === null ? 'bundled' : s.lastFailed ? 'last-good' : 'live',
      running: s.inFlight !== null,
      lastAttemptAt: s.lastAttemptAt?.toISOString() ?? null,
      lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
      ageMs: s.lastSuccessAt === null ? null : Math.max(0, now - s.lastSuccessAt.getTime()),
      lastErrorAt: s.lastErrorAt?.toISOString() ?? null,
      lastError: s.lastError,
      consecutiveFailures: s.consecutiveFailures,
      nextRunAt: s.nextRunAt?.toISOString() ?? null,
      quotes: s.lastGood?.quotes.length ?? 0,
      itemErrors: s.lastGood?.errors.length ?? 0,
      itemErrorSamples: s.lastGood?.errors.slice(0, SAMPLE_ERRORS) ?? [],
      unmatched: s.unmatched,
      invalid: s.invalid,
    }));
  }

  historyStatus(): PriceHistoryStatus {
    return { pendingRows: this.#pending.length, droppedRows: this.#dropped, lastError: this.#historyError };
  }

  #run(state: SourceState): Promise<RefreshResult> {
    if (state.inFlight !== null) return state.inFlight;
    state.timer?.cancel();
    state.timer = null;
    state.nextRunAt = null;
    const run = this.#execute(state).finally(() => {
      state.inFlight = null;
      state.controller = null;
    });
    state.inFlight = run;
    return run;
  }

  async #execute(state: SourceState): Promise<RefreshResult> {
    const { clock, scheduler } = this.#options;
    const name = state.source.name;
    const started = clock.now();
    state.lastAttemptAt = started;
    const controller = new AbortController();
    state.controller = controller;
    let timedOut = false;
    let timeoutTask: ScheduledTask | null = null;
    const deadline = new Promise<never>((_, reject) => {
      timeoutTask = scheduler.schedule(this.#fetchTimeoutMs, () => {
        timedOut = true;
        const error = new GovError('GOV_PRICE_SOURCE_UNAVAILABLE', `${name}: no snapshot within ${this.#fetchTimeoutMs} ms; abandoned`, {
          details: { source: name, retryable: true },
        });
        controller.abort(error);
        reject(error);
      });
    });
    deadline.catch(() => undefined);

    let result: RefreshResult;
    try {
      // A source that ignores its signal still cannot hold the run past the deadline.
      const snapshot: unknown = await Promise.race([state.source.fetch({ signal: controller.signal }), deadline]);
      if (!isSnapshot(snapshot)) {
        throw new GovError('GOV_PRICE_SOURCE_UNAVAILABLE', `${name}: fetch resolved with something that is not a snapshot`, { details: { source: name, retryable: false } });
      }
      const at = clock.now();
      state.lastGood = snapshot;
      state.lastSuccessAt = at;
      state.lastFailed = false;
      state.consecutiveFailures = 0;
      const changes = this.#recompute(at);
      result = {
        source: name, ok: true, error: null, quotes: snapshot.quotes.length, itemErrors: snapshot.errors.length,
        changes, startedAt: started.toISOString(), durationMs: at.getTime() - started.getTime(),
      };
    } catch (error) {
      const at = clock.now();
      const described = timedOut
        ? { code: 'GOV_PRICE_SOURCE_UNAVAILABLE', message: `${name}: no snapshot within ${this.#fetchTimeoutMs} ms; abandoned` }
        : describeError(error);
      if (!this.#stopped) {
        state.lastFailed = true;
        state.lastErrorAt = at;
        state.lastError = described;
        state.consecutiveFailures += 1;
      }
      result = {
        source: name, ok: false, error: described, quotes: 0, itemErrors: 0, changes: 0,
        startedAt: started.toISOString(), durationMs: at.getTime() - started.getTime(),
      };
    } finally {
      (timeoutTask as ScheduledTask | null)?.cancel();
    }
    if (this.#started && !this.#stopped) {
      const delay = result.ok ? state.intervalMs : Math.min(state.intervalMs, this.#retryAfterFailureMs);
      state.nextRunAt = new Date(clock.now().getTime() + delay);
      state.timer = scheduler.schedule(delay, () => {
        state.timer = null;
        void this.#run(state);
      });
    }
    if (!this.#stopped || result.ok) this.#options.onRefresh?.(result);
    return result;
  }

  /** Rebuild `current()` from the bundled offerings and every last good snapshot; record what changed. */
  #recompute(at: Date): number {
    let offerings: readonly Offering[] = this.#options.initialOfferings;
    for (const state of this.#states) {
      if (state.lastGood === null) continue;
      const overlay = applyQuotes(offerings, state.lastGood.quotes, { source: `live:${state.source.name}` });
      offerings = overlay.offerings;
      state.unmatched = overlay.unmatched.length;
      state.invalid = overlay.invalid.length;
    }
    const before = new Map(this.#offerings.map((o) => [o.id, o.pricePerHour]));
    const rows: CostHistoryRow[] = [];
    for (const offering of offerings) {
      const old = before.get(offering.id);
      if (old !== undefined && round6(old) === round6(offering.pricePerHour)) continue;
      rows.push({
        timestamp: at, provider: offering.provider, resourceType: 'offering', resourceId: offering.id,
        costPerHour: offering.pricePerHour, currency: 'USD',
      });
    }
    this.#offerings = Object.freeze([...offerings]);
    if (rows.length > 0) this.#record(rows);
    return rows.length;
  }

  /** Append rows (after any earlier ones the store refused), one write at a time. */
  #record(rows: CostHistoryRow[]): void {
    const store = this.#options.store;
    if (store === undefined || store === null) return;
    this.#pending.push(...rows);
    if (this.#pending.length > this.#maxPending) {
      const excess = this.#pending.length - this.#maxPending;
      this.#pending.splice(0, excess);
      this.#dropped += excess;
    }
    this.#historyChain = this.#historyChain.then(async () => {
      if (this.#pending.length === 0) return;
      const batch = this.#pending;
      this.#pending = [];
      try {
        await store.costHistory.append(batch);
      } catch (error) {
        const kept = [...batch, ...this.#pending];
        const excess = Math.max(0, kept.length - this.#maxPending);
        this.#dropped += excess;
        this.#pending = kept.slice(excess);
        this.#historyError = { at: this.#options.clock.now().toISOString(), message: describeError(error).message };
      }
    });
  }
}
