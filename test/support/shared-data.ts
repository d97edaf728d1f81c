/**
 * The shared data set (../shared/data, beside the repository): the price files the bundled catalog is built
 * from, and files that may only be read by tests (no licence to ship them). Suites that need it are skipped
 * with a notice when it is absent, except under CI=true, where that is a failure.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
export const PRICING_DATA = `${SHARED_DATA}pricing/`;
export const SHARED_SCENARIOS = fileURLToPath(new URL('../../../shared/scenarios/', import.meta.url));

export function describeWithSharedData(name: string, body: () => void): void {
  if (existsSync(PRICING_DATA)) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the shared data set to test against', () => {
        throw new Error(`CI=true but ${PRICING_DATA} does not exist`);
      });
    });
  } else {
    console.warn(`[${name}] skipped: ${PRICING_DATA} does not exist`);
    describe.skip(`${name} (skipped: no shared data set)`, body);
  }
}
