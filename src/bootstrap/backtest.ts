import type { Offering } from '../core/model/offering.js';
import { plan } from '../core/planner/plan.js';
import { FakeClock } from '../adapters/clock/fake.js';
import { createSimProvider } from '../adapters/cloud/sim/index.js';
import { readTraceCsv, type Trace } from '../adapters/trace/csv.js';
import type { BacktestInput } from '../app/loop/backtest.js';
import type { PlanFunction } from '../app/loop/loop.js';
import { createSolver } from './planner.js';

/**
 * What `governator backtest` runs on: per policy a fresh FakeClock and simulated cloud (the `sim` provider's
 * start-up delays, no random failures, spot interruptions off so every policy faces the same cloud), and the
 * planner on HiGHS.
 */
export function backtestEnvironment(seed = 1): Pick<BacktestInput, 'environment' | 'plan'> {
  const solver = createSolver();
  const planFn: PlanFunction = (snapshot, options) => plan(snapshot, options, solver);
  return {
    plan: planFn,
    environment: (offerings: readonly Offering[], start: Date) => {
      const clock = new FakeClock(start);
      const cloud = createSimProvider({ offerings, clock, seed, spot: { enabled: false } });
      return { clock, cloud };
    },
  };
}

/** Read a trace CSV (the format `governator forecast` reads), optionally on a coarser grid (mean per step). */
export function readTrace(path: string, options: { stepSeconds?: number; timeColumn?: string; valueColumn?: string } = {}): Promise<Trace> {
  return readTraceCsv(path, options);
}
