import { nodeIdOf } from '../../core/telemetry/nodes.js';
import { labelsMatch, type IdentifiedSeries, type Labels } from '../../core/telemetry/series.js';

/**
 * The in-memory index of every known series and the hot window of their recent samples (issue #5): what the
 * decision loop and the dashboard read without touching the database, and what the receivers consult to
 * refuse out-of-order samples and cardinality explosions.
 *
 * Memory is bounded: at most `maxSeries` series (`maxSeriesPerMetric` per metric name), each with a ring of
 * at most `maxPoints` samples no older than `windowMs` behind its newest one. Rings start small (8 points) and
 * double when full, so a series sampled once a minute does not pay for one sampled every second.
 */
export class SeriesEntry {
  /** Database id, or null until the write pipeline has registered it. */
  id: number | null = null;
  /** Newest accepted timestamp (ms), from this process or reloaded from the store. */
  lastTs: number | undefined = undefined;
  #ts: Float64Array;
  #values: Float64Array;
  #start = 0;
  #size = 0;

  constructor(
    readonly key: string,
    readonly metric: string,
    readonly labels: Labels,
    readonly fingerprint: string,
    readonly nodeId: string | null,
    private readonly maxPoints: number,
    private readonly windowMs: number,
  ) {
    const initial = Math.min(8, maxPoints);
    this.#ts = new Float64Array(initial);
    this.#values = new Float64Array(initial);
  }

