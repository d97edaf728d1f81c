import type { ConfigLeaf } from './keys.js';

/**
 * Environment variables and flags are strings; they become the leaf's type here, strictly: a value that
 * is not exactly a number or boolean is reported, never half-parsed ("8080x" is an error, not 8080).
 * Range, pattern and choice checks are left to the one validation pass at the end.
 */
export type Coercion = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

const DIGITS = /^[0-9]+$/;
/** A plain decimal ("0.9", "-2", "1e3" is refused: no exponents, no hex, no Infinity). */
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** What a boolean may be written as outside the file. */
export const BOOLEAN_WORDS = 'true/false, 1/0 or yes/no';

export function coerceString(leaf: Pick<ConfigLeaf, 'kind'>, text: string): Coercion {
  switch (leaf.kind) {
    case 'integer': {
      if (!DIGITS.test(text)) return { ok: false };
      const value = Number(text);
      return Number.isSafeInteger(value) ? { ok: true, value } : { ok: false };
    }
    case 'number': {
      if (!DECIMAL.test(text)) return { ok: false };
      const value = Number(text);
      return Number.isFinite(value) ? { ok: true, value } : { ok: false };
    }
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return { ok: false };
    }
    case 'string':
    case 'enum':
      return { ok: true, value: text };
    case 'array':
      return { ok: false };
  }
}
