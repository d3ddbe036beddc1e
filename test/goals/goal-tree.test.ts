/**
 * The goal tree at scale and under concurrency: a chain 1,000 deep, a forest of 10,000
 * goals, the number of queries a tree costs, and cycles that two servers race to make.
 * Large trees are written straight into the database; everything is read over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, idsChosenIn, type TestDatabase } from '../support/database.js'
import { expectProblem } from '../support/expect.js'
import { type ServerProcess, startServerProcess } from '../support/process.js'
import { mulberry32 } from '../support/random.js'
import { type Goal, type GoalTree, type GoalTreeNode, type Problem, signUp, type TestUser, useTestServer } from '../support/server.js'

const server = useTestServer({}, { recordQueries: true })

interface PlannedGoal {
  readonly id: number
  readonly parent_id: number | null
  readonly created_at: string
}

/**
 * Writes `count` goals for `user` straight into the database, with ids `first`,
 * `first + 1`, ...; `plan` gives each its parent (an earlier id) and creation time.
 */
async function insertGoals(user: TestUser, count: number, plan: (index: number, first: number) => Omit<PlannedGoal, 'id'>): Promise<PlannedGoal[]> {
  const last = await server.db.selectFrom('goals').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst()
  const first = (last?.id ?? 0) + 1
  const planned = Array.from({ length: count }, (_, index) => ({ id: first + index, ...plan(index, first) }))
  await server.db.transaction().execute(async (trx) => {
    for (let start = 0; start < planned.length; start += 500) {
      await trx
        .insertInto('goals')
        .values(
          planned.slice(start, start + 500).map((goal) => ({
            id: goal.id,
            user_id: user.id,
            parent_id: goal.parent_id,
            name: `goal-${goal.id}`,
            description: '',
            start: goal.created_at,
            end: null,
            created_at: goal.created_at,
            updated_at: goal.created_at,
          })),
        )
        .execute()
    }
  })
  await idsChosenIn(server.db, 'goals')
  return planned
}

/** Every node of the forest, without recursion (the chain is 1,000 deep). */
function flatten(forest: readonly GoalTreeNode[]): GoalTreeNode[] {
  const out: GoalTreeNode[] = []
  const stack = [...forest].reverse()
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    out.push(node)
    stack.push(...[...node.sub_goals].reverse())
  }
  return out
}

function siblingOrder(a: PlannedGoal, b: PlannedGoal): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id
}

const at = (ms: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + ms).toISOString()

/** Queries that read goals: authentication's own queries do not count. */
const goalQueries = () => server.queries.filter((query) => /from "goals"/.test(query))

describe('GET /api/v1/goals/tree at scale', () => {
  it('returns a chain 1,000 deep intact, in one query', async () => {
    const user = await signUp(server.api)
    const chain = await insertGoals(user, 1000, (depth, first) => ({
      parent_id: depth === 0 ? null : first + depth - 1,
      created_at: at(depth),
    }))
    const root = chain[0] as PlannedGoal
    const leaf = chain[999] as PlannedGoal

    server.queries.length = 0
    const res = await server.api.get<GoalTree>('/api/v1/goals/tree', { auth: user.bearer })
    expect(res.status).toBe(200)
    expect(goalQueries()).toHaveLength(1)

    expect(res.body.data).toHaveLength(1)
    let node = res.body.data[0] as GoalTreeNode
    for (const [depth, goal] of chain.entries()) {
      expect(node.id).toBe(goal.id)
      expect(node.parent_id).toBe(goal.parent_id)
      expect(node.sub_goals).toHaveLength(depth < 999 ? 1 : 0)
      node = node.sub_goals[0] ?? node
    }

    // Moving the root under its deepest descendant is a cycle, found 1,000 levels up.
    const moved = await server.api.patch<Problem>(`/api/v1/goals/${root.id}`, { auth: user.bearer, json: { parent_id: leaf.id } })
    expectProblem(moved, 422, 'VALIDATION_ERROR')
    expect(moved.body.errors).toEqual([{ pointer: '/parent_id', detail: 'would make the goal a sub-goal of itself' }])

    // Deleting the root takes all 1,000 goals with it.
    const deleted = await server.api.delete(`/api/v1/goals/${root.id}`, { auth: user.bearer })
    expect(deleted.status).toBe(204)
    const after = await server.api.get<GoalTree>('/api/v1/goals/tree', { auth: user.bearer })
    expect(after.body).toEqual({ data: [] })
    expect(await server.db.selectFrom('goals').select('id').where('user_id', '=', user.id).execute()).toEqual([])
  })

  it('returns a forest of 10,000 goals, each exactly once, under its parent, in sibling order', async () => {
    const user = await signUp(server.api)
    const neighbour = await signUp(server.api)
    const uint32 = mulberry32(20261121)
    const next = () => uint32() / 2 ** 32
    // Random parents among earlier goals (about a fifth are roots), and creation times from
    // a narrow range, so that many siblings tie and `id` has to break the tie.
    const forest = await insertGoals(user, 10_000, (index, first) => ({
      parent_id: index === 0 || next() < 0.2 ? null : first + Math.floor(next() * index),
      created_at: at(Math.floor(next() * 500)),
    }))
    await insertGoals(neighbour, 1, () => ({ parent_id: null, created_at: at(0) }))

    server.queries.length = 0
    const res = await server.api.get<GoalTree>('/api/v1/goals/tree', { auth: user.bearer })
    expect(res.status).toBe(200)
    expect(goalQueries()).toHaveLength(1)

    const expectedChildren = new Map<number | null, number[]>()
    for (const goal of [...forest].sort(siblingOrder)) {
      expectedChildren.set(goal.parent_id, [...(expectedChildren.get(goal.parent_id) ?? []), goal.id])
    }
    expect(res.body.data.map((root) => root.id)).toEqual(expectedChildren.get(null))
    const nodes = flatten(res.body.data)
    expect(nodes).toHaveLength(10_000)
    expect(new Set(nodes.map((node) => node.id)).size).toBe(10_000)
    for (const node of nodes) {
      expect(node.sub_goals.map((child) => child.id)).toEqual(expectedChildren.get(node.id) ?? [])
      for (const child of node.sub_goals) expect(child.parent_id).toBe(node.id)
    }
  })
})

