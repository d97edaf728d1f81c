import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GovError } from '../../core/errors.js';
import type { Offering } from '../../core/model/offering.js';
import { tryParseDuration } from '../../config/duration.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

interface BacktestOptions {
  scenario: string;
  trace: string;
  pool?: string;
  step?: string;
  report?: string;
  json?: boolean;
  timeColumn?: string;
  valueColumn?: string;
  policies?: string;
  leadTime?: string;
  seed?: string;
  forecaster?: string;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GovError('GOV_VALIDATION', `cannot read the scenario file ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GovError('GOV_MALFORMED_JSON', `the scenario file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = tryParseDuration(text);
  if (ms === undefined || ms < 1000 || ms % 1000 !== 0) {
    throw new GovError('GOV_VALIDATION', `${flag} ${JSON.stringify(text)} is not a duration of whole seconds (e.g. 30s, 1m, 5m)`, { details: { field: flag } });
  }
  return ms / 1000;
}

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('replay a demand trace through Governator\'s loop and four other policies on a simulated cloud (docs/backtest.md)')
    .requiredOption('--scenario <file>', 'scenario JSON: offerings (or "bundled"), the pool(s) and their capacity/QoS/constraints')
    .requiredOption('--trace <file>', 'demand trace CSV: a timestamp column and a value column (as governator forecast reads)')
    .option('--pool <name>', 'the pool the trace drives (default: the scenario\'s only pool)')
    .option('--step <duration>', 'resample the trace to this step (mean per step), e.g. 1m, 5m (default: the trace\'s own)')
    .option('--report <file>', 'write a self-contained HTML report with charts')
    .option('--json', 'print { "policies": { name: { cost, costPer1000, sloViolationShare, actions } } }')
    .option('--time-column <name>', 'header of the timestamp column (default: the first)')
    .option('--value-column <name>', 'header of the value column (default: the second)')
    .option('--policies <list>', 'comma-separated subset of governator,static-peak,reactive,consolidation,hindsight')
    .option('--lead-time <duration>', 'start-up lead time the loop plans for (default: 90s CPU, 7m GPU, 10m owned)')
    .option('--seed <n>', 'seed of the simulated cloud\'s start-up delays (default 1)')
    .option('--forecaster <kind>', 'Governator\'s forecaster: headroom (default; loop.forecast_quantile) or ensemble (the [forecast] ensemble serve uses)')
    .action(async (opts: BacktestOptions, cmd: Command) => {
      const [{ loadCatalog }, { backtestEnvironment, backtestForecaster, BACKTEST_FORECASTERS, readTrace }, { runBacktest, POLICIES }, { renderBacktestReport }, { parseScenario }, progress] = await Promise.all([
        import('../../bootstrap/catalog.js'), import('../../bootstrap/backtest.js'), import('../../app/loop/backtest.js'),
        import('../../app/loop/report.js'), import('../../core/planner/scenario.js'), import('cli-progress'),
      ]);
      // The same settings `serve` runs the loop with (governator.toml, GOVERNATOR_*, --set): the forecast quantile, the catalog.
      const { config } = loadCommandConfig(cmd);
      const kind = opts.forecaster ?? 'headroom';
      if (!(BACKTEST_FORECASTERS as readonly string[]).includes(kind)) {
        throw new GovError('GOV_VALIDATION', `--forecaster ${JSON.stringify(kind)}: choose ${BACKTEST_FORECASTERS.join(' or ')}`, { details: { field: '--forecaster' } });
      }
      const forecaster = backtestForecaster(kind as (typeof BACKTEST_FORECASTERS)[number], config);
      const stepSeconds = seconds('--step', opts.step);
      const leadTimeSeconds = seconds('--lead-time', opts.leadTime);
      const seed = opts.seed === undefined ? 1 : Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new GovError('GOV_VALIDATION', `--seed ${JSON.stringify(opts.seed)} is not an integer`, { details: { field: '--seed' } });
      let policies = [...POLICIES];
      if (opts.policies !== undefined) {
        const asked = opts.policies.split(',').map((p) => p.trim()).filter((p) => p !== '');
        const unknown = asked.filter((p) => !(POLICIES as readonly string[]).includes(p));
        if (unknown.length > 0 || asked.length === 0) {
          throw new GovError('GOV_VALIDATION', `--policies: unknown ${unknown.join(', ') || '(empty list)'}; choose from ${POLICIES.join(', ')}`, { details: { field: '--policies' } });
        }
        policies = POLICIES.filter((p) => asked.includes(p));
      }
      const document = readJson(opts.scenario);
      let offerings: readonly Offering[] | undefined;
      const bundledOfferings = () => (offerings ??= loadCatalog(config).catalog.offerings);
      const scenario = parseScenario(document, { bundledOfferings });
      let pool = scenario.pools[0];
      if (opts.pool !== undefined) pool = scenario.pools.find((p) => p.name === opts.pool);
      else if (scenario.pools.length !== 1) {
        throw new GovError('GOV_VALIDATION', `the scenario has ${scenario.pools.length} pools: name the one the trace drives with --pool (${scenario.pools.map((p) => p.name).join(', ')})`, { details: { field: '--pool' } });
      }
      if (pool === undefined) {
        throw new GovError('GOV_VALIDATION', `the scenario has no pool ${JSON.stringify(opts.pool)} (it has ${scenario.pools.map((p) => p.name).join(', ')})`, { details: { field: '--pool' } });
      }
      const trace = await readTrace(opts.trace, {
        ...(stepSeconds === undefined ? {} : { stepSeconds }),
        ...(opts.timeColumn === undefined ? {} : { timeColumn: opts.timeColumn }),
        ...(opts.valueColumn === undefined ? {} : { valueColumn: opts.valueColumn }),
      });
      for (const warning of trace.warnings) process.stderr.write(`warning: ${warning}\n`);
      const bar = new progress.SingleBar({
        stream: process.stderr, format: 'backtest {policy} [{bar}] {percentage}% | {value}/{total} steps', hideCursor: true, clearOnComplete: true,
      }, progress.Presets.shades_classic);
      let current = '';
      const env = backtestEnvironment(seed);
      const result = await runBacktest({
        offerings: scenario.offerings,
        pool,
        trace: { startSeconds: trace.timestamps[0] ?? 0, stepSeconds: trace.stepSeconds, values: trace.values },
        planOptions: scenario.options,
        policies,
        ...(leadTimeSeconds === undefined ? {} : { leadTimeSeconds }),
        forecaster: forecaster.make,
        ...env,
        onProgress: (done, total, policy) => {
          if (policy !== current) {
            if (current !== '') bar.stop();
            current = policy;
            bar.start(total, 0, { policy });
          }
          if (done % 50 === 0 || done === total) bar.update(done, { policy });
        },
      });
      bar.stop();
      if (opts.report !== undefined) {
        try {
          writeFileSync(opts.report, renderBacktestReport(result, { scenario: opts.scenario, trace: opts.trace }));
        } catch (error) {
          throw new GovError('GOV_VALIDATION', `cannot write the report ${opts.report}: ${(error as Error).message}`, { cause: error });
        }
      }
      const figures = Object.fromEntries(policies.map((p) => {
        const r = result.policies[p]!;
        return [p, { cost: r.cost, costPer1000: r.costPer1000, sloViolationShare: r.sloViolationShare, actions: r.actions }];
      }));
      if (opts.json) {
        printJson({ policies: figures });
        return;
      }
      const out = (line = '') => process.stdout.write(`${line}\n`);
      out(`Backtest of pool ${result.pool}: ${result.steps} steps of ${result.stepSeconds} s, lead time ${result.leadTimeSeconds} s (hindsight: ${result.hindsightLeadTimeSeconds} s, the slowest start-up the simulator draws), ${result.candidates} candidate offerings, ${forecaster.description}`);
      out();
      printTable(['POLICY', 'COST', `PER 1,000 ${result.unit.replace(/\/s$/, '')}`, 'SLO VIOLATION', 'ACTIONS', 'WALL'], policies.map((p) => {
        const r = result.policies[p]!;
        return [p, `$${r.cost.toFixed(2)}`, `$${r.costPer1000.toPrecision(4)}`, `${(r.sloViolationShare * 100).toFixed(3)}%`, String(r.actions), `${(r.wallMs / 1000).toFixed(1)} s`];
      }));
      if (opts.report !== undefined) out(`\nReport: ${opts.report}`);
    });
}
