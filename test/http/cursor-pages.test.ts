/**
 * Cursor (keyset) pages of every list: following `Link: rel="next"` from a list's first
 * page walks every item exactly once, in the order the page numbers give, for every sort
 * order and filter, with many ties on the sort key (rows inserted out of order, so ids do
 * not follow it). Then what a cursor refuses, `include_total`, and the empty list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { expectProblem, parseLinks } from '../support/expect.js'
import { GOALS, type Query, TASKS, TRANSACTIONS, withQuery } from '../support/paths.js'
import { mulberry32 } from '../support/random.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser } from '../support/server.js'

interface Listed {
  readonly id: number
}
interface AnyList {
  readonly data: Listed[]
  readonly meta: Record<string, number>
}

let server: TestServer
let me: TestUser
let other: TestUser
const random = mulberry32(20261205)

async function get(user: TestUser, target: string): Promise<ApiResponse<AnyList>> {
  const res = await server.api.get<AnyList>(target, { auth: user.bearer })
  expect(res.status, `${target}: ${res.text}`).toBe(200)
  return res
}

/** Follows `next` from the first cursor page; checks each page's meta and links on the way. */
async function walkByCursor(user: TestUser, path: string, query: Query, perPage: number): Promise<number[]> {
  const ids: number[] = []
  let next: string | undefined = withQuery(path, { ...query, per_page: perPage })
  for (let pages = 1; next !== undefined; pages++) {
    const res = await get(user, next)
    expect(res.body.meta).toEqual({ per_page: perPage })
    const links = parseLinks(res.headers.get('link'))
    // Every cursor page links to the first: the same list, filters and size, no cursor.
    const first = new URL(links.first ?? '')
    expect(`${first.origin}${first.pathname}`).toBe(`${server.baseUrl}${path}`)
    expect(first.searchParams.has('cursor')).toBe(false)
    for (const [name, value] of Object.entries({ ...query, per_page: perPage })) expect(first.searchParams.get(name)).toBe(String(value))
    expect(Object.keys(links).filter((rel) => rel !== 'first' && rel !== 'next')).toEqual([])
    next = links.next
    // A page is full unless it is the last; the last has no next, even when it is full.
    if (next !== undefined) expect(res.body.data).toHaveLength(perPage)
    expect(pages, 'a walk ends').toBeLessThanOrEqual(200)
    ids.push(...res.body.data.map((item) => item.id))
  }
  return ids
}

/** Every page by number, 1 to meta.pages. */
async function walkByPage(user: TestUser, path: string, query: Query, perPage: number): Promise<number[]> {
  const ids: number[] = []
  const first = await get(user, withQuery(path, { ...query, page: 1, per_page: perPage }))
  ids.push(...first.body.data.map((item) => item.id))
  for (let page = 2; page <= (first.body.meta.pages ?? 0); page++) {
    const res = await get(user, withQuery(path, { ...query, page, per_page: perPage }))
    ids.push(...res.body.data.map((item) => item.id))
  }
  expect(ids).toHaveLength(first.body.meta.total ?? -1)
  return ids
}

async function expectSameWalk(path: string, query: Query, perPage: number): Promise<number[]> {
  const byCursor = await walkByCursor(me, path, query, perPage)
  expect(new Set(byCursor).size, 'no item repeated').toBe(byCursor.length)
  expect(byCursor).toEqual(await walkByPage(me, path, query, perPage))
  return byCursor
}

/** A few moments only, so that many rows tie on created_at. */
const MOMENTS = ['2026-11-21T10:00:00.000Z', '2026-11-21T10:00:00.001Z', '2026-11-21T11:00:00.000Z', '2026-11-22T09:30:00.000Z']
/** Titles that tie once lower-cased, and non-ASCII ones. */
const TITLES = ['apple', 'Apple', 'APPLE', 'banana', 'École', 'école', 'zeta', 'Ärger', 'a', 'b_c']
const pick = <T>(items: readonly T[]): T => items[random() % items.length] as T

