/**
 * PostgreSQL failing under a running service, as a client and an operator see it (run in
 * the PostgreSQL pass only: test/vitest.config.ts). The shared cluster is never stopped:
 * the service reaches its database through a TCP proxy (support/tcp-proxy.ts) that the
 * test turns into a dead server (connections reset) or a dead network path (connections
 * never answered). Then:
 *
 * - every operation that needs the database answers 503 problem+json with Retry-After,
 *   and so does /readyz; nothing hangs, no stack trace reaches a body or the log; the
 *   first request after the database is back succeeds;
 * - a pool whose every connection is taken answers 503 after DATABASE_CONNECT_TIMEOUT_MS
 *   instead of queueing without end;
 * - a statement past DATABASE_STATEMENT_TIMEOUT_MS is cancelled by PostgreSQL (a lock
 *   the test holds on its own connection keeps it waiting) and the client gets 503.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../../src/config.js'
import type { ApiResponse } from '../support/client.js'
import { Contract } from '../support/contract.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { expectProblem } from '../support/expect.js'
import { type PlannedRequest, VALID_REQUESTS } from '../support/operation-requests.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser } from '../support/server.js'
import { startTcpProxy, type TcpProxy, targetOf, throughProxy } from '../support/tcp-proxy.js'

const contract = new Contract()
const everyOperation = contract.operations().map(({ operationId }) => operationId)
/** Those that touch the database declare a 503; the others are served from memory or disk. */
const needingTheDatabase = everyOperation.filter((id) => contract.declaredStatuses(id).includes(503))
const withoutTheDatabase = everyOperation.filter((id) => !needingTheDatabase.includes(id))

const UNREACHABLE = 'The database cannot be reached. Try again after Retry-After seconds.'
const NO_CONNECTION = 'No connection to the database became free in time: it is busy, or cannot be reached. Try again after Retry-After seconds.'
const TOO_SLOW = 'The database took too long to answer, and the statement was cancelled. Try again after Retry-After seconds.'

/** A 503 exactly as the spec shows it: the detail says what happened, nothing says how. */
function expectUnavailable(res: ApiResponse<Problem>, detail: string | readonly string[], retryAfter: string | readonly string[]): void {
  expectProblem(res, 503, 'SERVICE_UNAVAILABLE')
  expect(res.body).toEqual({ type: '/problems/service-unavailable', title: 'Service unavailable', status: 503, detail: res.body.detail, code: 'SERVICE_UNAVAILABLE' })
  expect(typeof detail === 'string' ? [detail] : detail, res.text).toContain(res.body.detail)
  expect(typeof retryAfter === 'string' ? [retryAfter] : retryAfter).toContain(res.headers.get('retry-after'))
}

