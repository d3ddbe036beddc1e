/**
 * Goals and sub-goals, nested as deep as you like, as the "Over Achiever" Flask article
 * exercises them (its OverAchieverTest is ported first), then every goal operation and
 * every status it declares: each test is a request, the status, and the body. Every
 * response is also held to `openapi.yaml` by the client.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse, RequestOptions } from '../support/client.js'
import { missingTableMessage } from '../support/database.js'
import { BARE_INTERNAL_ERROR, expectProblem, parametersOf, parseLinks, pointersOf } from '../support/expect.js'
import {
  type Goal,
  type GoalList,
  type GoalTree,
  type GoalTreeNode,
  type Problem,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const GOALS = '/api/v1/goals'
const TREE = '/api/v1/goals/tree'
const GOAL_FIELDS = ['created_at', 'description', 'end', 'id', 'name', 'parent_id', 'start', 'updated_at', 'uri']
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** A completion time after any goal's start in these tests, sent with an offset. */
const LATER = '2030-01-01T10:00:00+02:00'
/** The same moment as stored and returned: UTC with milliseconds. */
const LATER_UTC = '2030-01-01T08:00:00.000Z'
/** Before any goal's start in these tests. */
const LONG_AGO = '2000-01-01T00:00:00Z'

/** Long enough for the clock to move on by at least one millisecond. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

const goalPath = (id: number | string) => `${GOALS}/${id}`

function listPath(query: Record<string, string | number | boolean> = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) params.set(name, String(value))
  const search = params.toString()
  return search ? `${GOALS}?${search}` : GOALS
}

async function create(user: TestUser, json: Record<string, unknown>): Promise<Goal> {
  const res = await server.api.post<Goal>(GOALS, { auth: user.bearer, json })
  expect(res.status, res.text).toBe(201)
  return res.body
}

async function read(user: TestUser, id: number): Promise<Goal> {
  const res = await server.api.get<Goal>(goalPath(id), { auth: user.bearer })
  expect(res.status, res.text).toBe(200)
  return res.body
}

/**
 * A page by number (page 1 unless the query says otherwise), whose meta carries the
 * total; cursor pages, the default without `page`, are walked in test/http/cursor-pages.test.ts.
 */
async function list(user: TestUser, query: Record<string, string | number | boolean> = {}): Promise<ApiResponse<GoalList>> {
  const res = await server.api.get<GoalList>(listPath({ page: 1, ...query }), { auth: user.bearer })
  expect(res.status, res.text).toBe(200)
  return res
}

async function tree(user: TestUser): Promise<GoalTreeNode[]> {
  const res = await server.api.get<GoalTree>(TREE, { auth: user.bearer })
  expect(res.status, res.text).toBe(200)
  return res.body.data
}

/** A tree by names and nesting only, as the seed's expected dict is. */
interface Outline {
  readonly name: string
  readonly sub_goals: readonly Outline[]
}

const g = (name: string, ...sub_goals: Outline[]): Outline => ({ name, sub_goals })

function outline(nodes: readonly GoalTreeNode[]): Outline[] {
  return nodes.map((node) => g(node.name, ...outline(node.sub_goals)))
}

/** Every node of a forest, parents before their children. */
function flatten(nodes: readonly GoalTreeNode[]): GoalTreeNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.sub_goals)])
}

/** Creates a forest of goals, parents first, siblings in order; returns them by name. */
async function plant(user: TestUser, forest: readonly Outline[]): Promise<(name: string) => Goal> {
  const byName = new Map<string, Goal>()
  const visit = async (nodes: readonly Outline[], parentId: number | null): Promise<void> => {
    for (const node of nodes) {
      const goal = await create(user, parentId === null ? { name: node.name } : { name: node.name, parent_id: parentId })
      byName.set(node.name, goal)
      await visit(node.sub_goals, goal.id)
    }
  }
  await visit(forest, null)
  return (name) => {
    const goal = byName.get(name)
    if (goal === undefined) throw new Error(`no goal named ${name} was planted`)
    return goal
  }
}

function expectValidGoal(goal: Goal): void {
  expect(Object.keys(goal).sort()).toEqual(GOAL_FIELDS)
  expect(Number.isInteger(goal.id)).toBe(true)
  expect(goal.uri).toBe(`${server.baseUrl}/api/v1/goals/${goal.id}`)
  expect(goal.start).toMatch(RFC3339_UTC_MS)
  expect(goal.created_at).toMatch(RFC3339_UTC_MS)
  expect(goal.updated_at).toMatch(RFC3339_UTC_MS)
  if (goal.end !== null) expect(goal.end).toMatch(RFC3339_UTC_MS)
}

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
    expect(outline(forest)).toEqual([
      g('goal-0'),
      g('goal-1', g('goal-2'), g('goal-3', g('goal-4'), g('goal-5'), g('goal-6'))),
    ])
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

  it('test_add_new_goal: user-3 POSTs name=new-goal (a form, as the seed) -> 201, and now has it', async () => {
    const me = user('user-3')
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

  it("test_complete_goal: PATCH user-1's goal-0 {end} -> 200, end set; {end: null} re-opens it", async () => {
    const me = user('user-1')
    const completed = await server.api.patch<Goal>(goalPath(goal('goal-0').id), { auth: me.bearer, json: { end: LATER } })
    expect(completed.status).toBe(200)
    expect(completed.body).toMatchObject({ id: goal('goal-0').id, name: 'goal-0', end: LATER_UTC })
    expect((await read(me, goal('goal-0').id)).end).toBe(LATER_UTC)

    const reopened = await server.api.patch<Goal>(goalPath(goal('goal-0').id), { auth: me.bearer, json: { end: null } })
    expect(reopened.status).toBe(200)
    expect(reopened.body.end).toBeNull()
    expect((await read(me, goal('goal-0').id)).end).toBeNull()
  })

  it("completing goal-0 neither moved it nor touched the other users' trees", async () => {
    expect(outline(await tree(user('user-1')))).toEqual([
      g('goal-0'),
      g('goal-1', g('goal-2'), g('goal-3', g('goal-4'), g('goal-5'), g('goal-6'))),
    ])
    expect(outline(await tree(user('user-2')))).toEqual([g('goal-7')])
    expect(outline(await tree(user('user-3')))).toEqual([g('new-goal')])
  })
})

