import { providerErrorKind, type ProviderErrorKind } from '../../core/provider/errors.js';

/**
 * Live health of one provider instance (issue #7): the last health probe (reachability) and a sliding window
 * of recent calls (error rate, latency). Pure bookkeeping: times are passed in.
 */

export type ProviderStatus = 'healthy' | 'degraded' | 'unreachable' | 'unknown' | 'disabled' | 'unavailable';

/** Provider error kinds that are correct answers, not failures of the provider (a node that is gone, a full quota). */
const REFUSALS: ReadonlySet<ProviderErrorKind> = new Set(['NotFound', 'QuotaExceeded', 'CapacityUnavailable', 'InvalidRequest']);

/** The `outcome` label of a call: ok, the provider error kind in snake_case, or error. */
export function callOutcome(error: unknown): string {
  if (error === undefined) return 'ok';
  const kind = providerErrorKind(error);
  return kind === null ? 'error' : kind.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** True when a call's error counts against the provider's health (throttled, unavailable, timeout, auth, unexpected). */
export function isFailure(error: unknown): boolean {
  const kind = providerErrorKind(error);
  return kind === null || !REFUSALS.has(kind);
}

export interface HealthWindowOptions {
  /** Calls kept at most (default 200). */
  readonly maxCalls?: number;
  /** Calls older than this are forgotten, ms (default 15 minutes). */
  readonly windowMs?: number;
  /** Error rate at or above which a reachable provider is `degraded` (default 0.25)… */
  readonly degradedErrorRate?: number;
  /** …once the window holds at least this many calls (default 4). */
  readonly minCalls?: number;
}

interface CallSample {
  readonly at: number;
  readonly ms: number;
  readonly failed: boolean;
}

export interface ProbeResult {
  readonly at: Date;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail: string | null;
}

/** What the API shows of a provider's health. */
export interface HealthView {
  readonly status: ProviderStatus;
  /** From the last probe; null before the first. */
  readonly reachable: boolean | null;
  readonly lastCheckAt: string | null;
  readonly lastOkAt: string | null;
  readonly lastError: string | null;
  readonly consecutiveFailures: number;
  readonly probeLatencyMs: number | null;
  /** Calls in the window (the last `windowMs`, at most `maxCalls`). */
  readonly calls: number;
  readonly failures: number;
  /** failures / calls; 0 with no calls. */
  readonly errorRate: number;
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly max: number | null };
  readonly windowSeconds: number;
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? null;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

export class HealthTracker {
  readonly #maxCalls: number;
  readonly #windowMs: number;
  readonly #degradedErrorRate: number;
  readonly #minCalls: number;
  #calls: CallSample[] = [];
  #last: ProbeResult | null = null;
  #lastOkAt: Date | null = null;
  #consecutiveFailures = 0;

  constructor(options: HealthWindowOptions = {}) {
    this.#maxCalls = options.maxCalls ?? 200;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#degradedErrorRate = options.degradedErrorRate ?? 0.25;
    this.#minCalls = options.minCalls ?? 4;
  }

  recordCall(at: Date, ms: number, error: unknown): void {
    this.#calls.push({ at: at.getTime(), ms, failed: error !== undefined && isFailure(error) });
    if (this.#calls.length > this.#maxCalls) this.#calls.splice(0, this.#calls.length - this.#maxCalls);
  }

  recordProbe(result: ProbeResult): void {
    this.#last = result;
    if (result.ok) {
      this.#lastOkAt = result.at;
      this.#consecutiveFailures = 0;
    } else {
      this.#consecutiveFailures += 1;
    }
  }

  get lastProbe(): ProbeResult | null {
    return this.#last;
  }

  /** Failed share of the calls in the window at `now`. */
  errorRate(now: Date): { calls: number; failures: number; rate: number } {
    const recent = this.#recent(now);
    const failures = recent.filter((c) => c.failed).length;
    return { calls: recent.length, failures, rate: recent.length === 0 ? 0 : failures / recent.length };
  }

  #recent(now: Date): CallSample[] {
    const from = now.getTime() - this.#windowMs;
    this.#calls = this.#calls.filter((c) => c.at >= from);
    return this.#calls;
  }

  view(now: Date): HealthView {
    const recent = this.#recent(now);
    const { calls, failures, rate } = this.errorRate(now);
    const sorted = recent.map((c) => c.ms).sort((a, b) => a - b);
    const last = this.#last;
    let status: ProviderStatus = 'unknown';
    if (last !== null) status = !last.ok ? 'unreachable' : calls >= this.#minCalls && rate >= this.#degradedErrorRate ? 'degraded' : 'healthy';
    const p50 = percentile(sorted, 0.5);
    const p95 = percentile(sorted, 0.95);
    const max = sorted.length === 0 ? null : sorted[sorted.length - 1] ?? null;
    return {
      status,
      reachable: last === null ? null : last.ok,
      lastCheckAt: last?.at.toISOString() ?? null,
      lastOkAt: this.#lastOkAt?.toISOString() ?? null,
      lastError: last === null || last.ok ? null : last.detail,
      consecutiveFailures: this.#consecutiveFailures,
      probeLatencyMs: last === null ? null : round(last.latencyMs),
      calls,
      failures,
      errorRate: round(rate),
      latencyMs: { p50: p50 === null ? null : round(p50), p95: p95 === null ? null : round(p95), max: max === null ? null : round(max) },
      windowSeconds: this.#windowMs / 1000,
    };
  }
}
