/**
 * `${VAR}` and `${VAR:-default}` in the configuration file's string values, filled from the environment
 * given to the loader. `$${` writes a literal `${`. As everywhere in the loader, a variable set to the empty
 * string counts as unset, so `${VAR:-default}` then yields the default and a bare `${VAR}` is an error.
 * Defaults are taken literally (no nested references).
 */

export type Interpolation =
  | { readonly ok: true; readonly value: string; /** Variables referenced, in order. */ readonly variables: readonly string[] }
  /** Each problem reads after the quoted string: `"${X}/a" refers to X, which is not set …`. */
  | { readonly ok: false; readonly problems: readonly string[] };

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** True when `text` holds something interpolate() would replace (so plain strings skip the work). */
export function hasReferences(text: string): boolean {
  return text.includes('${');
}

export function interpolate(text: string, env: NodeJS.ProcessEnv): Interpolation {
  const variables: string[] = [];
  const problems: string[] = [];
  const value = text.replace(TOKEN, (token: string, inner: string | undefined) => {
    if (token === '$${') return '${';
    if (inner === undefined) {
      problems.push('has an unterminated "${"; expected it closed with "}", or "$${" for a literal "${"');
      return token;
    }
    const reference = REFERENCE.exec(inner);
    if (reference === null) {
      problems.push(`has a malformed reference "${token}"; expected \${NAME} or \${NAME:-default}, NAME being letters, digits and _`);
      return token;
    }
    const [, name, fallback] = reference as unknown as [string, string, string | undefined];
    variables.push(name);
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    problems.push(`refers to ${name}, which is not set in the environment; expected it set, or a default: \${${name}:-value}`);
    return token;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value, variables };
}