describe('POST /api/v1/goals (createGoal)', () => {
  it('with JSON -> 201, the goal, Location = uri, and the defaults', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Goal>(GOALS, { auth: me.bearer, json: { name: 'Run a marathon' } })
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
    const res = await server.api.get<Goal>(goalPath(goal.id), { auth: me.bearer })
    expect(res.status).toBe(200)
    expectValidGoal(res.body)
    expect(res.body).toEqual(goal)
  })

  it('a goal that does not exist -> 404 NOT_FOUND', async () => {
    const me = await signUp(server.api)
    const res = await server.api.get<Problem>(goalPath(999_999), { auth: me.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
    expect(res.body.type).toBe('/problems/not-found')
  })

  it("another user's goal -> 404, never 403", async () => {
    const alice = await signUp(server.api)
    const bob = await signUp(server.api)
    const hers = await create(alice, { name: 'Private' })
    const res = await server.api.get<Problem>(goalPath(hers.id), { auth: bob.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
  })
})

describe('PUT /api/v1/goals/{goalId} (replaceGoal)', () => {
  it('with every field -> 200, all replaced; start and created_at never change', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Old', description: 'old text' })
    await tick()
    const res = await server.api.put<Goal>(goalPath(goal.id), {
      auth: me.bearer,
      json: { name: 'New', description: 'new text', parent_id: parent.id, end: LATER },
    })
    expect(res.status).toBe(200)
    expectValidGoal(res.body)
    expect(res.body).toMatchObject({
      id: goal.id,
      uri: goal.uri,
      name: 'New',
      description: 'new text',
      parent_id: parent.id,
      end: LATER_UTC,
      start: goal.start,
      created_at: goal.created_at,
    })
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(goal.updated_at))
    expect(await read(me, goal.id)).toEqual(res.body)
  })

  it('fields left out take their defaults: description "", moved to the top level, re-opened', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Child', description: 'some text', parent_id: parent.id })
    const completed = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: LATER } })
    expect(completed.body.end).toBe(LATER_UTC)

    const res = await server.api.put<Goal>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Child' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: goal.id, name: 'Child', description: '', parent_id: null, end: null, start: goal.start })
    expect(outline(await tree(me))).toEqual([g('Parent'), g('Child')])
  })

  it('with a form body -> 200; end= (empty) means open', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Old', description: 'gone soon' })
    await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: LATER } })
    const res = await server.api.put<Goal>(goalPath(goal.id), {
      auth: me.bearer,
      form: { name: 'From a form', parent_id: String(parent.id), end: '' },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'From a form', description: '', parent_id: parent.id, end: null })
  })

  it('with a form body end=<timestamp> -> 200, completed', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Form' })
    const res = await server.api.put<Goal>(goalPath(goal.id), { auth: me.bearer, form: { name: 'Form', end: LATER } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Form', parent_id: null, end: LATER_UTC })
  })

  it('keeping its own name is fine', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Same name' })
    const res = await server.api.put<Goal>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Same name', description: 'more' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Same name', description: 'more' })
  })

  it('renaming to the name of another of your goals -> 409 at /name; nothing changed', async () => {
    const me = await signUp(server.api)
    await create(me, { name: 'Taken' })
    const goal = await create(me, { name: 'Mine', description: 'as it was' })
    const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Taken' } })
    expectProblem(res, 409, 'CONFLICT')
    expect(pointersOf(res.body)).toEqual(['/name'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  describe('cycles: 422 at /parent_id, and the tree is unchanged', () => {
    let me: TestUser
    let goal: (name: string) => Goal
    const chain = g('a', g('b', g('c', g('d'))))
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await plant(me, [chain])
    })

    it('PUT a under itself -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('a').id), { auth: me.bearer, json: { name: 'a', parent_id: goal('a').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('PUT a under its child b -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('a').id), { auth: me.bearer, json: { name: 'a', parent_id: goal('b').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('PUT a under its great-grandchild d, three levels down -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('a').id), { auth: me.bearer, json: { name: 'a', parent_id: goal('d').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('PUT b under d, its grandchild -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('b').id), { auth: me.bearer, form: { name: 'b', parent_id: String(goal('d').id) } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('nothing changed: the chain is still a > b > c > d, each goal as it was', async () => {
      expect(outline(await tree(me))).toEqual([chain])
      for (const name of ['a', 'b', 'c', 'd']) expect(await read(me, goal(name).id)).toEqual(goal(name))
    })

    it('moving d up, under its ancestor a, is fine -> 200', async () => {
      const res = await server.api.put<Goal>(goalPath(goal('d').id), { auth: me.bearer, json: { name: 'd', parent_id: goal('a').id } })
      expect(res.status).toBe(200)
      expect(res.body.parent_id).toBe(goal('a').id)
      expect(outline(await tree(me))).toEqual([g('a', g('b', g('c')), g('d'))])
    })
  })

  it('end before start -> 422 at /end; nothing changed', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Not yet' })
    const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Not yet', end: LONG_AGO } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/end'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('a parent_id that does not exist -> 422 at /parent_id', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Stay' })
    const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Stay', parent_id: 999_999 } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/parent_id'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('a goal that does not exist -> 404', async () => {
    const me = await signUp(server.api)
    const res = await server.api.put<Problem>(goalPath(999_999), { auth: me.bearer, json: { name: 'Nobody' } })
    expectProblem(res, 404, 'NOT_FOUND')
    expect((await list(me)).body.meta.total).toBe(0)
  })
})

describe('PATCH /api/v1/goals/{goalId} (updateGoal)', () => {
  it('with application/merge-patch+json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Keep', description: 'keep too', parent_id: parent.id })
    await tick()
    const res = await server.api.patch<Goal>(goalPath(goal.id), {
      auth: me.bearer,
      json: { description: 'changed' },
      contentType: 'application/merge-patch+json',
    })
    expect(res.status).toBe(200)
    expectValidGoal(res.body)
    expect(res.body).toEqual({ ...goal, description: 'changed', updated_at: res.body.updated_at })
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(goal.updated_at))
    expect(await read(me, goal.id)).toEqual(res.body)
  })

  it('with application/json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Before', description: 'stays', parent_id: parent.id })
    await tick()
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { name: 'After' } })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ ...goal, name: 'After', updated_at: res.body.updated_at })
    expect(res.body.updated_at).not.toBe(goal.updated_at)
  })

  it('with a form body name=... -> 200, the rest kept', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Run a marathon', description: 'kept', parent_id: parent.id })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { name: 'Run a half marathon' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Run a half marathon', description: 'kept', parent_id: parent.id, end: null })
  })

  it('{} changes nothing, not even updated_at', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Untouched', description: 'really' })
    await tick()
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: {}, contentType: 'application/merge-patch+json' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(goal)
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it.each([
    ['2030-01-01T10:00:00+02:00', '2030-01-01T08:00:00.000Z'],
    ['2030-01-01T03:30:00-05:30', '2030-01-01T09:00:00.000Z'],
    ['2030-01-01T08:00:00Z', '2030-01-01T08:00:00.000Z'],
    ['2030-01-01T08:00:00.5Z', '2030-01-01T08:00:00.500Z'],
    ['2030-01-01T00:30:00.250+01:00', '2029-12-31T23:30:00.250Z'],
  ])('end %s -> 200, end returned as %s (UTC, milliseconds)', async (sent, stored) => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Finish' })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: sent }, contentType: 'application/merge-patch+json' })
    expect(res.status).toBe(200)
    expect(res.body.end).toBe(stored)
    expect((await read(me, goal.id)).end).toBe(stored)
  })

  it('end equal to start is allowed -> 200', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Instant' })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: goal.start } })
    expect(res.status).toBe(200)
    expect(res.body.end).toBe(goal.start)
    expect(res.body.start).toBe(goal.start)
  })

  it('end equal to start, spelled with an offset, is allowed -> 200', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Instant elsewhere' })
    const start = new Date(goal.start)
    const inTokyo = new Date(start.getTime() + 9 * 3_600_000).toISOString().replace('Z', '+09:00')
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: inTokyo } })
    expect(res.status).toBe(200)
    expect(res.body.end).toBe(goal.start)
  })

  it('end one millisecond before start -> 422 at /end; nothing changed', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Too early' })
    const justBefore = new Date(Date.parse(goal.start) - 1).toISOString()
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { end: justBefore } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/end'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('end long before start -> 422 at /end', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'History' })
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { end: LONG_AGO }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/end'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('{end: null} re-opens a completed goal', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Again' })
    const done = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: LATER } })
    expect(done.body.end).toBe(LATER_UTC)
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: null }, contentType: 'application/merge-patch+json' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Again', end: null, start: goal.start })
  })

  it('a form body end=<timestamp> completes the goal', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Form complete', description: 'kept' })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { end: LATER } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Form complete', description: 'kept', end: LATER_UTC })
  })

  it('a form body end= (empty) re-opens the goal: an empty value is null for a nullable field', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Form reopen', description: 'kept' })
    await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, json: { end: LATER } })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { end: '' } })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({ name: 'Form reopen', description: 'kept', end: null })
    expect((await read(me, goal.id)).end).toBeNull()
  })

  it('a form body parent_id=<id> moves the goal; parent_id= (empty) moves it back to the top level', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Mover' })
    const moved = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { parent_id: String(parent.id) } })
    expect(moved.status, moved.text).toBe(200)
    expect(moved.body.parent_id).toBe(parent.id)
    const back = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { parent_id: '' } })
    expect(back.status, back.text).toBe(200)
    expect(back.body.parent_id).toBeNull()
  })

  describe('moving goals in a tree', () => {
    let me: TestUser
    let goal: (name: string) => Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await plant(me, [g('home', g('kitchen', g('oven')), g('garden')), g('work', g('desk'))])
    })

    it('under itself -> 422 at /parent_id', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('home').id), { auth: me.bearer, json: { parent_id: goal('home').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('under its own grandchild -> 422 at /parent_id', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('home').id), {
        auth: me.bearer,
        json: { parent_id: goal('oven').id },
        contentType: 'application/merge-patch+json',
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('under its own child, with other fields too -> 422, and none of them changed', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('home').id), {
        auth: me.bearer,
        json: { name: 'renamed', description: 'changed', parent_id: goal('kitchen').id },
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('a cycle and an end before start at once -> 422 at /end and /parent_id', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('kitchen').id), {
        auth: me.bearer,
        json: { parent_id: goal('oven').id, end: LONG_AGO },
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end', '/parent_id'])
    })

    it('after every refused move, GET shows the old parents and the tree is as it was', async () => {
      for (const name of ['home', 'kitchen', 'oven', 'garden', 'work', 'desk']) expect(await read(me, goal(name).id)).toEqual(goal(name))
      expect(outline(await tree(me))).toEqual([g('home', g('kitchen', g('oven')), g('garden')), g('work', g('desk'))])
    })

    it('to another branch: kitchen (with oven) under work -> 200, and the tree shows it there', async () => {
      const res = await server.api.patch<Goal>(goalPath(goal('kitchen').id), { auth: me.bearer, json: { parent_id: goal('work').id } })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ id: goal('kitchen').id, name: 'kitchen', parent_id: goal('work').id })
      // Siblings go by created_at: kitchen was created before desk.
      expect(outline(await tree(me))).toEqual([g('home', g('garden')), g('work', g('kitchen', g('oven')), g('desk'))])
      expect((await read(me, goal('oven').id)).parent_id).toBe(goal('kitchen').id)
    })

    it('to the top level with {parent_id: null} -> 200', async () => {
      const res = await server.api.patch<Goal>(goalPath(goal('oven').id), {
        auth: me.bearer,
        json: { parent_id: null },
        contentType: 'application/merge-patch+json',
      })
      expect(res.status).toBe(200)
      expect(res.body.parent_id).toBeNull()
      // Among the top-level goals oven goes by its created_at: after home, before work.
      expect(outline(await tree(me))).toEqual([g('home', g('garden')), g('oven'), g('work', g('kitchen'), g('desk'))])
    })

    it('a formerly forbidden move is fine once the goal is no longer a descendant: home under oven -> 200', async () => {
      const res = await server.api.patch<Goal>(goalPath(goal('home').id), { auth: me.bearer, json: { parent_id: goal('oven').id } })
      expect(res.status).toBe(200)
      expect(outline(await tree(me))).toEqual([g('oven', g('home', g('garden'))), g('work', g('kitchen'), g('desk'))])
    })
  })

  it('a under b and b under a at the same moment -> one 200, one 422 at /parent_id; never a cycle', async () => {
    const me = await signUp(server.api)
    for (let round = 0; round < 5; round++) {
      const goal = await plant(me, [g(`a${round}`), g(`b${round}`)])
      const a = goal(`a${round}`)
      const b = goal(`b${round}`)
      const [first, second] = await Promise.all([
        server.api.patch<Goal | Problem>(goalPath(a.id), { auth: me.bearer, json: { parent_id: b.id } }),
        server.api.patch<Goal | Problem>(goalPath(b.id), { auth: me.bearer, json: { parent_id: a.id } }),
      ])
      expect([first.status, second.status].sort()).toEqual([200, 422])
      const refused = first.status === 422 ? first : second
      expect(pointersOf(refused.body as Problem)).toEqual(['/parent_id'])
      // A cycle would leave both goals unreachable from any root.
      const parents = [(await read(me, a.id)).parent_id, (await read(me, b.id)).parent_id]
      expect(parents.filter((parent) => parent === null)).toHaveLength(1)
    }
    expect(flatten(await tree(me))).toHaveLength(10)
  })

  it('renaming to the name of another of your goals -> 409 at /name; nothing changed', async () => {
    const me = await signUp(server.api)
    await create(me, { name: 'Taken' })
    const goal = await create(me, { name: 'Mine' })
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Taken' }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 409, 'CONFLICT')
    expect(pointersOf(res.body)).toEqual(['/name'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('a parent_id that does not exist -> 422 at /parent_id', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Stay' })
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { parent_id: 999_999 } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/parent_id'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('a goal that does not exist -> 404, with a body and with {}', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<Problem>(goalPath(999_999), { auth: me.bearer, json: { end: LATER } })
    expectProblem(res, 404, 'NOT_FOUND')
    const empty = await server.api.patch<Problem>(goalPath(999_999), { auth: me.bearer, json: {} })
    expectProblem(empty, 404, 'NOT_FOUND')
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

  it('a goal that does not exist -> 404', async () => {
    const me = await signUp(server.api)
    const res = await server.api.delete<Problem>(goalPath(999_999), { auth: me.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
  })
})

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
        const res = await server.api.patch<Goal>(goalPath(goal(name).id), { auth: me.bearer, json: { end: LATER } })
        expect(res.status).toBe(200)
      }
    })

    const names = (res: ApiResponse<GoalList>) => res.body.data.map((item) => item.name)

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
      await server.api.patch<Goal>(goalPath(goal('done').id), { auth: me.bearer, json: { end: LATER } })
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
    await server.api.patch<Goal>(goalPath(goal('child').id), { auth: me.bearer, json: { end: LATER, description: 'done' } })
    const res = await server.api.get<GoalTree>(TREE, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      data: [
        {
          ...(await read(me, goal('root').id)),
          sub_goals: [
            { ...(await read(me, goal('child').id)), sub_goals: [{ ...(await read(me, goal('grandchild').id)), sub_goals: [] }] },
          ],
        },
      ],
    })
    expect(res.body.data[0]?.sub_goals[0]).toMatchObject({ end: LATER_UTC, description: 'done' })
  })

  it('only the caller\'s goals, however the others nest', async () => {
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
    const movedLate = await server.api.patch<Goal>(goalPath(late.id), { auth: me.bearer, json: { parent_id: goal('parent').id } })
    expect(movedLate.status).toBe(200)
    const movedEarly = await server.api.patch<Goal>(goalPath(goal('early').id), { auth: me.bearer, json: { parent_id: goal('parent').id } })
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

describe('per-user isolation', () => {
  let alice: TestUser
  let bob: TestUser
  let hers: (name: string) => Goal
  let his: (name: string) => Goal
  beforeAll(async () => {
    alice = await signUp(server.api)
    bob = await signUp(server.api)
    hers = await plant(alice, [g('secret', g('secret child'))])
    his = await plant(bob, [g('own')])
  })

  it("GET another user's goal -> 404, never 403", async () => {
    expectProblem(await server.api.get<Problem>(goalPath(hers('secret').id), { auth: bob.bearer }), 404, 'NOT_FOUND')
  })

  it("PUT another user's goal -> 404", async () => {
    const res = await server.api.put<Problem>(goalPath(hers('secret').id), { auth: bob.bearer, json: { name: 'Taken over' } })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it("PATCH another user's goal -> 404, with fields and with {}", async () => {
    const res = await server.api.patch<Problem>(goalPath(hers('secret').id), { auth: bob.basic, json: { end: LATER } })
    expectProblem(res, 404, 'NOT_FOUND')
    const empty = await server.api.patch<Problem>(goalPath(hers('secret').id), { auth: bob.bearer, json: {} })
    expectProblem(empty, 404, 'NOT_FOUND')
  })

  it("DELETE another user's goal -> 404", async () => {
    expectProblem(await server.api.delete<Problem>(goalPath(hers('secret').id), { auth: bob.bearer }), 404, 'NOT_FOUND')
  })

  it("another user's goal as parent_id -> 422 at /parent_id for create, replace and update", async () => {
    const created = await server.api.post<Problem>(GOALS, { auth: bob.bearer, json: { name: 'Under hers', parent_id: hers('secret').id } })
    expectProblem(created, 422, 'VALIDATION_ERROR')
    expect(pointersOf(created.body)).toEqual(['/parent_id'])
    const replaced = await server.api.put<Problem>(goalPath(his('own').id), { auth: bob.bearer, json: { name: 'own', parent_id: hers('secret').id } })
    expectProblem(replaced, 422, 'VALIDATION_ERROR')
    expect(pointersOf(replaced.body)).toEqual(['/parent_id'])
    const updated = await server.api.patch<Problem>(goalPath(his('own').id), { auth: bob.bearer, json: { parent_id: hers('secret child').id } })
    expectProblem(updated, 422, 'VALIDATION_ERROR')
    expect(pointersOf(updated.body)).toEqual(['/parent_id'])
  })

  it("the owner's goals are unchanged afterwards, and so are the intruder's", async () => {
    expect(await read(alice, hers('secret').id)).toEqual(hers('secret'))
    expect(await read(alice, hers('secret child').id)).toEqual(hers('secret child'))
    expect(await read(bob, his('own').id)).toEqual(his('own'))
    expect(outline(await tree(alice))).toEqual([g('secret', g('secret child'))])
    expect(outline(await tree(bob))).toEqual([g('own')])
  })

  it("a list never includes another user's goals, and total counts only one's own", async () => {
    const bobs = await list(bob)
    expect(bobs.body.data).toEqual([his('own')])
    expect(bobs.body.meta.total).toBe(1)
    const alices = await list(alice)
    expect(alices.body.data.map((item) => item.id)).toEqual([hers('secret').id, hers('secret child').id])
  })
})

describe('422 VALIDATION_ERROR: one errors[] entry per invalid field', () => {
  const writeCases: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'an empty name', body: { name: '' }, pointers: ['/name'] },
    { name: 'a blank name', body: { name: '   ' }, pointers: ['/name'] },
    { name: 'a name of 65 characters', body: { name: 'a'.repeat(65) }, pointers: ['/name'] },
    { name: 'a name of 65 emoji', body: { name: '🏃'.repeat(65) }, pointers: ['/name'] },
    { name: 'a name that is not a string', body: { name: 42 }, pointers: ['/name'] },
    { name: 'a description of 513 characters', body: { name: 'ok', description: 'd'.repeat(513) }, pointers: ['/description'] },
    { name: 'parent_id 0', body: { name: 'ok', parent_id: 0 }, pointers: ['/parent_id'] },
    { name: 'parent_id -1', body: { name: 'ok', parent_id: -1 }, pointers: ['/parent_id'] },
    { name: 'parent_id 1.5', body: { name: 'ok', parent_id: 1.5 }, pointers: ['/parent_id'] },
    { name: 'parent_id as a string of digits', body: { name: 'ok', parent_id: '1' }, pointers: ['/parent_id'] },
    { name: 'the unknown field id', body: { name: 'ok', id: 99 }, pointers: ['/id'] },
    { name: 'the unknown field uri', body: { name: 'ok', uri: 'http://example.com/api/v1/goals/1' }, pointers: ['/uri'] },
    { name: 'the unknown field user_id', body: { name: 'ok', user_id: 1 }, pointers: ['/user_id'] },
    { name: 'the unknown field start', body: { name: 'ok', start: '2020-01-01T00:00:00.000Z' }, pointers: ['/start'] },
    { name: 'the unknown field created_at', body: { name: 'ok', created_at: '2020-01-01T00:00:00.000Z' }, pointers: ['/created_at'] },
    { name: 'the unknown field sub_goals', body: { name: 'ok', sub_goals: [] }, pointers: ['/sub_goals'] },
    {
      name: 'several invalid fields at once',
      body: { name: '', description: 'd'.repeat(513), parent_id: 0, id: 1, user_id: 1 },
      pointers: ['/description', '/id', '/name', '/parent_id', '/user_id'],
    },
    { name: 'a JSON array as the body', body: [{ name: 'ok' }], pointers: [''] },
    { name: 'a JSON string as the body', body: 'Run a marathon', pointers: [''] },
  ]
  const requiresName: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'no name', body: { description: 'no name here' }, pointers: ['/name'] },
    { name: 'an empty object', body: {}, pointers: ['/name'] },
  ]
  const endCases: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'end that is not a date-time', body: { name: 'ok', end: 'tomorrow' }, pointers: ['/end'] },
    { name: 'end as a date without a time', body: { name: 'ok', end: '2030-01-01' }, pointers: ['/end'] },
    { name: 'end as a number', body: { name: 'ok', end: 1_900_000_000 }, pointers: ['/end'] },
  ]

  describe('POST /api/v1/goals', () => {
    let me: TestUser
    beforeAll(async () => {
      me = await signUp(server.api)
    })

    it.each([...writeCases, ...requiresName])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, json: body })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
      expect(res.body.type).toBe('/problems/validation-error')
    })

    it('end (not writable on create: a goal starts open) -> 422 at /end', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, json: { name: 'ok', end: LATER } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end'])
    })

    it('form body name= (empty) -> 422 at /name', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: '' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/name'])
    })

    it('form body parent_id=abc -> 422 at /parent_id', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: 'ok', parent_id: 'abc' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('form body with an unknown field user_id -> 422 at /user_id', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: 'ok', user_id: '1' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/user_id'])
    })

    it('nothing was created by any rejected request (no mass assignment)', async () => {
      const res = await list(me)
      expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
    })
  })

  describe('PUT /api/v1/goals/{id}', () => {
    let me: TestUser
    let goal: Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await create(me, { name: 'Guarded', description: 'as it was' })
    })

    it.each([...writeCases, ...requiresName, ...endCases])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: body })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
    })

    it('form body end=tomorrow -> 422 at /end', async () => {
      const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, form: { name: 'Guarded', end: 'tomorrow' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end'])
    })

    it('the goal is unchanged by every rejected request', async () => {
      expect(await read(me, goal.id)).toEqual(goal)
    })
  })

  describe('PATCH /api/v1/goals/{id}', () => {
    let me: TestUser
    let goal: Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await create(me, { name: 'Guarded', description: 'as it was' })
    })

    const patchOnly: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
      { name: 'name null (not nullable)', body: { name: null }, pointers: ['/name'] },
      { name: 'description null (not nullable)', body: { description: null }, pointers: ['/description'] },
      { name: 'the unknown field done', body: { done: true }, pointers: ['/done'] },
    ]

    it.each([...writeCases, ...endCases, ...patchOnly])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: body, contentType: 'application/merge-patch+json' })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
    })

    it('application/json body {"name": ""} -> 422 at /name', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: '' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/name'])
    })

    it('form body end=tomorrow -> 422 at /end', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, form: { end: 'tomorrow' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end'])
    })

    it('the goal is unchanged by every rejected request', async () => {
      expect(await read(me, goal.id)).toEqual(goal)
    })
  })
})

