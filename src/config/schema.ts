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

// Master key of the credential store (docs/providers.md, "Credentials and the provider registry").
export const SecuritySchema = Type.Object({
  master_key: Type.Optional(Type.String({ minLength: 1, ...secret, description: 'Master key sealing stored provider credentials (AES-256-GCM): 32 random bytes, base64 (`openssl rand -base64 32`). Also GOVERNATOR_MASTER_KEY.' })),
  master_key_file: Type.Optional(Type.String({ minLength: 1, description: 'File holding the master key (base64). Unset, with no master_key: <data_dir>/master-key, generated with mode 0600 on first start on the embedded database.' })),
}, { additionalProperties: false, default: {} });

// Providers (issue #7; docs/providers.md). One [[providers]] table per provider instance, with the options of its
// kind in a sub-table named after the kind ([providers.aws] …). Secrets belong in a stored credential
// (`credentials = "name"`) or come from the environment (`token = "${DO_TOKEN}"`); the fields marked secret
// are masked by `config print` and in errors.
export const PROVIDER_KINDS = ['sim', 'local', 'aws', 'gcp', 'azure', 'digitalocean', 'kubernetes', 'baremetal'] as const;
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const text = (description: string, max = 1024) => Type.String({ minLength: 1, maxLength: max, description });
const secretText = (description: string) => Type.String({ minLength: 1, maxLength: 65_536, ...secret, description });
const texts = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { description });
const count = (description: string) => Type.Integer({ minimum: 0, maximum: 100_000_000, description });

