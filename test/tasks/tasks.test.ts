/**
 * The todo list, as the curl transcripts of the classic Flask todo tutorial exercise it:
 * each test is a request, the status, and the body. Every response is also held to
 * `openapi.yaml` by the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse, RequestOptions } from '../support/client.js'
import { expectProblem, parametersOf, parseLinks, pointersOf } from '../support/expect.js'
import { type Problem, signUp, startTestServer, type Task, type TaskList, type TestServer, type TestUser } from '../support/server.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const TASKS = '/api/v1/tasks'
const TASK_FIELDS = ['created_at', 'description', 'done', 'id', 'title', 'updated_at', 'uri']
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Long enough for the clock to move on by at least one millisecond. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

const taskPath = (id: number | string) => `${TASKS}/${id}`

function listPath(query: Record<string, string | number | boolean> = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) params.set(name, String(value))
  const search = params.toString()
  return search ? `${TASKS}?${search}` : TASKS
}

async function create(user: TestUser, json: Record<string, unknown>): Promise<Task> {
  const res = await server.api.post<Task>(TASKS, { auth: user.bearer, json })
  expect(res.status, res.text).toBe(201)
  return res.body
}

async function createMany(user: TestUser, titles: readonly string[]): Promise<Task[]> {
  const tasks: Task[] = []
  for (const title of titles) tasks.push(await create(user, { title }))
  return tasks
}

/**
 * A page by number (page 1 unless the query says otherwise), whose meta carries the
 * total; cursor pages, the default without `page`, are walked in test/http/cursor-pages.test.ts.
 */
async function list(user: TestUser, query: Record<string, string | number | boolean> = {}): Promise<ApiResponse<TaskList>> {
  const res = await server.api.get<TaskList>(listPath({ page: 1, ...query }), { auth: user.bearer })
  expect(res.status, res.text).toBe(200)
  return res
}

function expectValidTask(task: Task): void {
  expect(Object.keys(task).sort()).toEqual(TASK_FIELDS)
  expect(Number.isInteger(task.id)).toBe(true)
  expect(task.uri.startsWith(server.baseUrl)).toBe(true)
  expect(task.uri.endsWith(`/api/v1/tasks/${task.id}`)).toBe(true)
  expect(task.created_at).toMatch(RFC3339_UTC_MS)
  expect(task.updated_at).toMatch(RFC3339_UTC_MS)
}

describe('create a task', () => {
  it('POST /api/v1/tasks with JSON -> 201, the task, Location = uri', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Task>(TASKS, {
      auth: me.bearer,
      json: { title: 'Buy groceries', description: 'Milk, Cheese, Pizza, Fruit, Tylenol' },
    })
    expect(res.status).toBe(201)
    expectValidTask(res.body)
    expect(res.body).toMatchObject({ title: 'Buy groceries', description: 'Milk, Cheese, Pizza, Fruit, Tylenol', done: false })
    expect(res.headers.get('location')).toBe(res.body.uri)
    expect(res.body.created_at).toBe(res.body.updated_at)
    expect(Date.parse(res.body.created_at)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('POST with a form body title=Read a book -> 201, description "" and done false', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Task>(TASKS, { auth: me.basic, form: { title: 'Read a book' } })
    expect(res.status).toBe(201)
    expectValidTask(res.body)
    expect(res.body).toMatchObject({ title: 'Read a book', description: '', done: false })
    expect(res.headers.get('location')).toBe(res.body.uri)
    expect(res.body.created_at).toBe(res.body.updated_at)
  })

  it('POST with a form body done=true -> 201, done === true', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Task>(TASKS, { auth: me.bearer, form: { title: 'x', done: 'true' } })
    expect(res.status).toBe(201)
    expect(res.body.done).toBe(true)
    expect(res.body.title).toBe('x')
  })

  it('POST with only a title -> defaults description "" and done false', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Learn Python' })
    expectValidTask(task)
    expect(task).toMatchObject({ title: 'Learn Python', description: '', done: false })
  })

  it('POST with a title of 200 characters, or 200 emoji, is fine', async () => {
    const me = await signUp(server.api)
    const plain = await create(me, { title: 'a'.repeat(200) })
    expect(plain.title).toBe('a'.repeat(200))
    const emoji = await create(me, { title: '😀'.repeat(200) })
    expect([...emoji.title]).toHaveLength(200)
    const description = await create(me, { title: 'long', description: 'd'.repeat(2000) })
    expect(description.description).toHaveLength(2000)
  })

  it('the new task can be read at its uri (an absolute URL)', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Follow me' })
    const res = await server.api.get<Task>(task.uri, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(task)
  })
})

