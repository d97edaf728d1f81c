import { fetch, type Dispatcher } from 'undici';
import type { PullError } from '../../ports/telemetry-source.js';

/**
 * HTTP for the telemetry adapters: undici's fetch with an injectable dispatcher (tests pass a MockAgent with
 * recorded answers), and the mapping of HTTP failures onto PullError kinds shared by every pull source.
 */
export interface HttpOptions {
  /** undici dispatcher; default: the global one. */
  readonly dispatcher?: Dispatcher;
}

export type HttpFetch = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | undefined }) => Promise<Response>;

export function httpFetch(options: HttpOptions = {}): HttpFetch {
  return (url, init) => fetch(url, { ...init, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) }) as unknown as Promise<Response>;
}

/** Retry-After (seconds or an HTTP date) in ms, or undefined. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A PullError for a non-2xx answer. */
export function httpError(item: string, status: number, message: string, retryAfter?: number): PullError {
  if (status === 429) return { item, kind: 'throttled', message: `HTTP 429: ${message}`, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  if (status === 401 || status === 403) return { item, kind: 'auth', message: `HTTP ${status}: ${message}` };
  if (status === 400 || status === 422) return { item, kind: 'bad_query', message: `HTTP ${status}: ${message}` };
  return { item, kind: 'unavailable', message: `HTTP ${status}: ${message}`, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
}

/** A PullError for a network failure, a timeout or an abort. */
export function networkError(item: string, error: unknown): PullError {
  const e = error as { name?: string; message?: string; cause?: { message?: string } };
  const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out or aborted' : (e.cause?.message ?? e.message ?? String(error));
  return { item, kind: 'unavailable', message: reason };
}

/** Number from a JSON value that may be a string ("1.5", "NaN", "+Inf"). */
export function toSampleValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  if (value === '+Inf' || value === 'Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  return Number(value);
}

/** A Prometheus-legal metric or label name from any text (Datadog's dots, New Relic's `average.cpuPercent`). */
export function sanitizeName(text: string, kind: 'metric' | 'label'): string {
  let out = text.replace(kind === 'metric' ? /[^a-zA-Z0-9_:]/g : /[^a-zA-Z0-9_]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  if (kind === 'label' && out.startsWith('__')) out = `x${out}`;
  return out;
}

/** snake_case of a camelCase name (activeUsers → active_users). */
export function snake(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
