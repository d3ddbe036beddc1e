/**
 * Load shedding (src/http/load-shedding.ts): while requests wait longer than
 * LOAD_SHED_LAG_MS for the event loop, /api/v1 answers 503 with Retry-After and does
 * nothing, the health checks and docs still answer, and once the lag is gone requests are
 * served again. The test sets the lag the shedder reads instead of overloading the
 * machine, so nothing here depends on its speed; the real measure is in
 * request-turns.test.ts, and what it buys under 1,000 connections in
 * `npm run bench:connections`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RequestWaits } from '../../src/http/request-turns.js'
import { expectProblem } from '../support/expect.js'
import { type Problem, signUp, startTestServer, type TaskList, type TestServer, type TestUser } from '../support/server.js'

const LAG_BOUND_MS = 200

/** The lag every request is said to have met. */
let lag = 0
const waits: RequestWaits = { waitOf: () => lag }

let server: TestServer
let me: TestUser
beforeAll(async () => {
  server = await startTestServer({ loadShedLagMs: LAG_BOUND_MS }, { requestWaits: waits })
  me = await signUp(server.api)
})
afterAll(() => server.close())
afterEach(() => {
  lag = 0
})

describe('while requests wait longer than LOAD_SHED_LAG_MS', () => {
  it('GET /api/v1/tasks is 503 SERVICE_UNAVAILABLE with Retry-After, and a problem that stays out of caches', async () => {
    lag = 500
    const res = await server.api.get<Problem>('/api/v1/tasks', { auth: me.bearer })
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE')
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    expect(res.body).toEqual({
      type: '/problems/service-unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: 'The server is too busy to take this request now. Retry after the time in Retry-After.',
      code: 'SERVICE_UNAVAILABLE',
    })
  })

  it('asks for a longer wait the further behind it is', async () => {
    lag = 2_500
    const res = await server.api.get<Problem>('/api/v1/users/me', { auth: me.bearer })
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE')
    expect(res.headers.get('retry-after')).toBe('3')
  })

  it('sheds before anything else: no credentials checked, nothing created', async () => {
    lag = 500
    const anonymous = await server.api.get<Problem>('/api/v1/tasks')
    expectProblem(anonymous, 503, 'SERVICE_UNAVAILABLE')
    const created = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, json: { title: 'Shed' } })
    expectProblem(created, 503, 'SERVICE_UNAVAILABLE')
    lag = 0
    const list = await server.api.get<TaskList>('/api/v1/tasks', { auth: me.bearer })
    expect(list.status).toBe(200)
    expect(list.body.data.map((task) => task.title)).not.toContain('Shed')
  })

  it('still answers /healthz, /readyz, the spec and the docs', async () => {
    lag = 10_000
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/openapi.yaml']) {
      const res = await server.api.get(path)
      expect(res.status, path).toBe(200)
    }
  })

  it('logs each shed request with its status and how long it waited', async () => {
    lag = 750
    const res = await server.api.get('/api/v1/tasks', { auth: me.bearer, headers: { 'x-request-id': 'shed-log-check' } })
    expect(res.status).toBe(503)
    const line = server
      .logs()
      .split('\n')
      .find((l) => l.includes('"shed-log-check"'))
    expect(JSON.parse(line ?? '{}')).toMatchObject({ reqId: 'shed-log-check', method: 'GET', status: 503, wait: 750, msg: 'request' })
  })
})

describe('when the lag drops', () => {
  it('serves /api/v1 again', async () => {
    lag = 500
    expect((await server.api.get('/api/v1/tasks', { auth: me.bearer })).status).toBe(503)
    lag = 10
    expect((await server.api.get('/api/v1/tasks', { auth: me.bearer })).status).toBe(200)
  })

  it('serves a request that waited exactly LOAD_SHED_LAG_MS', async () => {
    lag = LAG_BOUND_MS
    expect((await server.api.get('/api/v1/tasks', { auth: me.bearer })).status).toBe(200)
  })
})
