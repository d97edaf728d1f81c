import { describe, expect, it } from 'vitest';
import { GovError } from '../core/errors.js';
import { coerceString } from './coerce.js';
import { parseDuration, tryParseDuration } from './duration.js';
import { interpolate } from './interpolate.js';
import { ENV_ALIASES, PATTERN_WORDS, configKeys, configLeaves } from './keys.js';
import { levenshtein } from './suggest.js';
import { ConfigSchema } from './schema.js';

describe('configKeys', () => {
  it('lists every leaf of the schema with its generated env names', () => {
    const keys = configKeys();
    expect(keys.map((k) => k.key)).toEqual([
      'server.host', 'server.port', 'server.tls_cert', 'server.tls_key', 'server.body_limit', 'server.request_timeout',
      'server.shutdown_timeout', 'server.trust_proxy', 'database.url', 'database.data_dir', 'database.max_connections',
      'database.enable_migrations', 'database.connect_timeout', 'log.level', 'auth.bootstrap_admin_key', 'rbac.roles',
      'pricing.spot_refresh_interval', 'pricing.list_refresh_interval', 'pricing.aws.enabled', 'pricing.aws.regions',
      'pricing.azure.enabled', 'pricing.azure.regions', 'pricing.gcp.enabled', 'pricing.gcp.api_key',
      'pricing.digitalocean.enabled', 'pricing.digitalocean.token',
      'catalog.owned',
      'telemetry.ack', 'telemetry.ack_timeout', 'telemetry.queue_max_samples', 'telemetry.batch_size', 'telemetry.batch_interval',
      'telemetry.flush_concurrency', 'telemetry.max_body_bytes', 'telemetry.max_decoded_bytes', 'telemetry.max_future',
      'telemetry.max_series', 'telemetry.max_series_per_metric', 'telemetry.max_labels', 'telemetry.max_label_value_length',
      'telemetry.hot_window', 'telemetry.hot_max_points', 'telemetry.node_labels', 'telemetry.retention_raw_days',
      'telemetry.retention_minute_days', 'telemetry.retention_hour_days', 'telemetry.rollup_interval', 'telemetry.rollup_lag',
      'telemetry.query_max_series', 'telemetry.query_max_points', 'telemetry.scrape.interval', 'telemetry.scrape.timeout',
      'telemetry.scrape.max_bytes', 'telemetry.scrape.targets',
      'telemetry.sources.prometheus.enabled', 'telemetry.sources.prometheus.url', 'telemetry.sources.prometheus.bearer_token',
      'telemetry.sources.prometheus.queries', 'telemetry.sources.prometheus.interval', 'telemetry.sources.prometheus.lookback',
      'telemetry.sources.prometheus.step', 'telemetry.sources.prometheus.timeout',
      'telemetry.sources.datadog.enabled', 'telemetry.sources.datadog.site', 'telemetry.sources.datadog.api_key',
      'telemetry.sources.datadog.app_key', 'telemetry.sources.datadog.queries', 'telemetry.sources.datadog.interval',
      'telemetry.sources.datadog.lookback', 'telemetry.sources.datadog.timeout',
      'telemetry.sources.newrelic.enabled', 'telemetry.sources.newrelic.endpoint', 'telemetry.sources.newrelic.account_id',
      'telemetry.sources.newrelic.api_key', 'telemetry.sources.newrelic.queries', 'telemetry.sources.newrelic.interval',
      'telemetry.sources.newrelic.lookback', 'telemetry.sources.newrelic.timeout',
      'telemetry.sources.google_analytics.enabled', 'telemetry.sources.google_analytics.property_id',
      'telemetry.sources.google_analytics.access_token', 'telemetry.sources.google_analytics.metrics',
      'telemetry.sources.google_analytics.granularity', 'telemetry.sources.google_analytics.time_zone',
      'telemetry.sources.google_analytics.interval', 'telemetry.sources.google_analytics.lookback',
      'telemetry.sources.google_analytics.timeout',
      'security.master_key', 'security.master_key_file', 'providers',
      'actions.max_actions_per_hour', 'actions.retry_max_attempts', 'actions.retry_base_delay', 'actions.retry_max_delay',
      'actions.ready_timeout', 'actions.stop_timeout', 'actions.poll_interval', 'actions.provider_rate_limit',
      'actions.provider_rate_burst',
      'loop.enabled', 'loop.interval', 'loop.replan_interval', 'loop.forecaster', 'loop.forecast_quantile', 'loop.qos_boost', 'pools', 'demo.enabled',
      'forecast.quantile', 'forecast.refit_interval', 'forecast.max_fits_per_iteration', 'forecast.models', 'forecast.history_window', 'forecast.backtest_origins',
      'forecast.anomaly_detection', 'forecast.anomaly_algorithm',
    ]);
    expect(keys.find((k) => k.key === 'server.body_limit')).toMatchObject({
      type: 'integer', default: 1_048_576, env: ['GOVERNATOR_SERVER_BODY_LIMIT'], secret: false,
      expected: 'an integer from 1024 to 268435456',
    });
    expect(keys.find((k) => k.key === 'server.port')?.env).toEqual(['GOVERNATOR_SERVER_PORT', 'GOVERNATOR_PORT']);
    expect(keys.find((k) => k.key === 'database.url')).toMatchObject({
      secret: true, default: undefined, flag: '--database-url', env: ['GOVERNATOR_DATABASE_URL'],
    });
    expect(keys.find((k) => k.key === 'database.data_dir')?.env).toEqual(['GOVERNATOR_DATABASE_DATA_DIR', 'GOVERNATOR_DATA_DIR']);
    expect(keys.find((k) => k.key === 'server.request_timeout')?.type).toBe('duration');
    expect(keys.find((k) => k.key === 'log.level')?.type).toBe('enum');
    expect(keys.find((k) => k.key === 'rbac.roles')).toMatchObject({ type: 'array', env: [] });
    for (const key of keys) expect(key.description, key.key).not.toBe('');
  });

  it('every alias names a key, and no env name sets two keys', () => {
    const leaves = new Set(configLeaves().map((l) => l.key));
    for (const key of Object.values(ENV_ALIASES)) expect(leaves.has(key)).toBe(true);
    const names = configLeaves().flatMap((l) => l.env);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('GOVERNATOR_CONFIG');
  });

  it('has plain words for every pattern in the schema', () => {
    const patterns: string[] = [];
    JSON.stringify(ConfigSchema, (key, value: unknown) => {
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      return value;
    });
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) expect(PATTERN_WORDS[pattern], pattern).toBeDefined();
  });
});

