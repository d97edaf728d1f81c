import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite boots a WASM PostgreSQL per test file; two cores do not like many at once.
    maxWorkers: 2,
    pool: 'forks',
  },
});