describe('the database itself', () => {
  it('refuses a cycle, whatever the application checked', async () => {
    const user = await signUp(server.api)
    const parent = await server.api.post<Goal>('/api/v1/goals', { auth: user.bearer, json: { name: 'Parent' } })
    const child = await server.api.post<Goal>('/api/v1/goals', { auth: user.bearer, json: { name: 'Child', parent_id: parent.body.id } })
    // Straight to the database, as a buggy or racing writer would.
    const setParent = (id: number, parentId: number) => server.db.updateTable('goals').set({ parent_id: parentId }).where('id', '=', id).execute()
    await expect(setParent(parent.body.id, child.body.id)).rejects.toThrow('goal cycle')
    await expect(setParent(parent.body.id, parent.body.id)).rejects.toThrow('goal cycle')
    const unchanged = await server.api.get<Goal>(`/api/v1/goals/${parent.body.id}`, { auth: user.bearer })
    expect(unchanged.body.parent_id).toBeNull()
  })

  it("refuses another user's goal as a parent", async () => {
    const owner = await signUp(server.api)
    const stranger = await signUp(server.api)
    const theirs = await server.api.post<Goal>('/api/v1/goals', { auth: owner.bearer, json: { name: 'Theirs' } })
    const mine = await server.api.post<Goal>('/api/v1/goals', { auth: stranger.bearer, json: { name: 'Mine' } })
    await expect(server.db.updateTable('goals').set({ parent_id: theirs.body.id }).where('id', '=', mine.body.id).execute()).rejects.toThrow(/foreign key/i) // SQLite: FOREIGN KEY constraint failed; PostgreSQL: violates foreign key constraint
  })
})

describe('two server processes on one database', () => {
  let database: TestDatabase
  let first: ServerProcess
  let second: ServerProcess

  beforeAll(async () => {
    database = await createTestDatabase('shared.sqlite')
    const env = { DATABASE_URL: database.url }
    // The first migrates the new database; the second then finds it up to date.
    first = await startServerProcess(env)
    second = await startServerProcess(env)
  })

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()])
    await database?.drop()
  })

  it('never store a cycle when they race to make one: one move wins, the other is 422', async () => {
    const registered = await first.api.post('/api/v1/users', {
      json: { username: 'racer', email: 'racer@example.com', password: 'racer-secret-pw' },
    })
    expect(registered.status).toBe(201)
    const token = await second.api.post<{ token: string }>('/api/v1/tokens', { auth: { basic: ['racer', 'racer-secret-pw'] } })
    expect(token.status).toBe(201)
    const auth = { bearer: token.body.token }

    for (let round = 0; round < 20; round++) {
      const a = await first.api.post<Goal>('/api/v1/goals', { auth, json: { name: `a-${round}` } })
      const b = await second.api.post<Goal>('/api/v1/goals', { auth, json: { name: `b-${round}` } })
      const [aUnderB, bUnderA] = await Promise.all([
        first.api.patch<Goal>(`/api/v1/goals/${a.body.id}`, { auth, json: { parent_id: b.body.id } }),
        second.api.patch<Goal>(`/api/v1/goals/${b.body.id}`, { auth, json: { parent_id: a.body.id } }),
      ])
      expect([aUnderB.status, bUnderA.status].sort()).toEqual([200, 422])
      const [readA, readB] = await Promise.all([
        second.api.get<Goal>(`/api/v1/goals/${a.body.id}`, { auth }),
        first.api.get<Goal>(`/api/v1/goals/${b.body.id}`, { auth }),
      ])
      // Exactly one of the two is now a sub-goal of the other.
      expect([readA.body.parent_id, readB.body.parent_id].filter((id) => id !== null)).toHaveLength(1)
    }
    const tree = await second.api.get<GoalTree>('/api/v1/goals/tree', { auth })
    expect(tree.body.data).toHaveLength(20)
    expect(flatten(tree.body.data)).toHaveLength(40)
  }, 60_000)
})
