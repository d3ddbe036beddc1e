/**
 * `Idempotency-Key` on creates, as a client retrying over a flaky network sees it: the
 * first request runs, a retry with the same key and body gets the very same response back
 * (`Idempotent-Replayed: true`) and creates nothing, the same key with another request is
 * `422 IDEMPOTENCY_KEY_REUSED`. Keys are per user, kept 24 hours in the database (so they
 * hold across a restart and across two processes on one file), and racing retries wait
 * for the first. Every operation the spec gives the header is exercised. Registration
 * takes one too: with no one signed in, its key belongs to the account it names, and a
 * retry proves itself with the password, which is never stored with the key. Token
 * creation takes none (its secret would have to be stored to be replayed) and ignores it.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiClient, ApiResponse } from '../support/client.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { expectProblem, parametersOf, pointersOf } from '../support/expect.js'
import { manualClock } from '../support/manual-clock.js'
import { type ServerProcess, startServerProcess } from '../support/process.js'
import { type Problem, signUp, startTestServer, type TaskList, type TestServer, type TestUser, type Token, type User } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

/** What a create answers: every one of them has an `id` and a `uri`. */
interface Created {
  readonly id: number
  readonly uri: string
  readonly [field: string]: unknown
}

type Body = Record<string, unknown>

interface Create {
  readonly path: string
  /** A valid body. */
  readonly body: Body
  /** Another valid body: a different request. */
  readonly other: Body
  /** A well-formed body the operation refuses with 422. */
  readonly invalid: Body
  /** Where what it creates is stored (each row has a `user_id`). */
  readonly table: 'tasks' | 'goals' | 'transactions'
}

/** One entry per operation that declares `Idempotency-Key`, checked against the spec below. */
const CREATES: Readonly<Record<string, Create>> = {
  createTask: {
    path: '/api/v1/tasks',
    body: { title: 'Buy groceries', description: 'Milk, Cheese, Pizza, Fruit, Tylenol' },
    other: { title: 'Buy groceries', description: 'Milk only' },
    invalid: { title: '' },
    table: 'tasks',
  },
  createGoal: {
    path: '/api/v1/goals',
    body: { name: 'Run a marathon', description: '42.195 km' },
    other: { name: 'Swim a mile' },
    invalid: { name: 'x', parent_id: 999_999 },
    table: 'goals',
  },
  createIncome: {
    path: '/api/v1/incomes',
    body: { description: 'Salary', amount: 5000 },
    other: { description: 'Salary', amount: 5000.01 },
    invalid: { description: 'Salary', amount: 0 },
    table: 'transactions',
  },
  createExpense: {
    path: '/api/v1/expenses',
    body: { description: 'Pizza', amount: 12.5 },
    other: { description: 'Pizza', amount: -12.51 },
    invalid: { description: 'Pizza', amount: 0 },
    table: 'transactions',
  },
}
const OPERATIONS = Object.keys(CREATES).sort()

function createOf(operationId: string): Create {
  const found = CREATES[operationId]
  if (!found) throw new Error(`no create ${operationId}`)
  return found
}

let keyCounter = 0
/** A fresh key; the suffix makes it unique within this file. */
const newKey = (label = 'key') => `${label}-${Date.now().toString(36)}-${++keyCounter}`

function post(api: ApiClient, user: TestUser, path: string, json: Body, key?: string): Promise<ApiResponse<Created & Problem>> {
  return api.post<Created & Problem>(path, { auth: user.bearer, json, ...(key === undefined ? {} : { headers: { 'Idempotency-Key': key } }) })
}

/** POST /api/v1/users, with the key if one is given. */
function register(json: Body, key?: string, api = server.api): Promise<ApiResponse<Created & Problem>> {
  return api.post<Created & Problem>('/api/v1/users', { json, ...(key === undefined ? {} : { headers: { 'Idempotency-Key': key } }) })
}

