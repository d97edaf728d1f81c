/**
 * The scraper (issue #5) against real HTTP targets on loopback: a healthy exporter, one answering 500, one
 * too slow for the timeout, one refusing connections. Health is per target; `up` is stored for each.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestServer, type TestServer } from '../support/server.js';
import { freePort } from '../support/prometheus.js';

let exporter: Server;
let base: string;
let server: TestServer;
let stamp = 0;
const EXPOSITION = [
  '# HELP gpu_utilization GPU busy ratio.',
  '# TYPE gpu_utilization gauge',
  'gpu_utilization{gpu="0",job="inner"} 0.93',
  'gpu_utilization{gpu="1",job="inner"} 0.41',
  'garbage line here',
].join('\n');

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url === '/metrics') {
      stamp = Date.now() - 5000; // an explicit timestamp, kept instead of the scrape time
      return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${EXPOSITION}\nrequests_total 1027 ${stamp}\n`);
    }
    if (req.url === '/broken') return void res.writeHead(500).end('oops');
    if (req.url === '/slow') return void setTimeout(() => res.end('x 1'), 3000);
    res.writeHead(404).end();
  });
  exporter.listen(0, '127.0.0.1');
  await once(exporter, 'listening');
  base = `http://127.0.0.1:${(exporter.address() as { port: number }).port}`;
  const closedPort = await freePort();
  server = await startTestServer({
    telemetry: {
      config: {
        scrape: {
          interval: '1h', timeout: '500ms', max_bytes: 1 << 20,
          targets: [
            { url: `${base}/metrics`, job: 'gpu', labels: { node: 'gpu-node-1' } },
            { url: `${base}/broken` },
            { url: `${base}/slow`, job: 'slow' },
            { url: `http://127.0.0.1:${closedPort}/metrics`, job: 'gone' },
          ],
        },
      },
      start: false,
      overrides: { ack: 'queued' },
    },
  });
});
afterAll(async () => {
  await server?.close();
  exporter?.closeAllConnections();
  exporter?.close();
});

describe('scraping', () => {
  it('scrapes each target, stores samples with job/instance/target labels, and reports per-target health', async () => {
    const scrapes = server.telemetry.scrapes!;
    const targets = server.telemetry.settings.scrape.targets;
    await Promise.all(targets.map((t) => scrapes.scrape(t)));
    await server.telemetry.pipeline.flush();

    const instance = base.replace('http://', '');
    const gpu = server.telemetry.query.recent({ metric: 'gpu_utilization', windowMs: 3_600_000 });
    expect(gpu.map((s) => s.labels)).toEqual([
      { exported_job: 'inner', gpu: '0', instance, job: 'gpu', node: 'gpu-node-1' },
      { exported_job: 'inner', gpu: '1', instance, job: 'gpu', node: 'gpu-node-1' },
    ]);
    expect(gpu.map((s) => s.points[0]![1])).toEqual([0.93, 0.41]);
    const withTs = server.telemetry.query.recent({ metric: 'requests_total', windowMs: 3_600_000 });
    expect(withTs[0]?.points).toEqual([[stamp, 1027]]);
    expect(server.telemetry.query.nodeAverage('gpu-node-1', 'gpu_utilization', 3_600_000)).toBeCloseTo(0.67, 12);

    const up = Object.fromEntries(server.telemetry.query.recent({ metric: 'up', windowMs: 3_600_000 }).map((s) => [s.labels.job, s.points[0]![1]]));
    expect(up).toEqual({ gpu: 1, scrape: 0, slow: 0, gone: 0 });

    const res = await server.app.inject({ method: 'GET', url: '/api/v1/telemetry/targets', headers: bearer(server.tokens.viewer) });
    expect(res.statusCode).toBe(200);
    const byJob = Object.fromEntries((res.json().scrape as Array<{ job: string; health: string; lastError: string | null; samples: number }>).map((t) => [t.job, t]));
    expect(byJob.gpu).toMatchObject({ health: 'up', lastError: null, samples: 3 });
    expect(byJob.scrape).toMatchObject({ health: 'down', lastError: 'HTTP 500' });
    expect(byJob.slow).toMatchObject({ health: 'down', lastError: 'timed out after 500 ms' });
    expect(byJob.gone?.health).toBe('down');
    expect(byJob.gone?.lastError).toMatch(/ECONNREFUSED|connect/);
  });
});
