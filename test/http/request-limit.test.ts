/**
 * The optional per-user request limit: off by default; when configured, every response to
 * an authenticated request carries `RateLimit-Policy` (quota and window) and `RateLimit`
 * (what is left, and when the window resets), and the request past the quota is
 * `429 TOO_MANY_REQUESTS` with `Retry-After`. Each user has their own quota; requests
 * that fail authentication and public operations are not counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/schema.js'
import { TooManyRequestsError } from '../../src/errors.js'
import { RequestLimit } from '../../src/http/request-limit.js'
import { RateLimitStore } from '../../src/rate-limits/rate-limit-store.js'
import type { ApiClient, ApiResponse } from '../support/client.js'
import { createMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js'
import { expectProblem } from '../support/expect.js'
import { manualClock } from '../support/manual-clock.js'
import { TASKS } from '../support/paths.js'
import { type Problem, signUp, startTestServer, type Task, type TestServer, type Token, type User } from '../support/server.js'

const RATE_LIMIT = /^"default";r=(\d+);t=(\d+)$/

/** `RateLimit` as numbers: requests remaining and seconds until the window resets. */
function rateLimitOf(res: ApiResponse): { remaining: number; reset: number } {
  const header = res.headers.get('ratelimit') ?? ''
  const match = RATE_LIMIT.exec(header)
  if (!match) throw new Error(`RateLimit is ${JSON.stringify(header)}`)
  return { remaining: Number(match[1]), reset: Number(match[2]) }
}

function expectNoRateLimitHeaders(res: ApiResponse): void {
  expect(res.headers.get('ratelimit')).toBeNull()
  expect(res.headers.get('ratelimit-policy')).toBeNull()
}

let userCounter = 0

/** Registers a user and gets a token, returning both responses: the token request counts. */
async function register(
  api: ApiClient,
): Promise<{ user: ApiResponse<User>; token: ApiResponse<Token>; bearer: { bearer: string }; basic: { basic: readonly [string, string] } }> {
  const username = `limited${++userCounter}`
  const password = `${username}-secret-pw`
  const user = await api.post<User>('/api/v1/users', { json: { username, email: `${username}@example.com`, password } })
  expect(user.status, user.text).toBe(201)
  const basic = { basic: [username, password] as const }
  const token = await api.post<Token>('/api/v1/tokens', { auth: basic })
  expect(token.status, token.text).toBe(201)
  return { user, token, bearer: { bearer: token.body.token }, basic }
}

describe('off by default', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('the default configuration has no limit', () => {
    expect(server.config.rateLimitRequests).toBe(0)
  })

  it('40 requests of one user -> all 200, none with RateLimit headers', async () => {
    const me = await signUp(server.api)
    const responses: ApiResponse[] = []
    for (let i = 0; i < 40; i++) responses.push(await server.api.get(TASKS, { auth: me.bearer }))
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200))
    for (const res of responses) expectNoRateLimitHeaders(res)
    const created = await server.api.post(TASKS, { auth: me.bearer, json: { title: 'still fine' } })
    expect(created.status).toBe(201)
    expectNoRateLimitHeaders(created)
  })
})

