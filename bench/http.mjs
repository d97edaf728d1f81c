#!/usr/bin/env node
// HTTP benchmark of a real `governator serve` process (see docs/benchmarks.md).
//
//   npm run bench                                   # builds, then runs this file
//   node bench/http.mjs [--duration 10] [--warmup 2] [--connections 10] [--nodes 1000] [--json]
//
// Needs `npm run build` first (it imports nothing from src/, only dist/ and bin/). Steps: make a temp data
// dir; seed it with --nodes nodes through the PGlite store (in a child process, before the server starts,
// since no HTTP endpoint creates nodes); start the server on a free 127.0.0.1 port with --log-level warn;
// wait for /healthz; read the bootstrap admin key; check that the node list answers what was seeded; then
// per endpoint run autocannon for --warmup seconds (discarded) and --duration seconds (measured); print
// the figures; SIGTERM the server, wait for it, remove the temp dir. Load only ever goes to 127.0.0.1.
// Exits 1 when any endpoint's error ratio (socket errors + timeouts + non-2xx, over all requests) is over 1%.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'governator.js');
const STORE_MODULE = join(ROOT, 'dist', 'adapters', 'storage', 'pglite', 'index.js');
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const MAX_ERROR_RATIO = 0.01;
const SEED_FLAG = '--seed-into';

const USAGE = `usage: node bench/http.mjs [options]
  --duration <s>      measured seconds per endpoint (default 10)
  --warmup <s>        discarded warm-up seconds per endpoint before that (default 2; 0 = none)
  --connections <n>   concurrent connections (default 10)
  --nodes <n>         nodes seeded into the fleet (default 1000)
  --json              print a JSON summary instead of the table
  -h, --help          this text`;

// ------------------------------------------------------------------------------------------ arguments

function parseCli(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '2' },
        connections: { type: 'string', default: '10' },
        nodes: { type: 'string', default: '1000' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'seed-into': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const int = (name, min) => {
    const text = values[name];
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    help: values.help,
    json: values.json,
    seedInto: values['seed-into'],
    duration: int('duration', 1),
    warmup: int('warmup', 0),
    connections: int('connections', 1),
    nodes: int('nodes', 0),
  };
}

class UsageError extends Error {}

// ------------------------------------------------------------------------------------------- seeding

const PROVIDERS = [
  { provider: 'aws', regions: ['us-east-1', 'eu-west-1'], types: ['m7i.xlarge', 'c7i.2xlarge', 'p5.48xlarge'] },
  { provider: 'gcp', regions: ['europe-west4', 'us-central1'], types: ['n2-standard-4', 'a3-highgpu-8g'] },
  { provider: 'azure', regions: ['westeurope'], types: ['Standard_D4s_v5', 'Standard_ND96isr_H100_v5'] },
  { provider: 'onprem', regions: ['dc-paris'], types: ['r760xa'] },
];
const STATES = ['running', 'running', 'running', 'running', 'stopped', 'pending', 'stopping'];

/** A deterministic fleet: the same --nodes gives the same rows on every run. */
function benchNode(i) {
  const p = PROVIDERS[i % PROVIDERS.length];
  const region = p.regions[Math.floor(i / PROVIDERS.length) % p.regions.length];
  const instanceType = p.types[i % p.types.length];
  const hasGpu = i % 10 === 0;
  const state = STATES[i % STATES.length];
  const updatedAt = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
  return {
    id: `bench-${p.provider}-${String(i).padStart(6, '0')}`,
    provider: p.provider,
    region,
    zone: `${region}-${'abc'[i % 3]}`,
    instanceType,
    offeringId: `${p.provider}:${region}:${instanceType}`,
    pool: hasGpu ? 'gpu-training' : `general-${i % 4}`,
    state,
    labels: { team: `team-${i % 7}`, env: i % 5 === 0 ? 'staging' : 'prod', 'governator.io/bench': 'true' },
    vcpus: hasGpu ? 192 : 4 * (1 + (i % 4)),
    memoryGiB: hasGpu ? 2048 : 16 * (1 + (i % 4)),
    gpu: hasGpu ? { model: 'H100', count: 8 } : null,
    pricePerHour: hasGpu ? 98.32 : Math.round((0.19 + (i % 4) * 0.17) * 1e4) / 1e4,
    startedAt: state === 'running' || state === 'stopping' ? new Date(updatedAt.getTime() - 3_600_000) : null,
    updatedAt,
  };
}

/** Child-process mode (`--seed-into <dir> --nodes <n>`): migrate the store in <dir> and upsert the nodes. */
async function seedMain(dataDir, count) {
  const { openPgliteStore } = await import(pathToFileURL(STORE_MODULE).href);
  const store = await openPgliteStore({ dataDir });
  try {
    await store.migrate();
    for (let i = 0; i < count; i++) await store.nodes.upsert(benchNode(i));
  } finally {
    await store.close();
  }
}

