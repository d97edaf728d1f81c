/**
 * Issue #5, "Must show": a REAL Prometheus (Debian's 2.42) scrapes a REAL node_exporter and remote-writes to
 * Governator with a bearer key, as its `authorization` config sends it; the samples Governator stored must be
 * exactly those Prometheus reports for the same series. Then Governator pulls the same series back from that
 * Prometheus with PromQL (query_range) and the pulled points must agree with the remote-written samples.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock/system.js';
import { systemScheduler } from '../../src/adapters/clock/scheduler.js';
import { createPrometheusSource } from '../../src/adapters/telemetry/sources/index.js';
import { PullManager } from '../../src/app/telemetry/pull.js';
import { describeWithPrometheus, startNodeExporter, startPrometheus, type RunningProcess } from '../support/prometheus.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

interface PromMatrix { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithPrometheus('real Prometheus → remote_write → Governator', (bins) => {
  let server: TestServer;
  let exporter: RunningProcess;
  let prometheus: RunningProcess;
  let instance: string;

  async function promQuery(query: string, time: number): Promise<PromMatrix> {
    const res = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query, time: String(time / 1000) })}`);
    expect(res.ok, await res.clone().text()).toBe(true);
    return (await res.json()) as PromMatrix;
  }

  async function governatorRaw(metric: string, labels: Record<string, string>, from: number, to: number) {
    const q = new URLSearchParams({ metric, labels: JSON.stringify(labels), from: String(from / 1000), to: String(to / 1000) });
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/series/query?${q}`, headers: bearer(server.tokens.viewer) });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { series: Array<{ metric: string; labels: Record<string, string>; points: Array<[number, number]> }> }).series;
  }

  beforeAll(async () => {
    server = await startTestServer({ telemetry: { overrides: { flushIntervalMs: 50 } } });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const govPort = (server.app.server.address() as { port: number }).port;
    exporter = await startNodeExporter(bins().nodeExporter);
    instance = `127.0.0.1:${exporter.port}`;
    prometheus = await startPrometheus(bins().prometheus, [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: node',
      '    static_configs:',
      `      - targets: ['${instance}']`,
      'remote_write:',
      `  - url: http://127.0.0.1:${govPort}/api/v1/write`,
      '    authorization:',
      `      credentials: ${server.tokens.ingest}`,
      '    queue_config:',
      '      batch_send_deadline: 500ms',
      '      min_backoff: 100ms',
      '      max_backoff: 1s',
      '',
    ].join('\n'));
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await server?.close();
  });

  it('stores exactly the samples Prometheus reports for the same series', async () => {
    // Let Prometheus scrape and ship for a while.
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const got = await governatorRaw('node_load1', { job: 'node', instance }, Date.now() - 60_000, Date.now() + 1000);
      if ((got[0]?.points.length ?? 0) >= 8) break;
      await sleep(500);
    }
    const at = Date.now() - 2000; // compare a window that has surely been shipped
    const selectors: Array<{ metric: string; labels: Record<string, string> }> = [
      { metric: 'node_load1', labels: { job: 'node', instance } },
      { metric: 'node_memory_MemFree_bytes', labels: { job: 'node', instance } },
      { metric: 'node_cpu_seconds_total', labels: { job: 'node', instance, cpu: '0', mode: 'idle' } },
      { metric: 'up', labels: { job: 'node', instance } },
    ];
    for (const sel of selectors) {
      const matcher = Object.entries(sel.labels).map(([k, v]) => `${k}="${v}"`).join(',');
      const prom = await promQuery(`${sel.metric}{${matcher}}[20s]`, at);
      expect(prom.data.resultType).toBe('matrix');
      expect(prom.data.result.length, sel.metric).toBe(1);
      const want = prom.data.result[0]!.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]);
      expect(want.length, sel.metric).toBeGreaterThanOrEqual(5);
      // The last sample Prometheus had at `at` must have reached Governator (poll: remote_write lags a little).
      let got: Array<[number, number]> = [];
      for (let i = 0; i < 40; i += 1) {
        const series = await governatorRaw(sel.metric, sel.labels, want[0]![0], at + 1);
        got = (series[0]?.points ?? []).map(([t, v]): [number, number] => [Math.round(t * 1000), v]);
        if (got.length >= want.length) break;
        await sleep(250);
      }
      expect(got, sel.metric).toEqual(want);
      const { __name__: name, ...labels } = prom.data.result[0]!.metric;
      const series = await governatorRaw(sel.metric, sel.labels, want[0]![0], at + 1);
      expect(series[0]?.labels, sel.metric).toEqual(labels);
      expect(name).toBe(sel.metric);
    }
    // Whole-metric check: every node_cpu_seconds_total series Prometheus has, Governator has too.
    const all = await promQuery(`count(node_cpu_seconds_total{instance="${instance}"})`, at);
    const count = Number((all.data.result[0] as unknown as { value: [number, string] }).value[1]);
    expect(server.telemetry.query.match({ metric: 'node_cpu_seconds_total', labels: { instance } }).length).toBe(count);
  }, 90_000);

  it('pulls the same series back with PromQL, agreeing with the remote-written samples', async () => {
    const source = createPrometheusSource({ name: 'prom-pull', url: prometheus.url, queries: [`node_load1{instance="${instance}"}`, 'rate(node_cpu_seconds_total{cpu="0",mode="idle"}[5s])'] });
    const metrics = server.telemetry.metrics;
    const pulls = new PullManager({ sources: [], ingest: server.telemetry.ingest, scheduler: systemScheduler, clock: systemClock, metrics });
    const to = Date.now() - 2000;
    const schedule = { source, intervalMs: 60_000, lookbackMs: 20_000, stepMs: 2000, timeoutMs: 10_000 };
    const direct = await source.pull({ from: to - 20_000, to, stepMs: 2000 });
    expect(direct.errors).toEqual([]);
    expect(direct.series.map((s) => s.metric).sort()).toEqual(['node_load1', 'promql_result']);
    expect(await pulls.pull(schedule)).toBe(0);
    await server.telemetry.pipeline.flush();

    const pulled = await governatorRaw('node_load1', { source: 'prom-pull', instance }, to - 25_000, Date.now());
    expect(pulled.length).toBe(1);
    expect(pulled[0]!.points.length).toBeGreaterThanOrEqual(3);
    // query_range evaluates at each step: the value is the newest raw sample at or before that instant.
    const raw = (await governatorRaw('node_load1', { job: 'node', instance }, to - 400_000, Date.now()))[0]!.points;
    for (const [t, v] of pulled[0]!.points) {
      const before = raw.filter(([rt]) => rt <= t).at(-1);
      expect(before, `no raw sample before ${t}`).toBeDefined();
      expect(v).toBe(before![1]);
    }
    const rate = await governatorRaw('promql_result', { source: 'prom-pull' }, to - 25_000, Date.now());
    expect(rate[0]?.labels).toMatchObject({ cpu: '0', mode: 'idle', instance, job: 'node' });
    expect(rate[0]!.points.every(([, v]) => v >= 0 && v <= 1.5)).toBe(true);
  }, 60_000);

  it('reports a bad query as a per-item error without losing the good one', async () => {
    const source = createPrometheusSource({ url: prometheus.url, queries: ['node_load1', 'rate(node_load1[', 'up'] });
    const result = await source.pull({ from: Date.now() - 10_000, to: Date.now(), stepMs: 1000 });
    expect(result.errors).toEqual([expect.objectContaining({ item: 'rate(node_load1[', kind: 'bad_query' })]);
    expect(result.series.map((s) => s.metric).sort()).toEqual(['node_load1', 'up']);
  }, 30_000);
});
