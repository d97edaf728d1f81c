/**
 * The local provider with real processes: workers start from a command template, become running when their
 * health URL answers, stop on SIGTERM (or SIGKILL after the grace period), and a new provider over the same
 * state directory (a restarted Governator) sees the same workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../src/adapters/cloud/local/index.js';
import { providerErrorKind } from '../../src/core/provider/errors.js';
import type { CloudProvider, ProviderNode } from '../../src/ports/cloud-provider.js';
import { CPU } from './harness.js';

const WORKER = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const dirs: string[] = [];
const providers: LocalProvider[] = [];

afterEach(async () => {
  for (const p of providers.splice(0)) {
    for (const n of await p.listNodes()) if (n.state !== 'terminated') await p.stopNode({ nodeId: n.id, mode: 'terminate' }).catch(() => undefined);
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function provider(options: Partial<ConstructorParameters<typeof LocalProvider>[0]> = {}, stateDir?: string): LocalProvider {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'gov-local-'));
  if (stateDir === undefined) dirs.push(dir);
  const p = new LocalProvider({
    command: [process.execPath, WORKER, '--port', '{port}'], stateDir: dir, ports: { from: 31_000, to: 31_999 },
    readiness: { kind: 'http', url: 'http://{host}:{port}/health' }, stopGraceMs: 1000, ...options,
  });
  providers.push(p);
  return p;
}

async function until(p: CloudProvider, id: string, states: readonly string[], timeoutMs = 15_000): Promise<ProviderNode> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = await p.getNode(id);
    if (states.includes(node.state)) return node;
    if (Date.now() > deadline) throw new Error(`${id} still ${node.state}, wanted ${states.join('|')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local provider', () => {
  it('starts real worker processes, reports running once healthy, and stops them', async () => {
    const p = provider({ env: { READY_DELAY_MS: '300' } });
    const a = await p.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'tok-a' });
    expect(a.state).toBe('pending');
    expect(a.address).toMatch(/^127\.0\.0\.1:31\d{3}$/);
    const again = await p.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'tok-a' });
    expect(again.id).toBe(a.id);
    const running = await until(p, a.id, ['running']);
    const whoami = await (await fetch(`http://${running.address}/whoami`)).json() as { node: string; pool: string; pid: number };
    expect(whoami).toMatchObject({ node: a.id, pool: 'web' });
    await p.stopNode({ nodeId: a.id, mode: 'terminate' });
    await until(p, a.id, ['terminated']);
    // The provider reads a zombie as terminated; the pid is gone once Node has reaped its child (a moment later).
    const gone = () => { try { process.kill(whoami.pid, 0); return false; } catch { return true; } };
    await expect.poll(gone, { timeout: 5000, interval: 50 }).toBe(true);
    await p.stopNode({ nodeId: a.id, mode: 'terminate' });
    expect(providerErrorKind(await p.getNode('local-nope').catch((e: unknown) => e))).toBe('NotFound');
    expect(providerErrorKind(await p.stopNode({ nodeId: 'local-nope', mode: 'terminate' }).catch((e: unknown) => e))).toBe('NotFound');
  });

  it('a restarted Governator (new provider, same state directory) sees and stops the same workers', async () => {
    const first = provider();
    const a = await first.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'tok-1' });
    await until(first, a.id, ['running']);
    const second = provider({}, dirs[dirs.length - 1]);
    const listed = await second.listNodes();
    expect(listed.map((n) => [n.id, n.state, n.idempotencyToken, n.pool])).toEqual([[a.id, 'running', 'tok-1', 'web']]);
    // Idempotent across the restart too.
    expect((await second.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'tok-1' })).id).toBe(a.id);
    await second.stopNode({ nodeId: a.id, mode: 'stop' });
    expect((await until(second, a.id, ['stopped'])).state).toBe('stopped');
  });

  it('a worker that ignores SIGTERM is killed after the grace period; a worker that dies is terminated', async () => {
    const p = provider({ env: { IGNORE_SIGTERM: '1' }, stopGraceMs: 500 });
    const a = await p.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'stubborn' });
    const running = await until(p, a.id, ['running']);
    const { pid } = await (await fetch(`http://${running.address}/whoami`)).json() as { pid: number };
    await p.stopNode({ nodeId: a.id, mode: 'terminate' });
    expect((await p.getNode(a.id)).state).toBe('stopping');
    await until(p, a.id, ['terminated'], 10_000);
    const b = await p.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'crasher' });
    const bRunning = await until(p, b.id, ['running']);
    const { pid: bPid } = await (await fetch(`http://${bRunning.address}/whoami`)).json() as { pid: number };
    process.kill(bPid, 'SIGKILL');
    await until(p, b.id, ['terminated']);
    expect(pid).not.toBe(bPid);
  });

  it('refuses an empty command and reports a command that cannot run', async () => {
    expect(() => provider({ command: '  ' })).toThrow(/worker command is empty/);
    const p = provider({ command: ['/nonexistent/worker-binary'], readiness: { kind: 'immediate' } });
    const error = await p.startNode({ pool: 'web', offering: CPU, idempotencyToken: 'x' }).catch((e: unknown) => e);
    expect(providerErrorKind(error)).toBe('InvalidRequest');
    expect(await p.listNodes()).toEqual([]);
  });
});
