/**
 * Listing tasks: order, sort, the done and q filters, and pages with their Link header.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { parseLinks, tick } from '../support/expect.js'
import { signUp, type Task, type TaskList, type TestUser, useTestServer } from '../support/server.js'
import { listPath, taskRequests } from './task-requests.js'

const server = useTestServer()

const { create, createMany, list, expectValidTask } = taskRequests(() => server)

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
      // The same five tasks and one done, for a user of its own: the other tests see only the five.
      const me = await signUp(server.api)
      const tasks = await createMany(me, ['t1', 't2', 't3', 't4', 't5'])
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
