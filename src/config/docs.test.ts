import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configKeys } from './keys.js';
import { loadConfig } from './load.js';

/** docs/configuration.md is written by hand; these checks keep it from drifting away from the schema. */
const docs = readFileSync(fileURLToPath(new URL('../../docs/configuration.md', import.meta.url)), 'utf8');
const rows = new Map(
  docs.split('\n')
    .map((line) => /^\| `([a-z_.]+)` \|/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1] as string, match.input]),
);

function documentedDefault(value: unknown): string {
  if (value === undefined) return '(unset)';
  return `\`${JSON.stringify(value)}\``;
}

describe('docs/configuration.md', () => {
  it('has a row for every key, and none for keys that do not exist', () => {
    expect([...rows.keys()].sort()).toEqual(configKeys().map((k) => k.key).sort());
  });

  it.each(configKeys().map((k) => [k.key, k] as const))('%s: type, default, env names and flag match the schema', (_key, info) => {
    const row = rows.get(info.key) ?? '';
    const cells = row.split(' | ');
    expect(cells[1]).toContain(info.type);
    expect(cells[2]).toBe(documentedDefault(info.default));
    for (const name of info.env) expect(cells[3]).toContain(`\`${name}\``);
    if (info.flag !== undefined) for (const flag of info.flag.split(' / ')) expect(cells[4]).toContain(`\`${flag}\``);
    if (info.secret) expect(row).toContain('secret');
  });

  it('its example file loads', () => {
    const example = /```toml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    const cwd = mkdtempSync(join(tmpdir(), 'governator-docs-'));
    try {
      writeFileSync(join(cwd, 'governator.toml'), example ?? '');
      const loaded = loadConfig({ cwd, env: { DB_PASSWORD: 'pw' } });
      expect(loaded.config.server.port).toBe(8443);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
