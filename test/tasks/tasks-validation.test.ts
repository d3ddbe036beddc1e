/**
 * What a task request may not say: 422 with one errors[] entry per invalid field of a
 * body, and 400 for query parameters. Nothing is changed by any. Malformed bodies and ids
 * are the shared suite's (test/support/resource-suites.ts, run by tasks-refusals.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, parametersOf, pointersOf } from '../support/expect.js'
import { TASKS } from '../support/paths.js'
import { type Problem, signUp, type Task, type TestUser, useTestServer } from '../support/server.js'
import { listPath, taskPath, taskRequests } from './task-requests.js'

const server = useTestServer()

const { create, list } = taskRequests(() => server)

describe('422 VALIDATION_ERROR: one errors[] entry per invalid field', () => {
  const writeCases: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'an empty title', body: { title: '' }, pointers: ['/title'] },
    { name: 'a blank title', body: { title: '   ' }, pointers: ['/title'] },
    { name: 'a title of 201 characters', body: { title: 'a'.repeat(201) }, pointers: ['/title'] },
    { name: 'a title of 201 emoji', body: { title: '😀'.repeat(201) }, pointers: ['/title'] },
    { name: 'a description of 2001 characters', body: { title: 'ok', description: 'd'.repeat(2001) }, pointers: ['/description'] },
    { name: 'done as the string "yes"', body: { title: 'ok', done: 'yes' }, pointers: ['/done'] },
    { name: 'a title that is not a string', body: { title: ['a list'] }, pointers: ['/title'] },
    { name: 'the unknown field id', body: { title: 'ok', id: 99 }, pointers: ['/id'] },
    { name: 'the unknown field uri', body: { title: 'ok', uri: 'http://example.com/api/v1/tasks/1' }, pointers: ['/uri'] },
    { name: 'the unknown field created_at', body: { title: 'ok', created_at: '2020-01-01T00:00:00.000Z' }, pointers: ['/created_at'] },
    { name: 'the unknown field user_id', body: { title: 'ok', user_id: 1 }, pointers: ['/user_id'] },
    {
      name: 'several invalid fields at once',
      body: { title: '', description: 'd'.repeat(2001), done: 'yes', id: 1, uri: 'x', created_at: 'x', user_id: 1 },
      pointers: ['/created_at', '/description', '/done', '/id', '/title', '/uri', '/user_id'],
    },
    { name: 'a JSON array as the body', body: [{ title: 'ok' }], pointers: [''] },
    { name: 'a JSON string as the body', body: 'Read a book', pointers: [''] },
  ]
  const createOnlyCases: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'no title', body: { description: 'no title here' }, pointers: ['/title'] },
    { name: 'an empty object', body: {}, pointers: ['/title'] },
  ]

  describe('POST /api/v1/tasks', () => {
    let me: TestUser
    beforeAll(async () => {
      me = await signUp(server.api)
    })

    it.each([...writeCases, ...createOnlyCases])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.post<Problem>(TASKS, { auth: me.bearer, json: body })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
      expect(res.body.type).toBe('/problems/validation-error')
    })

    it('form body done=maybe -> 422 at /done', async () => {
      const res = await server.api.post<Problem>(TASKS, { auth: me.bearer, form: { title: 'x', done: 'maybe' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/done'])
    })

    it('form body with an unknown field user_id -> 422 at /user_id', async () => {
      const res = await server.api.post<Problem>(TASKS, { auth: me.bearer, form: { title: 'x', user_id: '1' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/user_id'])
    })

    it('nothing was created by any rejected request (no mass assignment)', async () => {
      const res = await list(me)
      expect(res.body.meta.total).toBe(0)
      expect(res.body.data).toEqual([])
    })
  })

  describe('PUT /api/v1/tasks/{id}', () => {
    let me: TestUser
    let task: Task
    beforeAll(async () => {
      me = await signUp(server.api)
      task = await create(me, { title: 'Guarded', description: 'as it was', done: true })
    })

    it.each([...writeCases, ...createOnlyCases])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.put<Problem>(taskPath(task.id), { auth: me.bearer, json: body })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
    })

    it('form body done=maybe -> 422 at /done', async () => {
      const res = await server.api.put<Problem>(taskPath(task.id), { auth: me.bearer, form: { title: 'x', done: 'maybe' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/done'])
    })

    it('the task is unchanged by every rejected request', async () => {
      const res = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
      expect(res.body).toEqual(task)
    })
  })

  describe('PATCH /api/v1/tasks/{id}', () => {
    let me: TestUser
    let task: Task
    beforeAll(async () => {
      me = await signUp(server.api)
      task = await create(me, { title: 'Guarded', description: 'as it was', done: true })
    })

    it.each(writeCases)('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.patch<Problem>(taskPath(task.id), {
        auth: me.bearer,
        json: body,
        contentType: 'application/merge-patch+json',
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
    })

    it('application/json body {"title": ""} -> 422 at /title', async () => {
      const res = await server.api.patch<Problem>(taskPath(task.id), { auth: me.bearer, json: { title: '' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/title'])
    })

    it('form body done=maybe -> 422 at /done', async () => {
      const res = await server.api.patch<Problem>(taskPath(task.id), { auth: me.bearer, form: { done: 'maybe' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/done'])
    })

    it('the task is unchanged by every rejected request', async () => {
      const res = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
      expect(res.body).toEqual(task)
    })
  })
})

describe('400 BAD_REQUEST for query parameters', () => {
  let me: TestUser
  let task: Task
  beforeAll(async () => {
    me = await signUp(server.api)
    task = await create(me, { title: 'Still here' })
  })

  it.each([
    [{ page: 0 }, 'page'],
    [{ page: 'one' }, 'page'],
    [{ per_page: 0 }, 'per_page'],
    [{ per_page: 101 }, 'per_page'],
    [{ done: 'maybe' }, 'done'],
    [{ sort: 'owner' }, 'sort'],
    [{ sort: 'user_id' }, 'sort'],
    [{ color: 'red' }, 'color'],
  ] as const)('GET /api/v1/tasks?%o -> 400 naming the parameter %s', async (query, parameter) => {
    const res = await server.api.get<Problem>(listPath(query), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual([parameter])
  })

  it('two bad query parameters -> one errors[] entry for each', async () => {
    const res = await server.api.get<Problem>(listPath({ page: 0, per_page: 101 }), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['page', 'per_page'])
  })

  it('the task survived every bad request', async () => {
    const res = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
    expect(res.body).toEqual(task)
  })
})
