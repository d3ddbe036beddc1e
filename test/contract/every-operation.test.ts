/**
 * Rules every operation keeps, checked on every operation in the spec: a valid request
 * succeeds; an unknown query parameter is 400; an Accept that excludes what it offers is
 * 406; headers that do not arrive in time, 408; headers over 16 KiB, 431; without credentials, 401; under a per-user request limit, 429 with Retry-After
 * and the RateLimit fields; without its database, 500 (a bare problem, no internals);
 * while the server is overloaded, 503 with Retry-After on every /api/v1 operation.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RequestWaits } from '../../src/http/request-turns.js'
import { Contract } from '../support/contract.js'
import { exercised } from '../support/coverage.js'
import { BARE_INTERNAL_ERROR, expectProblem } from '../support/expect.js'
import { type PlannedRequest, VALID_REQUESTS, withQuery } from '../support/operation-requests.js'
import { slowRequest } from '../support/raw.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser, useTestServer } from '../support/server.js'

const contract = new Contract()
const everyOperation = contract.operations().map(({ operationId }) => operationId)
const declaring = (status: number) => everyOperation.filter((id) => contract.declaredStatuses(id).includes(status))
const secured = everyOperation.filter((id) => contract.declaredStatuses(id).includes(401))

function plan(operationId: string, user: TestUser, server: TestServer): Promise<PlannedRequest> {
  const planned = VALID_REQUESTS[operationId]
  if (!planned) throw new Error(`no valid request for ${operationId} in test/support/operation-requests.ts`)
  return planned(user, server.api)
}

const server = useTestServer()

it('test/support/operation-requests.ts has a valid request for every operation, and for nothing else', () => {
  expect(Object.keys(VALID_REQUESTS).sort()).toEqual([...everyOperation].sort())
})

describe('a valid request succeeds', () => {
  it.each(everyOperation)('%s', async (operationId) => {
    const user = await signUp(server.api)
    const { method, path, options } = await plan(operationId, user, server)
    const res = await server.api.request(method, path, options)
    expect(res.status, res.text).toBeGreaterThanOrEqual(200)
    expect(res.status, res.text).toBeLessThan(300)
    expect(res.operationId).toBe(operationId)
  })
})

describe('400 for a query parameter the operation does not take', () => {
  it.each(declaring(400))('%s', async (operationId) => {
    const user = await signUp(server.api)
    const { method, path, options } = withQuery(await plan(operationId, user, server), 'no_such_parameter', '1')
    const res = await server.api.request<Problem>(method, path, options)
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.errors?.map((e) => e.parameter)).toContain('no_such_parameter')
  })
})

describe('406 when Accept excludes what the operation offers', () => {
  it.each(declaring(406))('%s', async (operationId) => {
    const user = await signUp(server.api)
    const { method, path, options } = await plan(operationId, user, server)
    const res = await server.api.request<Problem>(method, path, { ...options, headers: { ...options.headers, accept: 'image/png' } })
    expectProblem(res, 406, 'NOT_ACCEPTABLE')
  })
})

describe('431 when the request line and headers are over 16 KiB', () => {
  it.each(declaring(431))('%s', async (operationId) => {
    const user = await signUp(server.api)
    const { method, path, options } = await plan(operationId, user, server)
    const res = await server.api.request<Problem>(method, path, { ...options, headers: { ...options.headers, 'x-padding': 'a'.repeat(20_000) } })
    expectProblem(res, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })
})

describe('408 when the headers do not arrive in time', () => {
  let timed: TestServer
  beforeAll(async () => {
    timed = await startTestServer({ headersTimeoutSeconds: 1 })
  })
  afterAll(() => timed.close())

  // One stalled request per operation, all at once: each waits out the same timeout.
  it('every operation declaring it', { timeout: 30_000 }, async () => {
    const operations = declaring(408)
    expect(operations).toEqual(everyOperation)
    const user = await signUp(timed.api)
    const requests = await Promise.all(operations.map((operationId) => plan(operationId, user, timed)))
    const responses = await Promise.all(
      requests.map(({ method, path }) => slowRequest(timed.baseUrl, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n`)),
    )
    responses.forEach((res, i) => {
      const { method, path } = requests[i] as PlannedRequest
      expect(res.status, `${method} ${path}`).toBe(408)
      expect(JSON.parse(res.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' })
      const matched = contract.check({ method, path: new URL(path, timed.baseUrl).pathname, ...res })
      expect(matched?.operationId).toBe(operations[i])
      exercised(matched?.operationId, res.status)
    })
  })
})

describe('401 without credentials, offering both schemes the operation takes', () => {
  it.each(secured)('%s', async (operationId) => {
    const user = await signUp(server.api)
    const { method, path, options } = await plan(operationId, user, server)
    const { auth: _auth, ...anonymous } = options
    const res = await server.api.request<Problem>(method, path, anonymous)
    expectProblem(res, 401, 'UNAUTHORIZED')
    expect(res.headers.get('www-authenticate')).toMatch(/Basic|Bearer/)
  })
})

describe('429 past a per-user request limit', () => {
  let limited: TestServer
  beforeAll(async () => {
    limited = await startTestServer({ rateLimitRequests: 40, rateLimitWindowSeconds: 600 })
  })
  afterAll(() => limited.close())

  // The limit counts a signed-in user's requests; registration's 429 (the login throttle,
  // on a retry's password check) is in test/http/idempotency-registration.test.ts.
  it.each(declaring(429).filter((id) => secured.includes(id)))('%s', async (operationId) => {
    const user = await signUp(limited.api)
    const request = await plan(operationId, user, limited)
    // Use up what is left of the quota (signing up took one request: the token).
    for (let used = 0; ; used++) {
      const res = await limited.api.get('/api/v1/users/me', { auth: user.bearer })
      if (res.status === 429) break
      expect(used).toBeLessThan(40)
    }
    const res = await limited.api.request<Problem>(request.method, request.path, request.options)
    expectProblem(res, 429, 'TOO_MANY_REQUESTS')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(res.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/)
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=40;w=600')
  })
})

describe('500 without the database: a bare problem that reveals nothing', () => {
  let broken: TestServer
  let rootDir: string
  const plans = new Map<string, PlannedRequest>()
  beforeAll(async () => {
    // A project root with the spec but without the rendered docs, so /docs fails too.
    rootDir = mkdtempSync(join(tmpdir(), 'achiever-root-'))
    cpSync(join(import.meta.dirname, '../../openapi.yaml'), join(rootDir, 'openapi.yaml'))
    broken = await startTestServer({ rootDir })
    for (const operationId of declaring(500)) plans.set(operationId, await plan(operationId, await signUp(broken.api), broken))
    await broken.db.destroy()
  })
  afterAll(async () => {
    await broken.close()
    rmSync(rootDir, { recursive: true, force: true })
  })

  // Served from memory, or answered 503 (readyz): these cannot fail with a 500 from outside.
  const untriggerable = new Set(['checkLiveness', 'checkReadiness', 'getOpenApiYaml', 'getOpenApiJson'])
  it.each(declaring(500).filter((id) => !untriggerable.has(id)))('%s', async (operationId) => {
    const { method, path, options } = plans.get(operationId) as PlannedRequest
    const res = await broken.api.request<Problem>(method, path, options)
    expectProblem(res, 500, 'INTERNAL_ERROR')
    expect(res.body).toEqual(BARE_INTERNAL_ERROR)
  })
})

describe('503 with Retry-After while the server is overloaded', () => {
  let overloaded: TestServer
  /** What the load shedder reads: the test puts the server in the overloaded state rather than racing the clock. */
  let lagMs = 0
  const waits: RequestWaits = { waitOf: () => lagMs }
  beforeAll(async () => {
    overloaded = await startTestServer({ loadShedLagMs: 200 }, { requestWaits: waits })
  })
  afterAll(() => overloaded.close())
  afterEach(() => {
    lagMs = 0
  })

  const api = everyOperation.filter((id) =>
    contract
      .operations()
      .find((op) => op.operationId === id)
      ?.path.startsWith('/api/v1/'),
  )

  it('is declared on every /api/v1 operation', () => {
    expect(declaring(503).filter((id) => api.includes(id))).toEqual(api)
  })

  it.each(api)('%s', async (operationId) => {
    // Planned while the server keeps up; sent once requests wait past LOAD_SHED_LAG_MS.
    const { method, path, options } = await plan(operationId, await signUp(overloaded.api), overloaded)
    lagMs = 1_000
    const res = await overloaded.api.request<Problem>(method, path, options)
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(res.operationId).toBe(operationId)
  })
})
