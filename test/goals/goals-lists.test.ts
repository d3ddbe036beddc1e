/**
 * Reading goals in bulk: the flat list (filters, pages and Link) and the tree.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { expectProblem, parseLinks, tick } from '../support/expect.js'
import { TREE } from '../support/paths.js'
import { type Goal, type GoalList, type GoalTree, type Problem, signUp, type TestUser, useTestServer } from '../support/server.js'
import { type Answer, answerOf, typedClient } from '../support/typed-client.js'
import { g, goalPath, goalRequests, LATER, LATER_UTC, listPath, outline } from './goal-requests.js'

const server = useTestServer()

const { create, read, list, tree, plant, expectValidGoal } = goalRequests(() => server)

describe('GET /api/v1/goals (listGoals)', () => {
  it('an empty list -> 200, data [], total 0, pages 0; Link first and last only', async () => {
    const me = await signUp(server.api)
    const res = await list(me)
    expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
    const links = parseLinks(res.headers.get('link'))
    expect(Object.keys(links).sort()).toEqual(['first', 'last'])
  })

  it('every goal, nested or not, flat, in created_at order, then id', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, [g('a', g('a1', g('a11'))), g('b'), g('c', g('c1'))])
    const res = await list(me)
    expect(Object.keys(res.body).sort()).toEqual(['data', 'meta'])
    expect(res.body.meta).toEqual({ page: 1, per_page: 20, total: 6, pages: 1 })
    expect(res.body.data).toEqual(['a', 'a1', 'a11', 'b', 'c', 'c1'].map(goal))
    for (const item of res.body.data) expectValidGoal(item)
  })

  describe('filters', () => {
    let me: TestUser
    let goal: (name: string) => Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await plant(me, [g('a', g('a1', g('a11')), g('a2'), g('a3')), g('b'), g('c', g('c1'))])
      for (const name of ['a2', 'b', 'c1']) {
        const res = answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal(name).id } }, body: { end: LATER } }))
        expect(res.status).toBe(200)
      }
    })

    const names = (res: Answer<GoalList>) => res.body.data.map((item) => item.name)

    it('parent_id=<id>: only its direct sub-goals, not theirs', async () => {
      const res = await list(me, { parent_id: goal('a').id })
      expect(names(res)).toEqual(['a1', 'a2', 'a3'])
      expect(res.body.meta.total).toBe(3)
      expect(res.body.data.every((item) => item.parent_id === goal('a').id)).toBe(true)
    })

    it('parent_id=<a leaf>: nothing', async () => {
      const res = await list(me, { parent_id: goal('a11').id })
      expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
    })

    it('parent_id=null: only the top-level goals', async () => {
      const res = await list(me, { parent_id: 'null' })
      expect(names(res)).toEqual(['a', 'b', 'c'])
      expect(res.body.meta.total).toBe(3)
    })

    it('completed=true: only goals with an end', async () => {
      const res = await list(me, { completed: true })
      expect(names(res)).toEqual(['a2', 'b', 'c1'])
      expect(res.body.data.every((item) => item.end === LATER_UTC)).toBe(true)
    })

    it('completed=false: only open goals', async () => {
      const res = await list(me, { completed: false })
      expect(names(res)).toEqual(['a', 'a1', 'a11', 'a3', 'c'])
      expect(res.body.data.every((item) => item.end === null)).toBe(true)
      expect(res.body.meta.total).toBe(5)
    })

    it('parent_id and completed combine', async () => {
      expect(names(await list(me, { parent_id: goal('a').id, completed: true }))).toEqual(['a2'])
      expect(names(await list(me, { parent_id: goal('a').id, completed: false }))).toEqual(['a1', 'a3'])
      expect(names(await list(me, { parent_id: 'null', completed: true }))).toEqual(['b'])
      expect(names(await list(me, { parent_id: 'null', completed: false }))).toEqual(['a', 'c'])
    })

    it("parent_id=<another user's goal> or a goal that does not exist: nothing", async () => {
      const other = await signUp(server.api)
      expect((await list(other, { parent_id: goal('a').id })).body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
      expect((await list(me, { parent_id: 999_999 })).body.data).toEqual([])
    })
  })

  describe('pagination: 5 open top-level goals among others, per_page=2', () => {
    let me: TestUser
    let roots: Goal[]
    beforeAll(async () => {
      me = await signUp(server.api)
      const goal = await plant(me, [g('r1', g('r1-child')), g('r2'), g('done'), g('r3'), g('r4'), g('r5')])
      answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('done').id } }, body: { end: LATER } }))
      roots = ['r1', 'r2', 'r3', 'r4', 'r5'].map(goal)
    })

    it('page 1: two goals, meta.pages 4 over all 7; Link first, next and last, no prev', async () => {
      const res = await list(me, { per_page: 2 })
      expect(res.body.meta).toEqual({ page: 1, per_page: 2, total: 7, pages: 4 })
      expect(res.body.data.map((item) => item.name)).toEqual(['r1', 'r1-child'])
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next'])
      expect(new URL(links.first ?? '').searchParams.get('page')).toBe('1')
      expect(new URL(links.next ?? '').searchParams.get('page')).toBe('2')
      expect(new URL(links.last ?? '').searchParams.get('page')).toBe('4')
      for (const url of Object.values(links)) {
        expect(url.startsWith(`${server.baseUrl}/api/v1/goals?`)).toBe(true)
        expect(new URL(url).searchParams.get('per_page')).toBe('2')
      }
    })

    it('filtered page 2: Link first, prev, next and last, all keeping parent_id=null and completed=false', async () => {
      const res = await list(me, { parent_id: 'null', completed: false, per_page: 2, page: 2 })
      expect(res.body.meta).toEqual({ page: 2, per_page: 2, total: 5, pages: 3 })
      expect(res.body.data).toEqual(roots.slice(2, 4))
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next', 'prev'])
      expect(new URL(links.prev ?? '').searchParams.get('page')).toBe('1')
      expect(new URL(links.next ?? '').searchParams.get('page')).toBe('3')
      expect(new URL(links.last ?? '').searchParams.get('page')).toBe('3')
      for (const url of Object.values(links)) {
        const params = new URL(url).searchParams
        expect(params.get('parent_id')).toBe('null')
        expect(params.get('completed')).toBe('false')
        expect(params.get('per_page')).toBe('2')
      }
    })

    it('following the next links (absolute URLs) walks every filtered goal once', async () => {
      const seen: number[] = []
      let next: string | undefined = `${server.baseUrl}${listPath({ parent_id: 'null', completed: false, per_page: 2 })}`
      let pages = 0
      while (next !== undefined) {
        const res: ApiResponse<GoalList> = await server.api.get<GoalList>(next, { auth: me.bearer })
        expect(res.status).toBe(200)
        seen.push(...res.body.data.map((item) => item.id))
        next = parseLinks(res.headers.get('link')).next
        pages += 1
        expect(pages).toBeLessThanOrEqual(3)
      }
      expect(pages).toBe(3)
      expect(seen).toEqual(roots.map((root) => root.id))
    })

    it('the links keep parent_id=<id>', async () => {
      const res = await list(me, { parent_id: roots[0]?.id ?? 0, per_page: 1 })
      expect(res.body.meta).toEqual({ page: 1, per_page: 1, total: 1, pages: 1 })
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last'])
      expect(new URL(links.first ?? '').searchParams.get('parent_id')).toBe(String(roots[0]?.id))
    })

    it('a page past the end -> 200, empty data, the right total', async () => {
      const res = await list(me, { page: 10, per_page: 2 })
      expect(res.body).toEqual({ data: [], meta: { page: 10, per_page: 2, total: 7, pages: 4 } })
      expect(parseLinks(res.headers.get('link')).next).toBeUndefined()
    })
  })
})

describe('GET /api/v1/goals/tree (getGoalTree)', () => {
  it('a user with no goals -> 200, {data: []}', async () => {
    const me = await signUp(server.api)
    const res = await server.api.get<GoalTree>(TREE, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ data: [] })
  })

  it('each node is the goal as GET returns it, plus sub_goals', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, [g('root', g('child', g('grandchild')))])
    answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('child').id } }, body: { end: LATER, description: 'done' } }),
    )
    const res = await server.api.get<GoalTree>(TREE, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      data: [
        {
          ...(await read(me, goal('root').id)),
          sub_goals: [{ ...(await read(me, goal('child').id)), sub_goals: [{ ...(await read(me, goal('grandchild').id)), sub_goals: [] }] }],
        },
      ],
    })
    expect(res.body.data[0]?.sub_goals[0]).toMatchObject({ end: LATER_UTC, description: 'done' })
  })

  it("only the caller's goals, however the others nest", async () => {
    const alice = await signUp(server.api)
    const bob = await signUp(server.api)
    await plant(alice, [g('hers', g('her child'))])
    await plant(bob, [g('his')])
    expect(outline(await tree(alice))).toEqual([g('hers', g('her child'))])
    expect(outline(await tree(bob))).toEqual([g('his')])
  })

  it('siblings are ordered by created_at, then id, also after a move', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, [g('early'), g('parent', g('p1'), g('p2'))])
    await tick()
    const late = await create(me, { name: 'late' })
    const movedLate = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: late.id } }, body: { parent_id: goal('parent').id } }),
    )
    expect(movedLate.status).toBe(200)
    const movedEarly = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('early').id } }, body: { parent_id: goal('parent').id } }),
    )
    expect(movedEarly.status).toBe(200)
    expect(outline(await tree(me))).toEqual([g('parent', g('early'), g('p1'), g('p2'), g('late'))])
  })

  it('a chain 100 goals deep comes back nested 100 deep', async () => {
    const me = await signUp(server.api)
    let parentId: number | null = null
    for (let level = 0; level < 100; level++) {
      const goal: Goal = await create(me, parentId === null ? { name: `level-${level}` } : { name: `level-${level}`, parent_id: parentId })
      parentId = goal.id
    }
    let nodes = await tree(me)
    for (let level = 0; level < 100; level++) {
      expect(nodes.map((node) => node.name)).toEqual([`level-${level}`])
      nodes = nodes[0]?.sub_goals ?? []
    }
    expect(nodes).toEqual([])
  })

  it("deleting an account takes its goals with it; the other users' trees are untouched", async () => {
    const leaving = await signUp(server.api)
    const staying = await signUp(server.api)
    const bystander = await signUp(server.api)
    const mine = await plant(leaving, [g('shared name', g('deep', g('deeper'))), g('second')])
    await plant(staying, [g('shared name', g('kept'))])
    const stayingBefore = await tree(staying)
    const bystanderBefore = await tree(bystander)

    const deleted = await server.api.delete(`/api/v1/users/me`, { auth: leaving.bearer })
    expect(deleted.status).toBe(204)

    expect(await tree(staying)).toEqual(stayingBefore)
    expect(await tree(bystander)).toEqual(bystanderBefore)
    expectProblem(await server.api.get<Problem>(TREE, { auth: leaving.bearer }), 401, 'UNAUTHORIZED')
    const left = await server.db.selectFrom('goals').select('id').where('user_id', '=', leaving.id).execute()
    expect(left).toEqual([])
    for (const name of ['shared name', 'deep', 'deeper', 'second']) {
      expectProblem(await server.api.get<Problem>(goalPath(mine(name).id), { auth: staying.bearer }), 404, 'NOT_FOUND')
    }

    const again = await signUp(server.api, leaving.username)
    expect(await tree(again)).toEqual([])
    expect((await create(again, { name: 'deep' })).name).toBe('deep')
  })
})
