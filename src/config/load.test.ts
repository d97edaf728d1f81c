import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GovError } from '../core/errors.js';
import { formatSource, loadConfig, suggestEnvName, type ConfigFlags, type ConfigProblem } from './load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, optionally holding governator.toml with `toml`. */
function workdir(toml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'governator-config-'));
  dirs.push(dir);
  if (toml !== undefined) writeFileSync(join(dir, 'governator.toml'), toml);
  return dir;
}

interface Case {
  readonly toml?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: ConfigFlags;
}

function load({ toml, env = {}, flags = {} }: Case) {
  const cwd = workdir(toml);
  return { cwd, loaded: loadConfig({ cwd, env, flags }) };
}

/** The GovError a load throws (fails the test if it does not throw one). */
function loadError(c: Case): { error: GovError; cwd: string } {
  const cwd = workdir(c.toml);
  try {
    loadConfig({ cwd, env: c.env ?? {}, flags: c.flags ?? {} });
  } catch (error) {
    expect(error).toBeInstanceOf(GovError);
    return { error: error as GovError, cwd };
  }
  throw new Error('expected loadConfig to throw');
}

function problems(error: GovError): ConfigProblem[] {
  return (error.details as { errors: ConfigProblem[] }).errors;
}

describe('loadConfig: layers', () => {
  it('uses the schema defaults when there is no file, env or flag', () => {
    const { loaded } = load({});
    expect(loaded.file).toBeNull();
    expect(loaded.config).toEqual({
      server: {
        host: '0.0.0.0', port: 8080, body_limit: 1_048_576, request_timeout: '30s', shutdown_timeout: '10s', trust_proxy: false,
      },
      database: { data_dir: './data', max_connections: 20, enable_migrations: true, connect_timeout: '10s' },
      log: { level: 'info' },
      auth: { bootstrap_admin_key: true },
      rbac: { roles: [] },
      forecast: {
        quantile: 0.9, refit_interval: '1h', max_fits_per_iteration: 4, models: ['snaive_daily', 'snaive_weekly', 'ets', 'mstl'], history_window: '336h',
        backtest_origins: 0, anomaly_detection: true, anomaly_algorithm: 'mad',
      },
      actions: {
        max_actions_per_hour: 60, retry_max_attempts: 5, retry_base_delay: '1s', retry_max_delay: '30s', ready_timeout: '15m',
        stop_timeout: '10m', poll_interval: '5s', provider_rate_limit: 5, provider_rate_burst: 10,
      },
      security: {},
      providers: [],
      loop: { enabled: true, interval: '30s', replan_interval: '10m', forecaster: 'ensemble', forecast_quantile: 0.99, qos_boost: 0.25 },
      pools: [],
      demo: { enabled: true },
      pricing: {
        spot_refresh_interval: '60s', list_refresh_interval: '6h',
        aws: { enabled: false, regions: ['us-east-1'] }, azure: { enabled: false, regions: ['eastus'] },
        gcp: { enabled: false }, digitalocean: { enabled: false },
      },
      catalog: { owned: [] },
      telemetry: {
        ack: 'durable', ack_timeout: '10s', queue_max_samples: 500_000, batch_size: 10_000, batch_interval: '200ms', flush_concurrency: 2,
        max_body_bytes: 4_194_304, max_decoded_bytes: 8_388_608, max_future: '5m', max_series: 500_000, max_series_per_metric: 50_000,
        max_labels: 64, max_label_value_length: 2048, hot_window: '30m', hot_max_points: 240,
        node_labels: ['governator_node', 'node', 'instance'], retention_raw_days: 7, retention_minute_days: 90, retention_hour_days: 730,
        rollup_interval: '1m', rollup_lag: '2m', query_max_series: 1000, query_max_points: 500_000,
        scrape: { interval: '15s', timeout: '10s', max_bytes: 16_777_216, targets: [] },
        sources: {
          prometheus: { enabled: false, queries: [], interval: '60s', lookback: '10m', step: '15s', timeout: '30s' },
          datadog: { enabled: false, site: 'datadoghq.com', queries: [], interval: '60s', lookback: '10m', timeout: '30s' },
          newrelic: { enabled: false, endpoint: 'https://api.newrelic.com/graphql', queries: [], interval: '60s', lookback: '10m', timeout: '30s' },
          google_analytics: {
            enabled: false, metrics: ['activeUsers', 'sessions'], granularity: 'hour', time_zone: 'UTC', interval: '5m', lookback: '2h', timeout: '30s',
          },
        },
      },
    });
    expect([...loaded.sources.values()].every((s) => s.kind === 'default')).toBe(true);
    expect(loaded.sources.has('database.url')).toBe(true);
  });

  const fileToml = '[server]\nport = 1111\n';
  const fileEnv = { GOVERNATOR_PORT: '2222' };
  it.each([
    { name: 'default', c: {}, port: 8080, source: 'default' },
    { name: 'file over default', c: { toml: fileToml }, port: 1111, source: 'file' },
    { name: 'env over file', c: { toml: fileToml, env: fileEnv }, port: 2222, source: 'env GOVERNATOR_PORT' },
    { name: 'generic env name', c: { toml: fileToml, env: { GOVERNATOR_SERVER_PORT: '2223' } }, port: 2223, source: 'env GOVERNATOR_SERVER_PORT' },
    { name: '--set over env', c: { toml: fileToml, env: fileEnv, flags: { set: ['server.port=3333'] } }, port: 3333, source: 'flag --set server.port' },
    { name: '--port over env', c: { toml: fileToml, env: fileEnv, flags: { port: '4444' } }, port: 4444, source: 'flag --port' },
    { name: '--port over --set', c: { toml: fileToml, env: fileEnv, flags: { port: 4444, set: ['server.port=3333'] } }, port: 4444, source: 'flag --port' },
  ])('precedence: $name', ({ c, port, source }) => {
    const { loaded, cwd } = load(c);
    expect(loaded.config.server.port).toBe(port);
    const label = source === 'file' ? `file ${join(cwd, 'governator.toml')}` : source;
    expect(formatSource(loaded.sources.get('server.port') ?? { kind: 'default' })).toBe(label);
  });

  it('records the winning source per key, keys untouched by a layer keep the lower one', () => {
    const { loaded, cwd } = load({
      toml: '[server]\nhost = "127.0.0.1"\nport = 1\n[log]\nlevel = "warn"\n',
      env: { GOVERNATOR_LOG_LEVEL: 'debug', GOVERNATOR_DATA_DIR: '/var/lib/gov' },
      flags: { migrate: false },
    });
    expect(loaded.file).toBe(join(cwd, 'governator.toml'));
    expect(loaded.config.server.host).toBe('127.0.0.1');
    expect(loaded.sources.get('server.host')).toEqual({ kind: 'file', path: join(cwd, 'governator.toml') });
    expect(loaded.config.log.level).toBe('debug');
    expect(loaded.sources.get('log.level')).toEqual({ kind: 'env', name: 'GOVERNATOR_LOG_LEVEL' });
    expect(loaded.config.database.data_dir).toBe('/var/lib/gov');
    expect(loaded.config.database.enable_migrations).toBe(false);
    expect(loaded.sources.get('database.enable_migrations')).toEqual({ kind: 'flag', flag: '--no-migrate' });
    expect(loaded.sources.get('server.body_limit')).toEqual({ kind: 'default' });
  });

  it.each([
    ['GOVERNATOR_HOST', 'server.host', 'h1', 'h1'],
    ['GOVERNATOR_DATABASE_URL', 'database.url', 'postgres://db/x', 'postgres://db/x'],
    ['GOVERNATOR_SERVER_BODY_LIMIT', 'server.body_limit', '2048', 2048],
    ['GOVERNATOR_SERVER_TRUST_PROXY', 'server.trust_proxy', 'yes', true],
    ['GOVERNATOR_DATABASE_ENABLE_MIGRATIONS', 'database.enable_migrations', '0', false],
    ['GOVERNATOR_AUTH_BOOTSTRAP_ADMIN_KEY', 'auth.bootstrap_admin_key', 'FALSE', false],
    ['GOVERNATOR_DATABASE_CONNECT_TIMEOUT', 'database.connect_timeout', '500ms', '500ms'],
  ])('env %s sets %s', (name, key, text, expected) => {
    const { loaded } = load({ env: { [name]: text } });
    const [section, leaf] = key.split('.') as [string, string];
    expect((loaded.config as unknown as Record<string, Record<string, unknown>>)[section]?.[leaf]).toEqual(expected);
    expect(loaded.sources.get(key)).toEqual({ kind: 'env', name });
  });

  it('treats empty env values as unset and ignores (but reports) unknown GOVERNATOR_* names', () => {
    const { loaded } = load({
      toml: '[server]\nport = 1111\n',
      env: { GOVERNATOR_PORT: '', GOVERNATOR_SERVER_PORT: '', GOVERNATOR_SEVER_PORT: '1', GOVERNATOR_CONFIG: '', GOVERNATOR_EMPTY: '', OTHER: 'x' },
    });
    expect(loaded.config.server.port).toBe(1111);
    expect(loaded.unknownEnv).toEqual(['GOVERNATOR_SEVER_PORT']);
    expect(suggestEnvName('GOVERNATOR_SEVER_PORT')).toBe('GOVERNATOR_SERVER_PORT');
    expect(suggestEnvName('GOVERNATOR_NOTHING_LIKE_IT')).toBeUndefined();
  });

  it('accepts an alias and its generic name set to the same value', () => {
    const { loaded } = load({ env: { GOVERNATOR_PORT: '9', GOVERNATOR_SERVER_PORT: '9' } });
    expect(loaded.config.server.port).toBe(9);
  });

  it('applies flags, later --set entries winning', () => {
    const { loaded } = load({
      flags: {
        host: '::1', dataDir: 'd', databaseUrl: 'postgresql://u@h/db', logLevel: 'trace', migrate: true,
        set: ['server.body_limit=4096', 'server.body_limit=8192', 'server.trust_proxy=true', 'log.level=error', 'server.host=x=y'],
      },
    });
    expect(loaded.config.server.host).toBe('::1');
    expect(loaded.config.server.body_limit).toBe(8192);
    expect(loaded.config.server.trust_proxy).toBe(true);
    expect(loaded.config.log.level).toBe('trace');
    expect(loaded.config.database).toMatchObject({ data_dir: 'd', url: 'postgresql://u@h/db', enable_migrations: true });
    expect(loaded.sources.get('database.enable_migrations')).toEqual({ kind: 'flag', flag: '--migrate' });
  });

  it('reads rbac roles from the file', () => {
    const { loaded } = load({
      toml: '[[rbac.roles]]\nname = "ops"\npermissions = ["nodes:*", "plans:read"]\n[[rbac.roles]]\nname = "root"\npermissions = ["*"]\n',
    });
    expect(loaded.config.rbac.roles.map((r) => r.name)).toEqual(['ops', 'root']);
    expect(loaded.sources.get('rbac.roles')?.kind).toBe('file');
  });

  it('deep-freezes the config', () => {
    const { loaded } = load({ toml: '[[rbac.roles]]\nname = "ops"\npermissions = ["nodes:*"]\n' });
    const config = loaded.config as unknown as { server: { port: number }; rbac: { roles: { permissions: string[] }[] } };
    expect(Object.isFrozen(loaded.config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.rbac.roles[0]?.permissions)).toBe(true);
    expect(() => { config.server.port = 1; }).toThrow(TypeError);
    expect(() => { config.rbac.roles[0]?.permissions.push('x'); }).toThrow(TypeError);
  });

  it('is made of ordinary objects, not the TOML parser\'s null-prototype tables', () => {
    const { loaded } = load({ toml: '[server]\nport = 1\n[[rbac.roles]]\nname = "ops"\npermissions = ["*"]\n' });
    for (const table of [loaded.config, loaded.config.server, loaded.config.rbac, loaded.config.rbac.roles[0]]) {
      expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    }
  });
});