describe('read, replace, update and delete a task', () => {
  it('GET /api/v1/tasks/{id} -> 200, the task', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Read me', description: 'twice', done: true })
    const res = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
    expect(res.status).toBe(200)
    expectValidTask(res.body)
    expect(res.body).toEqual(task)
  })

  it('GET a task that does not exist -> 404 NOT_FOUND', async () => {
    const me = await signUp(server.api)
    const res = await server.api.get<Problem>(taskPath(999_999), { auth: me.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it('PUT replaces the task: fields left out go back to their defaults', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Old', description: 'old text', done: true })
    await tick()
    const res = await server.api.put<Task>(taskPath(task.id), { auth: me.bearer, json: { title: 'New' } })
    expect(res.status).toBe(200)
    expectValidTask(res.body)
    expect(res.body).toMatchObject({ id: task.id, uri: task.uri, title: 'New', description: '', done: false })
    expect(res.body.created_at).toBe(task.created_at)
    expect(res.body.updated_at).not.toBe(task.updated_at)
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(task.updated_at))

    const read = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
    expect(read.body).toEqual(res.body)
  })

  it('PUT with every field -> 200, all of them replaced', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Old' })
    const res = await server.api.put<Task>(taskPath(task.id), {
      auth: me.bearer,
      json: { title: 'Newer', description: 'all new', done: true },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ title: 'Newer', description: 'all new', done: true })
  })

  it('PUT with a form body -> 200', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Old', description: 'gone soon' })
    const res = await server.api.put<Task>(taskPath(task.id), { auth: me.bearer, form: { title: 'From a form', done: 'true' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ title: 'From a form', description: '', done: true })
  })

  it('PUT a task that does not exist -> 404', async () => {
    const me = await signUp(server.api)
    const res = await server.api.put<Problem>(taskPath(999_999), { auth: me.bearer, json: { title: 'Nobody' } })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it('PATCH with application/merge-patch+json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Keep', description: 'keep too' })
    await tick()
    const res = await server.api.patch<Task>(taskPath(task.id), {
      auth: me.bearer,
      json: { done: true },
      contentType: 'application/merge-patch+json',
    })
    expect(res.status).toBe(200)
    expectValidTask(res.body)
    expect(res.body).toMatchObject({ title: 'Keep', description: 'keep too', done: true })
    expect(res.body.created_at).toBe(task.created_at)
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(task.updated_at))
  })

  it('PATCH with application/json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Before', description: 'stays', done: true })
    await tick()
    const res = await server.api.patch<Task>(taskPath(task.id), { auth: me.bearer, json: { title: 'After' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ title: 'After', description: 'stays', done: true })
    expect(res.body.created_at).toBe(task.created_at)
    expect(res.body.updated_at).not.toBe(task.updated_at)

    const read = await server.api.get<Task>(taskPath(task.id), { auth: me.bearer })
    expect(read.body).toEqual(res.body)
  })

  it('PATCH {} changes nothing, not even updated_at', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Untouched', description: 'really', done: true })
    await tick()
    const res = await server.api.patch<Task>(taskPath(task.id), {
      auth: me.bearer,
      json: {},
      contentType: 'application/merge-patch+json',
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(task)
  })

  it('PATCH with a form body done=true -> 200, done === true', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Form patch', description: 'kept' })
    const res = await server.api.patch<Task>(taskPath(task.id), { auth: me.bearer, form: { done: 'true' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ title: 'Form patch', description: 'kept', done: true })
  })

  it('PATCH a task that does not exist -> 404', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<Problem>(taskPath(999_999), { auth: me.bearer, json: { done: true } })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it('DELETE -> 204 with an empty body; then GET -> 404 and a second DELETE -> 404', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Short-lived' })
    const deleted = await server.api.delete(taskPath(task.id), { auth: me.bearer })
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe('')

    const read = await server.api.get<Problem>(taskPath(task.id), { auth: me.bearer })
    expectProblem(read, 404, 'NOT_FOUND')
    const again = await server.api.delete<Problem>(taskPath(task.id), { auth: me.bearer })
    expectProblem(again, 404, 'NOT_FOUND')

    const listed = await list(me)
    expect(listed.body.data).toEqual([])
  })
})

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