export const ProviderKindSchemas = {
  sim: Type.Object({
    seed: opt(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Seed of start-up delays, failures and spot interruptions (default 1).' })),
    max_nodes: opt(count('Quota: nodes alive at once.')),
    max_vcpus: opt(count('Quota: vCPUs alive at once.')),
    max_gpus: opt(count('Quota: GPUs alive at once.')),
    launch_failure_probability: opt(Type.Number({ minimum: 0, maximum: 1, description: 'Probability that an accepted start never becomes running.' })),
    spot_interruptions: opt(Type.Boolean({ description: 'Interrupt spot nodes at their catalog rate (default true).' })),
  }, { additionalProperties: false }),
  local: Type.Object({
    command: text('Worker command line (no shell); {port}, {pool}, {node}, {token}, {offering} are filled in.', 4096),
    state_dir: opt(text('Where worker records and logs live (default <data_dir>/local-provider/<name>).')),
    host: opt(text('Address workers listen on (default 127.0.0.1).', 255)),
    port_from: opt(Type.Integer({ minimum: 1, maximum: 65535, description: 'First port handed to workers (default 20000).' })),
    port_to: opt(Type.Integer({ minimum: 1, maximum: 65535, description: 'Last port handed to workers (default 29999).' })),
    readiness_url: opt(text('A worker is running once this URL answers 2xx ({host}, {port} filled in).', 2048)),
    stop_grace: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'SIGKILL follows SIGTERM after this long.' })),
  }, { additionalProperties: false }),
  aws: Type.Object({
    region: text('EC2 region, e.g. us-east-1.', 64),
    launch_template: opt(text('Launch template id (lt-…) or name used for starts.', 255)),
    subnet_ids: opt(texts('Subnets to start nodes in.')),
    endpoint: opt(text('EC2 endpoint override (testing, VPC endpoints).', 2048)),
    launch_templates: opt(Type.Record(Type.String({ minLength: 1, maxLength: 512 }), Type.String({ minLength: 1, maxLength: 255 }), { description: 'Launch template (lt-… id or name) per "<pool>/<offering id>", "<offering id>", "<pool>" or "*" (looked up in that order; launch_template is the "*" default).' })),
    launch_template_version: opt(text('Launch template version (default $Default).', 64)),
    image_id: opt(text('AMI of new instances when no launch template gives one (ami-…).', 255)),
    security_group_ids: opt(texts('Security groups of new instances.')),
    key_name: opt(text('EC2 key pair of new instances.', 255)),
    instance_profile_arn: opt(text('IAM instance profile ARN of new instances.', 2048)),
    list_scope: opt(Type.Union([Type.Literal('all'), Type.Literal('owned')], { description: 'all (default): every instance of the region is inventory; owned: only those tagged governator:pool.' })),
    access_key_id: opt(secretText('Access key id (prefer a stored credential or the SDK default chain).')),
    secret_access_key: opt(secretText('Secret access key.')),
    session_token: opt(secretText('Session token of temporary credentials.')),
  }, { additionalProperties: false }),
  gcp: Type.Object({
    project: text('Project id.', 128),
    zones: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, description: 'Zones to list and start nodes in, e.g. us-central1-a.' }),
    instance_template: opt(text('Instance template (global/instanceTemplates/…) used for starts.', 1024)),
    source_image: opt(text('Boot image of new instances when no instance_template is set (e.g. projects/debian-cloud/global/images/family/debian-12).', 1024)),
    boot_disk_size_gb: opt(Type.Integer({ minimum: 10, maximum: 65_536, description: 'Boot disk size of new instances without a template (GB).' })),
    network: opt(text('Network of new instances without a template (default global/networks/default).', 1024)),
    subnetwork: opt(text('Subnetwork of new instances without a template (regions/R/subnetworks/NAME).', 1024)),
    list_scope: opt(Type.Union([Type.Literal('all'), Type.Literal('owned')], { description: 'all (default): every instance of the zones is inventory; owned: only those labelled governator-pool.' })),
    operation_wait: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'How long start and stop follow their zone operation (default 90s; 0s: return once accepted).' })),
    reuse_stopped: opt(Type.Boolean({ description: 'Start a stopped instance of the pool (same machine type and provisioning model) before inserting a new one (default true).' })),
    service_account_json: opt(secretText('Service account key (JSON text).')),
  }, { additionalProperties: false }),
  azure: Type.Object({
    subscription_id: text('Subscription id.', 64),
    resource_group: text('Resource group of the VMs.', 90),
    location: text('Region (ARM name), e.g. eastus.', 64),
    template: opt(text('VM template: a JSON file with the VM properties used for starts.', 4096)),
    list_scope: opt(Type.Union([Type.Literal('all'), Type.Literal('owned')], { description: 'all (default): every VM of the resource group is inventory; owned: only those tagged governator:pool.' })),
    operation_wait: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'How long start and stop follow their long-running operation (default 90s; 0s: return once accepted).' })),
    reuse_stopped: opt(Type.Boolean({ description: 'Start a deallocated VM of the pool (same size, priority and zone) before creating a new one (default true).' })),
    tenant_id: opt(secretText('Service principal tenant id.')),
    client_id: opt(secretText('Service principal client id.')),
    client_secret: opt(secretText('Service principal secret.')),
  }, { additionalProperties: false }),
  digitalocean: Type.Object({
    region: opt(text('Default region slug, e.g. nyc3.', 32)),
    image: opt(text('Image slug or id for new droplets (default ubuntu-24-04-x64).', 255)),
    ssh_keys: opt(texts('SSH key ids or fingerprints for new droplets.')),
    vpc_uuid: opt(text('VPC of new droplets.', 64)),
    endpoint: opt(text('API base URL override (default https://api.digitalocean.com).', 2048)),
    token: opt(secretText('API token (read and write).')),
  }, { additionalProperties: false }),
  kubernetes: Type.Object({
    kubeconfig_file: opt(text('Path of a kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).', 4096)),
    context: opt(text('Context of the kubeconfig to use.', 255)),
    namespace: opt(text('Namespace of the Cluster API MachineDeployments (default default).', 253)),
    machine_deployments: opt(Type.Record(Type.String({ minLength: 1, maxLength: 512 }), Type.String({ minLength: 1, maxLength: 253 }), { description: 'MachineDeployment a start scales up, per "<pool>/<offering id>", "<offering id>", "<pool>" or "*" (looked up in that order).' })),
    pool_label: opt(text('Node and Machine label naming the pool (default governator-pool).', 317)),
    drain_timeout: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'Longest a drain may wait for PodDisruptionBudgets before the stop fails (default 10m).' })),
    eviction_retry: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'Wait between evictions refused by a PodDisruptionBudget (default 5s).' })),
    machine_wait: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'Longest a start waits for the new Machine to appear (default 60s).' })),
    kubeconfig: opt(secretText('Kubeconfig contents (YAML).')),
  }, { additionalProperties: false }),
  baremetal: Type.Object({
    hosts: Type.Array(Type.Object({
      id: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Node id of the machine.' }),
      offering: text('Catalog offering id the machine is (e.g. from [[catalog.owned]]).', 255),
      protocol: Type.Union([Type.Literal('ipmi'), Type.Literal('redfish')], { default: 'ipmi', description: 'BMC protocol.' }),
      bmc: text('BMC: host or host:port (IPMI, UDP 623 by default), or base URL (Redfish, https://…).', 2048),
      pool: opt(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Only ever serves this pool.' })),
      address: opt(text('Where the OS answers (IP or host:port), for health checks.', 255)),
      system_id: opt(text('Redfish ComputerSystem id (default 1).', 255)),
      cipher_suite: opt(Type.Integer({ minimum: 0, maximum: 17, description: 'IPMI RMCP+ cipher suite.' })),
    }, { additionalProperties: false }), { minItems: 1, description: 'Machines and their BMCs.' }),
    state_file: opt(text('JSON file of host claims (default <data_dir>/baremetal-<name>.json).', 4096)),
    ipmitool_path: opt(text('ipmitool binary (default on PATH).', 4096)),
    graceful_stop: opt(Type.Boolean({ description: 'Soft power-off for stop mode "stop" (default true).' })),
    redfish_insecure_tls: opt(Type.Boolean({ description: 'Accept self-signed BMC certificates (default false).' })),
    username: opt(secretText('BMC user name.')),
    password: opt(secretText('BMC password.')),
  }, { additionalProperties: false }),
} as const;

