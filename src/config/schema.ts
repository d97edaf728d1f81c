import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { GPU_MODELS } from '../core/catalog/gpu.js';

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

// Live price sources (docs/pricing-sources.md). All off by default: enabling one makes Governator call that
// cloud's pricing API on a schedule. AWS credentials come from the SDK's default chain, never from here.
const regionList = (fallback: string[], what: string) => Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  default: fallback, description: what,
});

export const PricingSchema = Type.Object({
  spot_refresh_interval: Type.String({ default: '60s', pattern: '^[0-9]+(ms|s|m|h)$', description: 'How often spot prices are refreshed (at least 1s).' }),
  list_refresh_interval: Type.String({ default: '6h', pattern: '^[0-9]+(ms|s|m|h)$', description: 'How often list prices (on-demand, reserved) are refreshed (at least 1s).' }),
  aws: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'Refresh AWS prices: Price List API (on-demand, reserved) and EC2 spot price history.' }),
    regions: regionList(['us-east-1'], 'AWS regions to price (region codes).'),
  }, { additionalProperties: false, default: {} }),
  azure: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'Refresh Azure prices from the public Retail Prices API (no credentials).' }),
    regions: regionList(['eastus'], 'Azure regions to price (ARM names).'),
  }, { additionalProperties: false, default: {} }),
  gcp: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'Refresh GCP prices from the Cloud Billing Catalog API (needs api_key).' }),
    api_key: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'Google Cloud API key allowed to call the Cloud Billing API.' })),
  }, { additionalProperties: false, default: {} }),
  digitalocean: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'Refresh DigitalOcean droplet prices from /v2/sizes (needs token).' }),
    token: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'DigitalOcean API token (read scope is enough).' })),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

// Price catalog (docs/catalog.md): hardware you own, as offerings that compete with the clouds'.
const catalogName = (description: string, fallback?: string) => Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,63}$', description, ...(fallback === undefined ? {} : { default: fallback }),
});

export const OwnedHardwareSchema = Type.Object({
  name: catalogName('Unique name of this kind of machine; becomes the offering\'s instance type.'),
  provider: catalogName('Provider shown in the catalog.', 'baremetal'),
  region: catalogName('Site or region.', 'on-prem'),
  zone: Type.Optional(catalogName('Zone (rack, room) within the site.')),
  vcpus: Type.Integer({ minimum: 1, maximum: 100_000, description: 'vCPUs (hardware threads) per machine.' }),
  memory_gib: Type.Number({ minimum: 1, maximum: 1_000_000, description: 'Memory per machine, GiB.' }),
  gpu: Type.Optional(Type.Object({
    model: Type.Union(GPU_MODELS.map((m) => Type.Literal(m)), { description: 'Normalised GPU model.' }),
    count: Type.Integer({ minimum: 1, maximum: 1024, description: 'GPUs per machine.' }),
  }, { additionalProperties: false })),
  count: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Machines of this kind available.' }),
  price_per_hour: Type.Number({ minimum: 0.0001, maximum: 1_000_000, description: 'Marginal cost of running one machine for an hour (power, cooling), USD.' }),
  amortized_per_hour: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Purchase price spread over its life, per hour, USD; added to price_per_hour.' })),
}, { additionalProperties: false });

export const CatalogSchema = Type.Object({
  owned: Type.Array(OwnedHardwareSchema, {
    default: [],
    description: 'Hardware you own (bare metal, on-prem), listed as `owned` offerings beside the bundled cloud prices.',
  }),
}, { additionalProperties: false, default: {} });

// Telemetry ingestion and the series store (issue #5; docs/telemetry.md). Pull sources are off by default.
const duration = (fallback: string, description: string) => Type.String({ default: fallback, pattern: '^[0-9]+(ms|s|m|h)$', description });
const int = (fallback: number, minimum: number, maximum: number, description: string) => Type.Integer({ default: fallback, minimum, maximum, description });
const queryList = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { default: [], description });

export const ScrapeTargetSchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL of the exposition endpoint, e.g. http://10.0.0.7:9100/metrics.' }),
  job: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The `job` label (default "scrape").' })),
  labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra labels for every series of the target.' })),
}, { additionalProperties: false });

