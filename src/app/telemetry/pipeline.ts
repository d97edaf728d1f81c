import { GovError, isGovError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { SeriesRepository } from '../../ports/series-store.js';
import type { TelemetryMetrics } from './metrics.js';
import type { SeriesEntry, SeriesRegistry } from './registry.js';

/**
 * The write path from receivers to the store (issue #5): a bounded queue of accepted samples, a batcher that
 * drains it by group commit (when no write is in flight, whatever is queued is written at once; while writes
 * are in flight, samples gather until a batch of `batchSize` is full or `flushIntervalMs` passes), and up to
 * `concurrency` batch writes in flight. Each batch first registers the series it has not registered yet, then appends its
 * samples in one statement.
 *
 * Backpressure: `hasRoom(n)` is false once queued + in-flight samples would exceed `maxQueued`; receivers then
 * answer 503 with Retry-After (docs/telemetry.md, "Backpressure") instead of buffering without bound. A failed
 * write (database down) is retried with backoff and its samples stay queued, so the queue fills and
 * backpressure reaches the senders, who retry later; nothing accepted is dropped while the process runs.
 *
 * Each accepted chunk carries a promise that settles when it is durable: receivers configured with
 * `telemetry.ack = "durable"` answer only then.
 */
export interface Chunk {
  readonly entries: SeriesEntry[];
  readonly ts: number[];
  readonly values: number[];
}

interface Pending {
  readonly chunk: Chunk;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Writes of this chunk the database refused (not counting "database unavailable"). */
  refusals: number;
  /** Write this chunk in a batch of its own (a batch it was in was refused: find the culprit). */
  isolate: boolean;
}

/** Refusals after which a chunk written alone is given up (its sender gets an error; counted). */
const MAX_REFUSALS = 3;

export interface PipelineOptions {
  readonly series: SeriesRepository;
  readonly registry: SeriesRegistry;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly metrics: TelemetryMetrics;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueued: number;
  readonly concurrency: number;
  /** Called after each durable batch with its smallest timestamp (the rollup job re-rolls late data). */
  readonly onDurable?: (minTs: number) => void;
  readonly onError?: (error: unknown) => void;
  /** Backoff after a failed write: doubles from min to max. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export class WritePipeline {
  readonly #o: PipelineOptions;
  #queue: Pending[] = [];
  #queuedSamples = 0;
  #inFlightSamples = 0;
  #inFlight = 0;
  #timer: ScheduledTask | null = null;
  #retryTimer: ScheduledTask | null = null;
  #backoffMs = 0;
  #closed = false;
  /** Write batches of any size at once (flush, close). */
  #urgent = false;
  #idle: Array<() => void> = [];

  constructor(options: PipelineOptions) {
    this.#o = options;
  }

  /** Samples accepted and not yet durable. */
  get depth(): number {
    return this.#queuedSamples + this.#inFlightSamples;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether `n` more samples fit. */
  hasRoom(n: number): boolean {
    return this.depth + n <= this.#o.maxQueued;
  }

  /** Seconds a refused sender should wait: about the time to write what is queued now, at least 1. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.min(30, Math.ceil(this.depth / Math.max(1, this.#o.batchSize) * Math.max(this.#o.flushIntervalMs, 100) / 1000)));
  }

  /** Queue a chunk (the caller checked hasRoom). Resolves when durable; rejects only if the pipeline is abandoned at shutdown. */
  enqueue(chunk: Chunk): Promise<void> {
    if (this.#closed) return Promise.reject(new GovError('GOV_SHUTTING_DOWN', 'telemetry is shutting down: no new samples accepted'));
    if (chunk.ts.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ chunk, resolve, reject, refusals: 0, isolate: false });
      this.#queuedSamples += chunk.ts.length;
      this.#o.metrics.queueDepth.set(this.depth);
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#retryTimer !== null) return;
    while (this.#inFlight < this.#o.concurrency && this.#queue.length > 0) {
      const full = this.#queuedSamples >= this.#o.batchSize;
      // Group commit: with no write in flight, what is queued goes now (low latency when idle); while one is in
      // flight, samples gather into the next batch until it is full or the interval passes.
      if (!full && !this.#urgent && this.#inFlight > 0) {
        this.#timer ??= this.#o.scheduler.schedule(this.#o.flushIntervalMs, () => {
          this.#timer = null;
          this.#flushSome(true);
        });
        return;
      }
      this.#flushSome(false);
    }
  }

  /** Take one batch and write it; `partial`: the interval elapsed, so write whatever is queued. */
  #flushSome(partial: boolean): void {
    if (this.#queue.length === 0 || this.#inFlight >= this.#o.concurrency) return;
    if (!partial && this.#queuedSamples < this.#o.batchSize && !this.#urgent && this.#inFlight > 0) return;
    const batch: Pending[] = [];
    let n = 0;
    while (this.#queue.length > 0 && n < this.#o.batchSize) {
      const next = this.#queue[0] as Pending;
      if (next.isolate && batch.length > 0) break; // a suspect chunk goes alone
      this.#queue.shift();
      batch.push(next);
      n += next.chunk.ts.length;
      if (next.isolate) break;
    }
    this.#queuedSamples -= n;
    this.#inFlightSamples += n;
    this.#inFlight += 1;
    void this.#write(batch, n).finally(() => {
      this.#inFlight -= 1;
      this.#inFlightSamples -= n;
      this.#o.metrics.queueDepth.set(this.depth);
      if (this.#queue.length > 0) this.#pump();
      if (this.depth === 0) for (const wake of this.#idle.splice(0)) wake();
    });
  }

  async #write(batch: Pending[], n: number): Promise<void> {
    const started = performance.now();
    try {
      // Register the series this batch is the first to carry.
      const unregistered = new Map<string, SeriesEntry>();
      for (const { chunk } of batch) for (const e of chunk.entries) if (e.id === null) unregistered.set(e.key, e);
      if (unregistered.size > 0) {
        const list = [...unregistered.values()];
        const ids = await this.#o.series.ensure(list.map((e) => ({ metric: e.metric, labels: e.labels, fingerprint: e.fingerprint })));
        list.forEach((e, i) => this.#o.registry.setId(e, ids[i] as number));
      }
      const seriesIds = new Array<number>(n);
      const ts = new Array<number>(n);
      const values = new Array<number>(n);
      let k = 0;
      let minTs = Infinity;
      for (const { chunk } of batch) {
        for (let i = 0; i < chunk.ts.length; i += 1) {
          seriesIds[k] = (chunk.entries[i] as SeriesEntry).id as number;
          const t = chunk.ts[i] as number;
          ts[k] = t;
          if (t < minTs) minTs = t;
          values[k] = chunk.values[i] as number;
          k += 1;
        }
      }
      await this.#o.series.append({ seriesIds, ts, values, length: n });
      this.#o.metrics.batchDuration.observe((performance.now() - started) / 1000);
      this.#o.metrics.written.inc(n);
      this.#backoffMs = 0;
      for (const p of batch) p.resolve();
      this.#o.onDurable?.(minTs);
    } catch (error) {
      this.#o.metrics.writeErrors.inc();
      this.#o.onError?.(error);
      // The database being unreachable is transient: keep everything and retry. Anything else is the database
      // refusing this batch: isolate its chunks so one bad chunk cannot wedge the queue, and give up a chunk
      // refused MAX_REFUSALS times on its own (its sender gets an error; the samples are counted as dropped).
      const transient = isGovError(error) && error.code === 'GOV_DB_UNAVAILABLE';
      let kept = batch;
      if (!transient) {
        kept = [];
        for (const p of batch) {
          p.refusals += 1;
          if (batch.length === 1 && p.refusals >= MAX_REFUSALS) {
            this.#o.metrics.dropped.inc(p.chunk.ts.length);
            p.reject(new GovError('GOV_INTERNAL', 'the database refused these samples; they were dropped', { cause: error }));
            n -= p.chunk.ts.length;
          } else {
            p.isolate = batch.length > 1 || p.isolate;
            kept.push(p);
          }
        }
      }
      // Keep the samples: back at the head of the queue, retried after a backoff.
      this.#queue.unshift(...kept);
      this.#queuedSamples += n;
      const min = this.#o.retryMinMs ?? 100;
      this.#backoffMs = Math.min(this.#o.retryMaxMs ?? 5_000, this.#backoffMs === 0 ? min : this.#backoffMs * 2);
      if (this.#retryTimer === null) {
        this.#retryTimer = this.#o.scheduler.schedule(this.#backoffMs, () => {
          this.#retryTimer = null;
          this.#pump();
          if (this.#queue.length > 0 && this.#inFlight === 0) this.#flushSome(true);
        });
      }
    }
  }

  /** Write everything queued now, without waiting for the interval (tests, shutdown). Resolves when idle or when `timeoutMs` passes; returns what is still not durable. */
  async flush(timeoutMs = 30_000): Promise<number> {
    if (this.depth === 0) return 0;
    this.#timer?.cancel();
    this.#timer = null;
    const idle = new Promise<void>((resolve) => this.#idle.push(resolve));
    const wasUrgent = this.#urgent;
    this.#urgent = true;
    this.#pump();
    if (this.#inFlight === 0 && this.#queue.length > 0 && this.#retryTimer === null) this.#flushSome(true);
    let timer: ScheduledTask | undefined;
    const timeout = new Promise<void>((resolve) => { timer = this.#o.scheduler.schedule(timeoutMs, resolve); });
    try {
      await Promise.race([idle, timeout]);
    } finally {
      timer?.cancel();
      this.#urgent = wasUrgent;
    }
    return this.depth;
  }

  /**
   * Stop accepting, write what is queued (retrying while the store recovers) for at most `timeoutMs`, then
   * fail the chunks still waiting (their senders get an error and, for Prometheus, retry against a replica).
   * Returns how many samples were abandoned.
   */
  async close(timeoutMs = 10_000): Promise<number> {
    this.#closed = true;
    const left = await this.flush(timeoutMs);
    this.#timer?.cancel();
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    for (const p of this.#queue.splice(0)) p.reject(new GovError('GOV_SHUTTING_DOWN', 'telemetry shut down before these samples were written'));
    this.#queuedSamples = 0;
    this.#o.metrics.queueDepth.set(this.depth);
    return left;
  }
}
