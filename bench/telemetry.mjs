#!/usr/bin/env node
// Telemetry benchmark (issue #5; results in docs/benchmarks.md, "Telemetry").
//
//   npm run bench:telemetry                      # npm run build, then node bench/telemetry.mjs
//   node bench/telemetry.mjs [--target pglite,postgres,prometheus] [--nodes 1000] [--series-per-node 20]
//        [--rounds 100] [--connections 8] [--query-days 7] [--query-nodes 1000] [--queries 300] [--skip-query]
//        [--server-node-options "--max-old-space-size=256"]   (NODE_OPTIONS of the Governator server)
//        [--server-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]   (node flags of the server, before its script)
//
// Needs `npm run build` (imports dist/ only). PostgreSQL runs need GOVERNATOR_TEST_DATABASE_URL (an admin URL;
// eval "$(bash scripts/ci/postgres.sh)"); each run makes and drops its own database. The Prometheus run needs
// the `prometheus` binary. Everything listens on 127.0.0.1 only.
//
// 1. Ingest. A real `governator serve` (child process) with a temp data dir or a fresh database. The load
//    generator is another child process: it pre-encodes every remote_write request (snappy protobuf, as
//    Prometheus sends them) for `nodes × series-per-node` series over `rounds` rounds, then sends them over
//    `connections` keep-alive connections, each owning a fixed share of the series (as Prometheus' shards
//    do), so every series' samples arrive in order. Governator runs with telemetry.ack = "durable": a 2xx
//    means the samples are in the database, so the time from the first request to the last 2xx is end to end
//    until durable. The count in the store is checked afterwards. Peak RSS is the server's VmHWM.
//    The same requests go to `prometheus --web.enable-remote-write-receiver` for comparison (a 2xx there means
//    appended to its head block and WAL).
// 2. Range queries. `query-nodes` series × `query-days` days of 1-minute buckets are written straight into the
//    1-minute rollup table (INSERT … SELECT generate_series in the database), then the running server answers
//    `queries` GET /api/v1/series/query requests per shape, one at a time, for random nodes; p50/p99 are printed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'governator.js');
const dist = (p) => pathToFileURL(join(ROOT, 'dist', p)).href;
const HOST = '127.0.0.1';

const { values: opts } = parseArgs({
  options: {
    target: { type: 'string', default: 'pglite,postgres,prometheus' },
    nodes: { type: 'string', default: '1000' },
    'series-per-node': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '100' },
    connections: { type: 'string', default: '8' },
    'query-days': { type: 'string', default: '7' },
    'query-nodes': { type: 'string', default: '1000' },
    queries: { type: 'string', default: '300' },
    'skip-query': { type: 'boolean', default: false },
    'server-node-options': { type: 'string', default: '' },
    'server-node-args': { type: 'string', default: '' },
    generator: { type: 'string' },
  },
  strict: true,
});
// Extra node flags for the Governator server (`--cpu-prof`, not allowed in NODE_OPTIONS), space-separated.
const nodeArgs = opts['server-node-args'].split(' ').filter(Boolean);
const int = (name) => {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < 1) { console.error(`--${name} must be a positive integer`); process.exit(2); }
  return n;
};

