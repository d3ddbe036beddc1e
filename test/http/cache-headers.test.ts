/**
 * Cache-Control and Vary on every kind of answer: your own data (private, no-cache, Vary:
 * Authorization), secrets and problems (no-store), the public documents (max-age).
 */
import { describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import { BALANCE, GOALS, ME, TASKS } from '../support/paths.js'
import { rawRequest } from '../support/raw.js'
import { type Goal, type Problem, signUp, type Task, type Token, type User, useTestServer } from '../support/server.js'
import {
  conditionalRequests,
  etagOf,
  expectNotModified,
  ifNoneMatch,
  NEVER_A_TAG,
  NO_STORE,
  PRIVATE_REVALIDATE,
  PUBLIC_FIVE_MINUTES,
  unique,
  varyOf,
} from './conditional-requests.js'

const server = useTestServer()

const { get, read, tagAt, newTask } = conditionalRequests(() => server)

describe('Cache-Control and Vary', () => {
  function expectPrivate(res: ApiResponse, status: number): void {
    expect(res.status, `${res.operationId ?? '?'}: ${res.text.slice(0, 200)}`).toBe(status)
    expect(res.headers.get('cache-control'), res.operationId).toBe(PRIVATE_REVALIDATE)
    expect(varyOf(res), res.operationId).toContain('authorization')
    etagOf(res)
  }

  it('your own data, read or just written: private, no-cache, Vary: Authorization, an ETag', async () => {
    const me = await signUp(server.api)
    const task = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'Cached' } })
    expectPrivate(task, 201)
    const path = `${TASKS}/${task.body.id}`
    expectPrivate(await server.api.get(path, { auth: me.bearer }), 200)
    expectPrivate(await server.api.get(path, { auth: me.basic }), 200)
    expectPrivate(await server.api.patch(path, { auth: me.bearer, json: { done: true } }), 200)
    expectPrivate(await server.api.put(path, { auth: me.bearer, json: { title: 'Cached again' } }), 200)
    expectPrivate(await server.api.get(TASKS, { auth: me.bearer }), 200)
    const goal = await server.api.post<Goal>(GOALS, { auth: me.bearer, json: { name: 'Cached goal' } })
    expectPrivate(goal, 201)
    expectPrivate(await server.api.patch(`${GOALS}/${goal.body.id}`, { auth: me.bearer, json: { end: goal.body.start } }), 200)
    expectPrivate(await server.api.put(`${GOALS}/${goal.body.id}`, { auth: me.bearer, json: { name: 'Cached goal' } }), 200)
    expectPrivate(await server.api.post('/api/v1/incomes', { auth: me.bearer, json: { description: 'Salary', amount: 1 } }), 201)
    expectPrivate(await server.api.post('/api/v1/expenses', { auth: me.bearer, json: { description: 'Rent', amount: 1 } }), 201)
    expectPrivate(await server.api.get(BALANCE, { auth: me.bearer }), 200)
    expectPrivate(await server.api.patch(ME, { auth: me.bearer, json: { email: `${me.username}@example.org` } }), 200)
  })

  it('a 304 keeps them too: private, no-cache and Vary: Authorization', async () => {
    const me = await signUp(server.api)
    const ok = await read(me, ME)
    const res = await get(me, ME, ifNoneMatch(etagOf(ok)))
    expect(res.status).toBe(304)
    expect(res.headers.get('cache-control')).toBe(PRIVATE_REVALIDATE)
    expect(varyOf(res)).toContain('authorization')
  })

  it('an authenticated 204 has nothing to keep: no-store, Vary: Authorization', async () => {
    const me = await signUp(server.api)
    const task = await newTask(me)
    const deleted = await server.api.delete(`${TASKS}/${task.body.id}`, { auth: me.bearer })
    const revoked = await server.api.delete('/api/v1/tokens/current', { auth: me.bearer })
    for (const res of [deleted, revoked]) {
      expect(res.status).toBe(204)
      expect(res.headers.get('cache-control'), res.operationId).toBe(NO_STORE)
      expect(varyOf(res)).toContain('authorization')
      expect(res.headers.get('etag')).toBeNull()
    }
  })

  it('errors under /api/ carry Vary: Authorization too: who asks decides a 404, a 401 or a 422', async () => {
    const me = await signUp(server.api)
    const someoneElse = await newTask(await signUp(server.api))
    const errors = [
      await server.api.get(`${TASKS}/${someoneElse.body.id}`, { auth: me.basic }),
      await server.api.get(`${TASKS}/${someoneElse.body.id}`, { auth: me.bearer }),
      await server.api.get(TASKS),
      await server.api.post(TASKS, { auth: me.bearer, json: { title: '' } }),
      await server.api.get('/api/v1/no-such-thing', { auth: me.bearer }),
    ]
    expect(errors.map((res) => res.status)).toEqual([404, 404, 401, 422, 404])
    for (const res of errors) {
      expect(res.headers.get('cache-control'), res.operationId).toBe(NO_STORE)
      expect(varyOf(res), `${res.status} ${res.operationId}`).toContain('authorization')
    }
    // Outside the API nothing depends on the caller.
    expect(varyOf(await server.api.get('/healthz', { auth: me.bearer }))).not.toContain('authorization')
  })

  it('POST /api/v1/tokens -> 201 no-store (a secret), Vary: Authorization, no ETag', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe(NO_STORE)
    expect(varyOf(res)).toContain('authorization')
    expect(res.headers.get('etag')).toBeNull()
  })

  it('POST /api/v1/users -> 201 no-store, with the ETag of the user', async () => {
    const username = unique('registered')
    const res = await server.api.post<User>('/api/v1/users', { json: { username, email: `${username}@example.com`, password: 'long-enough-pw' } })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe(NO_STORE)
    etagOf(res)
  })

  it('GET /healthz and /readyz -> 200 no-store, no ETag', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await read(undefined, path)
      expect(res.headers.get('cache-control'), path).toBe(NO_STORE)
      expect(res.headers.get('etag'), path).toBeNull()
    }
  })

  it('GET /openapi.json, /openapi.yaml, /docs -> public, max-age=300, each its own ETag, 304 on If-None-Match', async () => {
    const tags = new Set<string>()
    for (const path of ['/openapi.json', '/openapi.yaml', '/docs']) {
      const ok = await read(undefined, path)
      expect(ok.headers.get('cache-control'), path).toBe(PUBLIC_FIVE_MINUTES)
      const tag = etagOf(ok)
      tags.add(tag)
      expect(await tagAt(undefined, path)).toBe(tag)
      expectNotModified(await get(undefined, path, ifNoneMatch(tag)), ok)
    }
    expect(tags.size).toBe(3)
  })

  it('every problem -> no-store, without an ETag', async () => {
    const me = await signUp(server.api)
    const task = await newTask(me)
    const path = `${TASKS}/${task.body.id}`
    const cases: Array<[number, Problem['code'], Promise<ApiResponse<Problem>>]> = [
      [400, 'BAD_REQUEST', server.api.get<Problem>(`${TASKS}?per_page=0`, { auth: me.bearer })],
      [400, 'BAD_REQUEST', server.api.get<Problem>(`${TASKS}/not-a-number`, { auth: me.bearer, headers: ifNoneMatch(etagOf(task)) })],
      [401, 'UNAUTHORIZED', server.api.get<Problem>(path, { headers: ifNoneMatch(etagOf(task)) })],
      [401, 'UNAUTHORIZED', server.api.get<Problem>('/api/v1/users/me', { auth: { bearer: 'not-a-token' } })],
      [404, 'NOT_FOUND', server.api.get<Problem>(`${TASKS}/999999999`, { auth: me.bearer })],
      [404, 'NOT_FOUND', server.api.get<Problem>('/api/v1/nothing-here')],
      [405, 'METHOD_NOT_ALLOWED', server.api.put<Problem>(TASKS, { auth: me.bearer, json: { title: 'x' } })],
      [406, 'NOT_ACCEPTABLE', server.api.get<Problem>(path, { auth: me.bearer, headers: { accept: 'text/html' } })],
      [406, 'NOT_ACCEPTABLE', server.api.get<Problem>('/openapi.json', { headers: { accept: 'text/html' } })],
      [409, 'CONFLICT', server.api.post<Problem>('/api/v1/users', { json: { username: me.username, email: 'x@example.com', password: 'long-enough-pw' } })],
      [412, 'PRECONDITION_FAILED', server.api.patch<Problem>(path, { auth: me.bearer, headers: { 'if-match': NEVER_A_TAG }, json: { done: true } })],
      [415, 'UNSUPPORTED_MEDIA_TYPE', server.api.post<Problem>(TASKS, { auth: me.bearer, raw: 'title', contentType: 'text/plain' })],
      [422, 'VALIDATION_ERROR', server.api.post<Problem>(TASKS, { auth: me.bearer, json: {} })],
    ]
    for (const [status, code, pending] of cases) {
      const res = await pending
      expectProblem(res, status, code)
      expect(res.headers.get('cache-control'), `${status} ${res.body.detail}`).toBe(NO_STORE)
      expect(res.headers.get('etag'), `${status} ${res.body.detail}`).toBeNull()
    }
  })

  it('problems from the HTTP parser (431, 400) are no-store too', async () => {
    const tooBig = await rawRequest(server.baseUrl, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    const garbage = await rawRequest(server.baseUrl, 'HELLO THERE\r\n\r\n')
    for (const [res, status] of [
      [tooBig, 431],
      [garbage, 400],
    ] as const) {
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(res.headers.get('cache-control'), `${status}`).toBe(NO_STORE)
    }
  })
})
