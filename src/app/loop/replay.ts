import type { ProviderNode } from '../../ports/cloud-provider.js';
import type { Clock } from '../../ports/clock.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { IngestSeries, Receiver } from '../telemetry/ingest.js';

/** One demand trace replayed into the series store, time-compressed. */
export interface ReplayTrace {
  /** Series name and labels the samples are written as (a pool's demand metric). */
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The trace's values, one per trace step (wrapping around at the end). */
  readonly values: readonly number[];
  /** Multiplies every value (the demo sizes a trace to its fleet; the shape is the trace's). */
  readonly scale: number;
  /** Wall-clock time one trace step lasts (time compression: a 5-minute step in 1 s is ×300). */
  readonly wallStepMs: number;
  /** Trace index that plays at start-up; the steps before it are written as history. */
  readonly startIndex: number;
  /** Steps of history written behind `now` at start-up (default startIndex). */
  readonly backfill?: number;
}

/** Per-node utilisation derived from the replayed demand (so node pages and learned capacity have data). */
export interface ReplayUtilization {
  readonly metric: string;
  /** The node-identifying label (a telemetry.node_labels entry). */
  readonly nodeLabel: string;
  /** Pool → index of the trace that is its demand. */
  readonly pools: Readonly<Record<string, number>>;
  /** Demand one node serves at 100% (0 or null: not counted). */
  readonly capacityOf: (node: ProviderNode) => number | null;
  /** The running fleet now. */
  readonly nodes: () => Promise<readonly ProviderNode[]>;
}

export interface DemandReplayOptions {
  readonly ingest: { ingest(batch: readonly IngestSeries[], receiver: Receiver): { readonly durable: Promise<void> } };
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly traces: readonly ReplayTrace[];
  /** How often the current value is written (default 1 s). */
  readonly tickMs?: number;
  readonly utilization?: ReplayUtilization;
  readonly onError?: (error: unknown) => void;
}

/**
 * Replays demand traces into the series store as if a monitoring system reported them (the demo, docs/loop.md
 * "Demo"): at start-up the trace's steps before `startIndex` are written as history behind now, then every tick
 * the step playing now is written. Time is compressed (`wallStepMs` per trace step) and the trace wraps around.
 */
export class DemandReplay {
  readonly #o: DemandReplayOptions;
  readonly #tick: number;
  #t0 = 0;
  #task: ScheduledTask | null = null;
  #stopped = true;
  #ticks = 0;

  constructor(options: DemandReplayOptions) {
    this.#o = options;
    this.#tick = Math.max(100, options.tickMs ?? 1000);
  }

  /** Trace index playing at `nowMs`. */
  indexAt(trace: ReplayTrace, nowMs: number): number {
    const n = trace.values.length;
    const k = trace.startIndex + Math.floor((nowMs - this.#t0) / trace.wallStepMs);
    return ((k % n) + n) % n;
  }

  /** The value playing at `nowMs` (scaled). */
  valueAt(traceIndex: number, nowMs: number): number {
    const trace = this.#o.traces[traceIndex] as ReplayTrace;
    return (trace.values[this.indexAt(trace, nowMs)] as number) * trace.scale;
  }

  /** Write the history, then the current value every tick until `stop()`. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    const now = this.#o.clock.now().getTime();
    this.#t0 = now;
    const batch: IngestSeries[] = [];
    for (const trace of this.#o.traces) {
      const back = Math.max(0, Math.min(trace.backfill ?? trace.startIndex, trace.values.length - 1));
      const ts: number[] = [];
      const values: number[] = [];
      for (let k = back; k >= 1; k -= 1) {
        const t = now - k * trace.wallStepMs;
        ts.push(t);
        values.push(this.valueAt(this.#o.traces.indexOf(trace), t));
      }
      if (ts.length > 0) batch.push(series(trace.metric, trace.labels, ts, values));
    }
    if (batch.length > 0) await this.#o.ingest.ingest(batch, 'pull').durable;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#task?.cancel();
    this.#task = null;
  }

  #schedule(delayMs: number): void {
    this.#task = this.#o.scheduler.schedule(delayMs, () => {
      if (this.#stopped) return;
      void this.#write().catch((error: unknown) => this.#o.onError?.(error)).finally(() => {
        if (!this.#stopped) this.#schedule(this.#tick);
      });
    });
  }

  async #write(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    const batch: IngestSeries[] = this.#o.traces.map((trace, i) => series(trace.metric, trace.labels, [now], [this.valueAt(i, now)]));
    const u = this.#o.utilization;
    // Utilisation every 5 ticks: enough for the dashboard and learned capacity, a fifth of the writes.
    if (u !== undefined && this.#ticks % 5 === 0) {
      const nodes = (await u.nodes()).filter((n) => n.state === 'running' && n.pool !== null && u.pools[n.pool] !== undefined);
      const total = new Map<string, number>();
      for (const node of nodes) total.set(node.pool as string, (total.get(node.pool as string) ?? 0) + (u.capacityOf(node) ?? 0));
      for (const node of nodes) {
        const cap = total.get(node.pool as string) ?? 0;
        if (!(cap > 0) || !((u.capacityOf(node) ?? 0) > 0)) continue;
        const demand = this.valueAt(u.pools[node.pool as string] as number, now);
        batch.push(series(u.metric, { [u.nodeLabel]: node.id, pool: node.pool as string }, [now], [Math.min(1, demand / cap)]));
      }
    }
    this.#ticks += 1;
    const result = this.#o.ingest.ingest(batch, 'pull');
    result.durable.catch(() => undefined);
  }
}

function series(metric: string, labels: Readonly<Record<string, string>>, ts: number[], values: number[]): IngestSeries {
  return { metric, labels: Object.entries(labels), ts, values };
}
