import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GovError, isGovError } from '../../core/errors.js';
import type { Offering } from '../../core/model/offering.js';
import type { Plan } from '../../core/model/plan.js';
import type { ScenarioProblem } from '../../core/planner/scenario.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

const money = (x: number): string => `$${x.toFixed(2)}/h`;
const signed = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(2)}`;
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function readScenario(file: string): unknown {
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

function printPlan(file: string, p: Plan): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const short = p.pools.filter((x) => x.shortfall > 0).map((x) => `${x.name} short by ${x.shortfall} ${x.unit}`);
  const unmet = p.diagnostics.unmetConstraints.filter((u) => u.constraint !== 'capacity').map((u) => `${u.pool} ${u.constraint}`);
  out(`Plan for ${file}: ${p.feasible ? 'feasible' : `NOT FEASIBLE (${[...short, ...unmet].join('; ')})`}`);
  out(`Cost: ${money(p.costPerHourBefore)} → ${money(p.costPerHourAfter)} (${p.savingsPerHour >= 0 ? `saves ${money(p.savingsPerHour)}` : `costs ${money(-p.savingsPerHour)} more`})`);
  out();
  if (p.actions.length === 0) out('No actions: keep the fleet as it is.');
  else {
    printTable(['ACTION', 'POOL', 'COUNT/NODE', 'OFFERING', 'Δ $/H'], p.actions.map((a) => [
      a.action, a.pool, a.action === 'start' ? String(a.count) : a.nodeId, a.offering, signed(a.costDeltaPerHour),
    ]));
  }
  out();
  printTable(['POOL', 'DEMAND', 'NEEDED', 'CAPACITY', 'UTILISATION', 'NODES', '$/H', 'SHORTFALL'], p.pools.map((x) => [
    x.name, `${x.demand} ${x.unit}`, String(x.requiredCapacity), `${x.capacityBefore} → ${x.capacityAfter}`,
    `${pct(x.utilizationBefore)} → ${pct(x.utilizationAfter)}`, `${x.nodesBefore} → ${x.nodesAfter}`,
    `${x.costPerHourBefore.toFixed(2)} → ${x.costPerHourAfter.toFixed(2)}`, String(x.shortfall),
  ]));
  out();
  out('Why:');
  for (const line of p.explanation) out(`  - ${line}`);
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('plan a scenario: the cost-optimal start/stop actions under each pool\'s QoS and constraints (docs/planner.md)')
    .requiredOption('--scenario <file>', 'scenario JSON: offerings (or "bundled"), pools, nodes (docs/planner.md)')
    .option('--json', 'print the plan as JSON')
    .action(async (opts: { scenario: string; json?: boolean }, cmd: Command) => {
      // Loaded here, not at start-up: every other command would pay for the planner, HiGHS and the catalog.
      const [{ loadCatalog }, { createSolver }, { plan }, { parseScenario }] = await Promise.all([
        import('../../bootstrap/catalog.js'), import('../../bootstrap/planner.js'), import('../../core/planner/plan.js'), import('../../core/planner/scenario.js'),
      ]);
      const document = readScenario(opts.scenario);
      // The bundled catalog is read only when the scenario asks for it.
      let offerings: readonly Offering[] | undefined;
      const bundledOfferings = () => (offerings ??= loadCatalog(loadCommandConfig(cmd).config).catalog.offerings);
      let scenario;
      try {
        scenario = parseScenario(document, { bundledOfferings });
      } catch (error) {
        const problems = isGovError(error) ? (error.details as { errors?: ScenarioProblem[] } | undefined)?.errors : undefined;
        if (problems && problems.length > 5) for (const p of problems) process.stderr.write(`  ${p.path}: ${p.message}\n`);
        throw error;
      }
      const result = await plan(
        { offerings: scenario.offerings, pools: scenario.pools, nodes: scenario.nodes, now: scenario.now ?? new Date().toISOString() },
        scenario.options, createSolver());
      if (opts.json) printJson(result);
      else printPlan(opts.scenario, result);
      if (!result.feasible) process.stderr.write(`warning: the demand or constraints of ${result.pools.filter((x) => x.shortfall > 0).map((x) => x.name).join(', ') || 'some pool'} cannot be met; the plan does the best it can (see above)\n`);
    });
}
