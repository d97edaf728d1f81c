import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { describeConfig, loadConfig, maskUrlPassword, maskedConfig, renderToml } from './load.js';
import { configKeys } from './keys.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function loadWith(toml: string, env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'governator-print-'));
  dirs.push(cwd);
  writeFileSync(join(cwd, 'governator.toml'), toml);
  return loadConfig({ cwd, env });
}

describe('maskUrlPassword', () => {
  it.each([
    ['postgres://app:hunter2@db:5432/gov', 'postgres://app:****@db:5432/gov'],
    ['postgresql://app:hunter2@db/gov?sslmode=require', 'postgresql://app:****@db/gov?sslmode=require'],
    ['postgres://app@db:5432/gov', 'postgres://app@db:5432/gov'],
    ['postgres://db/gov', 'postgres://db/gov'],
    ['postgres://:hunter2@db/gov', 'postgres://:****@db/gov'],
    ['postgres://app@db/gov?password=hunter2&sslmode=require', 'postgres://app@db/gov?password=****&sslmode=require'],
    ['postgres://app:hun%40ter2@db/gov', 'postgres://app:****@db/gov'],
    ['not a url with hunter2', '****'],
  ])('%s → %s', (url, masked) => {
    expect(maskUrlPassword(url)).toBe(masked);
  });
});

describe('maskedConfig, describeConfig and renderToml', () => {
  const toml = '[database]\nurl = "postgres://app:hunter2@db.internal:5432/governator"\n';

  it('keep everything of the database URL but its password', () => {
    const loaded = loadWith(toml);
    expect(loaded.config.database.url).toContain('hunter2'); // the real value is intact for the app
    const masked = maskedConfig(loaded) as { database: { url: string } };
    expect(masked.database.url).toBe('postgres://app:****@db.internal:5432/governator');
    const rows = describeConfig(loaded);
    expect(rows.find((r) => r.key === 'database.url')).toEqual({
      key: 'database.url', value: 'postgres://app:****@db.internal:5432/governator', source: `file ${loaded.file}`,
    });
    for (const output of [JSON.stringify(masked), JSON.stringify(rows), renderToml(masked)]) {
      expect(output).not.toContain('hunter2');
    }
  });

  it('masks a password that came from the environment or a ${VAR}', () => {
    const loaded = loadWith('[database]\nurl = "postgres://app:${DB_PASSWORD}@db/gov"\n', { DB_PASSWORD: 's3cr3t-pw' });
    expect(JSON.stringify(maskedConfig(loaded))).not.toContain('s3cr3t-pw');
    expect(JSON.stringify(describeConfig(loaded))).not.toContain('s3cr3t-pw');
  });

  it('leaves the loaded config frozen and untouched', () => {
    const loaded = loadWith(toml);
    const masked = maskedConfig(loaded) as { server: { port: number } };
    masked.server.port = 1;
    expect(loaded.config.server.port).toBe(8080);
  });

  it('describeConfig has one row per key, with its source', () => {
    const loaded = loadWith('[server]\nport = 9000\n');
    const rows = describeConfig(loaded);
    expect(rows.map((r) => r.key)).toEqual(configKeys().map((k) => k.key));
    expect(rows.find((r) => r.key === 'server.port')).toEqual({ key: 'server.port', value: 9000, source: `file ${loaded.file}` });
    expect(rows.find((r) => r.key === 'server.host')).toEqual({ key: 'server.host', value: '0.0.0.0', source: 'default' });
    expect(rows.find((r) => r.key === 'database.url')).toEqual({ key: 'database.url', value: undefined, source: 'default' });
  });

  it('renderToml gives TOML that loads back to the same config', () => {
    const loaded = loadWith('[server]\nport = 9000\n[[rbac.roles]]\nname = "ops"\npermissions = ["nodes:*"]\n');
    const text = renderToml(maskedConfig(loaded));
    expect(text).toContain('[server]');
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(loaded.config)));
    expect(loadWith(text).config).toEqual(loaded.config);
  });
});