/** The log lines written after `from` characters of it, parsed. */
function logEntriesSince(server: TestServer, from: number): Array<Record<string, unknown>> {
  return server
    .logs()
    .slice(from)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** A client of its own on `databaseUrl`, as an administrator's session beside the service. */
async function sessionOn(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  return client
}

/**
 * For the describe block that calls it: a server configured by `overrides`, a user on it,
 * and a session of the test's own on the server's database.
 */
function serverWithSession(overrides: Partial<AppConfig>): { readonly server: TestServer; readonly user: TestUser; readonly session: pg.Client } {
  const setup = {} as { server: TestServer; user: TestUser; session: pg.Client }
  beforeAll(async () => {
    setup.server = await startTestServer(overrides)
    setup.user = await signUp(setup.server.api)
    setup.session = await sessionOn(setup.server.config.databaseUrl)
  })
  afterAll(async () => {
    await setup.session?.end()
    await setup.server?.close()
  })
  return setup
}

/** Takes, in a transaction of the session's own, the lock that every statement on `tasks` queues behind. */
async function lockTasks(session: pg.Client): Promise<void> {
  await session.query('begin')
  await session.query('lock table tasks in access exclusive mode')
}

/** Statements of this database's other sessions now waiting for a lock. */
async function waitingForLocks(session: pg.Client): Promise<number> {
  const { rows } = await session.query<{ waiting: number }>(
    `select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
  )
  return rows[0]?.waiting ?? 0
}

/**
 * Until a statement of the service waits on the lock the session holds (polled: its
 * arrival is the service's business), or `holding`, the request meant to wait, has been
 * answered without waiting: then the test's assertions on it say why.
 */
async function untilOneWaits(session: pg.Client, holding: Promise<unknown>): Promise<void> {
  let answered = false
  void holding.finally(() => {
    answered = true
  })
  while (!answered && (await waitingForLocks(session)) === 0) await sleep(20)
}

describe('PostgreSQL unreachable while the service runs', () => {
  /** Short, so that the blackholed connections give up soon; ample for a connection on this host, busy or not. */
  const CONNECT_TIMEOUT_MS = 2000
  let database: TestDatabase
  let proxy: TcpProxy
  let server: TestServer
  let user: TestUser

  beforeAll(async () => {
    database = await createTestDatabase()
    proxy = await startTcpProxy(targetOf(database.url))
    server = await startTestServer({ databaseUrl: throughProxy(database.url, proxy), databaseConnectTimeoutMs: CONNECT_TIMEOUT_MS })
    user = await signUp(server.api)
  })
  afterAll(async () => {
    await server?.close()
    await proxy?.close()
    await database?.drop()
  })
  // A case that fails before its own restore must not leave the next one cut off.
  afterEach(() => proxy?.restore())

  /** One valid request per operation, planned (its task, goal or expense created) while the database is up. */
  async function planEveryOperation(): Promise<Map<string, PlannedRequest>> {
    const plans = new Map<string, PlannedRequest>()
    for (const operationId of everyOperation) {
      const plan = VALID_REQUESTS[operationId]
      if (!plan) throw new Error(`no valid request for ${operationId}`)
      plans.set(operationId, await plan(user, server.api))
    }
    return plans
  }

  const faults = [
    { fault: 'refused (every connection reset)', cut: () => proxy.refuse() },
    { fault: 'blackholed (connections never answered)', cut: () => proxy.blackhole() },
  ]

  it.each(faults)('$fault: 503 with Retry-After on every operation that needs it and on /readyz, no stack trace; back by itself', async ({ fault, cut }) => {
    const plans = await planEveryOperation()
    const logFrom = server.logs().length
    cut()

    // Every operation at once, as traffic would keep coming.
    const sent = performance.now()
    const answers = await Promise.all(
      everyOperation.map(async (operationId) => {
        const { method, path, options } = plans.get(operationId) as PlannedRequest
        const res = await server.api.request<Problem>(method, path, options)
        return { operationId, res, ms: performance.now() - sent }
      }),
    )
    for (const { operationId, res, ms } of answers) {
      if (withoutTheDatabase.includes(operationId)) {
        expect(res.status, `${operationId}: ${res.text}`).toBe(200)
        continue
      }
      expect(res.operationId).toBe(operationId)
      if (fault.startsWith('refused')) {
        expectUnavailable(res, UNREACHABLE, '5')
      } else {
        // More requests than the pool has connections: those beyond it waited for a turn in vain.
        expectUnavailable(res, [UNREACHABLE, NO_CONNECTION], ['5', '1'])
        // Ended by the connect timeout (a timer never fires early), not by a quick refusal.
        expect(ms, operationId).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 5)
      }
    }

    // /readyz alone. Blackholed, the pool may still be trying to connect for requests that
    // have given up (pg-pool opens one for the next in its queue as each attempt fails).
    const ready = await server.api.get<Problem>('/readyz')
    if (fault.startsWith('refused')) expectUnavailable(ready, UNREACHABLE, '5')
    else expectUnavailable(ready, [UNREACHABLE, NO_CONNECTION], ['5', '1'])
    expect((await server.api.get('/healthz')).status).toBe(200)

    // The operator reads why, one line per request, with no stack trace anywhere.
    const entries = logEntriesSince(server, logFrom)
    for (const entry of entries) {
      expect(entry).not.toHaveProperty('err')
      expect(entry).not.toHaveProperty('stack')
    }
    expect(server.logs().slice(logFrom)).not.toMatch(/\n\s+at /)
    const reasons = entries.filter((entry) => entry.level === 40).map((entry) => String(entry.reason))
    expect(reasons).toHaveLength(needingTheDatabase.length + 1)
    expect(
      reasons.every((reason) => (fault.startsWith('refused') ? /ECONNRESET|Connection terminated/ : /timeout/).test(reason)),
      reasons.join('\n'),
    ).toBe(true)

    // Back: the pool dropped the dead connections, and the next request opens a new one.
    proxy.restore()
    expect((await server.api.get('/readyz')).status).toBe(200)
    const created = await server.api.post<{ id: number }>('/api/v1/tasks', { auth: user.bearer, json: { title: `after ${fault}` } })
    expect(created.status, created.text).toBe(201)
    expect((await server.api.get(`/api/v1/tasks/${created.body.id}`, { auth: user.bearer })).status).toBe(200)
  })
})

describe('a pool whose every connection is taken', () => {
  const CONNECT_TIMEOUT_MS = 1000
  // One connection, and no statement timeout: the request holding it waits as long as the test's lock.
  const setup = serverWithSession({ databasePoolSize: 1, databaseConnectTimeoutMs: CONNECT_TIMEOUT_MS, databaseStatementTimeoutMs: 0 })

  it('answers 503 with Retry-After once DATABASE_CONNECT_TIMEOUT_MS has passed, not an endless queue; the held request still completes', async () => {
    const { server, user, session } = setup
    await lockTasks(session)
    const holding = server.api.get('/api/v1/tasks', { auth: user.bearer })
    await untilOneWaits(session, holding)

    // Twenty more, of every kind, while the only connection is taken.
    const requests = Array.from({ length: 20 }, (_, i) =>
      i % 4 === 0
        ? server.api.get<Problem>('/readyz')
        : i % 4 === 1
          ? server.api.post<Problem>('/api/v1/tasks', { auth: user.bearer, json: { title: `queued ${i}` } })
          : i % 4 === 2
            ? server.api.get<Problem>('/api/v1/users/me', { auth: user.bearer })
            : server.api.post<Problem>('/api/v1/users', { json: { username: `queued${i}`, email: `queued${i}@example.com`, password: 'a-long-password' } }),
    )
    const sent = performance.now()
    const answers = await Promise.all(requests.map(async (request) => ({ res: await request, ms: performance.now() - sent })))
    for (const { res, ms } of answers) {
      expectUnavailable(res, NO_CONNECTION, '1')
      expect(ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 5)
    }

    await session.query('rollback')
    expect((await holding).status).toBe(200)
    // Nothing the 503s were about was done.
    const { rows } = await session.query<{ tasks: number; users: number }>(
      `select (select count(*)::int from tasks where title like 'queued %') as tasks, (select count(*)::int from users where username like 'queued%') as users`,
    )
    expect(rows[0]).toEqual({ tasks: 0, users: 0 })
    expect((await server.api.get('/api/v1/users/me', { auth: user.bearer })).status).toBe(200)
  })
})

describe('a statement past DATABASE_STATEMENT_TIMEOUT_MS', () => {
  /** Ample for every statement the service runs on an idle database, busy machine or not. */
  const STATEMENT_TIMEOUT_MS = 2000
  const setup = serverWithSession({ databaseStatementTimeoutMs: STATEMENT_TIMEOUT_MS })

  it('is cancelled by PostgreSQL, its transaction rolled back, and answered 503 with Retry-After', async () => {
    const { server, user, session } = setup
    const logFrom = server.logs().length
    await lockTasks(session)

    const read = await server.api.get<Problem>('/api/v1/tasks', { auth: user.bearer })
    expectUnavailable(read, TOO_SLOW, '1')
    // An idempotent create runs in a transaction (its key is stored with the task): all of it is undone.
    const write = await server.api.post<Problem>('/api/v1/tasks', {
      auth: user.bearer,
      json: { title: 'never written' },
      headers: { 'idempotency-key': 'statement-timeout-1' },
    })
    expectUnavailable(write, TOO_SLOW, '1')
    // Cancelled on the server, not merely abandoned by the client: nothing waits on the lock now.
    expect(await waitingForLocks(session)).toBe(0)
    await session.query('rollback')

    const reasons = logEntriesSince(server, logFrom).filter((entry) => entry.level === 40)
    expect(reasons.map((entry) => entry.reason)).toEqual(['canceling statement due to statement timeout', 'canceling statement due to statement timeout'])

    const tasks = await server.api.get<{ data: unknown[] }>('/api/v1/tasks', { auth: user.bearer })
    expect(tasks.status).toBe(200)
    expect(tasks.body.data).toEqual([])
    // The key was not spent on the cancelled attempt: the retry creates the task.
    const retry = await server.api.post('/api/v1/tasks', {
      auth: user.bearer,
      json: { title: 'never written' },
      headers: { 'idempotency-key': 'statement-timeout-1' },
    })
    expect(retry.status, retry.text).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
  })
})