describe('400 BAD_REQUEST', () => {
  let me: TestUser
  let goal: Goal
  beforeAll(async () => {
    me = await signUp(server.api)
    goal = await create(me, { name: 'Still here' })
  })

  it.each([
    ['POST', GOALS, 'application/json'],
    ['PUT', '/api/v1/goals/{id}', 'application/json'],
    ['PATCH', '/api/v1/goals/{id}', 'application/json'],
    ['PATCH', '/api/v1/goals/{id}', 'application/merge-patch+json'],
  ] as const)('%s %s with malformed %s -> 400', async (method, template, contentType) => {
    const path = template.replace('{id}', String(goal.id))
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, raw: '{"name": "unfinished', contentType })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.type).toBe('/problems/bad-request')
  })

  const badIds = ['abc', '0', '0x1', '1.5', '-1', '1e0', '9007199254740992'] as const
  const byMethod: ReadonlyArray<{ method: 'GET' | 'PUT' | 'PATCH' | 'DELETE'; options: RequestOptions }> = [
    { method: 'GET', options: {} },
    { method: 'PUT', options: { json: { name: 'x' } } },
    { method: 'PATCH', options: { json: { end: null } } },
    { method: 'DELETE', options: {} },
  ]
  for (const { method, options } of byMethod) {
    it.each(badIds)(`${method} /api/v1/goals/%s -> 400 naming the parameter goalId`, async (id) => {
      const res = await server.api.request<Problem>(method, goalPath(id), { ...options, auth: me.bearer })
      expectProblem(res, 400, 'BAD_REQUEST')
      expect(parametersOf(res.body)).toEqual(['goalId'])
    })
  }

  it.each([
    [{ parent_id: 'abc' }, 'parent_id'],
    [{ parent_id: 0 }, 'parent_id'],
    [{ parent_id: -1 }, 'parent_id'],
    [{ parent_id: '0x1' }, 'parent_id'],
    [{ parent_id: 'NULL' }, 'parent_id'],
    [{ parent_id: '' }, 'parent_id'],
    [{ completed: 'maybe' }, 'completed'],
    [{ page: 0 }, 'page'],
    [{ per_page: 101 }, 'per_page'],
    [{ color: 'red' }, 'color'],
    [{ user_id: 1 }, 'user_id'],
  ] as const)('GET /api/v1/goals?%o -> 400 naming the parameter %s', async (query, parameter) => {
    const res = await server.api.get<Problem>(listPath(query), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual([parameter])
  })

  it('two bad query parameters -> one errors[] entry for each', async () => {
    const res = await server.api.get<Problem>(listPath({ parent_id: 'abc', completed: 'maybe' }), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['completed', 'parent_id'])
  })

  it('GET /api/v1/goals/tree with a query parameter it does not take -> 400', async () => {
    const res = await server.api.get<Problem>(`${TREE}?depth=2`, { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['depth'])
  })

  it('the goal survived every bad request', async () => {
    expect(await read(me, goal.id)).toEqual(goal)
    expect((await list(me)).body.meta.total).toBe(1)
  })
})

