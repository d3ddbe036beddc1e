/**
 * What the Idempotency-Key tests share: the creates that take a key (checked against the
 * spec in idempotency-creates.test.ts), fresh keys and registrations, the expectations of
 * a first response and of its replay, and what the database holds, bound to a file's own
 * server.
 */
import { sql } from 'kysely'
import { expect } from 'vitest'
import type { ApiClient, ApiResponse } from '../support/client.js'
import type { Problem, TestServer, TestUser } from '../support/server.js'

/** What a create answers: every one of them has an `id` and a `uri`. */
export interface Created {
  readonly id: number
  readonly uri: string
  readonly [field: string]: unknown
}

export type Body = Record<string, unknown>

export interface Create {
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
export const OPERATIONS = Object.keys(CREATES).sort()

export function createOf(operationId: string): Create {
  const found = CREATES[operationId]
  if (!found) throw new Error(`no create ${operationId}`)
  return found
}

let keyCounter = 0
/** A fresh key; the suffix makes it unique within a test run. */
export const newKey = (label = 'key') => `${label}-${Date.now().toString(36)}-${++keyCounter}`

export function post(api: ApiClient, user: TestUser, path: string, json: Body, key?: string): Promise<ApiResponse<Created & Problem>> {
  return api.post<Created & Problem>(path, { auth: user.bearer, json, ...(key === undefined ? {} : { headers: { 'Idempotency-Key': key } }) })
}

let registrations = 0
/** A registration body no one has used yet. */
export function registration(label = 'reg'): { username: string; email: string; password: string } {
  const username = `${label}-${Date.now().toString(36)}-${++registrations}`
  return { username, email: `${username}@example.com`, password: `${username}-secret` }
}

export function expectCreated(res: ApiResponse<Created & Problem>): void {
  expect(res.status, res.text).toBe(201)
  expect(res.headers.get('location')).toBe(res.body.uri)
  expect(res.headers.get('idempotent-replayed')).toBeNull()
}

/** The retry got the first response back, marked as a replay. */
export function expectReplayOf(retry: ApiResponse<Created & Problem>, first: ApiResponse<Created & Problem>): void {
  expect(retry.status, retry.text).toBe(first.status)
  expect(retry.body).toEqual(first.body)
  expect(retry.text).toBe(first.text)
  expect(retry.headers.get('location')).toBe(first.headers.get('location'))
  expect(retry.headers.get('etag')).toBe(first.headers.get('etag'))
  expect(retry.headers.get('idempotent-replayed')).toBe('true')
}

/** The key requests and stored rows a test takes for granted, on the server `server()` returns (started in the file's beforeAll). */
export function idempotencyRequests(server: () => TestServer) {
  /** POST /api/v1/users, with the key if one is given. */
  function register(json: Body, key?: string, api = server().api): Promise<ApiResponse<Created & Problem>> {
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
  async function rowsOf(table: Create['table'], user: TestUser, db = server().db): Promise<number> {
    const result = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where user_id = ${user.id}`.execute(db)
    return Number(result.rows[0]?.n)
  }

  async function storedKeys(user: TestUser): Promise<string[]> {
    const rows = await server().db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user.id).orderBy('key').execute()
    return rows.map((row) => row.key)
  }

  async function accountsNamed(username: unknown): Promise<number> {
    const rows = await server().db.selectFrom('users').select('id').where('username', '=', String(username)).execute()
    return rows.length
  }

  return { register, registeredUnderKey, rowsOf, storedKeys, accountsNamed }
}
