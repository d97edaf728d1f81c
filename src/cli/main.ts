import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { addConfigOptions } from './context.js';
import { EXIT_USAGE, exitCodeFor, formatError } from './exit.js';
import { registerActions } from './commands/actions.js';
import { registerAudit } from './commands/audit.js';
import { registerBacktest } from './commands/backtest.js';
import { registerCatalog } from './commands/catalog.js';
import { registerConfig } from './commands/config.js';
import { registerDb } from './commands/db.js';
import { registerForecast } from './commands/forecast.js';
import { registerKeys } from './commands/keys.js';
import { registerPlan } from './commands/plan.js';
import { registerServe } from './commands/serve.js';

/** The `governator` command line. docs/cli.md describes every command. */
export function buildProgram(): Command {
  const program = addConfigOptions(new Command('governator'))
    .description('Governator: decides which nodes to start and stop so every workload keeps its QoS at the lowest cost')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServe(program);
  registerConfig(program);
  registerDb(program);
  registerKeys(program);
  registerAudit(program);
  registerCatalog(program);
  registerPlan(program);
  registerActions(program);
  registerBacktest(program);
  registerForecast(program);
  // Subcommands inherit exitOverride so usage errors reach main() and exit 2.
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  // `governator … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.stderr.write(`${formatError(error)}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