describe('3 requests per 60 seconds', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ rateLimitRequests: 3, rateLimitWindowSeconds: 60 })
  })
  afterAll(() => server.close())

  it('each response says the policy and what is left; the 4th request is 429 with Retry-After and r=0', async () => {
    const me = await register(server.api)
    // Registration is public: not counted, no headers.
    expectNoRateLimitHeaders(me.user)

    // The token request is the user's first.
    expect(me.token.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60')
    expect(rateLimitOf(me.token).remaining).toBe(2)

    const second = await server.api.get(TASKS, { auth: me.bearer })
    expect(second.status).toBe(200)
    expect(second.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60')
    expect(rateLimitOf(second).remaining).toBe(1)

    const third = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'The last one' } })
    expect(third.status).toBe(201)
    expect(third.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60')
    expect(rateLimitOf(third).remaining).toBe(0)

    for (const res of [me.token, second, third]) {
      const { reset } = rateLimitOf(res)
      expect(reset).toBeGreaterThanOrEqual(1)
      expect(reset).toBeLessThanOrEqual(60)
    }

    const fourth = await server.api.get<Problem>(TASKS, { auth: me.bearer })
    expectProblem(fourth, 429, 'TOO_MANY_REQUESTS')
    expect(fourth.body.type).toBe('/problems/too-many-requests')
    const retryAfter = fourth.headers.get('retry-after') ?? ''
    expect(retryAfter).toMatch(/^\d+$/)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    expect(Number(retryAfter)).toBeLessThanOrEqual(60)
    expect(fourth.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60')
    expect(rateLimitOf(fourth).remaining).toBe(0)
    expect(rateLimitOf(fourth).reset).toBe(Number(retryAfter))
    expect(fourth.headers.get('cache-control')).toBe('no-store')
  })

  it('past the limit every authenticated operation is 429, and nothing is done', async () => {
    const me = await register(server.api)
    await server.api.get(TASKS, { auth: me.bearer })
    await server.api.get(TASKS, { auth: me.bearer })

    const create = await server.api.post<Problem>(TASKS, { auth: me.bearer, json: { title: 'Too late' } })
    expectProblem(create, 429, 'TOO_MANY_REQUESTS')
    const viaBasic = await server.api.get<Problem>('/api/v1/users/me', { auth: me.basic })
    expectProblem(viaBasic, 429, 'TOO_MANY_REQUESTS')
    const token = await server.api.post<Problem>('/api/v1/tokens', { auth: me.basic })
    expectProblem(token, 429, 'TOO_MANY_REQUESTS')
    for (const res of [create, viaBasic, token]) expect(rateLimitOf(res).remaining).toBe(0)

    const tasks = await server.db.selectFrom('tasks').select('id').where('user_id', '=', me.user.body.id).execute()
    expect(tasks).toEqual([])
  })

  it('limits are per user: another user still has all of theirs', async () => {
    const me = await register(server.api)
    const them = await register(server.api)
    await server.api.get(TASKS, { auth: me.bearer })
    await server.api.get(TASKS, { auth: me.bearer })
    expectProblem(await server.api.get<Problem>(TASKS, { auth: me.bearer }), 429, 'TOO_MANY_REQUESTS')

    // Their token request was their first; they have two left.
    expect(rateLimitOf(them.token).remaining).toBe(2)
    const theirs = await server.api.get(TASKS, { auth: them.bearer })
    expect(theirs.status).toBe(200)
    expect(rateLimitOf(theirs).remaining).toBe(1)
  })

  it('requests that fail authentication (401) are not counted, against anyone', async () => {
    const me = await register(server.api)
    const wrongPassword = await server.api.get<Problem>(TASKS, { auth: { basic: [me.basic.basic[0], 'not-the-password'] } })
    expectProblem(wrongPassword, 401, 'UNAUTHORIZED')
    expectNoRateLimitHeaders(wrongPassword)
    const badToken = await server.api.get<Problem>(TASKS, { auth: { bearer: `${me.bearer.bearer}x` } })
    expectProblem(badToken, 401, 'UNAUTHORIZED')
    expectNoRateLimitHeaders(badToken)
    for (let i = 0; i < 5; i++) {
      const anonymous = await server.api.get<Problem>(TASKS)
      expectProblem(anonymous, 401, 'UNAUTHORIZED')
      expectNoRateLimitHeaders(anonymous)
    }

    const mine = await server.api.get(TASKS, { auth: me.bearer })
    expect(mine.status).toBe(200)
    expect(rateLimitOf(mine).remaining).toBe(1)
  })

  it('public operations are not limited: health checks, and registration, even for a user past their limit', async () => {
    const me = await register(server.api)
    await server.api.get(TASKS, { auth: me.bearer })
    await server.api.get(TASKS, { auth: me.bearer })
    expectProblem(await server.api.get<Problem>(TASKS, { auth: me.bearer }), 429, 'TOO_MANY_REQUESTS')

    for (let i = 0; i < 5; i++) {
      const live = await server.api.get('/healthz')
      expect(live.status).toBe(200)
      expectNoRateLimitHeaders(live)
    }
    // Credentials on a public operation do not make it count.
    const withCredentials = await server.api.get('/healthz', { auth: me.bearer })
    expect(withCredentials.status).toBe(200)
    expectNoRateLimitHeaders(withCredentials)
    const ready = await server.api.get('/readyz', { auth: me.bearer })
    expect(ready.status).toBe(200)
    expectNoRateLimitHeaders(ready)

    for (let i = 0; i < 4; i++) {
      const another = await register(server.api)
      expectNoRateLimitHeaders(another.user)
    }
  })

  it('a 304 and a 404 after the count carry the RateLimit fields and Vary, as the spec declares them', async () => {
    const me = await register(server.api)
    const first = await server.api.get('/api/v1/users/me', { auth: me.bearer })
    expect(first.status).toBe(200)
    const etag = first.headers.get('etag') ?? ''
    const notModified = await server.api.get('/api/v1/users/me', { auth: me.bearer, headers: { 'If-None-Match': etag } })
    expect(notModified.status).toBe(304)
    expect(rateLimitOf(notModified).remaining).toBeLessThan(rateLimitOf(first).remaining)
    expect(notModified.headers.get('vary')).toBe('Authorization')

    const other = await register(server.api)
    const missing = await server.api.get<Problem>(`${TASKS}/999999999`, { auth: other.bearer })
    expectProblem(missing, 404, 'NOT_FOUND')
    expect(rateLimitOf(missing).remaining).toBeGreaterThanOrEqual(0)
    expect(missing.headers.get('vary')).toBe('Authorization')

    const contract = server.api.contract
    const declared = (ref: string) => Object.keys((contract.resolve({ $ref: ref })?.headers ?? {}) as object)
    expect(declared('#/components/responses/NotModified')).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Vary']))
    expect(declared('#/components/responses/NotFound')).toEqual(expect.arrayContaining(['Vary']))
  })

  it('the spec declares the RateLimit fields on the 429 and on the successes of authenticated operations', () => {
    const contract = server.api.contract
    const tooMany = contract.resolve({ $ref: '#/components/responses/TooManyRequests' })
    expect(Object.keys((tooMany?.headers ?? {}) as object)).toEqual(expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']))
    for (const { operationId, operation } of contract.operations()) {
      if (Array.isArray(operation.security) && operation.security.length === 0) continue
      const responses = operation.responses as Record<string, Parameters<typeof contract.resolve>[0]>
      expect(Object.keys(responses), operationId).toContain('429')
      for (const [status, response] of Object.entries(responses)) {
        if (!status.startsWith('2')) continue
        expect(Object.keys((contract.resolve(response)?.headers ?? {}) as object), `${operationId} ${status}`).toEqual(
          expect.arrayContaining(['RateLimit', 'RateLimit-Policy']),
        )
      }
    }
  })
})

