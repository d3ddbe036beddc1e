/**
 * `listAll` of the SDK walks a whole list through `Link: rel="next"`, against a live
 * server, every response held to `openapi.yaml`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AchieverClient, createAchieverClient, ListPageError, listAll, nextLink } from '../../src/client/index.js'
import { checkedFetch } from '../support/checked-fetch.js'
import { signUp, startTestServer, type TestServer, type TestUser } from '../support/server.js'

let server: TestServer
let me: TestUser
let api: AchieverClient
/** Every URL the SDK asked for, in order. */
const requested: string[] = []

beforeAll(async () => {
  server = await startTestServer()
  me = await signUp(server.api)
  const checked = checkedFetch(server.api.contract)
  api = createAchieverClient({
    baseUrl: server.baseUrl,
    auth: { bearer: me.token },
    fetch: (request: Request) => {
      requested.push(request.url)
      return checked(request)
    },
  })
  const at = '2026-11-21T10:00:00.000Z'
  // 23 tasks, all at one moment: the order is the title, then id.
  await server.db
    .insertInto('tasks')
    .values(Array.from({ length: 23 }, (_, i) => ({ user_id: me.id, title: `task ${i % 4}`, description: '', done: i % 2, created_at: at, updated_at: at })))
    .execute()
})
afterAll(() => server.close())

describe('listAll', () => {
  it('yields every task once, in the sort order, a cursor page at a time', async () => {
    requested.length = 0
    const titles: string[] = []
    const ids = new Set<number>()
    for await (const task of listAll(api, '/api/v1/tasks', { query: { sort: '-title', per_page: 5 } })) {
      titles.push(task.title)
      ids.add(task.id)
    }
    expect(ids.size).toBe(23)
    expect(titles).toEqual([...titles].sort().reverse())
    expect(requested).toHaveLength(5)
    expect(requested.slice(1).every((url) => new URL(url).searchParams.has('cursor'))).toBe(true)
    expect(requested.every((url) => !new URL(url).searchParams.has('page'))).toBe(true)
  })

  it('keeps the filters on every page', async () => {
    const done: boolean[] = []
    for await (const task of listAll(api, '/api/v1/tasks', { query: { done: true, per_page: 2 } })) done.push(task.done)
    expect(done).toEqual(Array.from({ length: 11 }, () => true))
  })

  it('an empty list yields nothing, in one request', async () => {
    requested.length = 0
    const items = []
    for await (const income of listAll(api, '/api/v1/incomes')) items.push(income)
    expect(items).toEqual([])
    expect(requested).toHaveLength(1)
  })

  it('a page that fails throws ListPageError with the problem', async () => {
    const anonymous = createAchieverClient({ baseUrl: server.baseUrl, fetch: checkedFetch(server.api.contract) })
    const walk = listAll(anonymous, '/api/v1/goals')
    const failure = await walk.next().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(ListPageError)
    expect((failure as ListPageError).response.status).toBe(401)
    expect((failure as ListPageError).error).toMatchObject({ code: 'UNAUTHORIZED' })
  })
})

describe('nextLink', () => {
  it('finds rel="next" among the others, and nothing when there is none', () => {
    expect(nextLink('<http://h/a?per_page=2>; rel="first", <http://h/a?per_page=2&cursor=x_y>; rel="next"')).toBe('http://h/a?per_page=2&cursor=x_y')
    expect(nextLink('<http://h/a?page=1>; rel="first", <http://h/a?page=3>; rel="last"')).toBeUndefined()
    expect(nextLink('<http://h/a?page=2>; rel=next')).toBe('http://h/a?page=2')
    expect(nextLink(null)).toBeUndefined()
  })
})
