import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium for the dashboard's end-to-end tests (playwright-core drives it; no browser download).
 * Without it the suites are skipped, saying why, except under CI=true, where a missing browser is a failure.
 */
export const CHROMIUM = process.env.GOVERNATOR_CHROMIUM ?? '/usr/bin/chromium';
const HOW_TO = 'install it with `apt-get install -y --no-install-recommends chromium` (.ci/run does), or set GOVERNATOR_CHROMIUM';

// Without the background-networking switches Chromium keeps calling home, which floods a closed network.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has Chromium to test against', () => {
        throw new Error(`CI=true but Chromium is not installed at ${CHROMIUM}: ${HOW_TO}`);
      });
    });
  } else {
    console.warn(`[${name}] skipped: Chromium is not installed at ${CHROMIUM}; ${HOW_TO}`);
    describe.skip(`${name} (skipped: Chromium is not installed)`, body);
  }
}