describe('the window resets (RequestLimit itself)', () => {
  let database: MigratedTestDatabase
  let db: Database
  beforeAll(async () => {
    database = await createMigratedTestDatabase()
    db = database.db
  })
  afterAll(async () => {
    await database?.close()
  })

  it('1 request per second: the 2nd is refused with Retry-After: 1 and r=0; a second later the user may go on', async () => {
    const clock = manualClock()
    const limit = new RequestLimit(new RateLimitStore(db, { clock: clock.now }), 1, 1)
    const granted = await limit.take(7)
    expect(granted).toEqual({ 'RateLimit-Policy': '"default";q=1;w=1', RateLimit: '"default";r=0;t=1' })

    const refused = await limit.take(7).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(TooManyRequestsError)
    const problem = refused as TooManyRequestsError
    expect(problem.status).toBe(429)
    expect(problem.message).toBe('You have used your 1 requests for this 1-second window. Try again in 1 seconds.')
    expect(problem.headers).toEqual({ 'RateLimit-Policy': '"default";q=1;w=1', RateLimit: '"default";r=0;t=1', 'Retry-After': '1' })
    // Another user is not affected.
    expect(await limit.take(8)).toEqual(granted)

    // 1 ms before the window ends, still refused; at its end, a new window.
    clock.advance(999)
    await expect(limit.take(7)).rejects.toBeInstanceOf(TooManyRequestsError)
    clock.advance(1)
    expect(await limit.take(7)).toEqual(granted)
  })
})

describe('loadConfig: RATE_LIMIT_REQUESTS and RATE_LIMIT_WINDOW_SECONDS', () => {
  it('default to 0 (off) and 60 seconds', () => {
    expect(loadConfig({})).toMatchObject({ rateLimitRequests: 0, rateLimitWindowSeconds: 60 })
    expect(loadConfig({ RATE_LIMIT_REQUESTS: '', RATE_LIMIT_WINDOW_SECONDS: '' })).toMatchObject({ rateLimitRequests: 0, rateLimitWindowSeconds: 60 })
  })

  it('are read as integers; 0 requests turns the limit off', () => {
    expect(loadConfig({ RATE_LIMIT_REQUESTS: '100', RATE_LIMIT_WINDOW_SECONDS: '30' })).toMatchObject({ rateLimitRequests: 100, rateLimitWindowSeconds: 30 })
    expect(loadConfig({ RATE_LIMIT_REQUESTS: '0' }).rateLimitRequests).toBe(0)
    expect(loadConfig({ RATE_LIMIT_WINDOW_SECONDS: '1' }).rateLimitWindowSeconds).toBe(1)
  })

  it.each([
    ['RATE_LIMIT_REQUESTS', '-1'],
    ['RATE_LIMIT_REQUESTS', '2.5'],
    ['RATE_LIMIT_REQUESTS', 'ten'],
    ['RATE_LIMIT_WINDOW_SECONDS', '0'],
    ['RATE_LIMIT_WINDOW_SECONDS', '-60'],
    ['RATE_LIMIT_WINDOW_SECONDS', '1.5'],
    ['RATE_LIMIT_WINDOW_SECONDS', 'a minute'],
  ])('%s=%j -> ConfigError naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name))
  })
})
