import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'
import { ContractCoverageGate } from './contract/coverage-gate.js'
import { SERVER_START_TIMEOUT_MS, TEST_TIMEOUT_MS } from './support/timeouts.js'

const throughPrism = process.env.PRISM === '1'

/**
 * Tests that start no server and open no database (unit tests, the build, the test
 * support's own tests): the first pass has run them, and neither Prism nor PostgreSQL
 * changes anything they do.
 */
const noServerNoDatabase = [
  'test/*.test.ts',
  'test/build/**',
  'test/support/**',
  'test/auth/passwords.test.ts',
  'test/core/uris.test.ts',
  'test/transactions/money.test.ts',
  'test/http/body.test.ts',
  'test/http/cursor.test.ts',
  'test/http/decimal-multiple-of.test.ts',
  'test/http/inline-sources.test.ts',
  'test/http/negotiation.test.ts',
  'test/http/pagination.test.ts',
  'test/http/redact.test.ts',
  'test/http/request-turns.test.ts',
  'test/http/response-serializers.test.ts',
  'test/http/route-table.test.ts',
  'test/http/validation.test.ts',
  'test/contract/coverage-gate.test.ts',
  'test/contract/problem-guide.test.ts',
  'test/architecture/**',
  'test/readme/configuration.test.ts',
]

/**
 * Left out of the pass through Prism (`PRISM=1`), besides those: tests that send nothing
 * through the test client (the database layer, the browser, the third-party SDK), those
 * whose point is volume rather than the contract (the fuzzer, the trees of thousands of
 * goals), and the packing and installing of @achiever/client.
 */
const notThroughPrism = [
  ...noServerNoDatabase,
  'test/db/**',
  'test/service/docs.browser.test.ts',
  'test/contract/hey-api.test.ts',
  'test/client/package.test.ts',
  'test/contract/fuzz.test.ts',
  'test/goals/goal-tree.test.ts',
]

const onPostgres = process.env.TEST_DATABASE === 'postgres'

/**
 * Left out of the pass on PostgreSQL (`TEST_DATABASE=postgres`), besides those: tests that
 * reach only SQLite whatever the pass (its dialect), the browser test of the docs, and
 * checks of the spec and generated/ that no database changes.
 */
const notOnPostgres = [
  ...noServerNoDatabase,
  'test/db/sqlite-dialect.test.ts',
  'test/http/precompiled-validators.test.ts',
  'test/service/docs.browser.test.ts',
  'test/contract/spec.test.ts',
]

/** Only in the pass on PostgreSQL: what it shows needs a PostgreSQL server. */
const onlyOnPostgres = ['test/db/postgres.test.ts', 'test/db/postgres-faults.test.ts', 'test/db/postgres-replica-kill.test.ts']

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(throughPrism ? notThroughPrism : []), ...(onPostgres ? notOnPostgres : onlyOnPostgres)],
    // Most of a test's time is spent waiting on servers, Prism and scrypt: two files at
    // once keep a 2-core machine busy.
    maxWorkers: 2,
    // Each worker runs its files one after another in one module graph, instead of a fresh
    // process per file: the app's modules, the spec and the contract checker's compiled
    // validators are then loaded once per worker, not once per file (a second or more each
    // on a busy machine, ahead of every file's first request). Each file still starts its
    // own servers on its own databases, so files share code, never state.
    isolate: false,
    // Sized for a busy machine (./support/timeouts.ts). The hooks are where the servers start.
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: SERVER_START_TIMEOUT_MS,
    // One migrated database per run, copied for each test server.
    globalSetup: ['test/support/migrated-database.setup.ts'],
    // Collects the (operation, status) pairs the tests saw and fails a passing run on a gap.
    reporters: ['default', new ContractCoverageGate()],
  },
})
