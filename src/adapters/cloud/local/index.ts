import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { NodeState } from '../../../core/model/node.js';
import { providerError } from '../../../core/provider/errors.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopMode, StopNodeRequest,
} from '../../../ports/cloud-provider.js';
import type { Clock } from '../../../ports/clock.js';

/** When a local worker counts as running. */
export type LocalReadiness =
  /** As soon as the process exists. */
  | { readonly kind: 'immediate' }
  /** When this URL answers 2xx; `{host}` and `{port}` are filled in, e.g. `http://{host}:{port}/health`. */
  | { readonly kind: 'http'; readonly url: string };

export interface LocalProviderOptions {
  /** Default `local`. */
  readonly name?: string;
  /**
   * The worker's command line, run WITHOUT a shell: an argv array, or a string split on whitespace. Placeholders
   * `{port}`, `{pool}`, `{node}` (node id), `{token}` and `{offering}` are replaced in every argument, e.g.
   * `node worker.js --port {port}`. The worker also gets PORT, GOVERNATOR_NODE_ID, GOVERNATOR_POOL and
   * GOVERNATOR_TOKEN in its environment.
   */
  readonly command: string | readonly string[];
  /** Where worker records (one JSON file per node) and logs live; a restarted Governator reads them back. */
  readonly stateDir: string;
  /** Ports handed to workers, inclusive (default 20000–29999); one free port per worker. */
  readonly ports?: { readonly from: number; readonly to: number };
  /** Address workers listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Default: immediate. */
  readonly readiness?: LocalReadiness;
  /** After SIGTERM, SIGKILL follows after this long if the worker still runs (default 10 s). */
  readonly stopGraceMs?: number;
  /** Extra environment for workers (added to Governator's own). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of workers (default Governator's). */
  readonly cwd?: string;
  /** For launch/stop times (default the system clock). */
  readonly clock?: Clock;
  /** Time limit of one readiness probe (default 1 s). */
  readonly probeTimeoutMs?: number;
}

/** What the state directory keeps per worker. */
interface WorkerRecord {
  readonly id: string;
  readonly token: string;
  readonly pool: string;
  readonly offeringId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly zone: string | null;
  readonly labels: Record<string, string>;
  readonly port: number;
  readonly argv: readonly string[];
  readonly launchedAt: string;
  pid: number | null;
  /** /proc start time of the process (clock ticks since boot), so a recycled pid is never taken for our worker. */
  pidStartTime: string | null;
  readyAt: string | null;
  stopRequestedAt: string | null;
  stopMode: StopMode | null;
  /** When the process was last seen gone (for retention). */
  endedAt: string | null;
}

const LAUNCH_GRACE_MS = 30_000;
const RETENTION_MS = 3600_000;
const systemClock: Clock = { now: () => new Date() };

function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return 'dead';
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(record: WorkerRecord): boolean {
  if (record.pid === null) return false;
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const started = procStartTime(record.pid);
  if (started === 'dead') return false;
  // Without /proc (not Linux), trust the pid.
  return started === null || record.pidStartTime === null || started === record.pidStartTime;
}

function signalGroup(record: WorkerRecord, signal: NodeJS.Signals): void {
  if (record.pid === null || !isAlive(record)) return;
  try {
    // Workers lead their own process group (detached), so their children get the signal too.
    process.kill(-record.pid, signal);
  } catch {
    try {
      process.kill(record.pid, signal);
    } catch {
      // Gone in between: nothing to do.
    }
  }
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => { resolve(false); });
    server.listen(port, host, () => { server.close(() => { resolve(true); }); });
  });
}

/**
 * A provider whose nodes are worker processes on this machine: a real closed loop without a cloud (demos,
 * end-to-end tests, a single-box deployment). Workers are started detached in their own process group, with
 * output to `<stateDir>/logs/<id>.log`, so they outlive Governator; their records in `<stateDir>/nodes/` let a
 * restarted Governator list and reconcile them. Start is idempotent by token (the record is written before the
 * process is spawned); stop is SIGTERM to the worker's group, then SIGKILL after the grace period (also
 * enforced by later calls if Governator restarted in between). See docs/providers.md, "Local processes".
 */
export class LocalProvider implements CloudProvider {
  readonly name: string;
  readonly kind = 'local';
  readonly #argv: readonly string[];
  readonly #nodesDir: string;
  readonly #logsDir: string;
  readonly #ports: { from: number; to: number };
  readonly #host: string;
  readonly #readiness: LocalReadiness;
  readonly #graceMs: number;
  readonly #env: Readonly<Record<string, string>>;
  readonly #cwd: string | undefined;
  readonly #clock: Clock;
  readonly #probeTimeoutMs: number;
  readonly #starting = new Map<string, Promise<ProviderNode>>();

