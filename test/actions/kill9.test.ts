/**
 * kill -9 of Governator mid-plan (issue #7, "Must show"): a child process runs the engine (dist/) with the
 * local provider and real worker processes; it is killed with SIGKILL while new workers are starting, then a
 * new process reconciles. Afterwards: no token started two workers, no worker runs that the journal does not
 * account for, and the plan either completed (3 new workers, old ones stopped) or rolled back.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../src/adapters/cloud/local/index.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/engine-process.mjs', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'gov-kill9-'));
const dataDir = join(base, 'data');
const stateDir = join(base, 'workers');

afterAll(async () => {
  const local = new LocalProvider({ command: ['true'], stateDir });
  for (const n of await local.listNodes()) await local.stopNode({ nodeId: n.id, mode: 'terminate' }).catch(() => undefined);
  rmSync(base, { recursive: true, force: true });
});

interface Line { type: string; data?: Record<string, unknown> }

/** Run the engine process; resolve with its output lines when it exits, or kill it when `killWhen` says so. */
function runEngine(mode: string, killWhen?: (line: Line, seen: Line[]) => boolean): Promise<{ lines: Line[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, mode, dataDir, stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Line[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const line = JSON.parse(text) as Line;
        lines.push(line);
        if (killWhen?.(line, lines) === true && child.exitCode === null) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => { resolve({ lines, signal, code, stderr }); });
  });
}

describe('kill -9 of Governator mid-plan', () => {
  it('restarts, reconciles, and ends with no duplicate and no orphan worker', { timeout: 120_000 }, async () => {
    const seeded = await runEngine('seed');
    expect(seeded.code, seeded.stderr).toBe(0);
    const oldIds = seeded.lines.filter((l) => l.type === 'seeded').map((l) => String(l.data?.nodeId));
    expect(oldIds).toHaveLength(2);

    // Kill as soon as two new workers were accepted by the provider (they need 1.5 s to become healthy).
    const killed = await runEngine('run', (_line, seen) =>
      seen.filter((l) => l.type === 'action' && l.data?.kind === 'start' && l.data?.status === 'in-progress').length >= 2);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.lines.some((l) => l.type === 'done')).toBe(false);

    const restarted = await runEngine('reconcile');
    expect(restarted.code, restarted.stderr).toBe(0);
    const report = restarted.lines.find((l) => l.type === 'reconciled')?.data as { resumed: number[] };
    expect(report.resumed).toHaveLength(1);

    // The journal and the real processes agree.
    const store = await openPgliteStore({ dataDir });
    try {
      const [plan] = await store.actions.listPlans({ limit: 10 });
      expect(['succeeded', 'rolled-back']).toContain(plan?.status);
      const actions = await store.actions.listActions({ planId: plan!.id, limit: 100 });
      for (const a of actions) expect(['succeeded', 'rolled-back', 'skipped', 'failed']).toContain(a.status);
      const records = readdirSync(join(stateDir, 'nodes')).filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(stateDir, 'nodes', f), 'utf8')) as { id: string; token: string });
      const tokens = records.map((r) => r.token);
      expect(new Set(tokens).size, 'no token started two workers').toBe(tokens.length);
      expect(records.length).toBeLessThanOrEqual(5);
      const local = new LocalProvider({ command: ['true'], stateDir });
      const live = (await local.listNodes()).filter((n) => n.state === 'running' || n.state === 'pending');
      const succeededTokens = new Set(actions.filter((a) => a.kind === 'start' && a.status === 'succeeded').map((a) => a.idempotencyToken));
      for (const node of live) {
        expect(oldIds.includes(node.id) || succeededTokens.has(node.idempotencyToken ?? ''), `worker ${node.id} is accounted for`).toBe(true);
        // A real process answers on the worker's port.
        const whoami = await (await fetch(`http://${node.address}/whoami`)).json() as { node: string };
        expect(whoami.node).toBe(node.id);
      }
      if (plan?.status === 'succeeded') {
        expect(live.map((n) => n.id).sort()).toEqual(actions.filter((a) => a.kind === 'start').map((a) => a.nodeId).sort());
        expect(live.some((n) => oldIds.includes(n.id))).toBe(false);
      } else {
        expect(live.map((n) => n.id).sort()).toEqual([...oldIds].sort());
      }
    } finally {
      await store.close();
    }
  });
});