describe('415 UNSUPPORTED_MEDIA_TYPE and 413 PAYLOAD_TOO_LARGE', () => {
  let me: TestUser
  let goal: Goal
  beforeAll(async () => {
    me = await signUp(server.api)
    goal = await create(me, { name: 'Media' })
  })

  const writes = [
    ['POST', GOALS],
    ['PUT', '/api/v1/goals/{id}'],
    ['PATCH', '/api/v1/goals/{id}'],
  ] as const

  it.each(writes)('%s %s with a text/plain body -> 415', async (method, template) => {
    const path = template.replace('{id}', String(goal.id))
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, raw: 'name=Run a marathon', contentType: 'text/plain' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(res.body.type).toBe('/problems/unsupported-media-type')
  })

  it.each(writes)('%s %s with a body and no Content-Type -> 415', async (method, template) => {
    const path = template.replace('{id}', String(goal.id))
    // Bytes, not a string: fetch would label a string text/plain by itself.
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, raw: new TextEncoder().encode('{"name":"x"}') })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each([
    ['POST', GOALS],
    ['PUT', '/api/v1/goals/{id}'],
  ] as const)('%s %s with application/merge-patch+json (only PATCH takes it) -> 415', async (method, template) => {
    const path = template.replace('{id}', String(goal.id))
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, json: { name: 'x' }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(writes)('%s %s with a JSON body over 1 MiB -> 413', async (method, template) => {
    const path = template.replace('{id}', String(goal.id))
    const res = await server.api.request<Problem>(method, path, {
      auth: me.bearer,
      json: { name: 'huge', description: 'x'.repeat(1_100_000) },
    })
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
    expect(res.body.type).toBe('/problems/payload-too-large')
  })

  it.each(writes)('%s %s with a form body over 1 MiB -> 413', async (method, template) => {
    const path = template.replace('{id}', String(goal.id))
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer, form: { name: 'huge', description: 'x'.repeat(1_100_000) } })
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it('the goal and the list are unchanged', async () => {
    expect(await read(me, goal.id)).toEqual(goal)
    expect((await list(me)).body.meta.total).toBe(1)
  })
})

/** Every goal operation, with a body it would take, on a goal of the owner's. */
function goalOperations(target: () => Goal): ReadonlyArray<{ name: string; method: string; path: () => string; options: RequestOptions }> {
  return [
    { name: 'listGoals', method: 'GET', path: () => GOALS, options: {} },
    { name: 'getGoalTree', method: 'GET', path: () => TREE, options: {} },
    { name: 'createGoal', method: 'POST', path: () => GOALS, options: { json: { name: 'x' } } },
    { name: 'createGoal (form)', method: 'POST', path: () => GOALS, options: { form: { name: 'x' } } },
    { name: 'getGoal', method: 'GET', path: () => goalPath(target().id), options: {} },
    { name: 'replaceGoal', method: 'PUT', path: () => goalPath(target().id), options: { json: { name: 'x' } } },
    { name: 'updateGoal', method: 'PATCH', path: () => goalPath(target().id), options: { json: { end: LATER } } },
    { name: 'deleteGoal', method: 'DELETE', path: () => goalPath(target().id), options: {} },
  ]
}

describe('401 UNAUTHORIZED without credentials', () => {
  let owner: TestUser
  let goal: Goal
  beforeAll(async () => {
    owner = await signUp(server.api)
    goal = await create(owner, { name: 'Private' })
  })
  const operations = goalOperations(() => goal)

  it.each(operations)('$name ($method) with no credentials -> 401 with WWW-Authenticate', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(), options)
    expectProblem(res, 401, 'UNAUTHORIZED')
    expect(res.body.type).toBe('/problems/unauthorized')
    const challenge = res.headers.get('www-authenticate') ?? ''
    expect(challenge).toMatch(/Basic/)
    expect(challenge).toMatch(/Bearer/)
  })

  it.each(operations)('$name ($method) with a wrong token -> 401', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(), { ...options, auth: { bearer: 'not-a-real-token' } })
    expectProblem(res, 401, 'UNAUTHORIZED')
  })

  it.each(operations)('$name ($method) with a wrong password -> 401', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(), { ...options, auth: { basic: [owner.username, 'not the password'] } })
    expectProblem(res, 401, 'UNAUTHORIZED')
    // Forgive the failures, so that the login throttle does not lock the owner out.
    expect((await server.api.get(TREE, { auth: owner.basic })).status).toBe(200)
  })

  it('nothing changed', async () => {
    expect(await read(owner, goal.id)).toEqual(goal)
    expect((await list(owner)).body.data).toEqual([goal])
  })
})