describe('400 BAD_REQUEST', () => {
  let me: TestUser
  let task: Task
  beforeAll(async () => {
    me = await signUp(server.api)
    task = await create(me, { title: 'Still here' })
  })

  it.each([
    ['POST', TASKS],
    ['PUT', '/api/v1/tasks/{id}'],
    ['PATCH', '/api/v1/tasks/{id}'],
  ] as const)('%s %s with malformed JSON -> 400', async (method, template) => {
    const path = template.replace('{id}', String(task.id))
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, raw: '{"title": "unfinished', contentType: 'application/json' })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.type).toBe('/problems/bad-request')
  })

  const badIds = ['abc', '0', '1.5', '-1'] as const
  const byMethod: ReadonlyArray<{ method: 'GET' | 'PUT' | 'PATCH' | 'DELETE'; options: RequestOptions }> = [
    { method: 'GET', options: {} },
    { method: 'PUT', options: { json: { title: 'x' } } },
    { method: 'PATCH', options: { json: { done: true } } },
    { method: 'DELETE', options: {} },
  ]
  for (const { method, options } of byMethod) {
    it.each(badIds)(`${method} /api/v1/tasks/%s -> 400 naming the parameter taskId`, async (id) => {
      const res = await server.api.request<Problem>(method, taskPath(id), { ...options, auth: me.bearer })
      expectProblem(res, 400, 'BAD_REQUEST')
      expect(parametersOf(res.body)).toEqual(['taskId'])
    })
  }

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

