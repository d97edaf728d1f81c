#!/usr/bin/env node
// Backtests on real workload traces (issue #8, docs/backtest.md): derives demand CSVs from ../shared/data/workloads
// into a temporary directory, runs `governator backtest --json` on each with the scenarios in bench/backtest/, and
// prints one markdown table per trace (the tables in docs/benchmarks.md, "Backtest").
//
//   npm run build && node bench/backtest.mjs [--only nasa|alibaba|azure] [--nasa-step 5m] [--nasa-days N]
//                                            [--forecaster headroom|ensemble] [--report-dir DIR] [--level-oracle]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
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
// --level-oracle: also print how much capacity a policy would need that knows the demand's level for free (below).
const levelOracle = args.includes('--level-oracle');
if (reportDir) mkdirSync(reportDir, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'governator-backtest-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

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
  let rows = csvRows(join(data, 'nasa_http_1995', 'nasa_requests_per_minute.csv'));
  // --nasa-days N: only the first N days (a quicker slice to iterate on; the published table is the whole trace).
  const days = opt('nasa-days', null);
  if (days !== null) {
    const first = Date.parse(`${rows[0].minute_start_edt.replace(' ', 'T')}:00-04:00`);
    rows = rows.filter((r) => Date.parse(`${r.minute_start_edt.replace(' ', 'T')}:00-04:00`) < first + Number(days) * 86_400_000);
  }
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

/**
 * Evidence for what no online policy can reach: give a policy the demand's level for free — λ(t), the mean of the
 * trace over ±k steps (it looks ahead) — and let it hold capacity c·λ(t) with the smallest c that leaves ≤ 0.5% of
 * steps unserved. Prints Σ c·λ over Σ of hindsight's planned demand (the actual peak of its window, h steps ahead
 * with its lead time = the simulator's slowest start-up), in capacity units before node sizes and prices.
 */
async function printLevelOracle(file, step, hindsightLeadSeconds) {
  const { readTrace } = await import('../dist/bootstrap/backtest.js');
  const { parseDuration } = await import('../dist/config/duration.js');
  const trace = await readTrace(file, step ? { stepSeconds: parseDuration(step) / 1000 } : {});
  const y = Float64Array.from(trace.values);
  const n = y.length;
  const h = Math.max(1, Math.ceil((hindsightLeadSeconds + trace.stepSeconds) / trace.stepSeconds));
  let hindsight = 0;
  for (let t = 0; t < n; t += 1) {
    let peak = 0;
    for (let j = t; j <= Math.min(n - 1, t + h); j += 1) peak = Math.max(peak, y[j]);
    hindsight += peak;
  }
  for (const k of [1, 3]) {
    const level = new Float64Array(n);
    for (let t = 0; t < n; t += 1) {
      let sum = 0;
      let count = 0;
      for (let j = Math.max(0, t - k); j <= Math.min(n - 1, t + k); j += 1) { sum += y[j]; count += 1; }
      level[t] = sum / count;
    }
    const ratios = Array.from(y, (v, t) => (level[t] > 0 ? v / level[t] : v > 0 ? Infinity : 0)).sort((a, b) => a - b);
    const c = ratios[Math.ceil(0.995 * n) - 1];
    let held = 0;
    for (let t = 0; t < n; t += 1) held += c * level[t];
    console.log(`level oracle (mean over ±${k} steps): c = ${c.toFixed(3)} for ≤ 0.5% of steps unserved; capacity ${(held / hindsight).toFixed(3)} × hindsight's planned demand (window ${h} steps)`);
    // A constant c is not the best a policy knowing λ could do: where λ is low, covering more costs little, so
    // the unserved 0.5% is better spent where λ is high. The best multiplier per step given the distribution F of
    // y/λ (not its draws): minimise Σ c(t)·λ(t) subject to Σ P(y/λ > c(t)) ≤ 0.5% of steps, by a Lagrange
    // multiplier μ — each step takes the c minimising c·λ(t) + μ·P(y/λ > c).
    const grid = [];
    for (let i = Math.floor(0.8 * n); i < n; i += Math.max(1, Math.floor(n / 2000))) grid.push({ c: ratios[i], p: (n - 1 - i) / n });
    grid.push({ c: ratios[n - 1], p: 0 });
    const choose = (mu) => {
      let held2 = 0;
      let expected = 0;
      for (let t = 0; t < n; t += 1) {
        let bestCost = Infinity;
        let pick = grid[grid.length - 1];
        for (const g of grid) {
          const cost = g.c * level[t] + mu * g.p;
          if (cost < bestCost) { bestCost = cost; pick = g; }
        }
        held2 += pick.c * level[t];
        expected += pick.p;
      }
      return { held: held2, expected };
    };
    let lo = 0;
    let hi = 1;
    while (choose(hi).expected > 0.005 * n && hi < 1e15) hi *= 4;
    for (let i = 0; i < 40; i += 1) {
      const mid = (lo + hi) / 2;
      if (choose(mid).expected > 0.005 * n) lo = mid; else hi = mid;
    }
    const best = choose(hi);
    console.log(`level oracle, best multiplier per step (mean over ±${k} steps): capacity ${(best.held / hindsight).toFixed(3)} × hindsight's planned demand at ${(100 * best.expected / n).toFixed(2)}% of steps expected unserved`);
  }
  console.log('');
}

const runs = [
  { key: 'nasa', hindsightLead: 180, title: `NASA HTTP 1995 (×1000 req/s)${opt('nasa-days', null) === null ? '' : `, first ${opt('nasa-days', null)} days`}, CPU pool`, scenario: 'nasa-cpu.json', trace: nasa, step: opt('nasa-step', '5m') },
  { key: 'alibaba', hindsightLead: 840, title: 'Alibaba GenAI 2026 (generative QPS ×3), GPU pool', scenario: 'alibaba-gpu.json', trace: alibaba },
  { key: 'azure', hindsightLead: 840, title: 'Azure LLM code 2023 (tokens/s), GPU pool', scenario: 'azure-code-gpu.json', trace: azure },
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
  if (levelOracle) await printLevelOracle(trace, run.step, run.hindsightLead);
}