export const ProviderEntrySchema = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Unique name of the provider instance, e.g. aws-prod.' }),
  kind: Type.Union(PROVIDER_KINDS.map((k) => Type.Literal(k)), { description: 'Adapter.' }),
  enabled: Type.Boolean({ default: true, description: 'Off: kept in the registry but never probed nor used.' }),
  credentials: opt(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Name of a stored credential (POST /api/v1/providers/credentials).' })),
  health_interval: Type.String({ default: '30s', pattern: '^[0-9]+(ms|s|m|h)$', description: 'How often health() is probed.' }),
  health_timeout: Type.String({ default: '10s', pattern: '^[0-9]+(ms|s|m|h)$', description: 'A probe slower than this counts as unreachable.' }),
  sim: opt(ProviderKindSchemas.sim),
  local: opt(ProviderKindSchemas.local),
  aws: opt(ProviderKindSchemas.aws),
  gcp: opt(ProviderKindSchemas.gcp),
  azure: opt(ProviderKindSchemas.azure),
  digitalocean: opt(ProviderKindSchemas.digitalocean),
  kubernetes: opt(ProviderKindSchemas.kubernetes),
  baremetal: opt(ProviderKindSchemas.baremetal),
}, { additionalProperties: false });

export const ProvidersSchema = Type.Array(ProviderEntrySchema, {
  default: [],
  description: 'Provider instances nodes run on ([[providers]]); none by default.',
});

// The action engine (issue #7; docs/providers.md "Action engine"): guardrails and retry settings for every pool.
// Per-pool settings (mode, min nodes, cooldown, disruption budget, readiness) live in [[pools]].
export const ActionsSchema = Type.Object({
  max_actions_per_hour: int(60, 0, 1_000_000, 'Provider calls that change the fleet (starts and stops), per rolling hour, over all pools; a plan that would exceed it is blocked.'),
  retry_max_attempts: int(5, 1, 100, 'Attempts per provider call, the first included; only throttling, time-outs and server errors are retried.'),
  retry_base_delay: duration('1s', 'Backoff ceiling before the first retry; it doubles each retry (full jitter).'),
  retry_max_delay: duration('30s', 'Longest backoff between two attempts.'),
  ready_timeout: duration('15m', 'Default time a new node has to be running and healthy before it is stopped and its plan rolled back (a pool may set its own).'),
  stop_timeout: duration('10m', 'Time a stopping node has to reach stopped/terminated before its action counts as failed.'),
  poll_interval: duration('5s', 'How often node states (and health URLs) are checked while waiting.'),
  provider_rate_limit: int(5, 0, 10_000, 'Provider calls per second per provider instance (0: no limit).'),
  provider_rate_burst: int(10, 1, 10_000, 'Calls a provider instance may get at once after a quiet period.'),
}, { additionalProperties: false, default: {} });

// The control loop (issue #8; docs/loop.md): [loop], the governed pools ([[pools]]) and the first-run demo ([demo]).
const matchLabels = (description: string) => Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: 2048 }), { description });
const aggregate = (description: string) => Type.Union([Type.Literal('sum'), Type.Literal('avg'), Type.Literal('max')], { description });

