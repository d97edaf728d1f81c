import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, GovError, type ErrorCode } from '../src/core/errors.js';
import { exitCodeFor } from '../src/cli/exit.js';
import { HTTP_STATUS } from '../src/server/errors.js';
import { startTestServer } from './support/server.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('docs keep up with the code', () => {
  it('docs/errors.md lists every error code with its HTTP status and exit code', () => {
    const doc = read('docs/errors.md');
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
      const [, , http, exit] = row!.split('|').map((c) => c.trim());
      if (http !== '—') expect(Number(http), code).toBe(HTTP_STATUS[code]);
      expect(Number(exit), code).toBe(exitCodeFor(new GovError(code, 'x')));
    }
  });

  it('docs/api.md documents every route with the access it needs', async () => {
    const doc = read('docs/api.md');
    const server = await startTestServer();
    try {
      for (const route of server.app.routeAccess) {
        const pattern = `| \`${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}\` | ${route.access} |`;
        expect(doc, `docs/api.md lacks the row ${pattern}`).toContain(pattern);
      }
    } finally {
      await server.close();
    }
  });

  it('docs/cli.md documents every command', async () => {
    const { buildProgram } = await import('../src/cli/main.js');
    const doc = read('docs/cli.md');
    const walk = (cmd: ReturnType<typeof buildProgram>, prefix: string): string[] =>
      cmd.commands.flatMap((c) => (c.commands.length ? walk(c, `${prefix}${c.name()} `) : [`${prefix}${c.name()}`]));
    for (const name of walk(buildProgram(), 'governator ')) expect(doc, `${name} is missing from docs/cli.md`).toContain(`## \`${name}`);
  });
});
