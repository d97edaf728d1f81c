/** Small value readers shared by the price adapters: APIs send prices as strings, numbers or unit+nanos. */

/** Round to 10 decimal places: removes binary noise from unit conversions without changing any real price. */
export function roundPrice(price: number): number {
  return Math.round(price * 1e10) / 1e10;
}

/**
 * A price read from a number or (AWS sends prices as text) a decimal string; undefined unless it is a finite
 * number above zero. Strings must be plain decimals (`0.0960000000`, `12`): no exponent, sign or separators.
 * APIs that send JSON numbers are read with `accept: 'number'`: a string there is a malformed entry.
 */
export function readPrice(value: unknown, accept: 'number-or-string' | 'number' = 'number-or-string'): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (accept === 'number-or-string' && typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) n = Number(value.trim());
  else return undefined;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Why `value` is not a price, for item errors. */
export function describeBadPrice(value: unknown, accept: 'number-or-string' | 'number' = 'number-or-string'): string {
  if (value === undefined || value === null) return 'has no price';
  if (typeof value === 'number' || (typeof value === 'string' && accept === 'number-or-string')) {
    const n = typeof value === 'number' ? value : Number(value);
    if (typeof value === 'string' && !/^\d+(\.\d+)?$/.test(value.trim())) return `price ${JSON.stringify(value)} is not a decimal number`;
    if (n === 0) return 'price is zero';
    return `price ${String(value)} is not a finite number above zero`;
  }
  return `price has type ${typeof value}, expected a number`;
}

/** An instant as `toISOString()` text (one format, so instants compare as text too), or undefined. */
export function toIso(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