async function seed(dataDir, count) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), SEED_FLAG, dataDir, '--nodes', String(count)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [code, signal] = await once(child, 'exit');
  if (code !== 0) throw new Error(`seeding ${count} nodes failed (exit ${code ?? signal})`);
}

// -------------------------------------------------------------------------------------------- server

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Start `governator serve`; its output (warnings and errors only, at --log-level warn) is kept. */
function startServer(dataDir, port) {
  // A clean environment for the server: no GOVERNATOR_* variable or ./governator.toml changes what is measured.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GOVERNATOR_')));
  const child = spawn(process.execPath, [BIN, 'serve', '--host', HOST, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const keep = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '' || isExpectedWarning(line)) continue;
      if (output.length < 200) output.push(line);
      else if (output.length === 200) output.push('… (more server output left out)');
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  return { child, output, exited };
}

/** The first-start warning that an admin key was written: expected on every run, since the data dir is new. */
function isExpectedWarning(line) {
  try {
    return String(JSON.parse(line).msg).startsWith('no API key existed');
  } catch {
    return false;
  }
}

async function waitReady(baseUrl, server) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = null;
  void server.exited.then((e) => { exited = e; });
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the server exited before it was ready (exit ${exited.code ?? exited.signal})`);
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return await res.json();
      lastError = `HTTP ${res.status}`;
    } catch (error) {
      lastError = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server was not ready after ${READY_TIMEOUT_MS / 1000} s (last: ${lastError})`);
}

async function stopServer(server) {
  const { child, exited } = server;
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = new Promise((r) => setTimeout(() => r(null), STOP_TIMEOUT_MS).unref());
  const result = await Promise.race([exited, timer]);
  if (result) return result;
  child.kill('SIGKILL');
  const killed = await exited;
  return { ...killed, forced: true };
}