// ------------------------------------------------------------------------------------------ generator
// Child process: node bench/telemetry.mjs --generator <json config>; prints one JSON line with its result.
async function generator(config) {
  const { encodeWriteRequest } = await import(dist('adapters/telemetry/remote-write/index.js'));
  const { Agent, request } = await import('undici');
  const { url, token, nodes, seriesPerNode, rounds, connections, start } = config;
  const series = [];
  for (let n = 0; n < nodes; n += 1) {
    for (let s = 0; s < seriesPerNode; s += 1) {
      series.push([['__name__', `bench_metric_${s}`], ['instance', `10.1.${Math.floor(n / 250)}.${n % 250}:9100`], ['job', 'bench'], ['node', `node-${n}`]]);
    }
  }
  // Pre-encode: connection c owns series i with i % connections === c; one request per (connection, round).
  const t0 = performance.now();
  const perConn = Array.from({ length: connections }, () => []);
  let samples = 0;
  let bytes = 0;
  for (let c = 0; c < connections; c += 1) {
    const mine = series.filter((_, i) => i % connections === c);
    for (let r = 0; r < rounds; r += 1) {
      const ts = start + r * 15;
      const body = Buffer.from(encodeWriteRequest(mine.map((labels, k) => ({ labels, ts: [ts], values: [Math.sin(r / 10 + k) * 50 + 50] }))));
      perConn[c].push(body);
      samples += mine.length;
      bytes += body.length;
    }
  }
  const encodeMs = performance.now() - t0;
  const dispatcher = new Agent({ connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
  const statuses = {};
  let retries = 0;
  const began = performance.now();
  await Promise.all(perConn.map(async (bodies) => {
    for (const body of bodies) {
      for (;;) {
        const res = await request(url, { method: 'POST', body, headers, dispatcher });
        await res.body.text();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 503 || res.statusCode === 429) { // backpressure: wait as told, like Prometheus
          retries += 1;
          await new Promise((r) => setTimeout(r, Math.min(1000, Number(res.headers['retry-after'] ?? 1) * 1000)));
          continue;
        }
        break;
      }
    }
  }));
  const elapsedMs = performance.now() - began;
  await dispatcher.close();
  process.stdout.write(`${JSON.stringify({ samples, bytes, requests: connections * rounds, encodeMs, elapsedMs, statuses, retries, cpuMs: process.cpuUsage().user / 1000 })}\n`);
}

if (opts.generator !== undefined) {
  await generator(JSON.parse(opts.generator));
  process.exit(0);
}

// ------------------------------------------------------------------------------------------- helpers
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, peakMiB: NaN };
  }
}

function cpuMsOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