  /** Append a sample newer than every one in the ring (the caller checks order). */
  push(ts: number, value: number): void {
    if (this.maxPoints === 0) return;
    let cap = this.#ts.length;
    if (this.#size === cap && cap < this.maxPoints) {
      const next = Math.min(cap * 2, this.maxPoints);
      const ts2 = new Float64Array(next);
      const v2 = new Float64Array(next);
      for (let i = 0; i < this.#size; i += 1) {
        const j = (this.#start + i) % cap;
        ts2[i] = this.#ts[j] as number;
        v2[i] = this.#values[j] as number;
      }
      this.#ts = ts2;
      this.#values = v2;
      this.#start = 0;
      cap = next;
    }
    if (this.#size === cap) {
      this.#start = (this.#start + 1) % cap;
      this.#size -= 1;
    }
    const at = (this.#start + this.#size) % cap;
    this.#ts[at] = ts;
    this.#values[at] = value;
    this.#size += 1;
    // Drop what fell out of the window behind the newest sample.
    const horizon = ts - this.windowMs;
    while (this.#size > 0 && (this.#ts[this.#start] as number) < horizon) {
      this.#start = (this.#start + 1) % cap;
      this.#size -= 1;
    }
  }

  /** Samples in [from, to), oldest first. */
  points(from = -Infinity, to = Infinity): { ts: number[]; values: number[] } {
    const ts: number[] = [];
    const values: number[] = [];
    const cap = this.#ts.length;
    for (let i = 0; i < this.#size; i += 1) {
      const j = (this.#start + i) % cap;
      const t = this.#ts[j] as number;
      if (t >= from && t < to) {
        ts.push(t);
        values.push(this.#values[j] as number);
      }
    }
    return { ts, values };
  }

  /** Number of samples in the ring. */
  get size(): number {
    return this.#size;
  }

  /** The newest sample, or undefined. */
  latest(): { ts: number; value: number } | undefined {
    if (this.#size === 0) return undefined;
    const j = (this.#start + this.#size - 1) % this.#ts.length;
    return { ts: this.#ts[j] as number, value: this.#values[j] as number };
  }
}

export interface RegistryOptions {
  readonly maxSeries: number;
  readonly maxSeriesPerMetric: number;
  /** Samples kept per series in the hot window (0: none). */
  readonly maxPoints: number;
  readonly windowMs: number;
  /** Labels naming the node a series belongs to, in order of preference (core/telemetry/nodes.ts). */
  readonly nodeLabels: readonly string[];
  /** Hex fingerprint of a canonical series key (SHA-256, truncated: src/app/crypto.ts). */
  readonly fingerprint: (key: string) => string;
}

export type AdmitResult = SeriesEntry | 'cardinality_limit';

export class SeriesRegistry {
  readonly #byKey = new Map<string, SeriesEntry>();
  readonly #byId = new Map<number, SeriesEntry>();
  readonly #perMetric = new Map<string, Set<SeriesEntry>>();
  readonly #perNode = new Map<string, Set<SeriesEntry>>();
  /** Wire form (label pairs as sent, see wireKey) → entry: lets a known series skip validation and sorting. */
  readonly #byWire = new Map<string, SeriesEntry>();
  /** Hash of a series' label bytes as sent (see WireLabels) → entries with those bytes (collisions chained). */
  readonly #byWireBytes = new Map<number, WireAlias>();
  #wireBytesCount = 0;

  constructor(readonly options: RegistryOptions) {}

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): SeriesEntry | undefined {
    return this.#byKey.get(key);
  }

  /** The entry a series was last admitted under with exactly these pairs (see wireKey), if any. */
  byWire(wire: string): SeriesEntry | undefined {
    return this.#byWire.get(wire);
  }

  /** Remember `wire` as another spelling of `entry` (bounded: forgotten wholesale past 2 per series). */
  alias(wire: string, entry: SeriesEntry): void {
    if (this.#byWire.size > 2 * this.#byKey.size + 1024) this.#byWire.clear();
    this.#byWire.set(wire, entry);
  }

  /**
   * The entry a series was last admitted under with exactly these label bytes (remote_write: see
   * WireLabels), if any: one hash over the bytes and one comparison, no string made.
   */
  byWireBytes(bytes: Uint8Array, start: number, end: number): SeriesEntry | undefined {
    for (let a = this.#byWireBytes.get(hashBytes(bytes, start, end)); a !== undefined; a = a.next) {
      if (sameBytes(a.bytes, bytes, start, end)) return a.entry;
    }
    return undefined;
  }

  /** Remember these label bytes (copied) as a spelling of `entry` (bounded like alias()). */
  aliasBytes(bytes: Uint8Array, start: number, end: number, entry: SeriesEntry): void {
    if (this.#wireBytesCount > 2 * this.#byKey.size + 1024) {
      this.#byWireBytes.clear();
      this.#wireBytesCount = 0;
    }
    const hash = hashBytes(bytes, start, end);
    this.#byWireBytes.set(hash, { bytes: bytes.slice(start, end), entry, next: this.#byWireBytes.get(hash) });
    this.#wireBytesCount += 1;
  }

  byId(id: number): SeriesEntry | undefined {
    return this.#byId.get(id);
  }

  /** The series' entry, created when new and the limits allow it. */
  admit(series: IdentifiedSeries): AdmitResult {
    const found = this.#byKey.get(series.key);
    if (found !== undefined) return found;
    const perMetric = this.#perMetric.get(series.metric)?.size ?? 0;
    if (perMetric >= this.options.maxSeriesPerMetric || this.#byKey.size >= this.options.maxSeries) return 'cardinality_limit';
    return this.#add(series.key, series.metric, series.labels, this.options.fingerprint(series.key));
  }

  /** Add a series read back from the store (limits do not apply: it exists already). */
  restore(record: { id: number; key: string; metric: string; labels: Labels; fingerprint: string }): SeriesEntry {
    const entry = this.#byKey.get(record.key) ?? this.#add(record.key, record.metric, record.labels, record.fingerprint);
    this.setId(entry, record.id);
    return entry;
  }

  setId(entry: SeriesEntry, id: number): void {
    entry.id = id;
    this.#byId.set(id, entry);
  }

  #add(key: string, metric: string, labels: Labels, fingerprint: string): SeriesEntry {
    const nodeId = nodeIdOf(labels, this.options.nodeLabels);
    const entry = new SeriesEntry(key, metric, labels, fingerprint, nodeId, this.options.maxPoints, this.options.windowMs);
    this.#byKey.set(key, entry);
    let set = this.#perMetric.get(metric);
    if (set === undefined) { set = new Set(); this.#perMetric.set(metric, set); }
    set.add(entry);
    if (nodeId !== null) {
      let nodeSet = this.#perNode.get(nodeId);
      if (nodeSet === undefined) { nodeSet = new Set(); this.#perNode.set(nodeId, nodeSet); }
      nodeSet.add(entry);
    }
    return entry;
  }

  /** Series of `metric` (every metric when undefined) whose labels include `labels`, at most `limit + 1`. */
  find(options: { metric?: string; labels?: Labels; nodeId?: string; limit: number }): SeriesEntry[] {
    const source: Iterable<SeriesEntry> = options.nodeId !== undefined
      ? (this.#perNode.get(options.nodeId) ?? [])
      : options.metric !== undefined ? (this.#perMetric.get(options.metric) ?? []) : this.#byKey.values();
    const out: SeriesEntry[] = [];
    for (const entry of source) {
      if (options.metric !== undefined && entry.metric !== options.metric) continue;
      if (options.labels !== undefined && !labelsMatch(entry.labels, options.labels)) continue;
      out.push(entry);
      if (out.length > options.limit) break;
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Node ids that have series. */
  nodes(): string[] {
    return [...this.#perNode.keys()];
  }

  /** Every entry (for reload). */
  entries(): IterableIterator<SeriesEntry> {
    return this.#byKey.values();
  }
}

/**
 * An unambiguous string of label pairs exactly as a sender gave them (each name and value length-prefixed), so
 * two spellings of one series may differ but two different pair lists never collide. Cheap next to the
 * canonical key: no sorting, no escaping.
 */
interface WireAlias {
  readonly bytes: Uint8Array;
  readonly entry: SeriesEntry;
  readonly next: WireAlias | undefined;
}

/** 32-bit FNV-1a of bytes[start, end) (a Map key; collisions are resolved by comparing the bytes). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i += 1) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

function sameBytes(kept: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (kept.length !== end - start) return false;
  for (let i = 0; i < kept.length; i += 1) if (kept[i] !== bytes[start + i]) return false;
  return true;
}

export function wireKey(pairs: ReadonlyArray<readonly [string, string]>, metric: string | undefined): string {
  let out = metric === undefined ? '' : `${metric.length}:${metric}|`;
  for (const [name, value] of pairs) out += `${name.length}:${name}${value.length}:${value}`;
  return out;
}
