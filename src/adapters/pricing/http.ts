import { fetch, type Dispatcher } from 'undici';
import { isGovError } from '../../core/errors.js';
import {
  abortedError, authError, boundedSignal, parseRetryAfter, redact, throttledError, unavailableError,
} from './errors.js';

/** How the REST price adapters (Azure, GCP, DigitalOcean) reach their API. */
export interface HttpSourceOptions {
  /** undici dispatcher (an Agent, a ProxyAgent, or a MockAgent in tests); default: undici's global one. */
  readonly dispatcher?: Dispatcher;
  /** Bound on each request, answer body included, ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Bound on pages followed per listing (default per adapter). */
  readonly maxPages?: number;
  /** For Retry-After dates and for `asOf` when the API gives no time; default the wall clock. */
  readonly now?: () => Date;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface GetJsonOptions {
  readonly source: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
  readonly now: () => Date;
  /** Values never to show in messages (API keys, tokens). */
  readonly secrets?: readonly string[];
  /** APIs that answer a bad credential with another status (GCP: 400 API_KEY_INVALID) say so here. */
  readonly isAuthFailure?: (status: number, body: string) => boolean;
}

/** The API's own error message, if the body has one of the usual shapes; short, with secrets removed. */
function apiMessage(body: string, secrets: readonly string[]): string {
  let message = body;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; Message?: unknown };
    const candidate = typeof parsed.error === 'object' ? parsed.error?.message : parsed.error ?? parsed.message ?? parsed.Message;
    if (typeof candidate === 'string') message = candidate;
  } catch {
    // not JSON: quote the start of the text
  }
  const clean = redact(message.replace(/\s+/g, ' ').trim(), secrets);
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/**
 * GET `url` and parse the JSON answer, mapping every failure onto the PriceSource contract's typed errors:
 * 401/403 → GOV_PRICE_SOURCE_AUTH; 429 → GOV_PRICE_SOURCE_THROTTLED (with Retry-After); 5xx, network
 * errors, timeouts and non-JSON answers → GOV_PRICE_SOURCE_UNAVAILABLE (retryable); other 4xx →
 * GOV_PRICE_SOURCE_UNAVAILABLE (not retryable: the request itself is wrong). The URL in messages has its
 * query string removed (it can hold an API key).
 */
export async function getJson(options: GetJsonOptions): Promise<unknown> {
  const { source, url, signal } = options;
  const secrets = options.secrets ?? [];
  const where = `GET ${url.origin}${url.pathname}`;
  if (signal.aborted) throw abortedError(source, signal.reason);
  const bounded = boundedSignal(signal, options.timeoutMs);
  const failed = (err: unknown): Error => {
    if (isGovError(err)) return err;
    if (signal.aborted) return abortedError(source, err);
    if (bounded.timedOut()) return unavailableError(source, `${where}: no complete answer within ${options.timeoutMs} ms`, { cause: err });
    const reason = (err as { cause?: { code?: string; message?: string } }).cause;
    const text = redact(reason?.code ?? reason?.message ?? (err as Error).message ?? String(err), secrets);
    return unavailableError(source, `${where}: request failed (${text})`, { cause: err });
  };
  try {
    const response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...options.headers },
      signal: bounded.signal,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    const body = await response.text();
    const status = response.status;
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(body) as unknown;
      } catch (err) {
        throw unavailableError(source, `${where}: the answer is not valid JSON (${body.length} bytes)`, { status, cause: err });
      }
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), options.now().getTime());
    const said = apiMessage(body, secrets);
    const tail = said === '' ? '' : `: ${said}`;
    if (status === 401 || status === 403 || options.isAuthFailure?.(status, body) === true) throw authError(source, `${where} answered ${status}${tail}`, { status });
    if (status === 429) {
      throw throttledError(source, `${where} answered 429 (too many requests)${tail}`, {
        status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (status >= 500) {
      throw unavailableError(source, `${where} answered ${status}${tail}`, { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    throw unavailableError(source, `${where} answered ${status}${tail}`, { status, retryable: false });
  } catch (err) {
    throw failed(err);
  }
}

/** Throw when `next` would send our credentials somewhere other than the API we were configured for. */
export function sameOrigin(source: string, next: URL, expected: URL): void {
  if (next.origin !== expected.origin) {
    throw unavailableError(source, `next-page link points to ${next.origin}, not ${expected.origin}; refusing to follow it`, { retryable: false });
  }
}
