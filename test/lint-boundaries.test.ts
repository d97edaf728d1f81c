import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The architecture's import boundaries are enforced by eslint.config.js; these cases prove the rules bite. */
const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('src/core stays pure', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';\nexport const f = readFileSync;", 'no-restricted-imports'],
    ["import pg from 'pg';\nexport const p = pg;", 'no-restricted-imports'],
    ["import type { Store } from '../../ports/store.js';\nexport type S = Store;", 'no-restricted-imports'],
    ["import { openPgliteStore } from '../../adapters/storage/pglite/index.js';\nexport const o = openPgliteStore;", 'no-restricted-imports'],
    ['export const t = Date.now();', 'no-restricted-properties'],
    ['export const r = Math.random();', 'no-restricted-properties'],
    ['export const d = new Date();', 'no-restricted-syntax'],
    ["export const e = process.env['X'];", 'no-restricted-globals'],
    ["console.log('x');\nexport {};", 'no-restricted-globals'],
  ])('rejects %s', async (code, rule) => {
    expect(await ruleIds('src/core/planner/example.ts', code)).toContain(rule);
  });

  it('accepts pure code and imports inside core', async () => {
    const code = "import { GovError } from '../errors.js';\nexport const at = (now: Date) => new Date(now.getTime() + 1);\nexport { GovError };";
    expect(await ruleIds('src/core/planner/example.ts', code)).toEqual([]);
  });
});

describe('layers point one way', () => {
  it.each([
    ['src/ports/example.ts', "import { x } from '../adapters/storage/index.js';\nexport { x };"],
    ['src/adapters/storage/example.ts', "import { x } from '../../server/build-server.js';\nexport { x };"],
    ['src/server/example.ts', "import { x } from '../adapters/storage/index.js';\nexport { x };"],
    ['src/app/example.ts', "import { x } from '../cli/main.js';\nexport { x };"],
  ])('%s may not import that', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-imports');
  });

  it('bootstrap may wire adapters', async () => {
    expect(await ruleIds('src/bootstrap/example.ts', "import { openPgliteStore } from '../adapters/storage/index.js';\nexport { openPgliteStore };")).toEqual([]);
  });
});