beforeAll(async () => {
  server = await startTestServer()
  me = await signUp(server.api)
  other = await signUp(server.api)
  // Out of time order: ids do not follow created_at.
  await server.db
    .insertInto('tasks')
    .values(
      Array.from({ length: 41 }, () => {
        const at = pick(MOMENTS)
        return { user_id: me.id, title: pick(TITLES), description: '', done: random() % 3 === 0 ? 1 : 0, created_at: at, updated_at: at }
      }),
    )
    .execute()
  await server.db
    .insertInto('transactions')
    .values(
      Array.from({ length: 37 }, (_, i) => {
        const income = random() % 2 === 0
        return { user_id: me.id, type: income ? 'income' : 'expense', description: `t${i}`, amount_cents: income ? 100 + i : -100 - i, created_at: pick(MOMENTS) }
      }),
    )
    .execute()
  const roots = await server.db
    .insertInto('goals')
    .values(
      Array.from({ length: 9 }, (_, i) => ({
        user_id: me.id,
        parent_id: null,
        name: `root ${i}`,
        description: '',
        start: MOMENTS[0] ?? '',
        end: i % 2 === 0 ? (MOMENTS[3] ?? null) : null,
        created_at: pick(MOMENTS),
        updated_at: MOMENTS[0] ?? '',
      })),
    )
    .returning('id')
    .execute()
  const parent = roots[0]?.id ?? 0
  await server.db
    .insertInto('goals')
    .values(
      Array.from({ length: 14 }, (_, i) => ({
        user_id: me.id,
        parent_id: parent,
        name: `child ${i}`,
        description: '',
        start: MOMENTS[0] ?? '',
        end: null,
        created_at: pick(MOMENTS),
        updated_at: MOMENTS[0] ?? '',
      })),
    )
    .execute()
  // Another user's rows, interleaved in every order: never on my pages.
  await server.db
    .insertInto('tasks')
    .values(TITLES.map((title) => ({ user_id: other.id, title, description: '', done: 0, created_at: MOMENTS[1] ?? '', updated_at: MOMENTS[1] ?? '' })))
    .execute()
})
afterAll(() => server.close())

// Each case walks a list twice, a page a request: dozens of requests, so an honest timeout.
describe('following next walks every task once, as the page numbers do', { timeout: 30_000 }, () => {
  const sorts = ['created_at', '-created_at', 'title', '-title'] as const
  const filters: Query[] = [{}, { done: true }, { done: false }, { q: 'e' }, { done: false, q: 'PL' }]
  it.each(sorts.flatMap((sort) => filters.map((filter) => [sort, JSON.stringify(filter), filter] as const)))(
    'sort=%s, filter %s, 2 and 7 a page',
    async (sort, _name, filter) => {
      for (const perPage of [2, 7]) await expectSameWalk(TASKS, { ...filter, sort }, perPage)
    },
  )

  it('in the order the sort names, ties broken by id (the case of a title ignored)', async () => {
    const rows = await server.db.selectFrom('tasks').selectAll().where('user_id', '=', me.id).execute()
    const key = (row: (typeof rows)[number], sort: string) => (sort.endsWith('title') ? row.title.toLowerCase() : row.created_at)
    for (const sort of sorts) {
      const sign = sort.startsWith('-') ? -1 : 1
      const expected = [...rows].sort((a, b) => sign * (key(a, sort) < key(b, sort) ? -1 : key(a, sort) > key(b, sort) ? 1 : a.id - b.id)).map((row) => row.id)
      expect(await walkByCursor(me, TASKS, { sort }, 3)).toEqual(expected)
    }
  })

  it('one a page, the default sort: every task, none of the other user', async () => {
    const ids = await expectSameWalk(TASKS, {}, 1)
    expect(ids).toHaveLength(41)
  })
})

// Each case walks a list twice, a page a request: dozens of requests, so an honest timeout.
describe('following next walks every goal and transaction once, as the page numbers do', { timeout: 30_000 }, () => {
  it.each([
    [GOALS, {}],
    [GOALS, { parent_id: 'null' }],
    [GOALS, { completed: true }],
    [GOALS, { completed: false }],
    ['/api/v1/incomes', {}],
    ['/api/v1/expenses', { from: '2026-11-21T10:00:00.001Z' }],
    [TRANSACTIONS, {}],
    [TRANSACTIONS, { type: 'expense', to: '2026-11-22T00:00:00Z' }],
  ] as const)('%s %o', async (path, query) => {
    for (const perPage of [2, 5]) await expectSameWalk(path, query, perPage)
  })

  it('/api/v1/goals?parent_id=<id>: the sub-goals only', async () => {
    const [parent] = (await get(me, withQuery(GOALS, { parent_id: 'null', per_page: 1 }))).body.data
    const ids = await expectSameWalk(GOALS, { parent_id: parent?.id ?? 0 }, 4)
    expect(ids).toHaveLength(14)
  })
})

describe('include_total', () => {
  it('adds total and pages to a cursor page, and the links keep asking for them', async () => {
    const first = await get(me, withQuery(TASKS, { done: true, include_total: true, per_page: 4 }))
    const total = await server.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', me.id)
      .where('done', '=', 1)
      .executeTakeFirstOrThrow()
    expect(first.body.meta).toEqual({ per_page: 4, total: total.n, pages: Math.ceil(total.n / 4) })
    const links = parseLinks(first.headers.get('link'))
    expect(new URL(links.first ?? '').searchParams.get('include_total')).toBe('true')
    const second = await get(me, links.next ?? '')
    expect(second.body.meta).toEqual(first.body.meta)
  })

  it('false is the default: no total', async () => {
    const res = await get(me, withQuery(GOALS, { include_total: false }))
    expect(res.body.meta).toEqual({ per_page: 20 })
    expect(res.headers.get('link')).not.toContain('include_total')
  })

  it('a page by number has its total anyway, and the same links as without it', async () => {
    const withIt = await get(me, withQuery('/api/v1/incomes', { page: 2, per_page: 3, include_total: true }))
    const without = await get(me, withQuery('/api/v1/incomes', { page: 2, per_page: 3 }))
    expect(withIt.body).toEqual(without.body)
    expect(withIt.headers.get('link')).toBe(without.headers.get('link'))
  })
})