describe('loadConfig: choosing the file', () => {
  it('reads --config relative to cwd, over GOVERNATOR_CONFIG and ./governator.toml', () => {
    const cwd = workdir('[server]\nport = 1\n');
    mkdirSync(join(cwd, 'etc'));
    writeFileSync(join(cwd, 'etc', 'a.toml'), '[server]\nport = 2\n');
    writeFileSync(join(cwd, 'etc', 'b.toml'), '[server]\nport = 3\n');
    const env = { GOVERNATOR_CONFIG: 'etc/b.toml' };
    expect(loadConfig({ cwd, env: {} }).config.server.port).toBe(1);
    expect(loadConfig({ cwd, env }).config.server.port).toBe(3);
    const loaded = loadConfig({ cwd, env, flags: { config: 'etc/a.toml' } });
    expect(loaded.config.server.port).toBe(2);
    expect(loaded.file).toBe(join(cwd, 'etc', 'a.toml'));
  });

  it.each([
    { flags: { config: 'missing.toml' }, env: {}, namedBy: 'flag --config' },
    { flags: {}, env: { GOVERNATOR_CONFIG: 'missing.toml' }, namedBy: 'env GOVERNATOR_CONFIG' },
  ])('a missing file named by $namedBy is GOV_CONFIG_FILE', ({ flags, env, namedBy }) => {
    const { error, cwd } = loadError({ flags, env });
    expect(error.code).toBe('GOV_CONFIG_FILE');
    expect(error.message).toContain(join(cwd, 'missing.toml'));
    expect(error.message).toContain(namedBy);
    expect(error.message).toContain('does not exist');
  });

  it('a directory named as the file is GOV_CONFIG_FILE', () => {
    const { error } = loadError({ flags: { config: '.' } });
    expect(error.code).toBe('GOV_CONFIG_FILE');
    expect(error.message).toContain('is a directory');
  });

  it('invalid TOML is GOV_CONFIG_FILE with the path, line and column, without quoting the file', () => {
    const { error, cwd } = loadError({ toml: '[database]\nurl = "postgres://u:hunter2@h/db\nport = 1\n' });
    expect(error.code).toBe('GOV_CONFIG_FILE');
    expect(error.message).toContain(join(cwd, 'governator.toml'));
    expect(error.message).toMatch(/line 2, column \d+/);
    expect(error.details).toMatchObject({ line: 2 });
    expect(error.message).not.toContain('hunter2');
  });

  it('a duplicate TOML key is reported with its line', () => {
    const { error } = loadError({ toml: '[server]\nport = 1\nport = 2\n' });
    expect(error.code).toBe('GOV_CONFIG_FILE');
    expect(error.message).toContain('line 3, column 1');
  });
});

