import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

const throughPrism = process.env.PRISM === '1'

/**
 * Left out of the pass through Prism (`PRISM=1`): tests that send nothing through the
 * test client (unit tests, the browser, the third-party SDK) and those whose point is
 * volume rather than the contract (the fuzzer, the trees of thousands of goals).
 */
const notThroughPrism = [
  'test/*.test.ts',
  'test/db/**',
  'test/support/**',
  'test/users/passwords.test.ts',
  'test/transactions/money.test.ts',
  'test/http/decimal-multiple-of.test.ts',
  'test/http/inline-sources.test.ts',
  'test/service/docs.browser.test.ts',
  'test/contract/hey-api.test.ts',
  'test/contract/fuzz.test.ts',
  'test/goals/goal-tree.test.ts',
]

const onPostgres = process.env.TEST_DATABASE === 'postgres'

/**
 * Left out of the pass on PostgreSQL (`TEST_DATABASE=postgres`): tests that never reach
 * the database, or reach only SQLite whatever the pass (its dialect, the process's
 * signals on a SQLite file), which the SQLite pass has run already.
 */
const notOnPostgres = [
  'test/*.test.ts',
  'test/build/**',
  'test/support/**',
  'test/db/sqlite-dialect.test.ts',
  'test/users/passwords.test.ts',
  'test/transactions/money.test.ts',
  'test/http/cursor.test.ts',
  'test/http/decimal-multiple-of.test.ts',
  'test/http/inline-sources.test.ts',
  'test/http/precompiled-validators.test.ts',
  'test/http/route-table.test.ts',
  'test/service/docs.browser.test.ts',
  'test/contract/spec.test.ts',
]

/** Only in the pass on PostgreSQL: what it shows needs a PostgreSQL server. */
const onlyOnPostgres = ['test/db/postgres.test.ts']

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(throughPrism ? notThroughPrism : []), ...(onPostgres ? notOnPostgres : onlyOnPostgres)],
    // Most of a test's time is spent waiting on servers, Prism and scrypt: two files at
    // once keep a 2-core machine busy.
    maxWorkers: 2,
    // Through Prism every request takes a detour of a few milliseconds.
    testTimeout: throughPrism ? 30_000 : 5_000,
    hookTimeout: throughPrism ? 60_000 : 10_000,
    // Collects the (operation, status) pairs the tests saw and fails the run on a gap.
    globalSetup: ['test/contract/coverage.setup.ts'],
  },
})
