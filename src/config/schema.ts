import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The one configuration schema for the whole service. Sources, lowest to highest precedence:
 * defaults here → TOML file (`governator.toml`, or GOVERNATOR_CONFIG / --config) → environment (GOVERNATOR_*)
 * → command-line flags. Validated once at start-up (src/config/load.ts), then frozen.
 *
 * Keys are snake_case as in the original specification's TOML. A schema annotated `secret: true` is masked
 * by `governator config print`. Each leaf's `description` is what docs/configuration.md shows.
 */

const secret = { secret: true } as const;

export const ServerSchema = Type.Object({
  host: Type.String({ default: '0.0.0.0', minLength: 1, description: 'Address to listen on.' }),
  port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port (0 picks a free one).' }),
  tls_cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM certificate file; with tls_key, serve HTTPS.' })),
  tls_key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file; with tls_cert, serve HTTPS.' })),
  body_limit: Type.Integer({ default: 1_048_576, minimum: 1024, maximum: 268_435_456, description: 'Largest request body accepted, bytes.' }),
  request_timeout: Type.String({ default: '30s', pattern: '^[0-9]+(ms|s|m|h)$', description: 'Longest time a request may take before the server gives up on it.' }),
  shutdown_timeout: Type.String({ default: '10s', pattern: '^[0-9]+(ms|s|m|h)$', description: 'On SIGTERM/SIGINT, how long in-flight requests may finish before the process exits anyway.' }),
  trust_proxy: Type.Boolean({ default: false, description: 'Take the client address from X-Forwarded-For (only behind a proxy you run).' }),
}, { additionalProperties: false, default: {} });

export const DatabaseSchema = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1, pattern: '^postgres(ql)?://', ...secret, description: 'External PostgreSQL URL (postgres://user:pass@host:5432/db). Unset: the embedded database in data_dir.' })),
  data_dir: Type.String({ default: './data', minLength: 1, description: 'Directory of the embedded database (and other local state).' }),
  max_connections: Type.Integer({ default: 20, minimum: 1, maximum: 1000, description: 'Connection pool size for the external database.' }),
  enable_migrations: Type.Boolean({ default: true, description: 'Apply pending schema migrations at start-up.' }),
  connect_timeout: Type.String({ default: '10s', pattern: '^[0-9]+(ms|s|m|h)$', description: 'How long to wait for the external database when connecting.' }),
}, { additionalProperties: false, default: {} });

export const LogSchema = Type.Object({
  level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info', description: 'Log level (JSON lines on stdout).',
  }),
}, { additionalProperties: false, default: {} });

export const RoleSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Role name.' }),
  permissions: Type.Array(Type.String({ pattern: '^(\\*|[a-z][a-z0-9_-]*:(\\*|[a-z][a-z0-9_-]*))$' }), {
    description: 'Permissions: resource:verb, resource:* or *.',
  }),
}, { additionalProperties: false });

export const RbacSchema = Type.Object({
  roles: Type.Array(RoleSchema, { default: [], description: 'Roles added to, or replacing, the built-in admin/operator/viewer.' }),
}, { additionalProperties: false, default: {} });

export const AuthSchema = Type.Object({
  bootstrap_admin_key: Type.Boolean({
    default: true,
    description: 'When no API key exists at start-up, create an admin key and write it to <data_dir>/initial-admin-key (mode 0600).',
  }),
}, { additionalProperties: false, default: {} });

export const ConfigSchema = Type.Object({
  server: ServerSchema,
  database: DatabaseSchema,
  log: LogSchema,
  auth: AuthSchema,
  rbac: RbacSchema,
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;

/** True for schemas marked secret (masked by `config print`). */
export function isSecretSchema(schema: TSchema): boolean {
  return (schema as { secret?: unknown }).secret === true;
}
