/**
 * Normalise values as the two drivers return them, so the repositories hand out the port's types: PGlite
 * parses BIGINT to `number` and `pg` to `string`; both return NUMERIC as `string`; both parse TIMESTAMPTZ to
 * `Date` and JSONB to objects, but a defensive parse costs nothing.
 */

export function toNumber(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value
    : typeof value === 'bigint' || typeof value === 'string' ? Number(value)
    : Number.NaN;
  if (Number.isNaN(n)) throw new TypeError(`column ${column}: expected a number, got ${String(value)}`);
  return n;
}

export function toNumberOrNull(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : toNumber(value, column);
}

export function toDate(value: unknown, column: string): Date {
  const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (d === null || Number.isNaN(d.getTime())) throw new TypeError(`column ${column}: expected a timestamp, got ${String(value)}`);
  return d;
}

export function toDateOrNull(value: unknown, column: string): Date | null {
  return value === null || value === undefined ? null : toDate(value, column);
}

export function toStringOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A JSONB column holding an object (`{}` when NULL). */
export function toJsonObject(value: unknown, column: string): Record<string, unknown> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError(`column ${column}: expected a JSON object, got ${typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** A TIMESTAMPTZ parameter: the instant as ISO-8601 UTC text, which both drivers send as-is (ms precision). */
export function timestampParam(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new RangeError('invalid Date passed to the store');
  return value.toISOString();
}

export function timestampParamOrNull(value: Date | null): string | null {
  return value === null ? null : timestampParam(value);
}