describe('406 NOT_ACCEPTABLE when Accept excludes JSON', () => {
  let owner: TestUser
  let goal: Goal
  beforeAll(async () => {
    owner = await signUp(server.api)
    goal = await create(owner, { name: 'Negotiated' })
  })

  it.each(goalOperations(() => goal))('$name ($method) with Accept: text/html -> 406, as problem+json', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(), { ...options, auth: owner.bearer, headers: { accept: 'text/html' } })
    expectProblem(res, 406, 'NOT_ACCEPTABLE')
    expect(res.body.type).toBe('/problems/not-acceptable')
    expect(res.text).not.toMatch(/<html/i)
  })

  it('nothing was done by any refused request', async () => {
    expect(await read(owner, goal.id)).toEqual(goal)
    expect((await list(owner)).body.data).toEqual([goal])
  })

  it('Accept: application/json and Accept: */* are fine', async () => {
    expect((await server.api.get(goalPath(goal.id), { auth: owner.bearer, headers: { accept: 'application/json' } })).status).toBe(200)
    expect((await server.api.get(TREE, { auth: owner.bearer, headers: { accept: '*/*' } })).status).toBe(200)
  })
})

describe('405 METHOD_NOT_ALLOWED on the goal paths', () => {
  it.each([
    ['DELETE', GOALS, 'GET, POST, HEAD, OPTIONS'],
    ['PUT', GOALS, 'GET, POST, HEAD, OPTIONS'],
    ['POST', TREE, 'GET, HEAD, OPTIONS'],
    // The literal path /api/v1/goals/tree comes before the template /api/v1/goals/{goalId}.
    ['PUT', TREE, 'GET, HEAD, OPTIONS'],
    ['PATCH', TREE, 'GET, HEAD, OPTIONS'],
    ['DELETE', TREE, 'GET, HEAD, OPTIONS'],
  ] as const)('%s %s -> 405 with Allow: %s', async (method, path, allow) => {
    const me = await signUp(server.api)
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer })
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED')
    expect(res.headers.get('allow')).toBe(allow)
  })

  it('POST /api/v1/goals/{id} -> 405 with Allow listing GET, PUT, PATCH, DELETE, HEAD and OPTIONS', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'No posting here' })
    const res = await server.api.post<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'x' } })
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED')
    expect((res.headers.get('allow') ?? '').split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'PUT'])
  })
})

