/**
 * The todo list, as the curl transcripts of the classic Flask todo tutorial exercise it:
 * create, read, replace, update and delete a task. Each test is a request, the status,
 * and the body: well-formed JSON through the typed client the package ships, forms and
 * the rest through the test client; every response is held to `openapi.yaml` either way.
 */
import { describe, expect, it } from 'vitest'
import { expectProblem, tick } from '../support/expect.js'
import { TASKS } from '../support/paths.js'
import { type Problem, signUp, type Task, useTestServer } from '../support/server.js'
import { answerOf, typedClient } from '../support/typed-client.js'
import { taskPath, taskRequests } from './task-requests.js'

const server = useTestServer()

const { create, list, expectValidTask } = taskRequests(() => server)

describe('create a task', () => {
  it('POST /api/v1/tasks with JSON -> 201, the task, Location = uri', async () => {
    const me = await signUp(server.api)
    const res = answerOf(
      await typedClient(server.api, me).POST('/api/v1/tasks', { body: { title: 'Buy groceries', description: 'Milk, Cheese, Pizza, Fruit, Tylenol' } }),
    )
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
    const res = answerOf(await typedClient(server.api, me).GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } }))
    expect(res.status).toBe(200)
    expectValidTask(res.body)
    expect(res.body).toEqual(task)
  })

  it('PUT replaces the task: fields left out go back to their defaults', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Old', description: 'old text', done: true })
    await tick()
    const res = answerOf(await typedClient(server.api, me).PUT('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } }, body: { title: 'New' } }))
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
    const res = answerOf(
      await typedClient(server.api, me).PUT('/api/v1/tasks/{taskId}', {
        params: { path: { taskId: task.id } },
        body: { title: 'Newer', description: 'all new', done: true },
      }),
    )
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

  it('PATCH with application/merge-patch+json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const task = await create(me, { title: 'Keep', description: 'keep too' })
    await tick()
    const res = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/tasks/{taskId}', {
        params: { path: { taskId: task.id } },
        body: { done: true },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      }),
    )
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
    const res = answerOf(await typedClient(server.api, me).PATCH('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } }, body: { title: 'After' } }))
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
    const res = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/tasks/{taskId}', {
        params: { path: { taskId: task.id } },
        body: {},
        headers: { 'Content-Type': 'application/merge-patch+json' },
      }),
    )
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
