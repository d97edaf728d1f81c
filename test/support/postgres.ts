/**
 * Real PostgreSQL for tests. The server comes from GOVERNATOR_TEST_DATABASE_URL, an admin URL of a role that
 * may CREATE DATABASE (start one with `eval "$(bash scripts/ci/postgres.sh)"`). Each test file makes its own
 * database, so files run in parallel without seeing each other's rows.
 *
 * Without the variable the PostgreSQL suites are skipped, saying why, except under CI=true, where a missing
 * component is a test failure, never a silent skip (docs: architecture.md, "Real components in tests").
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';

export const TEST_DATABASE_URL_ENV = 'GOVERNATOR_TEST_DATABASE_URL';

const HOW_TO = `set ${TEST_DATABASE_URL_ENV} to a PostgreSQL admin URL, e.g. eval "$(bash scripts/ci/postgres.sh)"`;

/** The admin URL, or undefined when unset. */
export function postgresAdminUrl(): string | undefined {
  const url = process.env[TEST_DATABASE_URL_ENV];
  return url === undefined || url.trim() === '' ? undefined : url.trim();
}

/**
 * `describe` for suites that need PostgreSQL. `body` receives a getter for the admin URL (call it in hooks
 * and tests, not while collecting). Unset URL: skipped with the reason in the suite's name; under CI=true,
 * one failing test that says what is missing instead.
 */
export function describeWithPostgres(name: string, body: (adminUrl: () => string) => void): void {
  const url = postgresAdminUrl();
  if (url !== undefined) {
    describe(name, () => body(() => url));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a PostgreSQL server to test against', () => {
        throw new Error(`CI=true but no PostgreSQL for the tests: ${HOW_TO}`);
      });
    });
  } else {
    console.warn(`[${name}] skipped: ${HOW_TO}`);
    describe.skip(`${name} (skipped: ${TEST_DATABASE_URL_ENV} is not set)`, () => body(() => {
      throw new Error(`${TEST_DATABASE_URL_ENV} is not set`);
    }));
  }
}

export interface TestDatabase {
  /** URL of the new, empty database (same server and credentials as the admin URL). */
  readonly url: string;
  readonly name: string;
  /** Drop it, disconnecting anyone still connected. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Create an empty database `gov_test_<random>` on the admin URL's server. It collates text like a typical
 * production database (ICU en-US: `a_1` < `a-1` < `b` < `B`), not bytewise like the CI cluster's default C
 * locale, so tests catch SQL that relies on the server's locale; servers without ICU get their default.
 */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `gov_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, async (client) => {
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    } catch {
      await client.query(`CREATE DATABASE ${name}`);
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop(): Promise<void> {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