/** A registration under a fresh key that succeeded: its body, key and first response. */
async function registeredUnderKey(
  username: string,
  api: ApiClient,
): Promise<{ json: { username: string; email: string; password: string }; key: string; first: ApiResponse<Created & Problem> }> {
  const json = { username, email: `${username}@example.com`, password: 'the-real-password' }
  const key = newKey('register')
  const first = await register(json, key, api)
  expectCreated(first)
  return { json, key, first }
}

/** How many rows of `table` belong to `user`. */
async function rowsOf(table: Create['table'], user: TestUser, db = server.db): Promise<number> {
  const result = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where user_id = ${user.id}`.execute(db)
  return Number(result.rows[0]?.n)
}

async function storedKeys(user: TestUser): Promise<string[]> {
  const rows = await server.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user.id).orderBy('key').execute()
  return rows.map((row) => row.key)
}

function expectCreated(res: ApiResponse<Created & Problem>): void {
  expect(res.status, res.text).toBe(201)
  expect(res.headers.get('location')).toBe(res.body.uri)
  expect(res.headers.get('idempotent-replayed')).toBeNull()
}

/** The retry got the first response back, marked as a replay. */
function expectReplayOf(retry: ApiResponse<Created & Problem>, first: ApiResponse<Created & Problem>): void {
  expect(retry.status, retry.text).toBe(first.status)
  expect(retry.body).toEqual(first.body)
  expect(retry.text).toBe(first.text)
  expect(retry.headers.get('location')).toBe(first.headers.get('location'))
  expect(retry.headers.get('etag')).toBe(first.headers.get('etag'))
  expect(retry.headers.get('idempotent-replayed')).toBe('true')
}

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

describe('which operations take Idempotency-Key', () => {
  it('the spec gives it to exactly the creates this file covers: the authenticated ones and createUser, not createToken', () => {
    const contract = server.api.contract
    const paths = contract.document.paths as Record<string, { parameters?: unknown[] }>
    const takers = contract
      .operations()
      .filter(({ path, operation }) => {
        const parameters = [...(paths[path]?.parameters ?? []), ...((operation.parameters as unknown[] | undefined) ?? [])]
        return parameters.some((parameter) => {
          const resolved = contract.resolve(parameter as Parameters<typeof contract.resolve>[0])
          return resolved?.in === 'header' && String(resolved.name).toLowerCase() === 'idempotency-key'
        })
      })
    expect(takers.map((op) => op.operationId).sort()).toEqual([...OPERATIONS, 'createUser'].sort())
    for (const op of takers) {
      expect(op.method).toBe('POST')
      if (op.operationId === 'createUser') {
        expect(op.path).toBe('/api/v1/users')
        expect(op.operation.security).toEqual([])
      } else {
        expect(op.path).toBe(createOf(op.operationId).path)
        // Signed in: the key belongs to the user who sends it.
        expect(op.operation.security).toBeUndefined()
      }
    }
    expect(takers.map((op) => op.operationId)).not.toContain('createToken')
  })

  it('the key parameter is 1 to 255 visible ASCII characters, and replays are declared on every 201', () => {
    const contract = server.api.contract
    const parameter = contract.resolve({ $ref: '#/components/parameters/IdempotencyKey' })
    expect(parameter).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false })
    expect(parameter?.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 255 })
    for (const operationId of [...OPERATIONS, 'createUser']) {
      const op = contract.operations().find((o) => o.operationId === operationId)
      const responses = op?.operation.responses as Record<string, Parameters<typeof contract.resolve>[0]> | undefined
      const created = contract.resolve(responses?.['201'])
      expect(Object.keys((created?.headers ?? {}) as object), operationId).toContain('Idempotent-Replayed')
      expect(Object.keys((responses ?? {}) as object), operationId).toContain('422')
    }
  })
})

describe.each(OPERATIONS)('%s with an Idempotency-Key', (operationId) => {
  const { path, body, other, invalid, table } = createOf(operationId)

  it('same key, same body -> the original 201 again (same resource, same Location, Idempotent-Replayed: true), one row', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)

    const second = await post(server.api, me, path, body, key)
    expectReplayOf(second, first)
    const third = await post(server.api, me, path, body, key)
    expectReplayOf(third, first)

    expect(await rowsOf(table, me)).toBe(1)
    expect(await storedKeys(me)).toEqual([key])
    // The resource is the one the first request made.
    const read = await server.api.get<Created>(first.body.uri, { auth: me.bearer })
    expect(read.status).toBe(200)
    expect(read.body.id).toBe(first.body.id)
  })

  it('same key, same body with its members in another order -> the same request, replayed', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(body))

    const retry = await post(server.api, me, path, reordered, key)
    expectReplayOf(retry, first)
    expect(await rowsOf(table, me)).toBe(1)
  })

  it('same key, a different body -> 422 IDEMPOTENCY_KEY_REUSED naming the header, nothing created', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)

    const res = await post(server.api, me, path, other, key)
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
    expect(res.body.type).toBe('/problems/idempotency-key-reused')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    expect(res.headers.get('location')).toBeNull()
    expect(await rowsOf(table, me)).toBe(1)

    // The key still stands for the first request.
    expectReplayOf(await post(server.api, me, path, body, key), first)
    // Without a key, the other body is simply created.
    expectCreated(await post(server.api, me, path, other))
    expect(await rowsOf(table, me)).toBe(2)
  })

  it('a key first used on another operation -> 422 IDEMPOTENCY_KEY_REUSED, nothing created', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const elsewhere = operationId === 'createTask' ? createOf('createGoal') : createOf('createTask')
    expectCreated(await post(server.api, me, elsewhere.path, elsewhere.body, key))

    const res = await post(server.api, me, path, body, key)
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
    expect(await rowsOf(table, me)).toBe(0)
  })

  it('the same key from another user is theirs: a new resource for them, and the first user still gets theirs back', async () => {
    const me = await signUp(server.api)
    const them = await signUp(server.api)
    const key = newKey('shared')
    const mine = await post(server.api, me, path, body, key)
    expectCreated(mine)

    const theirs = await post(server.api, them, path, body, key)
    expectCreated(theirs)
    expect(theirs.body.id).not.toBe(mine.body.id)
    expect(theirs.headers.get('location')).not.toBe(mine.headers.get('location'))
    // Another body under the same key is no conflict either: the key is not theirs yet.
    const stranger = await signUp(server.api)
    expectCreated(await post(server.api, stranger, path, other, key))

    expectReplayOf(await post(server.api, me, path, body, key), mine)
    expectReplayOf(await post(server.api, them, path, body, key), theirs)
    expect(await rowsOf(table, me)).toBe(1)
    expect(await rowsOf(table, them)).toBe(1)
    expect(await rowsOf(table, stranger)).toBe(1)
  })

  it('a first request that failed (422) is not remembered: the same key with a valid body creates, then replays', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const failed = await post(server.api, me, path, invalid, key)
    expectProblem(failed, 422, 'VALIDATION_ERROR')
    expect(await storedKeys(me)).toEqual([])

    // Retrying the failure is the same failure, not a replay.
    const again = await post(server.api, me, path, invalid, key)
    expectProblem(again, 422, 'VALIDATION_ERROR')
    expect(again.headers.get('idempotent-replayed')).toBeNull()

    const created = await post(server.api, me, path, body, key)
    expectCreated(created)
    expectReplayOf(await post(server.api, me, path, body, key), created)
    expect(await rowsOf(table, me)).toBe(1)
  })

  it('keys are kept 24 hours: a day-old key still replays; past 24 hours it is forgotten and the same request creates anew', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)
    const age = async (ms: number) => {
      const created_at = new Date(Date.now() - ms).toISOString()
      await server.db.updateTable('idempotency_keys').set({ created_at }).where('user_id', '=', me.id).where('key', '=', key).execute()
    }

    await age(24 * 3600_000 - 60_000)
    expectReplayOf(await post(server.api, me, path, body, key), first)
    expect(await rowsOf(table, me)).toBe(1)

    // (Deleted first, so that a goal's name is free again.)
    expect((await server.api.delete(first.body.uri, { auth: me.bearer })).status).toBe(204)
    await age(24 * 3600_000 + 60_000)
    const fresh = await post(server.api, me, path, body, key)
    expectCreated(fresh)
    expect(fresh.body.id).not.toBe(first.body.id)
    expect(await rowsOf(table, me)).toBe(1)
    expect((await server.api.get(fresh.body.uri, { auth: me.bearer })).status).toBe(200)
    // The key now stands for the new resource, for another 24 hours.
    expectReplayOf(await post(server.api, me, path, body, key), fresh)
    expect(await storedKeys(me)).toEqual([key])
  })

  it('an expired key may be used with a different body', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    expectCreated(await post(server.api, me, path, body, key))
    const created_at = new Date(Date.now() - 25 * 3600_000).toISOString()
    await server.db.updateTable('idempotency_keys').set({ created_at }).where('user_id', '=', me.id).execute()

    expectCreated(await post(server.api, me, path, other, key))
    expect(await rowsOf(table, me)).toBe(2)
  })

  it('10 concurrent requests with one key -> ten identical 201s, one resource', async () => {
    const me = await signUp(server.api)
    const key = newKey('race')
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(server.api, me, path, body, key)))

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201))
    expect(new Set(responses.map((r) => r.text)).size).toBe(1)
    expect(new Set(responses.map((r) => r.headers.get('location'))).size).toBe(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9)
    expect(await rowsOf(table, me)).toBe(1)
  })
})

describe('racing with different bodies under one key', () => {
  it('5 + 5 concurrent requests with two bodies -> one resource; its body gets 201s, the other 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const me = await signUp(server.api)
    const key = newKey('race')
    const { path, body, other } = createOf('createTask')
    const sent = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? body : other))
    const responses = await Promise.all(sent.map((json) => post(server.api, me, path, json, key)))

    const winners = responses.filter((r) => r.status === 201)
    const losers = responses.filter((r) => r.status !== 201)
    expect(winners).toHaveLength(5)
    expect(new Set(winners.map((r) => r.text)).size).toBe(1)
    for (const loser of losers) expectProblem(loser, 422, 'IDEMPOTENCY_KEY_REUSED')
    // All the winners sent the same body.
    expect(new Set(responses.flatMap((r, i) => (r.status === 201 ? [JSON.stringify(sent[i])] : []))).size).toBe(1)
    expect(await rowsOf('tasks', me)).toBe(1)
  })
})

describe('invalid keys', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['with a space', 'my key'],
    ['with a non-ASCII letter', 'clé'],
  ])('Idempotency-Key %s -> 400 BAD_REQUEST naming Idempotency-Key, nothing created', async (_label, key) => {
    const me = await signUp(server.api)
    const { path, body } = createOf('createTask')
    const res = await post(server.api, me, path, body, key)
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    expect(await rowsOf('tasks', me)).toBe(0)
    expect(await storedKeys(me)).toEqual([])
  })

  it('255 visible ASCII characters is a valid key', async () => {
    const me = await signUp(server.api)
    const { path, body } = createOf('createTask')
    const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('')
    const key = visible.repeat(3).slice(0, 255)
    expect(key).toHaveLength(255)
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)
    expectReplayOf(await post(server.api, me, path, body, key), first)
    expect(await storedKeys(me)).toEqual([key])
  })

  it('without credentials the key changes nothing: 401, and nothing is stored', async () => {
    const { path, body } = createOf('createTask')
    const key = newKey('anonymous')
    const res = await server.api.post<Problem>(path, { json: body, headers: { 'Idempotency-Key': key } })
    expectProblem(res, 401, 'UNAUTHORIZED')
    const stored = await server.db.selectFrom('idempotency_keys').select('key').where('key', '=', key).execute()
    expect(stored).toEqual([])
  })
})

describe('registration (POST /api/v1/users) with an Idempotency-Key', () => {
  let registrations = 0
  /** A registration body no one has used yet. */
  function registration(label = 'reg'): { username: string; email: string; password: string } {
    const username = `${label}-${Date.now().toString(36)}-${++registrations}`
    return { username, email: `${username}@example.com`, password: `${username}-secret` }
  }
  async function accountsNamed(username: unknown): Promise<number> {
    const rows = await server.db.selectFrom('users').select('id').where('username', '=', String(username)).execute()
    return rows.length
  }

  it('same key, same body -> the original 201 again (same account, same Location, Idempotent-Replayed: true), one account', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)

    expectReplayOf(await register(json, key), first)
    expectReplayOf(await register(json, key), first)
    expect(await accountsNamed(json.username)).toBe(1)

    // The key is kept under the account it made, and the password is nowhere in it.
    const stored = await server.db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', first.body.id).execute()
    expect(stored.map((row) => row.key)).toEqual([key])
    expect(JSON.stringify(stored)).not.toContain(json.password)
    expect(JSON.stringify(stored)).not.toContain('scrypt$')
    // And it is the account the retries were told about: the password signs in.
    const me = await server.api.get<User>('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })
    expect(me.status).toBe(200)
    expect(me.body.id).toBe(first.body.id)
  })

  it('without a key, the same retry is 409 CONFLICT: it cannot tell your account from someone else’s', async () => {
    const json = registration()
    expectCreated(await register(json))
    const retry = await register(json)
    expectProblem(retry, 409, 'CONFLICT')
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
  })

  it('a form-encoded retry of a JSON registration, in another member order, is the same request: replayed', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    const retry = await server.api.post<Created & Problem>('/api/v1/users', {
      form: { password: json.password, email: json.email, username: json.username },
      headers: { 'Idempotency-Key': key },
    })
    expectReplayOf(retry, first)
  })

  it.each([
    // Not a retry: its password is not even checked, so it costs the owner no lock-out point.
    ['another email address (no password check)', { email: 'someone-else@example.com' }, ['/username']],
    // A retry, but not the owner's.
    ['the same email address and another password', { password: 'not-the-first-password' }, ['/email', '/username']],
  ])('same key and username, %s -> exactly the 409 CONFLICT of a request without the key', async (_label, change, pointers) => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)

    const res = await register({ ...json, ...change }, key)
    const unkeyed = await register({ ...json, ...change })
    expectProblem(res, 409, 'CONFLICT')
    expect(res.body).toEqual(unkeyed.body)
    expect(pointersOf(res.body)).toEqual(pointers)
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    expect(await accountsNamed(json.username)).toBe(1)
    // The key still stands for the first request.
    expectReplayOf(await register(json, key), first)
  })

  it('the right password under the key after the account changed its email address -> 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const json = registration()
    const key = newKey('register')
    expectCreated(await register(json, key))
    const email = `changed-${json.email}`
    const changed = await server.api.patch('/api/v1/users/me', { auth: { basic: [json.username, json.password] }, json: { email } })
    expect(changed.status).toBe(200)

    // The username and the new address are one account's, the password is right, but the
    // key stands for a registration with the old address.
    const res = await register({ ...json, email }, key)
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    // The original request is no longer one account's username and address: a taken name.
    expectProblem(await register(json, key), 409, 'CONFLICT')
  })

  it('the email address in another case is the same address: replayed', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    expectReplayOf(await register({ ...json, email: json.email.toUpperCase() }, key), first)
  })

  it('a key the account used for a task is not a registration key: its owner gets 409 CONFLICT, not 422 or a replay', async () => {
    const owner = await signUp(server.api)
    const key = newKey('task')
    expectCreated(await post(server.api, owner, createOf('createTask').path, createOf('createTask').body, key))
    const json = { username: owner.username, email: owner.email, password: owner.password }

    const unkeyed = await register(json)
    expectProblem(unkeyed, 409, 'CONFLICT')
    for (const password of [owner.password, 'a-wrong-guess']) {
      const res = await register({ ...json, password }, key)
      expectProblem(res, 409, 'CONFLICT')
      expect(res.body).toEqual(unkeyed.body)
    }
  })

  it('the key belongs to the new account: using it for one of its creates within 24 hours is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const json = registration()
    const key = newKey('register')
    expectCreated(await register(json, key))
    const res = await server.api.post<Problem>('/api/v1/tasks', {
      auth: { basic: [json.username, json.password] },
      json: { title: 'First task' },
      headers: { 'Idempotency-Key': key },
    })
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
  })

  it('a deleted account takes its keys with it: the retry registers a new account', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    expect((await server.api.delete('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })).status).toBe(204)

    const again = await register(json, key)
    expectCreated(again)
    expect(again.body.id).not.toBe(first.body.id)
  })

  it('the same key naming another username is that account’s key: a second registration, then each replays its own', async () => {
    const one = registration()
    const two = registration()
    const key = newKey('shared')
    const first = await register(one, key)
    const second = await register(two, key)
    expectCreated(first)
    expectCreated(second)
    expect(second.body.id).not.toBe(first.body.id)

    expectReplayOf(await register(one, key), first)
    expectReplayOf(await register(two, key), second)
  })

  it('a username someone registered without this key -> 409 CONFLICT, key or not', async () => {
    const json = registration()
    expectCreated(await register(json))
    const res = await register({ ...json, email: `other-${json.email}` }, newKey('register'))
    expectProblem(res, 409, 'CONFLICT')
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    expect(await accountsNamed(json.username)).toBe(1)
  })

  it('a first registration that failed (422) is not remembered: the same key with a valid body registers, then replays', async () => {
    const json = registration()
    const key = newKey('register')
    expectProblem(await register({ ...json, password: 'short' }, key), 422, 'VALIDATION_ERROR')
    expect(await accountsNamed(json.username)).toBe(0)

    const created = await register(json, key)
    expectCreated(created)
    expectReplayOf(await register(json, key), created)
  })

  it('past 24 hours the key is forgotten: the retry is then 409 CONFLICT, the username being taken', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    const created_at = new Date(Date.now() - 25 * 3600_000).toISOString()
    await server.db.updateTable('idempotency_keys').set({ created_at }).where('user_id', '=', first.body.id).execute()

    expectProblem(await register(json, key), 409, 'CONFLICT')
  })

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['with a space', 'my key'],
  ])('Idempotency-Key %s -> 400 BAD_REQUEST naming Idempotency-Key, no account', async (_label, key) => {
    const json = registration()
    const res = await register(json, key)
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    expect(await accountsNamed(json.username)).toBe(0)
  })

  // Each retry's password check is a login attempt, and twice the lock-out's 5 racing at
  // once would be refused if each counted: identical checks in flight count once.
  it('10 concurrent registrations with one key -> ten identical 201s, one account', async () => {
    const json = registration('race')
    const key = newKey('race')
    const responses = await Promise.all(Array.from({ length: 10 }, () => register(json, key)))

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201))
    expect(new Set(responses.map((r) => r.text)).size).toBe(1)
    expect(new Set(responses.map((r) => r.headers.get('location'))).size).toBe(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    expect(await accountsNamed(json.username)).toBe(1)
  })

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

describe('registration retries check the password as a login does', () => {
  let throttled: TestServer
  beforeAll(async () => {
    throttled = await startTestServer({ loginMaxFailures: 3, loginWindowSeconds: 600 })
  })
  afterAll(() => throttled?.close())

  it('3 wrong passwords under the key -> 409s, then 429 with Retry-After even with the right one; Basic logins are locked out too', async () => {
    const { json, key, first } = await registeredUnderKey('guessed', throttled.api)

    for (let guess = 0; guess < 3; guess++) {
      const res = await register({ ...json, password: `wrong-guess-${guess}` }, key, throttled.api)
      expectProblem(res, 409, 'CONFLICT')
    }
    const locked = await register(json, key, throttled.api)
    expectProblem(locked, 429, 'TOO_MANY_REQUESTS')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(locked.headers.get('idempotent-replayed')).toBeNull()

    const login = await throttled.api.get<Problem>('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })
    expectProblem(login, 429, 'TOO_MANY_REQUESTS')
  })

  it('strangers who pick a taken username under keys of their own get 409s and cost its owner nothing', async () => {
    const { json, key, first } = await registeredUnderKey('popular', throttled.api)

    for (let stranger = 0; stranger < 6; stranger++) {
      const res = await throttled.api.post<Problem>('/api/v1/users', {
        json: { username: 'popular', email: `stranger${stranger}@example.com`, password: `stranger-${stranger}-password` },
        headers: { 'Idempotency-Key': newKey('stranger') },
      })
      expectProblem(res, 409, 'CONFLICT')
    }
    expect((await throttled.api.get('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })).status).toBe(200)
    expectReplayOf(await register(json, key, throttled.api), first)
  })

  it('the right password resets the count, as a good login does', async () => {
    const { json, key, first } = await registeredUnderKey('forgetful', throttled.api)
    for (let round = 0; round < 3; round++) {
      for (let guess = 0; guess < 2; guess++) {
        const res = await register({ ...json, password: `wrong-guess-${guess}` }, key, throttled.api)
        expectProblem(res, 409, 'CONFLICT')
      }
      expectReplayOf(await register(json, key, throttled.api), first)
    }
  })
})

describe('registration retries after a lock-out', () => {
  it('once the window has passed, the right password replays again', STARTS_A_SERVER, async () => {
    const clock = manualClock()
    const brief = await startTestServer({ loginMaxFailures: 1, loginWindowSeconds: 1 }, { clock: clock.now })
    try {
      const { json, key, first } = await registeredUnderKey('patient', brief.api)
      const wrong = await register({ ...json, password: 'a-wrong-guess' }, key, brief.api)
      expectProblem(wrong, 409, 'CONFLICT')
      const locked = await register(json, key, brief.api)
      expectProblem(locked, 429, 'TOO_MANY_REQUESTS')
      expect(locked.headers.get('retry-after')).toBe('1')

      // The lock-out's window (1 s, on the server's clock) has passed.
      clock.advance(1000)
      expectReplayOf(await register(json, key, brief.api), first)
    } finally {
      await brief.close()
    }
  })
})

describe('a create that takes no Idempotency-Key ignores it', () => {
  it('POST /api/v1/tokens twice with one key -> two different tokens, neither a replay, both working', async () => {
    const me = await signUp(server.api)
    const key = newKey('token')
    const first = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic, headers: { 'Idempotency-Key': key } })
    const second = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic, headers: { 'Idempotency-Key': key } })
    expect([first.status, second.status]).toEqual([201, 201])
    expect(first.body.token).not.toBe(second.body.token)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(second.headers.get('idempotent-replayed')).toBeNull()
    for (const token of [first.body.token, second.body.token]) {
      expect((await server.api.get('/api/v1/users/me', { auth: { bearer: token } })).status).toBe(200)
    }
    // Token secrets are never stored, not even in the idempotency store.
    expect(await storedKeys(me)).toEqual([])
    const stored = await server.db.selectFrom('idempotency_keys').select('body').execute()
    expect(stored.some((row) => row.body.includes(first.body.token) || row.body.includes(second.body.token))).toBe(false)
  })
})

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
  })
})