export const TelemetrySchema = Type.Object({
  ack: Type.Union([Type.Literal('durable'), Type.Literal('queued')], {
    default: 'durable', description: 'When receivers answer 2xx: once the samples are in the store (durable), or once they are queued (faster, but a crash loses the queue).',
  }),
  ack_timeout: duration('10s', 'How long a receiver waits for its samples to become durable before answering 503 (they stay queued).'),
  queue_max_samples: int(500_000, 1_000, 100_000_000, 'Samples accepted but not yet written; beyond this, receivers answer 503 with Retry-After.'),
  batch_size: int(10_000, 1, 1_000_000, 'Samples per database write.'),
  batch_interval: duration('200ms', 'Longest a sample waits in the queue for its batch to fill.'),
  flush_concurrency: int(2, 1, 64, 'Batch writes in flight at once (the embedded database runs them one at a time anyway).'),
  max_body_bytes: int(4_194_304, 1024, 268_435_456, 'Largest ingest request body (remote_write: compressed), bytes.'),
  max_decoded_bytes: int(8_388_608, 1024, 268_435_456, 'Largest remote_write body once decompressed, bytes.'),
  max_future: duration('5m', 'Samples stamped further ahead of the server clock are refused (future).'),
  max_series: int(500_000, 1, 100_000_000, 'Series this process tracks in all; new series beyond it are refused (cardinality_limit).'),
  max_series_per_metric: int(50_000, 1, 100_000_000, 'Series per metric name; new series beyond it are refused (cardinality_limit).'),
  max_labels: int(64, 1, 1024, 'Labels per series (besides the name).'),
  max_label_value_length: int(2048, 1, 65_536, 'Characters in a label value.'),
  hot_window: duration('30m', 'How much recent data each series keeps in memory for the decision loop and the dashboard.'),
  hot_max_points: int(240, 0, 100_000, 'Samples per series kept in memory at most (0: none).'),
  node_labels: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
    default: ['governator_node', 'node', 'instance'], description: 'Labels that name the node a series belongs to, first match wins (`instance` loses its :port).',
  }),
  retention_raw_days: int(7, 1, 3650, 'Days raw samples are kept.'),
  retention_minute_days: int(90, 1, 3650, 'Days 1-minute rollups are kept.'),
  retention_hour_days: int(730, 1, 36_500, 'Days 1-hour rollups are kept.'),
  rollup_interval: duration('1m', 'How often rollups and retention run.'),
  rollup_lag: duration('2m', 'A minute is rolled up only this long after it ends, so late samples make it in.'),
  query_max_series: int(1000, 1, 1_000_000, 'Series one query may match.'),
  query_max_points: int(500_000, 1, 100_000_000, 'Points one query may return.'),
  scrape: Type.Object({
    interval: duration('15s', 'How often each target is scraped.'),
    timeout: duration('10s', 'How long one scrape may take.'),
    max_bytes: int(16_777_216, 1024, 1_073_741_824, 'Largest scrape response, bytes.'),
    targets: Type.Array(ScrapeTargetSchema, { default: [], description: 'Static scrape targets (Prometheus text format).' }),
  }, { additionalProperties: false, default: {} }),
  sources: Type.Object({
    prometheus: Type.Object({
      enabled: Type.Boolean({ default: false, description: 'Pull PromQL queries from a Prometheus-compatible server (/api/v1/query_range).' }),
      url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'Base URL, e.g. http://prometheus:9090.' })),
      bearer_token: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'Sent as "Authorization: Bearer …" when set.' })),
      queries: queryList('PromQL expressions; each result series is stored under its own labels with source="prometheus".'),
      interval: duration('60s', 'How often to pull.'),
      lookback: duration('10m', 'How far back the first pull reaches.'),
      step: duration('15s', 'query_range step.'),
      timeout: duration('30s', 'Time limit of one pull.'),
    }, { additionalProperties: false, default: {} }),
    datadog: Type.Object({
      enabled: Type.Boolean({ default: false, description: 'Pull metrics queries from Datadog (official client, v1 MetricsApi.queryMetrics).' }),
      site: Type.String({ default: 'datadoghq.com', minLength: 1, description: 'Datadog site: datadoghq.com, datadoghq.eu, us3.datadoghq.com …' }),
      api_key: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'Datadog API key.' })),
      app_key: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'Datadog application key (metrics read).' })),
      queries: queryList('Datadog metric queries, e.g. avg:system.cpu.user{*} by {host}.'),
      interval: duration('60s', 'How often to pull.'),
      lookback: duration('10m', 'How far back the first pull reaches.'),
      timeout: duration('30s', 'Time limit of one pull.'),
    }, { additionalProperties: false, default: {} }),
    newrelic: Type.Object({
      enabled: Type.Boolean({ default: false, description: 'Pull NRQL TIMESERIES queries from New Relic NerdGraph.' }),
      endpoint: Type.String({ default: 'https://api.newrelic.com/graphql', minLength: 1, description: 'NerdGraph URL (EU: https://api.eu.newrelic.com/graphql).' }),
      account_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 9_007_199_254_740_991, description: 'New Relic account id.' })),
      api_key: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'New Relic user API key (NRAK-…).' })),
      queries: queryList('NRQL queries with TIMESERIES, e.g. SELECT average(cpuPercent) FROM SystemSample FACET hostname TIMESERIES 1 minute.'),
      interval: duration('60s', 'How often to pull.'),
      lookback: duration('10m', 'How far back the first pull reaches.'),
      timeout: duration('30s', 'Time limit of one pull.'),
    }, { additionalProperties: false, default: {} }),
    google_analytics: Type.Object({
      enabled: Type.Boolean({ default: false, description: 'Pull active users / sessions from the Google Analytics Data API (runReport) as a demand signal.' }),
      property_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'GA4 property id (digits).' })),
      access_token: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'OAuth 2.0 bearer token with analytics.readonly scope (obtaining and refreshing it is up to you).' })),
      metrics: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { default: ['activeUsers', 'sessions'], description: 'GA4 metrics to pull.' }),
      granularity: Type.Union([Type.Literal('minute'), Type.Literal('hour')], { default: 'hour', description: 'Time dimension: dateHourMinute or dateHour.' }),
      time_zone: Type.String({ default: 'UTC', minLength: 1, description: "The property's reporting time zone (IANA name): GA reports local times." }),
      interval: duration('5m', 'How often to pull.'),
      lookback: duration('2h', 'How far back the first pull reaches.'),
      timeout: duration('30s', 'Time limit of one pull.'),
    }, { additionalProperties: false, default: {} }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

export const ConfigSchema = Type.Object({
  server: ServerSchema,
  database: DatabaseSchema,
  log: LogSchema,
  auth: AuthSchema,
  rbac: RbacSchema,
  pricing: PricingSchema,
  catalog: CatalogSchema,
  telemetry: TelemetrySchema,
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;

/** True for schemas marked secret (masked by `config print`). */
export function isSecretSchema(schema: TSchema): boolean {
  return (schema as { secret?: unknown }).secret === true;
}