async function waitHttp(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function startGovernator({ dataDir, databaseUrl }) {
  const port = await freePort();
  const env = {
    ...process.env,
    GOVERNATOR_CONFIG: '',
    GOVERNATOR_TELEMETRY_ACK: 'durable',
    GOVERNATOR_TELEMETRY_ACK_TIMEOUT: '60s',
    GOVERNATOR_TELEMETRY_MAX_SERIES_PER_METRIC: '100000',
    GOVERNATOR_TELEMETRY_QUEUE_MAX_SAMPLES: '1000000',
    NODE_OPTIONS: opts['server-node-options'],
  };
  const args = [...nodeArgs, BIN, 'serve', '--host', HOST, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://${HOST}:${port}`;
  await waitHttp(`${base}/healthz`, child);
  const admin = readFileSync(join(dataDir, 'initial-admin-key'), 'utf8').trim();
  const res = await fetch(`${base}/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench-ingest', role: 'ingest' }) });
  if (res.status !== 201) throw new Error(`creating the ingest key: ${res.status} ${await res.text()}`);
  const ingestKey = (await res.json()).key;
  return { child, base, port, admin, ingestKey };
}

async function runGenerator(config) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--generator', JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b) => { out += b; });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

// ----------------------------------------------------------------------------------------- databases
async function pgDatabase() {
  const admin = process.env.GOVERNATOR_TEST_DATABASE_URL;
  if (!admin) throw new Error('GOVERNATOR_TEST_DATABASE_URL is not set: eval "$(bash scripts/ci/postgres.sh)"');
  const pg = (await import('pg')).default;
  const name = `gov_bench_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        // An autovacuum worker (started after the bulk load) cannot be forced out by a non-superuser: wait for it.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (error) {
            if (attempt >= 30) throw error;
            await sleep(2000);
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Seed query data: register `nodes` series through the Store port, then write their 1-minute buckets with one
 * INSERT … SELECT generate_series per 50 series, computed inside the database (`exec`: raw SQL on the same
 * database; the Store port has no bulk-load call for rollups, and going through HTTP would measure the wrong thing).
 */
async function seedRollups(store, exec, nodes, days, now) {
  const { seriesKey } = await import(dist('core/telemetry/series.js'));
  const { createHash } = await import('node:crypto');
  const fp = (k) => createHash('sha256').update(k).digest('hex').slice(0, 32);
  const list = Array.from({ length: nodes }, (_, n) => ({ metric: 'bench_util', labels: { node: `q-${n}` } }));
  const ids = await store.series.ensure(list.map((x) => ({ ...x, fingerprint: fp(seriesKey(x.metric, x.labels)) })));
  const end = now - (now % 60_000);
  const start = end - days * 86_400_000;
  const t0 = performance.now();
  for (let i = 0; i < ids.length; i += 50) {
    await exec(`INSERT INTO series_rollup_1m (series_id, ts, count, sum, min, max)
      SELECT s, t, 4, 4 * (50 + 40 * sin(t / 3600000.0 + s)), 10 + 40 * sin(t / 3600000.0 + s), 90 + 10 * sin(t / 3600000.0 + s)
      FROM unnest('{${ids.slice(i, i + 50).join(',')}}'::bigint[]) AS s, generate_series(${start}::bigint, ${end - 60_000}::bigint, 60000::bigint) AS t`);
  }
  await exec(`INSERT INTO series_rollup_state (resolution, done_until) VALUES ('1m', ${end}) ON CONFLICT (resolution) DO UPDATE SET done_until = GREATEST(series_rollup_state.done_until, EXCLUDED.done_until)`);
  const seconds = (performance.now() - t0) / 1000;
  // The hour buckets of those minutes, through the repository's own rollup (as the rollup job would).
  const t1 = performance.now();
  const hour = 3_600_000;
  const hourEnd = end - (end % hour);
  for (let a = start - (start % hour); a < hourEnd; a += 24 * hour) await store.series.rollup('1h', a, Math.min(a + 24 * hour, hourEnd));
  await exec(`INSERT INTO series_rollup_state (resolution, done_until) VALUES ('1h', ${hourEnd}) ON CONFLICT (resolution) DO UPDATE SET done_until = GREATEST(series_rollup_state.done_until, EXCLUDED.done_until)`);
  await exec('ANALYZE series_rollup_1m');
  await exec('ANALYZE series_rollup_1h');
  return { rows: ids.length * days * 1440, seconds, rollupSeconds: (performance.now() - t1) / 1000, start, end };
}

async function queryBench(base, token, nodes, days, end, count) {
  const shapes = [
    { name: '1 node, last 24 h, step 5m, avg', q: (n) => ({ from: (end - 86_400_000) / 1000, step: '5m', agg: 'avg', n }) },
    { name: `1 node, ${days} d, step 1h, avg`, q: (n) => ({ from: (end - days * 86_400_000) / 1000, step: '1h', agg: 'avg', n }) },
    { name: `1 node, ${days} d, step 1h, p95`, q: (n) => ({ from: (end - days * 86_400_000) / 1000, step: '1h', agg: 'p95', n }) },
  ];
  const out = [];
  for (const shape of shapes) {
    const lat = [];
    let points = 0;
    for (let i = 0; i < count + 10; i += 1) {
      const { from, step, agg, n } = shape.q(Math.floor(Math.random() * nodes));
      const qs = new URLSearchParams({ metric: 'bench_util', labels: `node=q-${n}`, from: String(from), to: String(end / 1000), step, agg });
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/series/query?${qs}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.json();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`query failed: ${res.status} ${JSON.stringify(body)}`);
      const got = body.series[0]?.points.length ?? 0;
      if (got === 0) throw new Error(`query returned no points: ${qs}`);
      if (i >= 10) { lat.push(ms); points += got; } // 10 warm-up queries
    }
    lat.sort((a, b) => a - b);
    const pct = (p) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)];
    out.push({ shape: shape.name, p50: pct(0.5), p99: pct(0.99), max: lat.at(-1), pointsPerQuery: points / count });
  }
  return out;
}

// --------------------------------------------------------------------------------------------- runs
const nodes = int('nodes');
const seriesPerNode = int('series-per-node');
const rounds = int('rounds');
const connections = int('connections');
const results = [];

async function governatorRun(kind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'governator-bench-'));
  const db = kind === 'postgres' ? await pgDatabase() : null;
  let gov;
  try {
    gov = await startGovernator({ dataDir, databaseUrl: db?.url });
    const start = Date.now() - 3_600_000;
    const cpu0 = cpuMsOf(gov.child.pid);
    const gen = await runGenerator({ url: `${gov.base}/api/v1/write`, token: gov.ingestKey, nodes, seriesPerNode, rounds, connections, start });
    const cpu = cpuMsOf(gov.child.pid) - cpu0;
    const written = await metric(gov.base, 'governator_telemetry_samples_written_total');
    const rss = rssOf(gov.child.pid);
    const heapMiB = (await metric(gov.base, 'nodejs_heap_size_used_bytes')) / 2 ** 20;
    const externalMiB = (await metric(gov.base, 'nodejs_external_memory_bytes')) / 2 ** 20;
    console.error(`[governator (${kind})] after ingest: RSS ${rss.rssMiB.toFixed(0)} MiB, JS heap used ${heapMiB.toFixed(0)} MiB, external ${externalMiB.toFixed(0)} MiB`);
    const row = {
      target: `governator (${kind})`, samples: gen.samples, written, seconds: gen.elapsedMs / 1000,
      samplesPerSecond: gen.samples / (gen.elapsedMs / 1000), statuses: gen.statuses, retries: gen.retries,
      serverCpuSeconds: cpu / 1000, generatorCpuSeconds: gen.cpuMs / 1000, encodeSeconds: gen.encodeMs / 1000,
      rssMiB: rss.rssMiB, peakRssMiB: rss.peakMiB, heapMiB, externalMiB, bytesPerSample: gen.bytes / gen.samples,
    };
    results.push(row);
    console.error(`[${row.target}] ${gen.samples} samples in ${row.seconds.toFixed(2)} s = ${Math.round(row.samplesPerSecond)} samples/s durable; written ${written}; statuses ${JSON.stringify(gen.statuses)}; peak RSS ${rss.peakMiB.toFixed(0)} MiB`);
    if (!opts['skip-query']) {
      await stop(gov.child); // PGlite: one process at a time on a data directory
      gov = null;
      let seeded;
      if (kind === 'postgres') {
        const { openPostgresStore } = await import(dist('adapters/storage/postgres/index.js'));
        const pg = (await import('pg')).default;
        const store = await openPostgresStore({ url: db.url, maxConnections: 2 });
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          seeded = await seedRollups(store, (sql) => client.query(sql), int('query-nodes'), int('query-days'), Date.now());
        } finally {
          await client.end();
          await store.close();
        }
      } else {
        const { PGlite } = await import('@electric-sql/pglite');
        const { pgliteClient } = await import(dist('adapters/storage/pglite/index.js'));
        const { createSqlStore } = await import(dist('adapters/storage/sql/index.js'));
        const lite = await PGlite.create({ dataDir: join(dataDir, 'pg') });
        const store = createSqlStore({ kind: 'pglite', location: dataDir, client: pgliteClient(lite, dataDir) });
        try {
          seeded = await seedRollups(store, (sql) => lite.exec(sql), int('query-nodes'), int('query-days'), Date.now());
        } finally {
          await store.close();
        }
      }
      row.seed = seeded;
      console.error(`[${row.target}] seeded ${seeded.rows} 1-minute rows in ${seeded.seconds.toFixed(1)} s, rolled them into hours in ${seeded.rollupSeconds.toFixed(1)} s`);
      gov = await startGovernatorAgain({ dataDir, databaseUrl: db?.url });
      row.queries = await queryBench(gov.base, gov.token, int('query-nodes'), int('query-days'), seeded.end, int('queries'));
      row.queryRssMiB = rssOf(gov.child.pid).rssMiB;
      for (const q of row.queries) console.error(`[${row.target}] ${q.shape}: p50 ${q.p50.toFixed(1)} ms, p99 ${q.p99.toFixed(1)} ms`);
    }
  } finally {
    if (gov) await stop(gov.child);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Start again on the same data, with the bootstrap admin key written at the first start. */
async function startGovernatorAgain({ dataDir, databaseUrl }) {
  const port = await freePort();
  const args = [BIN, 'serve', '--host', HOST, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(process.execPath, args, { env: { ...process.env, GOVERNATOR_CONFIG: '', NODE_OPTIONS: opts['server-node-options'] }, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://${HOST}:${port}`;
  await waitHttp(`${base}/healthz`, child, 300_000);
  const token = readFileSync(join(dataDir, 'initial-admin-key'), 'utf8').trim();
  // Measure steady state: wait for the start-up rollup run (it rolls the seeded minutes into hours).
  const t0 = performance.now();
  while ((await metric(base, 'governator_telemetry_rollup_runs_total')) < 1) await sleep(500);
  console.error(`[bench] start-up rollup run took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { child, base, token };
}

async function prometheusRun() {
  const dir = mkdtempSync(join(tmpdir(), 'governator-bench-prom-'));
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${HOST}:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitHttp(`http://${HOST}:${port}/-/ready`, child);
    const cpu0 = cpuMsOf(child.pid);
    const gen = await runGenerator({ url: `http://${HOST}:${port}/api/v1/write`, token: 'none', nodes, seriesPerNode, rounds, connections, start: Date.now() - 3_600_000 });
    const cpu = cpuMsOf(child.pid) - cpu0;
    const text = await (await fetch(`http://${HOST}:${port}/metrics`)).text();
    const appended = Number(/^prometheus_tsdb_head_samples_appended_total(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? NaN);
    const rss = rssOf(child.pid);
    const row = {
      target: 'prometheus 2.42 (remote-write receiver)', samples: gen.samples, written: appended, seconds: gen.elapsedMs / 1000,
      samplesPerSecond: gen.samples / (gen.elapsedMs / 1000), statuses: gen.statuses, retries: gen.retries,
      serverCpuSeconds: cpu / 1000, generatorCpuSeconds: gen.cpuMs / 1000, encodeSeconds: gen.encodeMs / 1000,
      rssMiB: rss.rssMiB, peakRssMiB: rss.peakMiB, bytesPerSample: gen.bytes / gen.samples,
    };
    results.push(row);
    console.error(`[prometheus] ${gen.samples} samples in ${row.seconds.toFixed(2)} s = ${Math.round(row.samplesPerSecond)} samples/s; appended ${appended}; peak RSS ${rss.peakMiB.toFixed(0)} MiB`);
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const targets = opts.target.split(',').map((t) => t.trim()).filter(Boolean);
for (const t of targets) {
  if (t === 'pglite' || t === 'postgres') await governatorRun(t);
  else if (t === 'prometheus') await prometheusRun();
  else { console.error(`unknown target ${t}`); process.exit(2); }
}

console.log(`\nTelemetry benchmark: ${nodes} nodes × ${seriesPerNode} series = ${nodes * seriesPerNode} series, ${rounds} rounds, ${connections} connections (${(await import('node:os')).cpus().length} CPUs)\n`);
console.log('| target | samples | durable s | samples/s | server CPU s | generator CPU s | peak RSS MiB | 2xx / retried |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const ok = Object.entries(r.statuses).filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0);
  console.log(`| ${r.target} | ${r.samples} (stored ${r.written}) | ${r.seconds.toFixed(2)} | ${Math.round(r.samplesPerSecond)} | ${r.serverCpuSeconds.toFixed(1)} | ${r.generatorCpuSeconds.toFixed(1)} | ${r.peakRssMiB.toFixed(0)} | ${ok} / ${r.retries} |`);
}
const withQueries = results.filter((r) => r.queries);
if (withQueries.length > 0) {
  console.log('\n| store | seeded 1-min rows (s) | query | p50 ms | p99 ms | max ms | points | RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of withQueries) for (const q of r.queries) {
    console.log(`| ${r.target} | ${r.seed.rows} (${r.seed.seconds.toFixed(0)}) | ${q.shape} | ${q.p50.toFixed(1)} | ${q.p99.toFixed(1)} | ${q.max.toFixed(1)} | ${Math.round(q.pointsPerQuery)} | ${r.queryRssMiB.toFixed(0)} |`);
  }
}
