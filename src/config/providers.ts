import { KindGuard, type TSchema } from '@sinclair/typebox';
import { PROVIDER_KINDS, ProviderKindSchemas, isSecretSchema } from './schema.js';

/**
 * Rules of `[[providers]]` the schema cannot state (issue #7; docs/configuration.md): unique names, exactly the
 * options table of the entry's kind, and that table present when the kind has required options.
 */

type Segment = string | number;

export interface ProviderConfigProblem {
  readonly path: readonly Segment[];
  readonly message: string;
}

const isTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Required option names of a kind's table (empty: the table may be left out). */
export function requiredOptions(kind: keyof typeof ProviderKindSchemas): readonly string[] {
  return ProviderKindSchemas[kind].required ?? [];
}

/** Problems of an already type-checked (or partly wrong) `providers` value; looks only at well-typed parts. */
export function providerConfigProblems(providers: unknown): ProviderConfigProblem[] {
  if (!Array.isArray(providers)) return [];
  const out: ProviderConfigProblem[] = [];
  const firstIndex = new Map<string, number>();
  providers.forEach((entry: unknown, i) => {
    if (!isTable(entry)) return;
    const name = entry['name'];
    if (typeof name === 'string') {
      const earlier = firstIndex.get(name);
      if (earlier === undefined) firstIndex.set(name, i);
      else out.push({ path: ['providers', i, 'name'], message: `"${name}" is already the name of providers[${earlier}]; expected unique provider names` });
    }
    const kind = entry['kind'];
    if (typeof kind !== 'string' || !(PROVIDER_KINDS as readonly string[]).includes(kind)) return;
    for (const other of PROVIDER_KINDS) {
      if (other !== kind && entry[other] !== undefined) {
        out.push({ path: ['providers', i, other], message: `is set but kind is "${kind}"; expected only a [providers.${kind}] table (options of the provider's own kind)` });
      }
    }
    const required = requiredOptions(kind as keyof typeof ProviderKindSchemas);
    if (entry[kind] === undefined && required.length > 0) {
      out.push({ path: ['providers', i, kind], message: `missing; kind "${kind}" needs a [providers.${kind}] table with ${required.join(', ')}` });
    }
    const local = entry['local'];
    if (kind === 'local' && isTable(local) && typeof local['port_from'] === 'number' && typeof local['port_to'] === 'number'
      && local['port_from'] > local['port_to']) {
      out.push({ path: ['providers', i, 'local', 'port_to'], message: `${local['port_to']} is below port_from (${local['port_from']}); expected port_from <= port_to` });
    }
  });
  return out;
}

/** True when `schema`, or anything inside it (object properties, array items, union members), is secret. */
export function holdsSecret(schema: TSchema): boolean {
  if (isSecretSchema(schema)) return true;
  if (KindGuard.IsObject(schema)) return Object.values(schema.properties).some(holdsSecret);
  if (KindGuard.IsArray(schema)) return holdsSecret(schema.items);
  if (KindGuard.IsUnion(schema)) return schema.anyOf.some(holdsSecret);
  return false;
}

/** The schema that describes the value at `path` below `schema` (array indexes step into items); undefined when none. */
export function schemaBelow(schema: TSchema, path: readonly Segment[]): TSchema | undefined {
  let node: TSchema | undefined = schema;
  for (const segment of path) {
    if (node === undefined) return undefined;
    if (KindGuard.IsArray(node) && typeof segment === 'number') node = node.items;
    else if (KindGuard.IsObject(node) && typeof segment === 'string') node = node.properties[segment];
    else return undefined;
  }
  return node;
}

/**
 * A copy of `value` with every value of a secret field of `schema` replaced by `mask` (for values under a leaf
 * that is not itself secret, such as the `providers` array whose entries may carry a token).
 */
export function maskSecretsWithin(schema: TSchema, value: unknown, mask: string): unknown {
  if (value === undefined) return value;
  if (isSecretSchema(schema)) return mask;
  if (KindGuard.IsArray(schema) && Array.isArray(value)) return value.map((item) => maskSecretsWithin(schema.items, item, mask));
  if (KindGuard.IsObject(schema) && isTable(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => {
      const child = schema.properties[k];
      return [k, child === undefined ? v : maskSecretsWithin(child, v, mask)];
    }));
  }
  return value;
}
