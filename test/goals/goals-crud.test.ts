/**
 * Goals and sub-goals, nested as deep as you like, as the "Over Achiever" Flask article
 * exercises them (its OverAchieverTest is ported first), then creating, reading and
 * deleting a goal: each test is a request, the status, and the body. Every response is
 * also held to `openapi.yaml` by the client.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, pointersOf } from '../support/expect.js'
import { GOALS, TREE } from '../support/paths.js'
import { type Goal, type GoalTree, type GoalTreeNode, type Problem, signUp, type TestUser, useTestServer } from '../support/server.js'
import { answerOf, typedClient } from '../support/typed-client.js'
import { flatten, g, goalPath, goalRequests, LATER, LATER_UTC, outline } from './goal-requests.js'

const server = useTestServer()

const { create, read, list, tree, plant, expectValidGoal } = goalRequests(() => server)

describe('the Over Achiever seed (OverAchieverTest), through the API', () => {
  const seed = [
    { user: 'user-1', name: 'goal-0' },
    { user: 'user-1', name: 'goal-1' },
    { user: 'user-1', name: 'goal-2', parent: 'goal-1' },
    { user: 'user-1', name: 'goal-3', parent: 'goal-1' },
    { user: 'user-1', name: 'goal-4', parent: 'goal-3' },
    { user: 'user-1', name: 'goal-5', parent: 'goal-3' },
    { user: 'user-1', name: 'goal-6', parent: 'goal-3' },
    { user: 'user-2', name: 'goal-7' },
  ] as const
  const users = new Map<string, TestUser>()
  const goals = new Map<string, Goal>()

  const user = (name: string): TestUser => {
    const found = users.get(name)
    if (found === undefined) throw new Error(`no user ${name}`)
    return found
  }
  const goal = (name: string): Goal => {
    const found = goals.get(name)
    if (found === undefined) throw new Error(`no goal ${name}`)
    return found
  }

  beforeAll(async () => {
    for (const name of ['user-1', 'user-2', 'user-3']) users.set(name, await signUp(server.api, name))
    for (const { user: owner, name, ...rest } of seed) {
      const parent = 'parent' in rest ? { parent_id: goal(rest.parent).id } : {}
      goals.set(name, await create(user(owner), { name, ...parent }))
    }
  })

  it("test_get_goals: GET /api/v1/goals/tree -> user-1's tree", async () => {
    const forest = await tree(user('user-1'))
    expect(outline(forest)).toEqual([g('goal-0'), g('goal-1', g('goal-2'), g('goal-3', g('goal-4'), g('goal-5'), g('goal-6')))])
  })

  it("test_get_goals: every node of user-1's tree is the goal itself, with its parent's id", async () => {
    const forest = await tree(user('user-1'))
    const check = (nodes: readonly GoalTreeNode[], parentId: number | null) => {
      for (const node of nodes) {
        expect(node).toEqual({ ...goal(node.name), sub_goals: expect.any(Array) })
        expect(node.parent_id).toBe(parentId)
        check(node.sub_goals, node.id)
      }
    }
    check(forest, null)
    expect(flatten(forest)).toHaveLength(7)
  })

  it("test_get_goals: user-2's tree is goal-7 alone", async () => {
    const res = await server.api.get<GoalTree>(TREE, { auth: user('user-2').bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ data: [{ ...goal('goal-7'), sub_goals: [] }] })
  })

  it("test_get_goals: user-3's tree is empty", async () => {
    const res = await server.api.get<GoalTree>(TREE, { auth: user('user-3').basic })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ data: [] })
  })

  it('test_add_new_goal: a user with no goals, as user-3 is, POSTs name=new-goal (a form, as the seed) -> 201, and now has it', async () => {
    // A user of its own, so that user-3 stays as the seed made it whatever runs first.
    const me = await signUp(server.api)
    expect(await tree(me)).toEqual([])
    const res = await server.api.post<Goal>(GOALS, { auth: me.basic, form: { name: 'new-goal' } })
    expect(res.status).toBe(201)
    expectValidGoal(res.body)
    expect(res.body).toMatchObject({ name: 'new-goal', description: '', parent_id: null, end: null })
    expect(outline(await tree(me))).toEqual([g('new-goal')])
    expect((await list(me)).body.data).toEqual([res.body])
  })

  it('test_add_nested_goals: a child POSTed with the parent id is under the parent', async () => {
    const me = await signUp(server.api)
    const parent = await server.api.post<Goal>(GOALS, { auth: me.basic, form: { name: 'new-goal' } })
    expect(parent.status).toBe(201)
    const child = await server.api.post<Goal>(GOALS, { auth: me.basic, form: { name: 'child', parent_id: String(parent.body.id) } })
    expect(child.status).toBe(201)
    expect(child.body.name).toBe('child')
    expect(child.body.parent_id).toBe(parent.body.id)

    const forest = await tree(me)
    expect(forest).toEqual([{ ...parent.body, sub_goals: [{ ...child.body, sub_goals: [] }] }])
  })

  it("test_complete_goal: PATCH user-1's goal-0 {end} -> 200, end set; {end: null} re-opens it; nothing moved, and the other users' trees are untouched", async () => {
    const me = user('user-1')
    const user3Before = outline(await tree(user('user-3')))
    const completed = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('goal-0').id } }, body: { end: LATER } }),
    )
    expect(completed.status).toBe(200)
    expect(completed.body).toMatchObject({ id: goal('goal-0').id, name: 'goal-0', end: LATER_UTC })
    expect((await read(me, goal('goal-0').id)).end).toBe(LATER_UTC)

    const reopened = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('goal-0').id } }, body: { end: null } }),
    )
    expect(reopened.status).toBe(200)
    expect(reopened.body.end).toBeNull()
    expect((await read(me, goal('goal-0').id)).end).toBeNull()
    // The seed's goal-0 is now this version (a new updated_at), for the tests that compare with it.
    goals.set('goal-0', reopened.body)

    expect(outline(await tree(user('user-1')))).toEqual([g('goal-0'), g('goal-1', g('goal-2'), g('goal-3', g('goal-4'), g('goal-5'), g('goal-6')))])
    expect(outline(await tree(user('user-2')))).toEqual([g('goal-7')])
    expect(outline(await tree(user('user-3')))).toEqual(user3Before)
  })
})

describe('POST /api/v1/goals (createGoal)', () => {
  it('with JSON -> 201, the goal, Location = uri, and the defaults', async () => {
    const me = await signUp(server.api)
    const res = answerOf(await typedClient(server.api, me).POST('/api/v1/goals', { body: { name: 'Run a marathon' } }))
    expect(res.status).toBe(201)
    expectValidGoal(res.body)
    expect(res.headers.get('location')).toBe(res.body.uri)
    expect(res.body).toMatchObject({ name: 'Run a marathon', description: '', parent_id: null, end: null })
    expect(res.body.start).toBe(res.body.created_at)
    expect(res.body.updated_at).toBe(res.body.created_at)
    expect(Date.parse(res.body.start)).toBeGreaterThan(Date.now() - 60_000)
    expect(Date.parse(res.body.start)).toBeLessThanOrEqual(Date.now())
  })

  it('with every field -> 201, all of them kept', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Run a marathon' })
    const res = await server.api.post<Goal>(GOALS, {
      auth: me.bearer,
      json: { name: 'Run 10 km', description: 'before the spring', parent_id: parent.id },
    })
    expect(res.status).toBe(201)
    expectValidGoal(res.body)
    expect(res.body).toMatchObject({ name: 'Run 10 km', description: 'before the spring', parent_id: parent.id, end: null })
    expect(res.headers.get('location')).toBe(res.body.uri)
  })

  it('with parent_id null -> 201, a top-level goal', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Top', parent_id: null })
    expect(goal.parent_id).toBeNull()
  })

  it('with a form body name, description and parent_id=<id> -> 201, parent_id an integer', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Run a marathon' })
    const res = await server.api.post<Goal>(GOALS, {
      auth: me.bearer,
      form: { name: 'Run 10 km', description: 'first step', parent_id: String(parent.id) },
    })
    expect(res.status).toBe(201)
    expectValidGoal(res.body)
    expect(res.body).toMatchObject({ name: 'Run 10 km', description: 'first step', parent_id: parent.id, end: null })
    expect(res.headers.get('location')).toBe(res.body.uri)
  })

  it('with a form body parent_id= (empty) -> 201, a top-level goal', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Goal>(GOALS, { auth: me.bearer, form: { name: 'Alone', parent_id: '' } })
    expect(res.status).toBe(201)
    expect(res.body.parent_id).toBeNull()
  })

  it('with Basic credentials -> 201', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Goal>(GOALS, { auth: me.basic, json: { name: 'Basic' } })
    expect(res.status).toBe(201)
    expect(res.body.name).toBe('Basic')
  })

  it('a name of 64 characters, or 64 emoji, and a description of 512 are fine', async () => {
    const me = await signUp(server.api)
    expect((await create(me, { name: 'a'.repeat(64) })).name).toBe('a'.repeat(64))
    expect([...(await create(me, { name: '🏃'.repeat(64) })).name]).toHaveLength(64)
    expect((await create(me, { name: 'long', description: 'd'.repeat(512) })).description).toHaveLength(512)
  })

  it('the new goal can be read at its uri (an absolute URL)', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Follow me' })
    const res = await server.api.get<Goal>(goal.uri, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(goal)
  })

  it('a name you already have -> 409 CONFLICT at /name; nothing created', async () => {
    const me = await signUp(server.api)
    const first = await create(me, { name: 'Only once' })
    const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, json: { name: 'Only once', description: 'again' } })
    expectProblem(res, 409, 'CONFLICT')
    expect(res.body.type).toBe('/problems/conflict')
    expect(pointersOf(res.body)).toEqual(['/name'])
    expect((await list(me)).body.data).toEqual([first])
  })

  it('a name you already have, as a sub-goal elsewhere -> 409 (names are unique across the whole tree)', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    await create(me, { name: 'Deep name', parent_id: parent.id })
    const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: 'Deep name' } })
    expectProblem(res, 409, 'CONFLICT')
    expect(pointersOf(res.body)).toEqual(['/name'])
  })

  it('five concurrent POSTs of one name -> exactly one 201, four 409', async () => {
    const me = await signUp(server.api)
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) => server.api.post<Goal | Problem>(GOALS, { auth: me.bearer, json: { name: 'Race', description: `try ${i}` } })),
    )
    expect(responses.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409])
    expect((await list(me)).body.data.map((item) => item.name)).toEqual(['Race'])
  })

  it("another user's goal name is fine: names are unique per user", async () => {
    const alice = await signUp(server.api)
    const bob = await signUp(server.api)
    const hers = await create(alice, { name: 'Learn to swim' })
    const his = await create(bob, { name: 'Learn to swim' })
    expect(his.id).not.toBe(hers.id)
    expect(his.name).toBe('Learn to swim')
    expect(await read(alice, hers.id)).toEqual(hers)
  })

  it('a parent_id that does not exist -> 422 at /parent_id; nothing created', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, json: { name: 'Orphan', parent_id: 999_999 } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.type).toBe('/problems/validation-error')
    expect(pointersOf(res.body)).toEqual(['/parent_id'])
    expect((await list(me)).body.meta.total).toBe(0)
  })

  it("another user's goal as parent_id -> 422 at /parent_id, in JSON and in a form", async () => {
    const alice = await signUp(server.api)
    const bob = await signUp(server.api)
    const hers = await create(alice, { name: 'Hers' })
    const json = await server.api.post<Problem>(GOALS, { auth: bob.bearer, json: { name: 'Squatter', parent_id: hers.id } })
    expectProblem(json, 422, 'VALIDATION_ERROR')
    expect(pointersOf(json.body)).toEqual(['/parent_id'])
    const form = await server.api.post<Problem>(GOALS, { auth: bob.bearer, form: { name: 'Squatter', parent_id: String(hers.id) } })
    expectProblem(form, 422, 'VALIDATION_ERROR')
    expect(pointersOf(form.body)).toEqual(['/parent_id'])
    expect((await list(bob)).body.meta.total).toBe(0)
    expect(outline(await tree(alice))).toEqual([g('Hers')])
  })
})

describe('GET /api/v1/goals/{goalId} (getGoal)', () => {
  it('-> 200, the goal as a bare object', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Read me', description: 'twice', parent_id: parent.id })
    const res = answerOf(await typedClient(server.api, me).GET('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } } }))
    expect(res.status).toBe(200)
    expectValidGoal(res.body)
    expect(res.body).toEqual(goal)
  })
})

describe('DELETE /api/v1/goals/{goalId} (deleteGoal)', () => {
  const forest = [g('keep', g('keep-child')), g('doomed', g('d1', g('d11'), g('d12', g('d121'))), g('d2')), g('other')]

  it('-> 204 with an empty body; the whole subtree goes, sibling branches stay', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, forest)
    const res = await server.api.delete(goalPath(goal('doomed').id), { auth: me.bearer })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')

    for (const name of ['doomed', 'd1', 'd11', 'd12', 'd121', 'd2']) {
      const gone = await server.api.get<Problem>(goalPath(goal(name).id), { auth: me.bearer })
      expectProblem(gone, 404, 'NOT_FOUND')
    }
    for (const name of ['keep', 'keep-child', 'other']) expect(await read(me, goal(name).id)).toEqual(goal(name))
    expect(outline(await tree(me))).toEqual([g('keep', g('keep-child')), g('other')])
    expect((await list(me)).body.meta.total).toBe(3)
  })

  it('a second DELETE of the same goal -> 404, and so is a DELETE of a goal that went with its parent', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, forest)
    expect((await server.api.delete(goalPath(goal('d1').id), { auth: me.bearer })).status).toBe(204)
    const again = await server.api.delete<Problem>(goalPath(goal('d1').id), { auth: me.bearer })
    expectProblem(again, 404, 'NOT_FOUND')
    expectProblem(await server.api.put<Problem>(goalPath(goal('d11').id), { auth: me.bearer, json: { name: 'd11' } }), 404, 'NOT_FOUND')
    expectProblem(await server.api.patch<Problem>(goalPath(goal('d12').id), { auth: me.bearer, json: { end: LATER } }), 404, 'NOT_FOUND')
    const grandchild = await server.api.delete<Problem>(goalPath(goal('d121').id), { auth: me.bearer })
    expectProblem(grandchild, 404, 'NOT_FOUND')
    expect(outline(await tree(me))).toEqual([g('keep', g('keep-child')), g('doomed', g('d2')), g('other')])
  })

  it('a leaf -> 204; its parent and siblings stay', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, forest)
    expect((await server.api.delete(goalPath(goal('d11').id), { auth: me.bearer })).status).toBe(204)
    expect(outline(await tree(me))).toEqual([g('keep', g('keep-child')), g('doomed', g('d1', g('d12', g('d121'))), g('d2')), g('other')])
  })

  it('a chain 60 goals deep, from its root -> 204, and nothing is left', async () => {
    const me = await signUp(server.api)
    let parent = await create(me, { name: 'level-0' })
    const root = parent
    for (let level = 1; level < 60; level++) parent = await create(me, { name: `level-${level}`, parent_id: parent.id })
    expect((await list(me)).body.meta.total).toBe(60)
    expect((await server.api.delete(goalPath(root.id), { auth: me.bearer })).status).toBe(204)
    expect(await tree(me)).toEqual([])
    expect((await list(me)).body.meta.total).toBe(0)
    expectProblem(await server.api.get<Problem>(goalPath(parent.id), { auth: me.bearer }), 404, 'NOT_FOUND')
  })

  it('the names of deleted goals are free again', async () => {
    const me = await signUp(server.api)
    const goal = await plant(me, forest)
    expect((await server.api.delete(goalPath(goal('doomed').id), { auth: me.bearer })).status).toBe(204)
    const again = await create(me, { name: 'd121' })
    expect(again.name).toBe('d121')
  })

  it("another user's goal -> 404, and it is still there, subtree and all, for its owner", async () => {
    const alice = await signUp(server.api)
    const bob = await signUp(server.api)
    const hers = await plant(alice, forest)
    const res = await server.api.delete<Problem>(goalPath(hers('doomed').id), { auth: bob.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
    expect(await read(alice, hers('doomed').id)).toEqual(hers('doomed'))
    expect(outline(await tree(alice))).toEqual(forest)
  })
})
