/**
 * Time parameters of the query API, pure (issue #5): instants as Unix seconds (`1767225600`, `1767225600.5`)
 * or RFC 3339 (`2026-01-01T00:00:00Z`, offsets allowed); steps as seconds (`60`, `0.5`) or a duration with
 * one unit (`500ms`, `30s`, `5m`, `1h`, `1d`). Results are Unix milliseconds, or a message saying what is wrong.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const SECONDS = /^-?\d+(\.\d+)?$/;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Unix ms from Unix seconds or RFC 3339, or an error message. */
export function parseInstant(text: string): number | string {
  const t = text.trim();
  if (SECONDS.test(t)) {
    const ms = Math.round(Number(t) * 1000);
    return Number.isSafeInteger(ms) ? ms : `${JSON.stringify(text)} is out of range`;
  }
  if (RFC3339.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  }
  return `${JSON.stringify(text)} is not Unix seconds or an RFC 3339 time (e.g. 1767225600 or 2026-01-01T00:00:00Z)`;
}

/** A positive step in ms, or an error message. */
export function parseStep(text: string): number | string {
  const t = text.trim();
  const d = DURATION.exec(t);
  let ms: number | undefined;
  if (d) ms = Number(d[1]) * (UNIT_MS[d[2] as string] as number);
  else if (SECONDS.test(t)) ms = Math.round(Number(t) * 1000);
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    return `${JSON.stringify(text)} is not a positive step: seconds (60) or a duration (30s, 5m, 1h)`;
  }
  return ms;
}
