/**
 * The small steps of the conditional-request transcripts (test/http/conditional-*.test.ts):
 * the caching headers they expect, reading a tag, making something to read, and the
 * requests that must succeed, bound to a file's own server.
 */
import { expect } from 'vitest'
import type { ApiResponse, Credentials } from '../support/client.js'
import { GOALS, TASKS } from '../support/paths.js'
import type { Goal, Task, TestServer, TestUser, Transaction } from '../support/server.js'

/** RFC 9110 §8.8.3: a strong entity tag is an opaque quoted string, without `W/`. */
const STRONG_TAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/
export const PRIVATE_REVALIDATE = 'private, no-cache'
export const PUBLIC_FIVE_MINUTES = 'public, max-age=300'
export const NO_STORE = 'no-store'
/** A well-formed tag that no representation here has. */
export const NEVER_A_TAG = '"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"'

let counter = 0
export const unique = (prefix: string) => `${prefix}-${++counter}`

export function etagOf(res: ApiResponse): string {
  const tag = res.headers.get('etag')
  expect(tag, `ETag of ${res.operationId ?? '?'} -> ${res.status}`).toMatch(STRONG_TAG)
  return tag ?? ''
}

export function varyOf(res: ApiResponse): string[] {
  return (res.headers.get('vary') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
}

export function authOf(user: TestUser | undefined): { auth?: Credentials } {
  return user ? { auth: user.bearer } : {}
}

/**
 * If-None-Match as a browser sends it when it revalidates (on reload): with
 * `Cache-Control: max-age=0`. Without a Cache-Control of its own, fetch() would add
 * `no-cache` to the request, which the server currently lets defeat If-None-Match: that
 * case has a test of its own, so that these test If-None-Match itself.
 */
export function ifNoneMatch(tags: string): Record<string, string> {
  return { 'if-none-match': tags, 'cache-control': 'max-age=0' }
}

/** A 304: no body and no Content-Type, the tag and caching headers of the 200. */
export function expectNotModified(res: ApiResponse, ok: ApiResponse): void {
  expect(res.status, res.text).toBe(304)
  expect(res.text).toBe('')
  expect(res.headers.get('content-type')).toBeNull()
  expect(res.headers.get('etag')).toBe(ok.headers.get('etag'))
  expect(res.headers.get('cache-control')).toBe(ok.headers.get('cache-control'))
  expect(varyOf(res)).toEqual(varyOf(ok))
}

async function created<T>(res: Promise<ApiResponse<T>>): Promise<ApiResponse<T>> {
  const done = await res
  expect(done.status, done.text).toBe(201)
  return done
}

/** The requests the transcripts take for granted, sent to the server `server()` returns (started in the file's beforeAll). */
export function conditionalRequests(server: () => TestServer) {
  function get<T = unknown>(user: TestUser | undefined, path: string, headers: Record<string, string> = {}) {
    return server().api.get<T>(path, { ...authOf(user), headers })
  }

  async function read<T = unknown>(user: TestUser | undefined, path: string): Promise<ApiResponse<T>> {
    const res = await get<T>(user, path)
    expect(res.status, `GET ${path}: ${res.text.slice(0, 300)}`).toBe(200)
    return res
  }

  async function tagAt(user: TestUser | undefined, path: string): Promise<string> {
    return etagOf(await read(user, path))
  }

  const newTask = (user: TestUser, json: Record<string, unknown> = { title: unique('Task') }) => created(server().api.post<Task>(TASKS, { auth: user.bearer, json }))
  const newGoal = (user: TestUser, json: Record<string, unknown> = { name: unique('Goal') }) => created(server().api.post<Goal>(GOALS, { auth: user.bearer, json }))
  const newIncome = (user: TestUser, amount = 100) =>
    created(server().api.post<Transaction>('/api/v1/incomes', { auth: user.bearer, json: { description: unique('Salary'), amount } }))
  const newExpense = (user: TestUser, amount = 12.5) =>
    created(server().api.post<Transaction>('/api/v1/expenses', { auth: user.bearer, json: { description: unique('Pizza'), amount } }))

  async function patch<T>(user: TestUser, path: string, json: Record<string, unknown>): Promise<ApiResponse<T>> {
    const res = await server().api.patch<T>(path, { auth: user.bearer, json })
    expect(res.status, res.text).toBe(200)
    return res
  }

  async function remove(user: TestUser, path: string): Promise<void> {
    const res = await server().api.delete(path, { auth: user.bearer })
    expect(res.status, res.text).toBe(204)
  }

  /** The spec's operations that declare `status`, by operationId. */
  function operationsDeclaring(status: string): string[] {
    return server()
      .api.contract.operations()
      .filter(({ operation }) => {
        const responses = operation.responses
        return typeof responses === 'object' && responses !== null && !Array.isArray(responses) && status in responses
      })
      .map(({ operationId }) => operationId)
      .sort()
  }

  return { get, read, tagAt, newTask, newGoal, newIncome, newExpense, patch, remove, operationsDeclaring }
}