describe('loadConfig: ${VAR} interpolation in the file', () => {
  it.each([
    ['"${DB_HOST}"', { DB_HOST: 'db.internal' }, 'db.internal'],
    ['"/srv/${APP}/data"', { APP: 'gov' }, '/srv/gov/data'],
    ['"${MISSING:-./fallback}"', {}, './fallback'],
    ['"${EMPTY:-used}"', { EMPTY: '' }, 'used'],
    ['"$${LITERAL}"', {}, '${LITERAL}'],
    ['"a$b"', {}, 'a$b'],
  ])('data_dir = %s', (value, env, expected) => {
    const { loaded } = load({ toml: `[database]\ndata_dir = ${value}\n`, env });
    expect(loaded.config.database.data_dir).toBe(expected);
  });

  it('fills integers and booleans, read like env values', () => {
    const { loaded } = load({
      toml: '[server]\nport = "${PORT:-8081}"\ntrust_proxy = "${BEHIND_PROXY}"\n',
      env: { BEHIND_PROXY: 'yes' },
    });
    expect(loaded.config.server.port).toBe(8081);
    expect(loaded.config.server.trust_proxy).toBe(true);
  });

  it('fills strings inside rbac roles', () => {
    const { loaded } = load({ toml: '[[rbac.roles]]\nname = "${ROLE}"\npermissions = ["${RES}:read"]\n', env: { ROLE: 'ops', RES: 'nodes' } });
    expect(loaded.config.rbac.roles[0]).toEqual({ name: 'ops', permissions: ['nodes:read'] });
  });

  it.each([
    { toml: '[database]\ndata_dir = "${DATA_ROOT}/gov"\n', key: 'database.data_dir', words: ['DATA_ROOT', 'not set'] },
    { toml: '[database]\ndata_dir = "${not valid}"\n', key: 'database.data_dir', words: ['malformed'] },
    { toml: '[database]\ndata_dir = "${OPEN"\n', key: 'database.data_dir', words: ['unterminated'] },
    { toml: '[server]\nport = "${PORT}"\n', key: 'server.port', env: { PORT: 'eighty' }, words: ['"eighty"', 'an integer from 0 to 65535'] },
    { toml: '[[rbac.roles]]\nname = "${ROLE}"\npermissions = []\n', key: 'rbac.roles[0].name', words: ['ROLE'] },
  ])('$key: $words', ({ toml, key, env, words }) => {
    const { error, cwd } = loadError({ toml, env: env ?? {} });
    expect(error.code).toBe('GOV_CONFIG_INVALID');
    const [problem] = problems(error);
    expect(problem?.key).toBe(key);
    expect(problem?.source).toBe(`file ${join(cwd, 'governator.toml')}`);
    for (const word of [key, join(cwd, 'governator.toml'), ...words]) expect(error.message).toContain(word);
  });

  it('does not show the password around a reference in a secret key', () => {
    const { error } = loadError({ toml: '[database]\nurl = "postgres://app:hunter2@db/${DB_NAME}"\n' });
    expect(error.message).toContain('DB_NAME');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadConfig: error messages name the key, the source, the value and what is expected', () => {
  const file = (cwd: string) => `file ${join(cwd, 'governator.toml')}`;
  it.each([
    // file
    { name: 'file integer as string', c: { toml: '[server]\nport = "8080"\n' }, key: 'server.port', source: file, words: ['"8080"', 'an integer from 0 to 65535'] },
    { name: 'file integer out of range', c: { toml: '[server]\nport = 70000\n' }, key: 'server.port', source: file, words: ['70000', 'an integer from 0 to 65535'] },
    { name: 'file body_limit too small', c: { toml: '[server]\nbody_limit = 10\n' }, key: 'server.body_limit', source: file, words: ['10', 'an integer from 1024 to 268435456'] },
    { name: 'file log level', c: { toml: '[log]\nlevel = "loud"\n' }, key: 'log.level', source: file, words: ['"loud"', 'one of fatal, error, warn, info, debug, trace, silent'] },
    { name: 'file duration', c: { toml: '[server]\nrequest_timeout = "30 seconds"\n' }, key: 'server.request_timeout', source: file, words: ['"30 seconds"', 'a duration'] },
    { name: 'file empty host', c: { toml: '[server]\nhost = ""\n' }, key: 'server.host', source: file, words: ['""', 'a non-empty string'] },
    { name: 'file boolean', c: { toml: '[server]\ntrust_proxy = "yes"\n' }, key: 'server.trust_proxy', source: file, words: ['"yes"', 'true or false'] },
    { name: 'file section not a table', c: { toml: 'log = "debug"\n' }, key: 'log', source: file, words: ['"debug"', 'a table of settings (level)'] },
    { name: 'file role permission', c: { toml: '[[rbac.roles]]\nname = "ops"\npermissions = ["nodes read"]\n' }, key: 'rbac.roles[0].permissions[0]', source: file, words: ['"nodes read"', 'resource:verb'] },
    { name: 'file role without name', c: { toml: '[[rbac.roles]]\npermissions = []\n' }, key: 'rbac.roles[0].name', source: file, words: ['missing', 'a name of 1 to 64 characters'] },
    { name: 'file duplicate role', c: { toml: '[[rbac.roles]]\nname = "ops"\npermissions = []\n[[rbac.roles]]\nname = "ops"\npermissions = ["*"]\n' }, key: 'rbac.roles[1].name', source: file, words: ['"ops"', 'rbac.roles[0]', 'unique'] },
    { name: 'file duration too long', c: { toml: '[server]\nshutdown_timeout = "999999h"\n' }, key: 'server.shutdown_timeout', source: file, words: ['"999999h"', 'at most 2147483647ms'] },
    // env
    { name: 'env 8080x', c: { env: { GOVERNATOR_PORT: '8080x' } }, key: 'server.port', source: () => 'env GOVERNATOR_PORT', words: ['"8080x"', 'an integer from 0 to 65535'] },
    { name: 'env -1', c: { env: { GOVERNATOR_PORT: '-1' } }, key: 'server.port', source: () => 'env GOVERNATOR_PORT', words: ['"-1"', 'an integer from 0 to 65535'] },
    { name: 'env 70000', c: { env: { GOVERNATOR_SERVER_PORT: '70000' } }, key: 'server.port', source: () => 'env GOVERNATOR_SERVER_PORT', words: ['70000', 'an integer from 0 to 65535'] },
    { name: 'env float', c: { env: { GOVERNATOR_DATABASE_MAX_CONNECTIONS: '2.5' } }, key: 'database.max_connections', source: () => 'env GOVERNATOR_DATABASE_MAX_CONNECTIONS', words: ['"2.5"', 'an integer from 1 to 1000'] },
    { name: 'env padded integer', c: { env: { GOVERNATOR_PORT: ' 8080' } }, key: 'server.port', source: () => 'env GOVERNATOR_PORT', words: ['" 8080"'] },
    { name: 'env huge integer', c: { env: { GOVERNATOR_PORT: '99999999999999999999' } }, key: 'server.port', source: () => 'env GOVERNATOR_PORT', words: ['"99999999999999999999"'] },
    { name: 'env boolean', c: { env: { GOVERNATOR_SERVER_TRUST_PROXY: 'maybe' } }, key: 'server.trust_proxy', source: () => 'env GOVERNATOR_SERVER_TRUST_PROXY', words: ['"maybe"', 'true/false, 1/0 or yes/no'] },
    { name: 'env log level', c: { env: { GOVERNATOR_LOG_LEVEL: 'verbose' } }, key: 'log.level', source: () => 'env GOVERNATOR_LOG_LEVEL', words: ['"verbose"', 'one of fatal, error'] },
    { name: 'env database url', c: { env: { GOVERNATOR_DATABASE_URL: 'mysql://db/x' } }, key: 'database.url', source: () => 'env GOVERNATOR_DATABASE_URL', words: ['"mysql://db/x"', 'a postgres:// or postgresql:// URL'] },
    { name: 'env alias disagrees', c: { env: { GOVERNATOR_HOST: 'a', GOVERNATOR_SERVER_HOST: 'b' } }, key: 'server.host', source: () => 'env GOVERNATOR_SERVER_HOST and env GOVERNATOR_HOST', words: ['"a"', '"b"', 'only one'] },
    // flags
    { name: 'flag --port string', c: { flags: { port: '80a' } }, key: 'server.port', source: () => 'flag --port', words: ['"80a"', 'an integer from 0 to 65535'] },
    { name: 'flag --port number', c: { flags: { port: 8080.5 } }, key: 'server.port', source: () => 'flag --port', words: ['"8080.5"', 'an integer'] },
    { name: 'flag --log-level', c: { flags: { logLevel: 'LOUD' } }, key: 'log.level', source: () => 'flag --log-level', words: ['"LOUD"', 'one of fatal'] },
    { name: 'flag --host empty', c: { flags: { host: '' } }, key: 'server.host', source: () => 'flag --host', words: ['""', 'a non-empty string'] },
    { name: 'flag --set integer', c: { flags: { set: ['server.port=70000'] } }, key: 'server.port', source: () => 'flag --set server.port', words: ['70000', 'an integer from 0 to 65535'] },
    { name: 'flag --set boolean', c: { flags: { set: ['server.trust_proxy=on'] } }, key: 'server.trust_proxy', source: () => 'flag --set server.trust_proxy', words: ['"on"', 'true/false'] },
    { name: 'flag --set without =', c: { flags: { set: ['server.port'] } }, key: 'server.port', source: () => 'flag --set server.port', words: ['key=value'] },
    { name: 'flag --set array', c: { flags: { set: ['rbac.roles=[]'] } }, key: 'rbac.roles', source: () => 'flag --set rbac.roles', words: ['configuration file'] },
    { name: 'flag --set tls pair', c: { flags: { set: ['server.tls_key=/k.pem'] } }, key: 'server.tls_key', source: () => 'flag --set server.tls_key', words: ['"/k.pem"', 'server.tls_cert', 'or neither'] },
  ])('$name', ({ c, key, source, words }) => {
    const { error, cwd } = loadError(c);
    expect(error.code).toBe('GOV_CONFIG_INVALID');
    const list = problems(error);
    expect(list).toHaveLength(1);
    const [problem] = list as [ConfigProblem];
    expect(problem.key).toBe(key);
    expect(problem.source).toBe(source(cwd));
    expect(problem.message.startsWith(`${key} (${source(cwd)}): `)).toBe(true);
    for (const word of words) expect(problem.message).toContain(word);
    expect(error.message).toContain(problem.message);
  });

  it.each([
    { toml: '[server]\nprot = 8080\n', key: 'server.prot', suggestion: 'server.port' },
    { toml: '[server]\nhots = "x"\n', key: 'server.hots', suggestion: 'server.host' },
    { toml: '[sever]\nport = 1\n', key: 'sever', suggestion: 'server' },
    { toml: '[server]\ndata_dir = "x"\n', key: 'server.data_dir', suggestion: 'database.data_dir' },
    { toml: '[[rbac.roles]]\nnmae = "ops"\nname = "ops"\npermissions = []\n', key: 'rbac.roles[0].nmae', suggestion: 'rbac.roles[0].name' },
  ])('unknown file key $key suggests $suggestion', ({ toml, key, suggestion }) => {
    const { error, cwd } = loadError({ toml });
    const [problem] = problems(error);
    expect(problem?.key).toBe(key);
    expect(problem?.source).toBe(`file ${join(cwd, 'governator.toml')}`);
    expect(problem?.message).toContain('unknown key');
    expect(problem?.message).toContain(`did you mean ${suggestion}?`);
  });

  it('an unknown key with nothing close lists the known keys, and never shows its string value', () => {
    const { error } = loadError({ toml: '[database]\nsecret_sauce = "hunter2"\n' });
    expect(error.message).toContain('database.secret_sauce');
    expect(error.message).toContain('expected one of database.url, database.data_dir');
    expect(error.message).not.toContain('hunter2');
  });

  it('an unknown --set key suggests the closest', () => {
    const { error } = loadError({ flags: { set: ['server.prot=9000'] } });
    const [problem] = problems(error);
    expect(problem).toMatchObject({ key: 'server.prot', source: 'flag --set server.prot' });
    expect(problem?.message).toContain('did you mean server.port?');
  });

  it('collects every problem from every layer into one error, one per line', () => {
    const { error } = loadError({
      toml: '[server]\nprot = 1\n[log]\nlevel = "loud"\n',
      env: { GOVERNATOR_PORT: 'x' },
      flags: { set: ['server.body_limit=1'], migrate: false },
    });
    const list = problems(error);
    expect(list.map((p) => p.key).sort()).toEqual(['log.level', 'server.body_limit', 'server.port', 'server.prot']);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid configuration (4 problems):');
    expect(lines).toHaveLength(5);
  });

  it.each([
    ['neither', '', true],
    ['both', 'tls_cert = "/c.pem"\ntls_key = "/k.pem"\n', true],
    ['cert only', 'tls_cert = "/c.pem"\n', false],
    ['key only', 'tls_key = "/k.pem"\n', false],
  ])('tls pair: %s', (_name, lines, ok) => {
    const c = { toml: `[server]\n${lines}` };
    if (ok) {
      expect(() => load(c)).not.toThrow();
    } else {
      const { error } = loadError(c);
      expect(error.message).toContain('expected both server.tls_cert and server.tls_key');
    }
  });

  it('masks a secret value in its error', () => {
    const { error } = loadError({ env: { GOVERNATOR_DATABASE_URL: 'mysql://app:hunter2@db:3306/x' } });
    expect(error.message).toContain('"mysql://app:****@db:3306/x"');
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.details)).not.toContain('hunter2');
  });

  it('masks a section that may hold a secret put in the wrong place', () => {
    const { error } = loadError({ toml: 'database = "postgres://app:hunter2@db/x"\n' });
    expect(error.message).toContain('database (file');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadConfig: adversarial files', () => {
  it.each([
    ['__proto__ = 1\n', '__proto__'],
    ['[server]\n__proto__ = { port = 1 }\n', 'server.__proto__'],
    ['[server]\nconstructor = 1\n', 'server.constructor'],
  ])('%j is an unknown key, not a prototype', (toml, key) => {
    const { error } = loadError({ toml });
    expect(problems(error).map((p) => p.key)).toEqual([key]);
    expect(({} as Record<string, unknown>)['port']).toBeUndefined();
  });

  it('reports a TOML date, a float and a large integer by value', () => {
    const { error } = loadError({ toml: '[server]\nport = 1979-05-27\nbody_limit = 2048.5\n[database]\nmax_connections = 9007199254740991\n' });
    expect(problems(error).map((p) => p.key)).toEqual(['server.port', 'server.body_limit', 'database.max_connections']);
    expect(error.message).toContain('1979-05-27');
    expect(error.message).toContain('2048.5');
    expect(error.message).toContain('9007199254740991 is not an integer from 1 to 1000');
  });

  it('an integer TOML cannot hold exactly is a file error', () => {
    const { error } = loadError({ toml: '[database]\nmax_connections = 9223372036854775807\n' });
    expect(error.code).toBe('GOV_CONFIG_FILE');
    expect(error.message).toContain('line 2');
  });

  it('an empty file is all defaults, with the file recorded', () => {
    const { loaded, cwd } = load({ toml: '' });
    expect(loaded.file).toBe(join(cwd, 'governator.toml'));
    expect(loaded.config.server.port).toBe(8080);
  });
});
