/**
 * Real Prometheus and node_exporter for tests (Debian packages `prometheus` 2.42 and `prometheus-node-exporter`,
 * installed by .ci/run). Each test starts its own processes on loopback with free ports and temporary data
 * directories; the system services the packages may have started are never used.
 *
 * Without the binaries the suites are skipped, saying why, except under CI=true, where a missing component is a
 * test failure (docs: architecture.md, "Real components in tests"), as test/support/postgres.ts does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

const HOW_TO = 'install the Debian packages prometheus and prometheus-node-exporter (apt-get install -y prometheus prometheus-node-exporter)';

/** Absolute path of an executable on PATH (or /usr/bin, /usr/sbin), or undefined. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly nodeExporter: string;
}

/** `describe` for suites that need the real binaries; same skip/fail rules as describeWithPostgres. */
export function describeWithPrometheus(name: string, body: (bins: () => PrometheusBinaries) => void): void {
  const prometheus = which('prometheus');
  const nodeExporter = which('prometheus-node-exporter') ?? which('node_exporter');
  if (prometheus !== undefined && nodeExporter !== undefined) {
    describe(name, () => body(() => ({ prometheus, nodeExporter })));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has prometheus and prometheus-node-exporter to test against', () => {
        throw new Error(`CI=true but ${prometheus === undefined ? 'prometheus' : 'prometheus-node-exporter'} is not installed: ${HOW_TO}`);
      });
    });
  } else {
    console.warn(`[${name}] skipped: ${HOW_TO}`);
    describe.skip(`${name} (skipped: prometheus or prometheus-node-exporter is not installed)`, () => body(() => {
      throw new Error('not installed');
    }));
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  readonly url: string;
  readonly port: number;
  /** What the process printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

async function waitHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output()}`);
}

function run(bin: string, args: string[], readyUrl: string, port: number, cleanup: () => void): Promise<RunningProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };
  return waitHttp(readyUrl, child, () => out).then(
    () => ({ url: `http://127.0.0.1:${port}`, port, output: () => out, stop }),
    async (error: unknown) => {
      await stop();
      throw error;
    },
  );
}

/** node_exporter on a free loopback port with a few fast collectors. */
export async function startNodeExporter(bin: string): Promise<RunningProcess> {
  const port = await freePort();
  return run(bin, [
    `--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults',
    '--collector.loadavg', '--collector.meminfo', '--collector.cpu', '--collector.stat', '--collector.time',
  ], `http://127.0.0.1:${port}/metrics`, port, () => undefined);
}

/** Prometheus on a free loopback port with `config` (YAML) and a temporary TSDB directory. */
export async function startPrometheus(bin: string, config: string, extraArgs: string[] = []): Promise<RunningProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'governator-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  return run(bin, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...extraArgs,
  ], `http://127.0.0.1:${port}/-/ready`, port, () => rmSync(dir, { recursive: true, force: true }));
}
