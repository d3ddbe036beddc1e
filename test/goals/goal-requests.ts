/**
 * What the goal tests share: the paths, the moments they send, and requests that must
 * succeed (a create, a read and the tree through the typed client; a page) bound to a
 * file's own server, so each test reads as the request it is about.
 */
import { expect } from 'vitest'
import type { operations, Schemas } from '../../src/client/index.js'
import { RFC3339_UTC_MS } from '../support/expect.js'
import { GOALS, type Query, TREE, withQuery } from '../support/paths.js'
import type { Item, Operation, ResourceUnderTest, Write } from '../support/resource-suites.js'
import type { Goal, GoalList, GoalTreeNode, TestServer, TestUser } from '../support/server.js'
import { type Answer, answerOf, typedClient } from '../support/typed-client.js'

const GOAL_FIELDS = ['created_at', 'description', 'end', 'id', 'name', 'parent_id', 'start', 'updated_at', 'uri']

/** A completion time after any goal's start in these tests, sent with an offset. */
export const LATER = '2030-01-01T10:00:00+02:00'
/** The same moment as stored and returned: UTC with milliseconds. */
export const LATER_UTC = '2030-01-01T08:00:00.000Z'
/** Before any goal's start in these tests. */
export const LONG_AGO = '2000-01-01T00:00:00Z'

/** The query of GET /api/v1/goals, as the spec types it. */
type GoalListQuery = NonNullable<operations['listGoals']['parameters']['query']>

export const goalPath = (id: number | string) => `${GOALS}/${id}`

export const listPath = (query: Query = {}): string => withQuery(GOALS, query)

/** A tree by names and nesting only, as the seed's expected dict is. */
export interface Outline {
  readonly name: string
  readonly sub_goals: readonly Outline[]
}

export const g = (name: string, ...sub_goals: Outline[]): Outline => ({ name, sub_goals })

export function outline(nodes: readonly GoalTreeNode[]): Outline[] {
  return nodes.map((node) => g(node.name, ...outline(node.sub_goals)))
}

/** Every node of a forest, parents before their children. */
export function flatten(nodes: readonly GoalTreeNode[]): GoalTreeNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.sub_goals)])
}

/** The goal requests a test takes for granted, sent to the server `server()` returns (started in the file's beforeAll). */
export function goalRequests(server: () => TestServer) {
  async function create(user: TestUser, json: Schemas['GoalCreate']): Promise<Goal> {
    const res = answerOf(await typedClient(server().api, user).POST('/api/v1/goals', { body: json }))
    expect(res.status).toBe(201)
    return res.body
  }

  async function read(user: TestUser, id: number): Promise<Goal> {
    const res = answerOf(await typedClient(server().api, user).GET('/api/v1/goals/{goalId}', { params: { path: { goalId: id } } }))
    expect(res.status).toBe(200)
    return res.body
  }

  /**
   * A page by number (page 1 unless the query says otherwise), whose meta carries the
   * total; cursor pages, the default without `page`, are walked in test/http/cursor-pages.test.ts.
   */
  async function list(user: TestUser, query: GoalListQuery = {}): Promise<Answer<GoalList>> {
    const res = answerOf(await typedClient(server().api, user).GET('/api/v1/goals', { params: { query: { page: 1, ...query } } }))
    expect(res.status).toBe(200)
    return res
  }

  async function tree(user: TestUser): Promise<GoalTreeNode[]> {
    const res = answerOf(await typedClient(server().api, user).GET('/api/v1/goals/tree'))
    expect(res.status).toBe(200)
    return res.body.data
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
    expect(goal.uri).toBe(`${server().baseUrl}/api/v1/goals/${goal.id}`)
    expect(goal.start).toMatch(RFC3339_UTC_MS)
    expect(goal.created_at).toMatch(RFC3339_UTC_MS)
    expect(goal.updated_at).toMatch(RFC3339_UTC_MS)
    if (goal.end !== null) expect(goal.end).toMatch(RFC3339_UTC_MS)
  }

  return { create, read, list, tree, plant, expectValidGoal }
}

/** Every goal operation, with a body it would take, on the owner's goal at `itemPath()`. */
export function goalOperations(itemPath: () => string): ReadonlyArray<Operation> {
  return [
    { name: 'listGoals', method: 'GET', path: () => GOALS, options: {} },
    { name: 'getGoalTree', method: 'GET', path: () => TREE, options: {} },
    { name: 'createGoal', method: 'POST', path: () => GOALS, options: { json: { name: 'x' } } },
    { name: 'createGoal (form)', method: 'POST', path: () => GOALS, options: { form: { name: 'x' } } },
    { name: 'getGoal', method: 'GET', path: itemPath, options: {} },
    { name: 'replaceGoal', method: 'PUT', path: itemPath, options: { json: { name: 'x' } } },
    { name: 'updateGoal', method: 'PATCH', path: itemPath, options: { json: { end: LATER } } },
    { name: 'deleteGoal', method: 'DELETE', path: itemPath, options: {} },
  ]
}

/** Goals for the suites every resource runs (test/support/resource-suites.ts). */
export function goalResource(server: () => TestServer): ResourceUnderTest {
  const { create } = goalRequests(server)
  const item = (goal: Goal): Item => ({ path: goalPath(goal.id), uri: goal.uri, body: goal })
  return {
    name: 'goal',
    server,
    makeItems: async (owner) => [item(await create(owner, { name: 'Private', description: 'only mine' }))],
    lists: [{ path: GOALS, shows: () => true }],
    itemParameter: 'goalId',
    itemRequests: [
      { name: 'GET', method: 'GET', options: {} },
      { name: 'PUT', method: 'PUT', options: { json: { name: 'Taken over' } } },
      { name: 'PATCH', method: 'PATCH', options: { json: { end: LATER } } },
      { name: 'PATCH {}', method: 'PATCH', options: { json: {} } },
      { name: 'DELETE', method: 'DELETE', options: {} },
    ],
    operations: (target) => goalOperations(() => target().path),
    writes: (target): Write[] => [
      { name: 'createGoal', method: 'POST', path: () => GOALS, json: { name: 'Run a marathon' }, jsonTypes: ['application/json'] },
      { name: 'replaceGoal', method: 'PUT', path: () => target().path, json: { name: 'Run a marathon' }, jsonTypes: ['application/json'] },
      {
        name: 'updateGoal',
        method: 'PATCH',
        path: () => target().path,
        json: { name: 'Run a marathon', end: LATER },
        jsonTypes: ['application/json', 'application/merge-patch+json'],
      },
    ],
    malformedJson: '{"name": "unfinished',
  }
}
