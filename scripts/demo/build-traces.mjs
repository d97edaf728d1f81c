// Builds the demo's demand traces (assets/demo/*.csv) from the shared workload data set. Run from the project
// root: node scripts/demo/build-traces.mjs [path/to/shared/data/workloads]. The product never reads the shared
// data set; it reads only the derived files this writes (see assets/demo/README.md for sources and licences).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? '../shared/data/workloads';
const out = 'assets/demo';

function csvRows(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
}

// NASA KSC HTTP logs, July 1995: mean requests/s per 5 minutes, 1995-07-03 00:00 to 1995-07-06 00:00 EDT
// (three weekdays; the per-minute file has one row per minute).
{
  const rows = csvRows(readFileSync(join(root, 'nasa_http_1995/nasa_requests_per_minute.csv'), 'utf8'))
    .filter((r) => r.minute_start_edt >= '1995-07-03' && r.minute_start_edt < '1995-07-06');
  const lines = ['timestamp,requests_per_second'];
  for (let i = 0; i + 5 <= rows.length; i += 5) {
    const slice = rows.slice(i, i + 5);
    const requests = slice.reduce((s, r) => s + Number(r.requests), 0);
    const seconds = slice.reduce((s, r) => s + Number(r.seconds_covered), 0);
    // EDT is UTC-4.
    const t = new Date(`${rows[i].minute_start_edt.replace(' ', 'T')}:00-04:00`).toISOString().replace('.000Z', 'Z');
    lines.push(`${t},${seconds === 0 ? 0 : (requests / seconds).toFixed(4)}`);
  }
  writeFileSync(join(out, 'nasa-http-1995-5m.csv'), `${lines.join('\n')}\n`);
  console.log(`nasa-http-1995-5m.csv: ${lines.length - 1} rows`);
}

// Azure LLM inference trace 2023 (code): tokens/s (context + generated tokens of the requests arriving) per 20 s,
// averaged over the trailing 2 minutes (the arrivals are bursty; a GPU pool serves the smoothed rate).
{
  const rows = csvRows(readFileSync(join(root, 'azure_llm_inference_2023/AzureLLMInferenceTrace_code.csv'), 'utf8'));
  const step = 20_000;
  const at = (s) => Date.parse(`${s.trim().slice(0, 23).replace(' ', 'T')}Z`);
  const t0 = Math.floor(at(rows[0].TIMESTAMP) / step) * step;
  const sums = new Map();
  for (const r of rows) {
    const k = Math.floor((at(r.TIMESTAMP) - t0) / step);
    sums.set(k, (sums.get(k) ?? 0) + Number(r.ContextTokens) + Number(r.GeneratedTokens));
  }
  const last = Math.max(...sums.keys());
  const lines = ['timestamp,tokens_per_second'];
  const window = 6;
  for (let k = 0; k <= last; k += 1) {
    let tokens = 0;
    for (let j = Math.max(0, k - window + 1); j <= k; j += 1) tokens += sums.get(j) ?? 0;
    const seconds = (Math.min(k + 1, window) * step) / 1000;
    lines.push(`${new Date(t0 + k * step).toISOString().replace('.000Z', 'Z')},${(tokens / seconds).toFixed(1)}`);
  }
  writeFileSync(join(out, 'azure-llm-code-2023-20s.csv'), `${lines.join('\n')}\n`);
  console.log(`azure-llm-code-2023-20s.csv: ${lines.length - 1} rows`);
}
