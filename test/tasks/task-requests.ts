/**
 * What the task tests share: the paths, and requests that must succeed (a create, through
 * the typed client; a page) bound to a file's own server, so each test reads as the
 * request it is about.
 */
import { expect } from 'vitest'
import type { operations, Schemas } from '../../src/client/index.js'
import { RFC3339_UTC_MS } from '../support/expect.js'
import { type Query, TASKS, withQuery } from '../support/paths.js'
import type { Item, ResourceUnderTest, Write } from '../support/resource-suites.js'
import type { Task, TaskList, TestServer, TestUser } from '../support/server.js'
import { type Answer, answerOf, typedClient } from '../support/typed-client.js'

const TASK_FIELDS = ['created_at', 'description', 'done', 'id', 'title', 'updated_at', 'uri']

/** The query of GET /api/v1/tasks, as the spec types it. */
type TaskListQuery = NonNullable<operations['listTasks']['parameters']['query']>

export const taskPath = (id: number | string) => `${TASKS}/${id}`

export const listPath = (query: Query = {}): string => withQuery(TASKS, query)

/** The task requests a test takes for granted, sent to the server `server()` returns (started in the file's beforeAll). */
export function taskRequests(server: () => TestServer) {
  async function create(user: TestUser, json: Schemas['TaskWrite']): Promise<Task> {
    const res = answerOf(await typedClient(server().api, user).POST('/api/v1/tasks', { body: json }))
    expect(res.status).toBe(201)
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
  async function list(user: TestUser, query: TaskListQuery = {}): Promise<Answer<TaskList>> {
    const res = answerOf(await typedClient(server().api, user).GET('/api/v1/tasks', { params: { query: { page: 1, ...query } } }))
    expect(res.status).toBe(200)
    return res
  }

  function expectValidTask(task: Task): void {
    expect(Object.keys(task).sort()).toEqual(TASK_FIELDS)
    expect(Number.isInteger(task.id)).toBe(true)
    expect(task.uri.startsWith(server().baseUrl)).toBe(true)
    expect(task.uri.endsWith(`/api/v1/tasks/${task.id}`)).toBe(true)
    expect(task.created_at).toMatch(RFC3339_UTC_MS)
    expect(task.updated_at).toMatch(RFC3339_UTC_MS)
  }

  return { create, createMany, list, expectValidTask }
}

/** Tasks for the suites every resource runs (test/support/resource-suites.ts). */
export function taskResource(server: () => TestServer): ResourceUnderTest {
  const { create } = taskRequests(server)
  const item = (task: Task): Item => ({ path: taskPath(task.id), uri: task.uri, body: task })
  return {
    name: 'task',
    server,
    makeItems: async (owner) => [item(await create(owner, { title: 'Private', description: 'only mine' }))],
    lists: [{ path: TASKS, shows: () => true }],
    itemParameter: 'taskId',
    itemRequests: [
      { name: 'GET', method: 'GET', options: {} },
      { name: 'PUT', method: 'PUT', options: { json: { title: 'Taken over' } } },
      { name: 'PATCH', method: 'PATCH', options: { json: { done: true } } },
      { name: 'PATCH {}', method: 'PATCH', options: { json: {} } },
      { name: 'DELETE', method: 'DELETE', options: {} },
    ],
    operations: (target) => [
      { name: 'listTasks', method: 'GET', path: () => TASKS, options: {} },
      { name: 'createTask', method: 'POST', path: () => TASKS, options: { json: { title: 'x' } } },
      { name: 'createTask (form)', method: 'POST', path: () => TASKS, options: { form: { title: 'x' } } },
      { name: 'getTask', method: 'GET', path: () => target().path, options: {} },
      { name: 'replaceTask', method: 'PUT', path: () => target().path, options: { json: { title: 'x' } } },
      { name: 'updateTask', method: 'PATCH', path: () => target().path, options: { json: { done: true } } },
      { name: 'deleteTask', method: 'DELETE', path: () => target().path, options: {} },
    ],
    writes: (target): Write[] => [
      { name: 'createTask', method: 'POST', path: () => TASKS, json: { title: 'Read a book' }, jsonTypes: ['application/json'] },
      { name: 'replaceTask', method: 'PUT', path: () => target().path, json: { title: 'Read a book' }, jsonTypes: ['application/json'] },
      {
        name: 'updateTask',
        method: 'PATCH',
        path: () => target().path,
        json: { title: 'Read a book', done: true },
        jsonTypes: ['application/json', 'application/merge-patch+json'],
      },
    ],
    malformedJson: '{"title": "unfinished',
  }
}