describe('429 TOO_MANY_REQUESTS on every goal operation once a username is throttled', () => {
  it('answers each goal operation sent with Basic credentials with 429 and Retry-After', STARTS_A_SERVER, async () => {
    const throttled = await startTestServer({ loginMaxFailures: 1, loginWindowSeconds: 120 })
    try {
      const victim = await signUp(throttled.api)
      const goal = (await throttled.api.post<Goal>(GOALS, { auth: victim.bearer, json: { name: 'Locked' } })).body
      expect(goal.name).toBe('Locked')
      const failed = await throttled.api.get<Problem>(TREE, { auth: { basic: [victim.username, 'wrong password'] } })
      expect(failed.status).toBe(401)
      for (const { name, method, path, options } of goalOperations(() => goal)) {
        const res = await throttled.api.request<Problem>(method, path(), { ...options, auth: victim.basic })
        expectProblem(res, 429, 'TOO_MANY_REQUESTS')
        const retryAfter = Number(res.headers.get('retry-after'))
        expect(retryAfter, name).toBeGreaterThanOrEqual(1)
        expect(retryAfter, name).toBeLessThanOrEqual(120)
      }
      // Bearer tokens are not throttled, and nothing was done.
      const read = await throttled.api.get<Goal>(goalPath(goal.id), { auth: victim.bearer })
      expect(read.body).toEqual(goal)
    } finally {
      await throttled.close()
    }
  })
})

describe('500 INTERNAL_ERROR when the goals table is broken', () => {
  it('answers each goal operation with a bare 500 that gives nothing away', STARTS_A_SERVER, async () => {
    const broken = await startTestServer()
    try {
      const victim = await signUp(broken.api)
      const goal = (await broken.api.post<Goal>(GOALS, { auth: victim.bearer, json: { name: 'Lost' } })).body
      expect(goal.name).toBe('Lost')
      await sql`alter table goals rename to goals_elsewhere`.execute(broken.db)
      for (const { name, method, path, options } of goalOperations(() => goal)) {
        const res = await broken.api.request<Problem>(method, path(), { ...options, auth: victim.bearer })
        expectProblem(res, 500, 'INTERNAL_ERROR')
        expect(res.body, name).toEqual(BARE_INTERNAL_ERROR)
        expect(res.text, name).not.toMatch(/sqlite|postgres|no such table|does not exist|goals_elsewhere|select|insert|stack|at \w+ \(/i)
      }
      expect(broken.logs()).toContain(missingTableMessage)
    } finally {
      await broken.close()
    }
  })
})
