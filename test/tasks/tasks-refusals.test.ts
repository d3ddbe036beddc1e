/**
 * The task operations refusing a request whole: a media type they do not take (415, 413),
 * another user's task (404), and no or wrong credentials (401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestOptions } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import { type Problem, signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'
import { TASKS, taskPath, taskRequests } from './task-requests.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const { create, list } = taskRequests(() => server)

describe('415 UNSUPPORTED_MEDIA_TYPE and 413 PAYLOAD_TOO_LARGE', () => {
  let me: TestUser
  let task: Task
  beforeAll(async () => {
    me = await signUp(server.api)
    task = await create(me, { title: 'Media' })
  })

  const writes = [
    ['POST', TASKS],
    ['PUT', '/api/v1/tasks/{id}'],
    ['PATCH', '/api/v1/tasks/{id}'],
  ] as const

  it.each(writes)('%s %s with a text/plain body -> 415', async (method, template) => {
    const path = template.replace('{id}', String(task.id))
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, raw: 'title=Read a book', contentType: 'text/plain' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(writes)('%s %s with a body and no Content-Type -> 415', async (method, template) => {
    const path = template.replace('{id}', String(task.id))
    // Bytes, not a string: fetch would label a string text/plain by itself.
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, raw: new TextEncoder().encode('{"title":"x"}') })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(writes)('%s %s with application/xml -> 415', async (method, template) => {
    const path = template.replace('{id}', String(task.id))
    const res = await server.api.request<Problem>(method, path, {
      auth: me.bearer,
      raw: '<task><done>true</done></task>',
      contentType: 'application/xml',
    })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it('POST with application/merge-patch+json (only PATCH takes it) -> 415', async () => {
    const res = await server.api.post<Problem>(TASKS, { auth: me.bearer, json: { title: 'x' }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(writes)('%s %s with a JSON body over 1 MiB -> 413', async (method, template) => {
    const path = template.replace('{id}', String(task.id))
    const res = await server.api.request<Problem>(method, path, {
      auth: me.bearer,
      json: { title: 'huge', description: 'x'.repeat(1_100_000) },
    })
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it('the task and the list are unchanged', async () => {
    const read = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
    expect(read.body).toEqual(task)
    const listed = await list(me)
    expect(listed.body.meta.total).toBe(1)
  })
})

describe('per-user isolation', () => {
  let alice: TestUser
  let bob: TestUser
  let secret: Task
  beforeAll(async () => {
    alice = await signUp(server.api)
    bob = await signUp(server.api)
    secret = await create(alice, { title: "Alice's secret", description: 'only hers' })
    await create(bob, { title: "Bob's own" })
  })

  it("GET another user's task -> 404, never 403", async () => {
    const res = await server.api.get<Problem>(taskPath(secret.id), { auth: bob.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it("PUT another user's task -> 404", async () => {
    const res = await server.api.put<Problem>(taskPath(secret.id), { auth: bob.bearer, json: { title: 'Taken over' } })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it("PATCH another user's task -> 404", async () => {
    const res = await server.api.patch<Problem>(taskPath(secret.id), { auth: bob.basic, json: { done: true } })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it("PATCH {} on another user's task -> 404", async () => {
    const res = await server.api.patch<Problem>(taskPath(secret.id), { auth: bob.bearer, json: {} })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it("DELETE another user's task -> 404", async () => {
    const res = await server.api.delete<Problem>(taskPath(secret.id), { auth: bob.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it("the owner's task is unchanged afterwards", async () => {
    const res = await server.api.get<Task>(taskPath(secret.id), { auth: alice.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(secret)
  })

  it("a list never includes another user's tasks, and total counts only one's own", async () => {
    const bobs = await list(bob)
    expect(bobs.body.data.map((t) => t.title)).toEqual(["Bob's own"])
    expect(bobs.body.meta.total).toBe(1)
    const searched = await list(bob, { q: 'secret' })
    expect(searched.body.data).toEqual([])
    expect(searched.body.meta.total).toBe(0)
    const alices = await list(alice)
    expect(alices.body.data.map((t) => t.id)).toEqual([secret.id])
    expect(alices.body.meta.total).toBe(1)
  })
})

describe('401 UNAUTHORIZED without credentials', () => {
  let owner: TestUser
  let task: Task
  beforeAll(async () => {
    owner = await signUp(server.api)
    task = await create(owner, { title: 'Private' })
  })

  const operations: ReadonlyArray<{ name: string; method: string; path: () => string; options: RequestOptions }> = [
    { name: 'listTasks', method: 'GET', path: () => TASKS, options: {} },
    { name: 'createTask', method: 'POST', path: () => TASKS, options: { json: { title: 'x' } } },
    { name: 'createTask (form)', method: 'POST', path: () => TASKS, options: { form: { title: 'x' } } },
    { name: 'getTask', method: 'GET', path: () => taskPath(task.id), options: {} },
    { name: 'replaceTask', method: 'PUT', path: () => taskPath(task.id), options: { json: { title: 'x' } } },
    { name: 'updateTask', method: 'PATCH', path: () => taskPath(task.id), options: { json: { done: true } } },
    { name: 'deleteTask', method: 'DELETE', path: () => taskPath(task.id), options: {} },
  ]

  it.each(operations)('$name ($method) with no credentials -> 401 with WWW-Authenticate', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(), options)
    expectProblem(res, 401, 'UNAUTHORIZED')
    const challenge = res.headers.get('www-authenticate') ?? ''
    expect(challenge).toMatch(/Basic/)
    expect(challenge).toMatch(/Bearer/)
  })

  it.each(operations)('$name ($method) with a wrong token -> 401', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(), { ...options, auth: { bearer: 'not-a-real-token' } })
    expectProblem(res, 401, 'UNAUTHORIZED')
  })

  it('nothing changed', async () => {
    const read = await server.api.get<Task>(taskPath(task.id), { auth: owner.bearer })
    expect(read.body).toEqual(task)
    const listed = await list(owner)
    expect(listed.body.meta.total).toBe(1)
  })
})