  constructor(options: LocalProviderOptions) {
    this.name = options.name ?? 'local';
    this.#argv = typeof options.command === 'string' ? options.command.trim().split(/\s+/) : [...options.command];
    if (this.#argv.length === 0 || this.#argv[0] === '') {
      throw providerError('InvalidRequest', this.name, 'configure', 'the worker command is empty');
    }
    this.#nodesDir = join(options.stateDir, 'nodes');
    this.#logsDir = join(options.stateDir, 'logs');
    mkdirSync(this.#nodesDir, { recursive: true });
    mkdirSync(this.#logsDir, { recursive: true });
    this.#ports = options.ports ?? { from: 20_000, to: 29_999 };
    this.#host = options.host ?? '127.0.0.1';
    this.#readiness = options.readiness ?? { kind: 'immediate' };
    this.#graceMs = options.stopGraceMs ?? 10_000;
    this.#env = options.env ?? {};
    this.#cwd = options.cwd;
    this.#clock = options.clock ?? systemClock;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 1000;
  }

  async listNodes(): Promise<readonly ProviderNode[]> {
    const nodes: ProviderNode[] = [];
    for (const record of this.#records()) {
      const node = await this.#view(record);
      if (node !== null) nodes.push(node);
    }
    return nodes;
  }

  async getNode(id: string): Promise<ProviderNode> {
    const record = this.#read(id);
    const node = record === null ? null : await this.#view(record);
    if (node === null) throw providerError('NotFound', this.name, 'getNode', `no worker ${id}`, { nodeId: id });
    return node;
  }

  startNode(request: StartNodeRequest): Promise<ProviderNode> {
    // Two concurrent calls with one token share one start.
    const inFlight = this.#starting.get(request.idempotencyToken);
    if (inFlight !== undefined) return inFlight;
    const run = this.#start(request).finally(() => { this.#starting.delete(request.idempotencyToken); });
    this.#starting.set(request.idempotencyToken, run);
    return run;
  }

  async #start(request: StartNodeRequest): Promise<ProviderNode> {
    const existing = this.#records().find((r) => r.token === request.idempotencyToken);
    if (existing !== undefined) {
      const node = await this.#view(existing);
      if (node !== null) return node;
    }
    if (request.pool.trim() === '') throw providerError('InvalidRequest', this.name, 'startNode', 'pool must not be empty');
    const id = `${this.name}-${randomUUID().slice(0, 8)}`;
    const port = await this.#freePort();
    const values: Record<string, string> = {
      port: String(port), pool: request.pool, node: id, token: request.idempotencyToken, offering: request.offering.id,
    };
    const argv = this.#argv.map((arg) => arg.replace(/\{(port|pool|node|token|offering)\}/g, (_m, key: string) => values[key] ?? ''));
    const record: WorkerRecord = {
      id, token: request.idempotencyToken, pool: request.pool, offeringId: request.offering.id,
      instanceType: request.offering.instanceType, region: request.offering.region, zone: request.offering.zone,
      labels: { ...request.labels, [POOL_LABEL]: request.pool, [TOKEN_LABEL]: request.idempotencyToken },
      port, argv, launchedAt: this.#clock.now().toISOString(), pid: null, pidStartTime: null, readyAt: null,
      stopRequestedAt: null, stopMode: null, endedAt: null,
    };
    // The record (with the token) is on disk before the process exists: a crash in between leaves a record
    // without a pid, which reads as terminated after LAUNCH_GRACE_MS, never an untracked worker.
    this.#write(record);
    const log = openSync(join(this.#logsDir, `${id}.log`), 'a');
    try {
      const child = spawn(argv[0]!, argv.slice(1), {
        detached: true,
        stdio: ['ignore', log, log],
        cwd: this.#cwd,
        env: {
          ...process.env, ...this.#env, PORT: String(port), GOVERNATOR_NODE_ID: id, GOVERNATOR_POOL: request.pool,
          GOVERNATOR_TOKEN: request.idempotencyToken,
        },
      });
      child.on('error', () => undefined);
      if (child.pid === undefined) {
        rmSync(this.#path(id), { force: true });
        throw providerError('InvalidRequest', this.name, 'startNode', `cannot run the worker command ${argv[0] ?? ''}`);
      }
      child.unref();
      record.pid = child.pid;
      record.pidStartTime = procStartTime(child.pid);
      this.#write(record);
    } finally {
      closeSync(log);
    }
    return (await this.#view(record))!;
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    const record = this.#read(request.nodeId);
    if (record === null || (await this.#view(record)) === null) {
      throw providerError('NotFound', this.name, 'stopNode', `no worker ${request.nodeId}`, { nodeId: request.nodeId });
    }
    if (record.stopRequestedAt === null) {
      record.stopRequestedAt = this.#clock.now().toISOString();
      record.stopMode = request.mode;
      this.#write(record);
    } else if (request.mode === 'terminate') {
      record.stopMode = 'terminate';
      this.#write(record);
    }
    if (!isAlive(record)) return;
    signalGroup(record, 'SIGTERM');
    const timer = setTimeout(() => {
      const latest = this.#read(record.id);
      if (latest !== null && isAlive(latest)) signalGroup(latest, 'SIGKILL');
    }, this.#graceMs);
    timer.unref();
  }

  async health(): Promise<ProviderHealth> {
    const started = Date.now();
    try {
      readdirSync(this.#nodesDir);
      return { ok: true, latencyMs: Date.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: Date.now() - started, detail: `state directory unreadable: ${(error as Error).message}` };
    }
  }

  /** The node as the port reports it, or null when its record has expired (gone). Updates the record as it goes. */
  async #view(record: WorkerRecord): Promise<ProviderNode | null> {
    const now = this.#clock.now().getTime();
    const state = await this.#state(record, now);
    if (state === 'terminated' || state === 'stopped') {
      if (record.endedAt === null) {
        record.endedAt = new Date(now).toISOString();
        this.#write(record);
      } else if (now - Date.parse(record.endedAt) > RETENTION_MS) {
        rmSync(this.#path(record.id), { force: true });
        return null;
      }
    }
    return {
      id: record.id, provider: this.name, offeringId: record.offeringId, instanceType: record.instanceType,
      region: record.region, zone: record.zone, pool: record.pool, state, labels: record.labels,
      launchedAt: record.launchedAt, idempotencyToken: record.token, address: `${this.#host}:${record.port}`,
    };
  }

  async #state(record: WorkerRecord, now: number): Promise<NodeState> {
    const alive = isAlive(record);
    if (record.stopRequestedAt !== null) {
      if (!alive) return record.stopMode === 'stop' ? 'stopped' : 'terminated';
      // The grace period may have ended while no Governator was running to send SIGKILL.
      if (now - Date.parse(record.stopRequestedAt) > this.#graceMs) signalGroup(record, 'SIGKILL');
      return 'stopping';
    }
    if (record.pid === null) return now - Date.parse(record.launchedAt) > LAUNCH_GRACE_MS ? 'terminated' : 'pending';
    if (!alive) return 'terminated';
    if (record.readyAt !== null) return 'running';
    if (!(await this.#ready(record))) return 'pending';
    record.readyAt = new Date(now).toISOString();
    this.#write(record);
    return 'running';
  }

  async #ready(record: WorkerRecord): Promise<boolean> {
    if (this.#readiness.kind === 'immediate') return true;
    const url = this.#readiness.url.replaceAll('{host}', this.#host).replaceAll('{port}', String(record.port));
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.#probeTimeoutMs) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  async #freePort(): Promise<number> {
    const taken = new Set(this.#records().filter((r) => r.endedAt === null).map((r) => r.port));
    const span = this.#ports.to - this.#ports.from + 1;
    const offset = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i += 1) {
      const port = this.#ports.from + ((offset + i) % span);
      if (!taken.has(port) && await portFree(port, this.#host)) return port;
    }
    throw providerError('CapacityUnavailable', this.name, 'startNode', `no free port in ${this.#ports.from}–${this.#ports.to}`);
  }

  #path(id: string): string {
    return join(this.#nodesDir, `${id}.json`);
  }

  #records(): WorkerRecord[] {
    const records: WorkerRecord[] = [];
    for (const file of readdirSync(this.#nodesDir)) {
      if (!file.endsWith('.json')) continue;
      const record = this.#read(file.slice(0, -5));
      if (record !== null) records.push(record);
    }
    return records;
  }

  #read(id: string): WorkerRecord | null {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) return null;
    try {
      return JSON.parse(readFileSync(this.#path(id), 'utf8')) as WorkerRecord;
    } catch {
      return null;
    }
  }

  /** Atomic: a crash never leaves half a record. */
  #write(record: WorkerRecord): void {
    const tmp = `${this.#path(record.id)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, this.#path(record.id));
  }
}

/** The local provider (see LocalProvider). */
export function createLocalProvider(options: LocalProviderOptions): LocalProvider {
  return new LocalProvider(options);
}
