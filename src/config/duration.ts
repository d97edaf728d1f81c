import { GovError } from '../core/errors.js';

/**
 * Durations in the configuration are a whole number followed by one unit: `500ms`, `30s`, `5m`, `2h`
 * (the same shape as the schema's pattern). No compound forms (`1h30m`): one unit keeps the TOML readable
 * and the parse unambiguous.
 */
const DURATION = /^([0-9]+)(ms|s|m|h)$/;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Longest duration a Node.js timer can wait: setTimeout() with more than 2^31 − 1 ms fires at once
 * (with a warning), so a longer timeout would silently become "no wait at all".
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds in `text`, or undefined when it is not a duration of the form above. */
export function tryParseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const [, digits, unit] = match as unknown as [string, string, keyof typeof UNIT_MS];
  const ms = Number(digits) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Milliseconds in a duration string such as `30s`.
 * @throws GovError GOV_VALIDATION when `text` is not a whole number followed by ms, s, m or h.
 */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new GovError('GOV_VALIDATION', `${JSON.stringify(text)} is not a duration: expected a whole number followed by ms, s, m or h (e.g. 30s)`);
  }
  return ms;
}