describe('parseDuration', () => {
  it.each([['0ms', 0], ['250ms', 250], ['30s', 30_000], ['5m', 300_000], ['2h', 7_200_000]])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 's', '1.5s', '-1s', '30 s', '1h30m', '10d', '99999999999999999999h'])('rejects %j', (text) => {
    expect(tryParseDuration(text)).toBeUndefined();
    expect(() => parseDuration(text)).toThrow(GovError);
  });
});

describe('coerceString', () => {
  it.each([
    ['integer', '8080', 8080], ['integer', '0', 0], ['integer', '007', 7],
    ['boolean', 'true', true], ['boolean', 'TRUE', true], ['boolean', '1', true], ['boolean', 'yes', true],
    ['boolean', 'false', false], ['boolean', '0', false], ['boolean', 'No', false],
    ['string', ' as is ', ' as is '], ['enum', 'info', 'info'],
  ] as const)('%s %j → %j', (kind, text, value) => {
    expect(coerceString({ kind }, text)).toEqual({ ok: true, value });
  });

  it.each([
    ['integer', '8080x'], ['integer', '-1'], ['integer', '+1'], ['integer', '1e3'], ['integer', '0x10'], ['integer', '1.0'],
    ['integer', ' 1'], ['integer', ''], ['integer', '9007199254740993'],
    ['boolean', 'on'], ['boolean', 'y'], ['boolean', ''], ['boolean', 'truee'], ['array', '[]'],
  ] as const)('%s rejects %j', (kind, text) => {
    expect(coerceString({ kind }, text).ok).toBe(false);
  });
});

describe('interpolate', () => {
  it('replaces several references and reports the variables used', () => {
    expect(interpolate('${A}-${B:-b}-$${C}', { A: 'a' })).toEqual({ ok: true, value: 'a-b-${C}', variables: ['A', 'B'] });
  });

  it('reports every missing variable', () => {
    const result = interpolate('${A}/${B}', {});
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toHaveLength(2);
  });
});

describe('levenshtein', () => {
  it.each([['', '', 0], ['port', 'prot', 2], ['host', 'hots', 2], ['server', 'sever', 1], ['abc', '', 3]] as const)(
    '%s / %s = %d', (a, b, d) => { expect(levenshtein(a, b)).toBe(d); },
  );
});
