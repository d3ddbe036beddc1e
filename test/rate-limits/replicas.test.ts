/**
 * Three replicas, each the real server in its own process, on ONE database (a shared
 * SQLite file, or with `TEST_DATABASE=postgres` one PostgreSQL database): the login
 * throttle and the per-user request limit count in that database, so a client gains
 * nothing by spreading its requests over the replicas. Counted in each process's memory,
 * as they once were, every replica below would have seen one failure and let the right
 * password in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiClient, ApiResponse } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import { type Replicas, startReplicas } from '../support/replicas.js'
import type { Problem, TaskList, User } from '../support/server.js'

const WINDOW_SECONDS = 600

let replicas: Replicas | undefined

beforeAll(async () => {
  replicas = await startReplicas(3, {
    LOGIN_MAX_FAILURES: '3',
    LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
    RATE_LIMIT_REQUESTS: '5',
    RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  })
})

afterAll(async () => {
  await replicas?.stop()
})

/** The client of the replica that serves the `i`th request of a round robin. */
function api(i: number): ApiClient {
  if (!replicas) throw new Error('no replicas')
  return replicas.api(i)
}

/** Registers `username` (a public operation: neither limit counts it) through the first replica. */
async function register(username: string): Promise<{ basic: readonly [string, string]; wrong: readonly [string, string] }> {
  const password = `${username}-secret-pw`
  const created = await api(0).post<User>('/api/v1/users', { json: { username, email: `${username}@example.com`, password } })
  expect(created.status, created.text).toBe(201)
  return { basic: [username, password], wrong: [username, 'not-the-password'] }
}

function me(i: number, basic: readonly [string, string]): Promise<ApiResponse<Problem>> {
  return api(i).get<Problem>('/api/v1/users/me', { auth: { basic } })
}

describe('the login throttle, on 3 replicas', () => {
  it('3 failed logins, one on each replica, lock the username out on all three', async () => {
    const victim = await register('victim')
    const bystander = await register('bystander')

    for (let i = 0; i < 3; i++) expectProblem(await me(i, victim.wrong), 401, 'UNAUTHORIZED')

    for (let i = 0; i < 3; i++) {
      const locked = await me(i, victim.basic)
      expectProblem(locked, 429, 'TOO_MANY_REQUESTS')
      expect(locked.body.detail).toMatch(/^Too many failed logins\. Try again in \d+ seconds\.$/)
      const retryAfter = Number(locked.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS)
    }
    // Only that username: another user logs in on every replica.
    for (let i = 0; i < 3; i++) expect((await me(i, bystander.basic)).status).toBe(200)
  })

  it('a good login on one replica clears the failures made on another', async () => {
    const user = await register('forgetful')
    expectProblem(await me(0, user.wrong), 401, 'UNAUTHORIZED')
    expectProblem(await me(0, user.wrong), 401, 'UNAUTHORIZED')
    expect((await me(1, user.basic)).status).toBe(200)

    // Counted afresh on replica 0 too: one failure now, not three.
    expectProblem(await me(0, user.wrong), 401, 'UNAUTHORIZED')
    expect((await me(0, user.basic)).status).toBe(200)
  })
})

describe('the per-user request limit, on 3 replicas', () => {
  const RATE_LIMIT = /^"default";r=(\d+);t=(\d+)$/

  it('5 requests per window in all: spread round robin, the 6th is refused by every replica', async () => {
    const user = await register('quota')
    const remaining: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await api(i).get<TaskList>('/api/v1/tasks', { auth: { basic: user.basic } })
      expect(res.status, res.text).toBe(200)
      expect(res.headers.get('ratelimit-policy')).toBe(`"default";q=5;w=${WINDOW_SECONDS}`)
      remaining.push(Number(RATE_LIMIT.exec(res.headers.get('ratelimit') ?? '')?.[1]))
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0])

    for (let i = 0; i < 3; i++) {
      const refused = await api(i).get<Problem>('/api/v1/tasks', { auth: { basic: user.basic } })
      expectProblem(refused, 429, 'TOO_MANY_REQUESTS')
      expect(refused.body.detail).toMatch(/^You have used your 5 requests for this 600-second window\. Try again in \d+ seconds\.$/)
      const [, left, reset] = RATE_LIMIT.exec(refused.headers.get('ratelimit') ?? '') ?? []
      expect(Number(left)).toBe(0)
      expect(Number(reset)).toBe(Number(refused.headers.get('retry-after')))
      expect(Number(reset)).toBeLessThanOrEqual(WINDOW_SECONDS)
    }
  })
})
