#!/usr/bin/env node
// Backtests on real workload traces (issue #8, docs/backtest.md): derives demand CSVs from ../shared/data/workloads
// into a temporary directory, runs `governator backtest --json` on each with the scenarios in bench/backtest/, and
// prints one markdown table per trace (the tables in docs/benchmarks.md, "Backtest").
//
//   npm run build && node bench/backtest.mjs [--only nasa|alibaba|azure] [--nasa-step 5m] [--report-dir DIR]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '..', 'shared', 'data', 'workloads');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const only = opt('only', null);
const reportDir = opt('report-dir', null);
const forecaster = opt('forecaster', null); // headroom (default) or ensemble: Governator's forecaster
if (reportDir) mkdirSync(reportDir, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'governator-backtest-'));

function csvRows(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const cols = header.split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
  });
}

// NASA KSC HTTP, Jul–Aug 1995: mean requests/s per minute (EDT = UTC−4), scaled ×1000 to a modern site's volume.
function nasa() {
  const rows = csvRows(join(data, 'nasa_http_1995', 'nasa_requests_per_minute.csv'));
  const out = ['timestamp,value'];
  for (const r of rows) out.push(`${r.minute_start_edt.replace(' ', 'T')}:00-04:00,${(Number(r.mean_rps) * 1000).toFixed(3)}`);
  const file = join(dir, 'nasa.csv');
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

// Alibaba GenAI serving 2026: generative QPS summed over containers per sampling instant, ×3.
function alibaba() {
  const rows = csvRows(join(data, 'alibaba_genai_serving_2026', 'qps.csv'));
  const sums = new Map();
  for (const r of rows) {
    if (r.request_type !== 'Generative Requests') continue;
    const t = Math.round(Number(r.timestamp_anon));
    sums.set(t, (sums.get(t) ?? 0) + Number(r.value));
  }
  const out = ['timestamp,value', ...[...sums.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => `${t},${(v * 3).toFixed(4)}`)];
  const file = join(dir, 'alibaba.csv');
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

// Azure LLM inference 2023, code: tokens/s (context + generated) in 30-second bins.
function azure() {
  const rows = csvRows(join(data, 'azure_llm_inference_2023', 'AzureLLMInferenceTrace_code.csv'));
  const bin = 30;
  const sums = new Map();
  let first = Infinity;
  let last = -Infinity;
  for (const r of rows) {
    const t = Date.parse(`${r.TIMESTAMP.slice(0, 19).replace(' ', 'T')}Z`) / 1000;
    const b = Math.floor(t / bin) * bin;
    first = Math.min(first, b);
    last = Math.max(last, b);
    sums.set(b, (sums.get(b) ?? 0) + Number(r.ContextTokens) + Number(r.GeneratedTokens));
  }
  const out = ['timestamp,value'];
  for (let b = first; b <= last; b += bin) out.push(`${b},${((sums.get(b) ?? 0) / bin).toFixed(2)}`);
  const file = join(dir, 'azure.csv');
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

const runs = [
  { key: 'nasa', title: 'NASA HTTP 1995 (×1000 req/s), CPU pool', scenario: 'nasa-cpu.json', trace: nasa, step: opt('nasa-step', '5m') },
  { key: 'alibaba', title: 'Alibaba GenAI 2026 (generative QPS ×3), GPU pool', scenario: 'alibaba-gpu.json', trace: alibaba },
  { key: 'azure', title: 'Azure LLM code 2023 (tokens/s), GPU pool', scenario: 'azure-code-gpu.json', trace: azure },
].filter((r) => only === null || r.key === only);

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
for (const run of runs) {
  const trace = run.trace();
  const argv = [join(root, 'bin', 'governator.js'), 'backtest', '--scenario', join(root, 'bench', 'backtest', run.scenario), '--trace', trace, '--json'];
  if (run.step) argv.push('--step', run.step);
  if (forecaster) argv.push('--forecaster', forecaster);
  if (reportDir) argv.push('--report', join(reportDir, `${run.key}.html`));
  const began = Date.now();
  const res = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  if (res.status !== 0) {
    console.error(`${run.key}: exit ${res.status}\n${res.stderr}`);
    process.exitCode = 1;
    continue;
  }
  const { policies } = JSON.parse(res.stdout);
  const h = policies.hindsight?.cost;
  const { options } = JSON.parse(readFileSync(join(root, 'bench', 'backtest', run.scenario), 'utf8'));
  const planner = options ? `, planner options ${JSON.stringify(options)}` : '';
  console.log(`### ${run.title}${run.step ? `, step ${run.step}` : ''}${planner} (${seconds} s wall)\n`);
  console.log('| policy | cost | per 1,000 units | vs hindsight | SLO-violation time | start/stop actions |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, p] of Object.entries(policies)) {
    const vs = h ? `${p.cost >= h ? '+' : ''}${(((p.cost - h) / h) * 100).toFixed(1)}%` : 'n/a';
    console.log(`| ${name} | $${p.cost.toFixed(2)} | $${p.costPer1000.toPrecision(3)} | ${vs} | ${(p.sloViolationShare * 100).toFixed(2)}% | ${p.actions} |`);
  }
  console.log('');
}
