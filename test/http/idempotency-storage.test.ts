/**
 * Idempotency keys live in the database: they hold across a restart, and across two
 * processes on one file, where racing retries still make one resource (or one account).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { expectProblem } from '../support/expect.js'
import { type ServerProcess, startServerProcess } from '../support/process.js'
import { type Problem, signUp, startTestServer, type TaskList, type TestServer, type TestUser } from '../support/server.js'
import { type Created, createOf, expectCreated, expectReplayOf, idempotencyRequests, newKey, post, registration } from './idempotency-requests.js'

/**
 * One database file for the whole file, so that keys are seen to live in it: a first
 * server makes a request with a key and is closed; then this file's server (a restart)
 * and two more servers, each its own process, all open the same file.
 */
let database: TestDatabase
let server: TestServer
let processA: ServerProcess
let processB: ServerProcess
/** What a request with a key got from the server that was closed before `server` started. */
let beforeRestart: { readonly user: TestUser; readonly key: string; readonly response: ApiResponse<Created & Problem> }

beforeAll(async () => {
  database = await createTestDatabase('shared.sqlite')
  const databaseUrl = database.url
  const previous = await startTestServer({ databaseUrl })
  try {
    const user = await signUp(previous.api, 'before-restart')
    const key = newKey('restart')
    beforeRestart = { user, key, response: await post(previous.api, user, createOf('createTask').path, createOf('createTask').body, key) }
  } finally {
    await previous.close()
  }
  // The file is migrated by now, so the three can start at once.
  ;[server, processA, processB] = await Promise.all([
    startTestServer({ databaseUrl }),
    startServerProcess({ DATABASE_URL: databaseUrl }),
    startServerProcess({ DATABASE_URL: databaseUrl }),
  ])
}, 60_000)

afterAll(async () => {
  await Promise.all([server?.close(), processA?.stop(), processB?.stop()])
  await database?.drop()
})

const { register, rowsOf, accountsNamed } = idempotencyRequests(() => server)

describe('keys live in the database', () => {
  it('a key survives a restart: the server started on the same file replays the response of the one before it', async () => {
    const { user, key, response } = beforeRestart
    const { path, body, other } = createOf('createTask')
    expectCreated(response)

    const retry = await post(server.api, user, path, body, key)
    expectReplayOf(retry, response)
    expect(await rowsOf('tasks', user)).toBe(1)
    expectProblem(await post(server.api, user, path, other, key), 422, 'IDEMPOTENCY_KEY_REUSED')
  })

  describe('two server processes on one database', () => {
    it('a key used on one is replayed by the other, and retries racing across both (and the in-process server) create one resource', async () => {
      const me = await signUp(processA.api, 'two-processes')
      const { path, body, other } = createOf('createTask')

      const key = newKey('shared')
      const original = await post(processA.api, me, path, body, key)
      expectCreated(original)
      expectReplayOf(await post(processB.api, me, path, body, key), original)
      // ... and by the in-process server on the same file.
      expectReplayOf(await post(server.api, me, path, body, key), original)
      expectProblem(await post(processB.api, me, path, other, key), 422, 'IDEMPOTENCY_KEY_REUSED')

      const raced = newKey('race')
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => post([processA.api, processB.api, server.api][i % 3] ?? server.api, me, path, other, raced)),
      )
      expect(responses.map((r) => r.status)).toEqual(Array(12).fill(201))
      expect(new Set(responses.map((r) => r.text)).size).toBe(1)
      expect(new Set(responses.map((r) => r.headers.get('location'))).size).toBe(1)
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)

      const list = await processB.api.get<TaskList>('/api/v1/tasks?include_total=true', { auth: me.bearer })
      expect(list.status).toBe(200)
      expect(list.body.meta.total).toBe(2)
      expect(list.body.data.map((task) => task.id).sort()).toEqual([original.body.id, responses[0]?.body.id].sort())
    }, 30_000)

    it('retries racing across two server processes and the in-process server -> one account, every retry its replay', async () => {
      const json = registration('processes')
      const key = newKey('race')
      const apis = [processA.api, processB.api, server.api]
      const responses = await Promise.all(Array.from({ length: 9 }, (_, i) => register(json, key, apis[i % 3])))

      expect(responses.map((r) => r.status)).toEqual(Array(9).fill(201))
      expect(new Set(responses.map((r) => r.text)).size).toBe(1)
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
      expect(await accountsNamed(json.username)).toBe(1)
    }, 30_000)
  })
})