export const LoopSchema = Type.Object({
  enabled: Type.Boolean({ default: true, description: 'Run the control loop in serve when [[pools]] are configured.' }),
  interval: duration('30s', 'Time between two iterations (inventory, telemetry, forecast, plan, record, act). A slow iteration is never stacked: missed ticks are counted.'),
  replan_interval: duration('10m', 'A pool whose fleet fits its expected demand is re-planned (cheaper swaps, new prices) at least this often; between, the solver is skipped.'),
  forecaster: Type.Union([Type.Literal('ensemble'), Type.Literal('headroom')], { default: 'ensemble', description: 'Demand forecaster the loop plans with: ensemble (the [forecast] ensemble at forecast.quantile; its fits are served at /api/v1/forecasts) or headroom (how far demand rose above its recent peak within the lead time, at loop.forecast_quantile: what `governator backtest` runs by default, and the one that kept SLO-violation time ≤ 0.5% on NASA and Alibaba, docs/benchmarks.md "Backtest").' }),
  forecast_quantile: Type.Number({ default: 0.99, minimum: 0.5, maximum: 1, description: 'Quantile of past demand growth within the start-up lead time the loop plans for.' }),
  qos_boost: Type.Number({ default: 0.25, minimum: 0, maximum: 10, description: 'When a pool\'s QoS metric breaches its target, capacity added as a share of what runs.' }),
}, { additionalProperties: false, default: {} });

export const DemoSchema = Type.Object({
  enabled: Type.Boolean({ default: true, description: 'With `serve --demo` (what `npm start` runs) and no [[providers]] nor [[pools]]: run the demo fleet (sim provider, replayed real trace, docs/loop.md "Demo"). false turns it off.' }),
}, { additionalProperties: false, default: {} });

export const PoolEntrySchema = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Pool name (the governator:pool label of its nodes).' }),
  unit: Type.String({ default: 'req/s', minLength: 1, maxLength: 32, description: 'Demand unit, for people.' }),
  demand: Type.Object({
    metric: opt(text('Series name of the demand in the store (remote_write, scrape, ingest).', 256)),
    labels: opt(matchLabels('Label values the demand series must have.')),
    promql: opt(text('A PromQL expression pulled from telemetry.sources.prometheus (added to its queries).', 4096)),
    aggregate: opt(aggregate('How matching series combine (default sum).')),
  }, { additionalProperties: false }),
  capacity: Type.Object({
    per_vcpu: opt(Type.Number({ exclusiveMinimum: 0, description: 'Demand one vCPU serves at 100% utilisation.' })),
    by_gpu_model: opt(Type.Record(Type.String({ minLength: 1 }), Type.Number({ exclusiveMinimum: 0 }), { description: 'Demand per GPU of each model.' })),
    by_instance_type: opt(Type.Record(Type.String({ minLength: 1 }), Type.Number({ exclusiveMinimum: 0 }), { description: 'Demand per node of each instance type.' })),
    by_offering: opt(Type.Record(Type.String({ minLength: 1 }), Type.Number({ exclusiveMinimum: 0 }), { description: 'Demand per node of each offering id.' })),
  }, { additionalProperties: false, default: {} }),
  learn_capacity: Type.Boolean({ default: false, description: 'Estimate capacity per offering from demand served and node utilisation.' }),
  utilization_metric: opt(text('Per-node utilisation series (mapped to nodes by telemetry.node_labels), for learned capacity.', 256)),
  utilization_percent: Type.Boolean({ default: false, description: 'The utilisation metric is 0–100 rather than 0–1.' }),
  qos: Type.Object({
    max_utilization: Type.Number({ default: 0.8, exclusiveMinimum: 0, maximum: 1, description: 'Demand must stay within this share of capacity.' }),
    metric: opt(text('A QoS series (latency, queue) with a target; above it, capacity is added.', 256)),
    labels: opt(matchLabels('Label values the QoS series must have.')),
    target: opt(Type.Number({ description: 'The QoS metric must stay at or below this.' })),
    aggregate: opt(aggregate('How matching QoS series combine (default max).')),
  }, { additionalProperties: false, default: {} }),
  constraints: Type.Object({
    providers: opt(texts('Providers the pool may use.')),
    regions: opt(texts('Regions the pool may use.')),
    purchase: opt(Type.Array(Type.Union(['on-demand', 'spot', 'reserved', 'owned'].map((p) => Type.Literal(p))), { description: 'Purchase options allowed.' })),
    max_nodes: opt(count('Most nodes.')),
    min_distinct_zones: opt(count('Zones the fleet must span.')),
    max_spot_fraction: opt(Type.Number({ minimum: 0, maximum: 1, description: 'Largest share of capacity on spot.' })),
    budget_per_hour: opt(Type.Number({ minimum: 0, description: 'Largest hourly cost, USD.' })),
  }, { additionalProperties: false, default: {} }),
  mode: Type.Union([Type.Literal('recommend'), Type.Literal('approve'), Type.Literal('auto')], { default: 'recommend', description: 'recommend: plans are stored; approve: wait for a person; auto: run within the guardrails.' }),
  stop_mode: Type.Union([Type.Literal('terminate'), Type.Literal('stop')], { default: 'terminate', description: 'What stopping a node means.' }),
  start_on: opt(texts('Provider instances ([[providers]] names or kinds) that start this pool\'s nodes, e.g. ["k8s-prod"] to run aws offerings as Cluster API machines; default: chosen by the offering\'s provider.')),
  min_nodes: Type.Integer({ default: 0, minimum: 0, maximum: 100_000, description: 'Never fewer nodes.' }),
  cooldown: duration('5m', 'After a plan of the pool finished, no new one runs for this long.'),
  disruption_budget_percent: Type.Number({ default: 20, minimum: 0, maximum: 100, description: 'Share of nodes that may be stopping at once.' }),
  health_url: opt(text('A new node is ready once this URL answers 2xx ({address}, {id} filled in).', 2048)),
  ready_timeout: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'Time a new node has to become ready (default actions.ready_timeout).' })),
  lead_time: opt(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'Start-up lead time the loop plans ahead for (default: 90s CPU, 7m GPU, 10m owned).' })),
  node_selector: opt(matchLabels('Nodes without a governator:pool label join the pool when they carry all these labels.')),
}, { additionalProperties: false });