describe('GET /api/v1/tasks', () => {
  it('an empty list -> 200, data [], total 0, pages 0', async () => {
    const me = await signUp(server.api)
    const res = await list(me)
    expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
    const links = parseLinks(res.headers.get('link'))
    expect(links.next).toBeUndefined()
    expect(links.prev).toBeUndefined()
  })

  it('lists in created_at order, then id, by default', async () => {
    const me = await signUp(server.api)
    const tasks = await createMany(me, ['first', 'second', 'third'])
    const res = await list(me)
    expect(Object.keys(res.body).sort()).toEqual(['data', 'meta'])
    expect(res.body.meta).toEqual({ page: 1, per_page: 20, total: 3, pages: 1 })
    expect(res.body.data).toEqual(tasks)
    for (const task of res.body.data) expectValidTask(task)
  })

  it('sort=created_at and sort=-created_at', async () => {
    const me = await signUp(server.api)
    const tasks = await createMany(me, ['one', 'two', 'three'])
    await tick()
    const late = await create(me, { title: 'four' })
    const ids = [...tasks, late].map((t) => t.id)

    const ascending = await list(me, { sort: 'created_at' })
    expect(ascending.body.data.map((t) => t.id)).toEqual(ids)
    const descending = await list(me, { sort: '-created_at' })
    expect(descending.body.data.map((t) => t.id)).toEqual([...ids].reverse())
  })

  it('sort=title and sort=-title ignore case', async () => {
    const me = await signUp(server.api)
    await createMany(me, ['banana', 'Cherry', 'apple', 'Date', 'Apricot'])
    const ascending = await list(me, { sort: 'title' })
    expect(ascending.body.data.map((t) => t.title)).toEqual(['apple', 'Apricot', 'banana', 'Cherry', 'Date'])
    const descending = await list(me, { sort: '-title' })
    expect(descending.body.data.map((t) => t.title)).toEqual(['Date', 'Cherry', 'banana', 'Apricot', 'apple'])
  })

  it('done=true and done=false filter', async () => {
    const me = await signUp(server.api)
    const open = await create(me, { title: 'open' })
    const closed = await create(me, { title: 'closed', done: true })
    const alsoOpen = await create(me, { title: 'also open' })

    const done = await list(me, { done: true })
    expect(done.body.data.map((t) => t.id)).toEqual([closed.id])
    expect(done.body.meta.total).toBe(1)
    const notDone = await list(me, { done: false })
    expect(notDone.body.data.map((t) => t.id)).toEqual([open.id, alsoOpen.id])
    expect(notDone.body.meta.total).toBe(2)
  })

  it('q is a case-insensitive substring of the title', async () => {
    const me = await signUp(server.api)
    const book = await create(me, { title: 'Read a Book' })
    const notebook = await create(me, { title: 'buy a NOTEBOOK' })
    await create(me, { title: 'Learn Python', description: 'a book about it' })

    const res = await list(me, { q: 'bOoK' })
    expect(res.body.data.map((t) => t.id)).toEqual([book.id, notebook.id])
    expect(res.body.meta.total).toBe(2)
    const none = await list(me, { q: 'nothing like this' })
    expect(none.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
  })

  it('q ignores case for non-ASCII letters too: q=éCOLE finds "École"', async () => {
    const me = await signUp(server.api)
    const ecole = await create(me, { title: 'École' })
    await create(me, { title: 'Ecole without accent' })
    const upper = await list(me, { q: 'éCOLE' })
    expect(upper.body.data.map((t) => t.id)).toEqual([ecole.id])
    const lower = await list(me, { q: 'école' })
    expect(lower.body.data.map((t) => t.id)).toEqual([ecole.id])
  })

  it('% and _ in q match themselves', async () => {
    const me = await signUp(server.api)
    const percent = await create(me, { title: '100% done' })
    const underscore = await create(me, { title: 'snake_case names' })
    await create(me, { title: 'plain title' })
    await create(me, { title: 'snakeXcase' })

    const byPercent = await list(me, { q: '%' })
    expect(byPercent.body.data.map((t) => t.id)).toEqual([percent.id])
    const byUnderscore = await list(me, { q: 'snake_case' })
    expect(byUnderscore.body.data.map((t) => t.id)).toEqual([underscore.id])
    const byBackslash = await list(me, { q: '\\' })
    expect(byBackslash.body.data).toEqual([])
  })

  it('filters combine: done=false and q', async () => {
    const me = await signUp(server.api)
    const wanted = await create(me, { title: 'Write report' })
    await create(me, { title: 'Write letter', done: true })
    await create(me, { title: 'Read report', done: false })
    const res = await list(me, { done: false, q: 'write' })
    expect(res.body.data.map((t) => t.id)).toEqual([wanted.id])
  })

  describe('pagination over 5 tasks, per_page=2', () => {
    let me: TestUser
    let tasks: Task[]
    beforeAll(async () => {
      me = await signUp(server.api)
      tasks = await createMany(me, ['t1', 't2', 't3', 't4', 't5'])
    })

    it('page 1: two tasks, meta.pages 3, Link first, next and last, no prev', async () => {
      const res = await list(me, { per_page: 2 })
      expect(res.body.meta).toEqual({ page: 1, per_page: 2, total: 5, pages: 3 })
      expect(res.body.data.map((t) => t.id)).toEqual(tasks.slice(0, 2).map((t) => t.id))
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next'])
      expect(new URL(links.first ?? '').searchParams.get('page')).toBe('1')
      expect(new URL(links.next ?? '').searchParams.get('page')).toBe('2')
      expect(new URL(links.last ?? '').searchParams.get('page')).toBe('3')
      for (const url of Object.values(links)) {
        expect(url.startsWith(`${server.baseUrl}/api/v1/tasks?`)).toBe(true)
        expect(new URL(url).searchParams.get('per_page')).toBe('2')
      }
    })

    it('page 2: Link prev and next', async () => {
      const res = await list(me, { page: 2, per_page: 2 })
      expect(res.body.meta).toEqual({ page: 2, per_page: 2, total: 5, pages: 3 })
      expect(res.body.data.map((t) => t.id)).toEqual(tasks.slice(2, 4).map((t) => t.id))
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next', 'prev'])
      expect(new URL(links.prev ?? '').searchParams.get('page')).toBe('1')
      expect(new URL(links.next ?? '').searchParams.get('page')).toBe('3')
    })

    it('page 3: the last task, no next', async () => {
      const res = await list(me, { page: 3, per_page: 2 })
      expect(res.body.meta).toEqual({ page: 3, per_page: 2, total: 5, pages: 3 })
      expect(res.body.data.map((t) => t.id)).toEqual([tasks[4]?.id])
      const links = parseLinks(res.headers.get('link'))
      expect(links.next).toBeUndefined()
      expect(new URL(links.prev ?? '').searchParams.get('page')).toBe('2')
      expect(new URL(links.last ?? '').searchParams.get('page')).toBe('3')
    })

    it('following the next links (absolute URLs) walks every task once', async () => {
      const seen: number[] = []
      let next: string | undefined = `${server.baseUrl}${listPath({ per_page: 2 })}`
      let pages = 0
      while (next !== undefined) {
        const res: ApiResponse<TaskList> = await server.api.get<TaskList>(next, { auth: me.bearer })
        expect(res.status).toBe(200)
        seen.push(...res.body.data.map((t) => t.id))
        next = parseLinks(res.headers.get('link')).next
        pages += 1
        expect(pages).toBeLessThanOrEqual(3)
      }
      expect(pages).toBe(3)
      expect(seen).toEqual(tasks.map((t) => t.id))
    })

    it('a page past the end -> 200, empty data, the right total', async () => {
      const res = await list(me, { page: 10, per_page: 2 })
      expect(res.body).toEqual({ data: [], meta: { page: 10, per_page: 2, total: 5, pages: 3 } })
      expect(parseLinks(res.headers.get('link')).next).toBeUndefined()
    })

    it('the links keep the filters and the sort', async () => {
      await create(me, { title: 'd1', done: true })
      const res = await list(me, { done: false, sort: '-created_at', per_page: 2 })
      expect(res.body.meta).toEqual({ page: 1, per_page: 2, total: 5, pages: 3 })
      const links = parseLinks(res.headers.get('link'))
      for (const url of Object.values(links)) {
        const params = new URL(url).searchParams
        expect(params.get('done')).toBe('false')
        expect(params.get('sort')).toBe('-created_at')
        expect(params.get('per_page')).toBe('2')
      }
      const next = await server.api.get<TaskList>(links.next ?? '', { auth: me.bearer })
      expect(next.status).toBe(200)
      expect(next.body.meta).toEqual({ page: 2, per_page: 2, total: 5, pages: 3 })
      expect(next.body.data.map((t) => t.id)).toEqual([tasks[2]?.id, tasks[1]?.id])
      expect(next.body.data.every((t) => !t.done)).toBe(true)
    })

    it('the links keep q', async () => {
      const res = await list(me, { q: 't', per_page: 2 })
      const links = parseLinks(res.headers.get('link'))
      expect(new URL(links.next ?? '').searchParams.get('q')).toBe('t')
    })
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
