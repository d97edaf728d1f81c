import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { isGovError, type ErrorCode, type GovError } from '../../src/core/errors.js';

/** A recorded API answer from test/fixtures/pricing/. */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/pricing/${path}`, import.meta.url), 'utf8')) as T;
}

export function fixtureText(path: string): string {
  return readFileSync(new URL(`../fixtures/pricing/${path}`, import.meta.url), 'utf8');
}

/** The GovError a promise rejects with, after checking its code. */
export async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<GovError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isGovError(error)) throw new Error(`expected GovError ${code}, got ${error === undefined ? 'success' : String(error)}`);
  expect(error.code, error.message).toBe(code);
  return error;
}

export const signal = (): AbortSignal => new AbortController().signal;

/** A sleep for withRetry that records the delays and does not wait. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number, signal: AbortSignal) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms, s) => {
      if (s.aborted) throw s.reason;
      delays.push(ms);
    },
  };
}

/** One request the mock API received. */
export interface SeenRequest {
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

function headerRecord(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof (headers as Headers).forEach === 'function' && !Array.isArray(headers)) {
    const out: Record<string, string> = {};
    (headers as Headers).forEach((value, key) => { out[key.toLowerCase()] = value; });
    return out;
  }
  return Object.fromEntries(Object.entries(headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/**
 * A recording reply for undici's MockAgent: answers `status` with `body` (an object is sent as JSON) and
 * remembers what was asked.
 */
export function replying(seen: SeenRequest[], status: number, body: unknown, headers: Record<string, string> = {}) {
  return (opts: { path: string; origin?: string; headers?: unknown }) => {
    seen.push({ origin: String(opts.origin ?? ''), path: opts.path, headers: headerRecord(opts.headers) });
    return {
      statusCode: status,
      data: typeof body === 'string' ? body : JSON.stringify(body),
      responseOptions: { headers: { 'content-type': 'application/json', ...headers } },
    };
  };
}