/** Before measuring, check that the list endpoint serves the seeded fleet (walks every page of 1000). */
async function checkFleet(baseUrl, headers, expected) {
  let cursor = null;
  let seen = 0;
  do {
    const url = `${baseUrl}/api/v1/nodes?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`GET ${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const body = await res.json();
    seen += body.nodes.length;
    cursor = body.nextCursor;
  } while (cursor);
  if (seen !== expected) throw new Error(`the server lists ${seen} nodes, ${expected} were seeded`);
  const res = await fetch(`${baseUrl}/api/v1/nodes?limit=100`, { headers });
  const buf = Buffer.from(await res.arrayBuffer());
  return { pageBytes: buf.length, pageNodes: JSON.parse(buf.toString('utf8')).nodes.length };
}

// ------------------------------------------------------------------------------------------- loading

function cannon(opts) {
  return new Promise((resolveRun, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolveRun(result)));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where there is no /proc. */
function processCpuSeconds(pid) {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th, in clock ticks
    // (USER_HZ, 100 on every mainstream Linux build).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function measure(target, options, serverPid) {
  const base = { url: target.url, headers: target.headers, connections: options.connections };
  if (options.warmup > 0) await cannon({ ...base, duration: options.warmup });
  const serverCpu0 = processCpuSeconds(serverPid);
  const clientCpu0 = process.cpuUsage();
  const r = await cannon({ ...base, duration: options.duration });
  const clientCpu = process.cpuUsage(clientCpu0);
  const serverCpu1 = processCpuSeconds(serverPid);
  // Share of one core each side used while measured (100 = one core busy all the time).
  const cpuPercent = (seconds) => (seconds === null ? null : round((100 * seconds) / r.duration, 0));
  const requests = r['2xx'] + r.non2xx + r.errors;
  const failed = r.non2xx + r.errors;
  return {
    name: target.name,
    durationS: options.duration,
    // autocannon stops at its next 1-second sample after --duration, so this can be up to ~1 s longer.
    elapsedS: r.duration,
    connections: options.connections,
    requestsPerSecMean: round(r.requests.mean, 1),
    requestsPerSecStddev: round(r.requests.stddev, 1),
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: round(r.latency.mean, 2) },
    throughputMBps: round(r.throughput.mean / 1e6, 2),
    totalRequests: r.requests.total,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    serverCpuPercent: cpuPercent(serverCpu0 === null || serverCpu1 === null ? null : serverCpu1 - serverCpu0),
    clientCpuPercent: cpuPercent((clientCpu.user + clientCpu.system) / 1e6),
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
    errorRatio: requests === 0 ? 1 : round(failed / requests, 6),
  };
}

// -------------------------------------------------------------------------------------------- output

function round(n, digits) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

function printTable(summary) {
  const m = summary.machine;
  console.log(`governator ${summary.governatorVersion} — HTTP benchmark, ${summary.date}`);
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}`);
  console.log(`load: autocannon, ${summary.connections} connections, ${summary.durationS} s measured per endpoint after ${summary.warmupS} s warm-up;`
    + ` fleet: ${summary.nodes} nodes (page of 100 = ${summary.pageBytes} bytes); client and server on the same machine`);
  console.log('');
  const head = ['endpoint', 'req/s (mean)', 'p50 ms', 'p99 ms', 'max ms', 'MB/s', 'errors', 'non-2xx', 'total req', 'secs', 'CPU srv/cli %'];
  // autocannon's latency histogram counts whole milliseconds: 0 means under 1 ms.
  const ms = (v) => (v === 0 ? '<1' : String(v));
  const rows = summary.results.map((r) => [
    r.name, r.requestsPerSecMean.toFixed(1), ms(r.latencyMs.p50), ms(r.latencyMs.p99), ms(r.latencyMs.max),
    r.throughputMBps.toFixed(2), String(r.errors), String(r.non2xx), String(r.totalRequests), r.elapsedS.toFixed(1),
    `${r.serverCpuPercent ?? '?'} / ${r.clientCpuPercent}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const r of summary.results) {
    if (r.errors + r.non2xx > 0) {
      console.log(`\n${r.name}: ${r.errors} errors (${r.timeouts} timeouts), ${r.non2xx} non-2xx; status codes ${JSON.stringify(r.statusCodes)}`);
    }
  }
  if (summary.serverOutput.length > 0) {
    console.log('\nserver output (warn and above):');
    for (const l of summary.serverOutput) console.log(`  ${l}`);
  }
  if (summary.failures.length > 0) console.log(`\nFAILED: ${summary.failures.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const options = parseCli(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.seedInto) {
    await seedMain(options.seedInto, options.nodes);
    return 0;
  }
  if (!existsSync(STORE_MODULE)) throw new Error('dist/ is missing: run `npm run build` first (or `npm run bench`)');

  const log = options.json ? () => undefined : (msg) => console.error(`[bench] ${msg}`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'governator-bench-'));
  let server = null;
  const onSignal = () => {
    // Interrupted: stop the server and remove the temp dir before leaving.
    void (server ? stopServer(server) : Promise.resolve()).finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let t = Date.now();
    log(`seeding ${options.nodes} nodes into ${dataDir}`);
    await seed(dataDir, options.nodes);
    const seedMs = Date.now() - t;

    const port = await freePort();
    const baseUrl = `http://${HOST}:${port}`;
    t = Date.now();
    log(`starting governator serve on ${baseUrl}`);
    server = startServer(dataDir, port);
    const health = await waitReady(baseUrl, server);
    const startMs = Date.now() - t;
    const key = readFileSync(join(dataDir, 'initial-admin-key'), 'utf8').trim();
    const headers = { authorization: `Bearer ${key}` };
    const { pageBytes, pageNodes } = await checkFleet(baseUrl, headers, options.nodes);

    const targets = [
      { name: '/healthz', url: `${baseUrl}/healthz`, headers: {} },
      { name: '/api/v1/nodes?limit=100', url: `${baseUrl}/api/v1/nodes?limit=100`, headers },
    ];
    const results = [];
    for (const target of targets) {
      log(`GET ${target.name}: ${options.warmup} s warm-up + ${options.duration} s, ${options.connections} connections`);
      results.push(await measure(target, options, server.child.pid));
    }

    const serverOutput = server.output;
    const stopped = await stopServer(server);
    server = null;
    const failures = results
      .filter((r) => r.errorRatio > MAX_ERROR_RATIO)
      .map((r) => `${r.name}: error ratio ${(r.errorRatio * 100).toFixed(2)}% > ${MAX_ERROR_RATIO * 100}%`);
    if (stopped.code !== 0) failures.push(`the server did not exit cleanly on SIGTERM (exit ${stopped.code ?? stopped.signal}${stopped.forced ? ', killed' : ''})`);

    const summary = {
      governatorVersion: health.version,
      date: new Date().toISOString(),
      machine: machineInfo(),
      nodes: options.nodes,
      pageNodes,
      pageBytes,
      connections: options.connections,
      durationS: options.duration,
      warmupS: options.warmup,
      seedMs,
      serverStartMs: startMs,
      results,
      serverExit: stopped,
      serverOutput,
      failures,
      ok: failures.length === 0,
    };
    if (options.json) console.log(JSON.stringify(summary, null, 2));
    else printTable(summary);
    return summary.ok ? 0 : 1;
  } finally {
    if (server) await stopServer(server).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (error) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : `bench failed: ${error.stack ?? error}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
