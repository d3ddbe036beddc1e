/**
 * A real server for one test file: a fresh database (support/database.ts: SQLite, or
 * PostgreSQL with `TEST_DATABASE=postgres`), the service's own dependencies (src/create-deps.ts:
 * migrations run), the app listening on a free port.
 */
import { copyFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll } from 'vitest'
import type { components } from '../../generated/openapi.js'
import { createApp } from '../../src/app.js'
import { type AppConfig, defaultConfig } from '../../src/config.js'
import { createDeps } from '../../src/create-deps.js'
import type { Database } from '../../src/db/schema.js'
import { createHttpServer } from '../../src/http/http-server.js'
import { apiRequestTurns } from '../../src/http/load-shedding.js'
import type { RequestWaits } from '../../src/http/request-turns.js'
import { type ApiSpec, loadSpec } from '../../src/spec/spec.js'
import type { Clock } from '../../src/timestamps.js'
import { ApiClient } from './client.js'
import { createTestDatabase, testDatabaseKind } from './database.js'
import { captureLines } from './log-lines.js'
import { MIGRATED_DATABASE_VARIABLE } from './migrated-database.setup.js'
import { startPrism } from './prism.js'
import { typedClient, typedLogin } from './typed-client.js'

export type User = components['schemas']['User']
export type Token = components['schemas']['Token']
export type Task = components['schemas']['Task']
export type TaskList = components['schemas']['TaskList']
export type Problem = components['schemas']['Problem']
export type Goal = components['schemas']['Goal']
export type GoalList = components['schemas']['GoalList']
export type GoalTree = components['schemas']['GoalTree']
export type GoalTreeNode = components['schemas']['GoalTreeNode']
export type Transaction = components['schemas']['Transaction']
export type TransactionList = components['schemas']['TransactionList']
export type Balance = components['schemas']['Balance']

export interface TestServer {
  readonly baseUrl: string
  readonly api: ApiClient
  readonly db: Database
  readonly config: AppConfig
  /** Everything the server logged, one JSON object per line. */
  logs(): string
  /**
   * With `recordQueries`, the SQL of every query run so far; empty it (`length = 0`) to
   * count from a point on.
   */
  readonly queries: string[]
  close(): Promise<void>
}

/** Fast password hashing for tests only: the production cost is checked in unit tests. */
const TEST_SCRYPT_COST = 1024

export interface TestServerOptions {
  /** Keep the SQL of every query in `queries` (off by default: benchmarks run millions). */
  readonly recordQueries?: boolean
  /**
   * What the load shedder reads instead of the real waits: a test sets the server's
   * state (overloaded or not) through it rather than racing the clock.
   */
  readonly requestWaits?: RequestWaits
  /**
   * The server's clock (support/manual-clock.ts): stored timestamps, token expiry and the
   * rate limits' windows run by it, so a test moves it rather than waiting out a window.
   */
  readonly clock?: Clock
}

/** Each root directory's spec, loaded once per test process: nothing changes it during a run. */
const specs = new Map<string, ApiSpec>()

function specOf(rootDir: string): ApiSpec {
  let spec = specs.get(rootDir)
  if (spec === undefined) {
    spec = loadSpec(rootDir)
    specs.set(rootDir, spec)
  }
  return spec
}

export async function startTestServer(overrides: Partial<AppConfig> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  // A test that names its own database (a file several servers share) keeps it.
  const database = overrides.databaseUrl === undefined ? await createTestDatabase() : undefined
  const config: AppConfig = {
    ...defaultConfig,
    databaseUrl: database?.url ?? '',
    scryptCost: TEST_SCRYPT_COST,
    logLevel: 'info',
    // This process's event loop is shared with the test runner, whose own work (Ajv
    // compiling a schema, fast-check setting up) can hold it long enough for a waiting
    // request to be shed. Tests of shedding set the state through `requestWaits`.
    loadShedLagMs: 60_000,
    ...overrides,
  }
  // Under vitest on SQLite, a copy of the run's migrated database (./migrated-database.setup.ts):
  // createDeps's migrations then find it up to date. Elsewhere (benchmarks, PostgreSQL), a fresh database.
  const migrated = process.env[MIGRATED_DATABASE_VARIABLE]
  if (migrated !== undefined && database !== undefined && testDatabaseKind === 'sqlite') copyFileSync(migrated, database.url)
  const { lines, stream: sink } = captureLines()
  const queries: string[] = []
  const turns = apiRequestTurns()
  // The service's own assembly (src/create-deps.ts), with what a test controls: where the logs go,
  // the query recorder, the spec loaded once, the load shedder's state and the clock.
  const deps = await createDeps(config, {
    requestWaits: options.requestWaits ?? turns,
    log: { stream: sink },
    onQuery: options.recordQueries ? (sql) => queries.push(sql) : undefined,
    spec: specOf(config.rootDir),
    clock: options.clock,
  })
  const { db } = deps
  const app = await createApp(deps)
  const server: Server = createHttpServer(app, turns, config, deps.logger)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // `PRISM=1`: every test client request goes through Prism's validation proxy too.
  const prism = process.env.PRISM === '1' ? await startPrism(baseUrl) : undefined
  return {
    baseUrl,
    api: new ApiClient(baseUrl, prism ? { via: prism.url } : {}),
    db,
    config,
    logs: () => lines.join(''),
    queries,
    close: async () => {
      await prism?.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await db.destroy().catch(() => undefined)
      await database?.drop()
    },
  }
}

/**
 * A test server for the file (or describe) that calls it: started before its first test,
 * closed after its last. The object it returns is filled in when the server has started,
 * so read it inside tests and hooks, not at the top level of the file.
 */
export function useTestServer(overrides: Partial<AppConfig> = {}, options: TestServerOptions = {}): TestServer {
  const server = {} as TestServer
  beforeAll(async () => {
    Object.assign(server, await startTestServer(overrides, options))
  })
  // A start that failed has its own error to show; there is nothing to close.
  afterAll(() => (server.close === undefined ? undefined : server.close()))
  return server
}

let userCounter = 0

export interface TestUser {
  readonly id: number
  readonly username: string
  readonly email: string
  readonly password: string
  readonly token: string
  /** Basic credentials. */
  readonly basic: { basic: readonly [string, string] }
  /** Bearer credentials. */
  readonly bearer: { bearer: string }
}

/** Registers a fresh user and gets them a token, as a client would: with the typed client the package ships. */
export async function signUp(api: ApiClient, name = `user${++userCounter}`): Promise<TestUser> {
  const password = `${name}-secret-pw`
  const email = `${name}@example.com`
  const created = await typedClient(api).POST('/api/v1/users', { body: { username: name, email, password } })
  if (!created.data) throw new Error(`sign-up failed: ${created.response.status} ${JSON.stringify(created.error)}`)
  const signedIn = await typedLogin(api, name, password)
  if (!signedIn.token) throw new Error(`token failed: ${signedIn.response.status} ${JSON.stringify(signedIn.error)}`)
  const { token } = signedIn.token
  return { id: created.data.id, username: name, email, password, token, basic: { basic: [name, password] as const }, bearer: { bearer: token } }
}