describe('an empty list', () => {
  it.each([TASKS, GOALS, '/api/v1/incomes', '/api/v1/expenses', TRANSACTIONS])('%s -> 200, data [], meta {per_page}, a Link to the first page only', async (path) => {
    const nobody = await signUp(server.api)
    const res = await get(nobody, path)
    expect(res.body).toEqual({ data: [], meta: { per_page: 20 } })
    expect(res.headers.get('link')).toBe(`<${server.baseUrl}${path}?${path === TASKS ? 'sort=created_at&' : ''}per_page=20>; rel="first"`)
  })
})

describe('a cursor that cannot be used -> 400 BAD_REQUEST naming cursor', () => {
  async function nextCursor(path: string, query: Query): Promise<string> {
    const res = await get(me, withQuery(path, { ...query, per_page: 2 }))
    const cursor = new URL(parseLinks(res.headers.get('link')).next ?? '').searchParams.get('cursor')
    if (!cursor) throw new Error(`no next page on ${path}`)
    return cursor
  }

  async function refused(path: string, query: Query): Promise<Problem> {
    const res = await server.api.get<Problem>(withQuery(path, query), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.errors?.map((e) => e.parameter)).toEqual(['cursor'])
    return res.body
  }

  it.each([
    ['another sort order', TASKS, { sort: 'title' }, TASKS, { sort: '-title' }],
    ['another filter', TASKS, { done: true }, TASKS, { done: false }],
    ['a filter dropped', TASKS, { q: 'e' }, TASKS, {}],
    ['another list', '/api/v1/incomes', {}, '/api/v1/expenses', {}],
    ['another resource', TASKS, {}, GOALS, {}],
    ['another goal filter', GOALS, { parent_id: 'null' }, GOALS, {}],
  ] as const)('from %s', async (_why, fromPath, fromQuery, toPath, toQuery) => {
    const cursor = await nextCursor(fromPath, fromQuery)
    const problem = await refused(toPath, { ...toQuery, cursor })
    expect(problem.errors?.[0]?.detail).toBe('belongs to another list, sort order or filter: follow the next link of this list, or start again without a cursor')
  })

  const forged = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
  it.each([
    ['not base64url JSON', 'abc'],
    ['JSON but not an object', forged([1, 2])],
    ['an id that is not a positive integer', forged({ f: 'x', k: '2026', i: 0 })],
    ['a key that is not text', forged({ f: 'x', k: 5, i: 1 })],
    ['text that is not JSON', forged('{"f":')],
  ])('%s', async (_why, cursor) => {
    const problem = await refused(TASKS, { cursor })
    expect(problem.errors?.[0]?.detail).toBe('is not a cursor this API issued: use the cursor of a next link as it is')
  })

  it('a cursor with characters outside base64url -> the schema refuses it', async () => {
    const problem = await refused(TASKS, { cursor: 'a+b/c=' })
    expect(problem.errors?.[0]?.detail).toMatch(/^must match/)
  })

  it('page and cursor together', async () => {
    const cursor = await nextCursor(TASKS, {})
    const problem = await refused(TASKS, { page: 2, cursor })
    expect(problem.errors?.[0]?.detail).toBe('cannot be sent with page: walk the list by cursor or by page number')
  })

  it("another user's cursor only moves within one's own list", async () => {
    const cursor = await nextCursor(TASKS, {})
    const res = await get(other, withQuery(TASKS, { per_page: 100, cursor }))
    const mine = await server.db.selectFrom('tasks').select('id').where('user_id', '=', me.id).execute()
    const leaked = new Set(mine.map((row) => row.id))
    expect(res.body.data.filter((item) => leaked.has(item.id))).toEqual([])
  })
})

describe('a cursor page is an ordinary representation', () => {
  it('with an ETag: If-None-Match -> 304', async () => {
    const first = await get(me, withQuery(TASKS, { per_page: 2 }))
    const next = parseLinks(first.headers.get('link')).next ?? ''
    const page = await get(me, next)
    const etag = page.headers.get('etag') ?? ''
    expect(etag).not.toBe('')
    const again = await server.api.get(next, { auth: me.bearer, headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })
})
