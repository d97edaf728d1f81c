/** I/O helpers shared by the price adapters; the typed errors themselves are made in core. */
export {
  abortedError, authError, throttledError, tooManyPagesError, unavailableError, type SourceErrorDetails,
} from '../../core/pricing/source-errors.js';

/** A signal that fires when the caller's does or after `timeoutMs`, and which of the two fired. */
export interface BoundedSignal {
  readonly signal: AbortSignal;
  timedOut(): boolean;
}

export function boundedSignal(caller: AbortSignal, timeoutMs: number): BoundedSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([caller, timeout]), timedOut: () => timeout.aborted && !caller.aborted };
}

/**
 * Retry-After as milliseconds: delta-seconds (`120`) or an HTTP date (relative to `nowMs`). Undefined when
 * absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^[A-Za-z]{3}, /.test(text)) return undefined; // an HTTP date starts with the day: "Thu, 01 Jan 2026 …"
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** `text` with every secret replaced by `****` (for messages that quote an API's answer or a URL). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('****');
  return out;
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts, whichever comes first: an SDK
 * call is bounded even when the transport under it does not honour its abort signal.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}