export const PoolsSchema = Type.Array(PoolEntrySchema, { default: [], description: 'Pools the control loop governs ([[pools]]); none by default.' });

// Forecasting and anomaly detection (issue #6; docs/forecasting.md).
export const ForecastSchema = Type.Object({
  quantile: Type.Number({ default: 0.9, exclusiveMinimum: 0.5, exclusiveMaximum: 1, description: 'Forecast quantile a pool plans for over start-up lead time + decision interval (docs/forecasting.md: 0.9 covers 9 steps in 10 at the cost of ~1.3 interval half-widths of headroom).' }),
  refit_interval: duration('1h', 'Refit (backtest, reweight, recalibrate) every series at least this often; a detected changepoint refits at once.'),
  max_fits_per_iteration: Type.Integer({ default: 4, minimum: 1, maximum: 10_000, description: 'Most pools (re)fitted in one loop iteration; the others keep their last fit (or plan for the latest value) until a later one, so iterations stay short.' }),
  models: Type.Array(Type.Union(['snaive_daily', 'snaive_weekly', 'ets', 'mstl', 'prophet', 'lstm'].map((m) => Type.Literal(m))), {
    default: ['snaive_daily', 'snaive_weekly', 'ets', 'mstl'], minItems: 1,
    description: 'Candidate models of the ensemble. prophet and lstm are opt-in: seconds of CPU per fit each.',
  }),
  history_window: duration('336h', 'History the models are fitted on (default 14 days; 21 days lets backtests see the weekly cycle).'),
  backtest_origins: Type.Integer({ default: 0, minimum: 0, maximum: 28, description: 'Rolling-origin backtest origins per fit; more give steadier weights and intervals, proportionally slower. 0: enough to span the longest detected season, 3 to 7 (docs/forecasting.md).' }),
  anomaly_detection: Type.Boolean({ default: true, description: 'Flag outliers and changepoints on forecast series; flagged spikes, dips and outages are excluded from fitting.' }),
  anomaly_algorithm: Type.Union([Type.Literal('mad'), Type.Literal('dbscan')], { default: 'mad', description: 'augurs outlier detector (MAD or DBSCAN) across seasons of a series.' }),
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
  security: SecuritySchema,
  providers: ProvidersSchema,
  actions: ActionsSchema,
  loop: LoopSchema,
  pools: PoolsSchema,
  demo: DemoSchema,
  forecast: ForecastSchema,
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;

/** True for schemas marked secret (masked by `config print`). */
export function isSecretSchema(schema: TSchema): boolean {
  return (schema as { secret?: unknown }).secret === true;
}
