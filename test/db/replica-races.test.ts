/**
 * What must hold across processes holds across replicas: three server processes on one
 * database (one SQLite file, or with `TEST_DATABASE=postgres` one PostgreSQL database),
 * requests spread over them as a load balancer would, each race run for several rounds so
 * that a lost update, a cycle or an orphan has a chance to show. Each case names the lock
 * that guarantees it (src/db/transaction.ts says why a row lock on the user).
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/schema.js'
import type { ApiClient, ApiResponse } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import { type Replicas, startReplicas } from '../support/replicas.js'
import { type Goal, type GoalTree, type GoalTreeNode, type Problem, signUp, type TestUser } from '../support/server.js'
import { SERVER_START_TIMEOUT_MS } from '../support/timeouts.js'

/** How many times each race runs: once could pass by luck of the scheduler. */
const ROUNDS = 5

/** A test that runs its race ROUNDS times over three replicas, a few hundred requests in all. */
const RACES = { timeout: 120_000 } as const

let replicas: Replicas

beforeAll(async () => {
  replicas = await startReplicas(3)
}, SERVER_START_TIMEOUT_MS)

afterAll(async () => {
  await replicas?.stop()
})

/** The replica a request number `i` goes to. */
const on = (i: number): ApiClient => replicas.api(i)

type Body = Record<string, unknown>
interface Created {
  readonly id: number
  readonly uri: string
  readonly [field: string]: unknown
}

function post(api: ApiClient, user: TestUser, path: string, json: Body, key?: string): Promise<ApiResponse<Created & Problem>> {
  return api.post<Created & Problem>(path, { auth: user.bearer, json, ...(key === undefined ? {} : { headers: { 'Idempotency-Key': key } }) })
}

async function newGoal(user: TestUser, name: string, parentId: number | null = null, api = on(0)): Promise<Goal> {
  const res = await api.post<Goal>('/api/v1/goals', { auth: user.bearer, json: { name, parent_id: parentId } })
  expect(res.status, res.text).toBe(201)
  return res.body
}

function patchGoal(api: ApiClient, user: TestUser, id: number, json: Body): Promise<ApiResponse<Goal & Problem>> {
  return api.patch<Goal & Problem>(`/api/v1/goals/${id}`, { auth: user.bearer, json })
}

/** Every table with a `user_id`, as the database itself lists them: a table added later is checked too. */
async function tablesOwnedByUsers(db: Database): Promise<string[]> {
  const tables = await db.introspection.getTables()
  return tables.filter((table) => table.columns.some((column) => column.name === 'user_id')).map((table) => table.name).sort()
}

/** Rows, per table, whose user no longer exists. */
async function orphanRows(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of await tablesOwnedByUsers(db)) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table)} where not exists (select 1 from users where users.id = ${sql.ref(`${table}.user_id`)})
    `.execute(db)
    counts[table] = Number(rows[0]?.n)
  }
  return counts
}

/** Goals whose parent is not a goal of the same user. */
async function goalsWithoutTheirParent(db: Database): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from goals child
    where child.parent_id is not null
      and not exists (select 1 from goals parent where parent.id = child.parent_id and parent.user_id = child.user_id)
  `.execute(db)
  return Number(rows[0]?.n)
}

/** Goals of `userId` from which walking up the parents comes back round: a cycle (none, ever). */
async function goalsOnACycle(db: Database, userId: number): Promise<number[]> {
  const goals = await db.selectFrom('goals').select(['id', 'parent_id']).where('user_id', '=', userId).execute()
  const parentOf = new Map(goals.map((goal) => [goal.id, goal.parent_id]))
  return goals
    .filter((goal) => {
      let at = goal.parent_id
      for (let steps = 0; at !== null && at !== undefined && steps <= goals.length; steps++) {
        if (at === goal.id) return true
        at = parentOf.get(at) ?? null
      }
      return false
    })
    .map((goal) => goal.id)
}

function idsInTree(nodes: readonly GoalTreeNode[]): number[] {
  return nodes.flatMap((node) => [node.id, ...idsInTree(node.sub_goals)])
}

function countBy<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return counts
}

describe('Idempotency-Key: retries of one POST spread over three replicas', () => {
  // Guaranteed by the row lock on the user (inUserTransaction in src/http/idempotency.ts):
  // each retry looks its key up only once the one before it has committed.
  const CREATES: ReadonlyArray<{ path: string; table: string; body: (round: number) => Body }> = [
    { path: '/api/v1/tasks', table: 'tasks', body: (round) => ({ title: `Task ${round}`, description: 'retried' }) },
    { path: '/api/v1/goals', table: 'goals', body: (round) => ({ name: `Goal ${round}` }) },
    { path: '/api/v1/incomes', table: 'transactions', body: (round) => ({ description: `Salary ${round}`, amount: 1000 + round }) },
    { path: '/api/v1/expenses', table: 'transactions', body: (round) => ({ description: `Rent ${round}`, amount: 500 + round }) },
  ]

  it('10 concurrent retries (same key, same body) -> one resource and ten identical 201s, every round', RACES, async () => {
    const me = await signUp(on(0), 'idempotent')
    for (let round = 0; round < ROUNDS; round++) {
      for (const create of CREATES) {
        const key = `retry-${create.path}-${round}`
        const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(on(i), me, create.path, create.body(round), key)))

        expect(responses.map((res) => res.status)).toEqual(Array(10).fill(201))
        expect(new Set(responses.map((res) => res.text)).size).toBe(1)
        expect(new Set(responses.map((res) => res.headers.get('location'))).size).toBe(1)
        expect(responses.filter((res) => res.headers.get('idempotent-replayed') === null)).toHaveLength(1)
        const [first] = responses
        expect(first?.headers.get('location')).toBe(first?.body.uri)
        // One row: the resource every response names.
        const { rows } = await sql<{ id: number }>`
          select id from ${sql.table(create.table)} where user_id = ${me.id} and id = ${first?.body.id}
        `.execute(replicas.db)
        expect(rows).toHaveLength(1)
      }
    }
    const counts = await Promise.all(
      ['tasks', 'goals', 'transactions'].map(async (table) => {
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where user_id = ${me.id}`.execute(replicas.db)
        return Number(rows[0]?.n)
      }),
    )
    // One per round and create: tasks, goals, and incomes plus expenses.
    expect(counts).toEqual([ROUNDS, ROUNDS, 2 * ROUNDS])
  })
})

describe('If-Match: concurrent writes with one ETag over three replicas', () => {
  // Guaranteed by the row lock on the user (inUserTransaction in src/http/dispatch.ts): the
  // comparison with the current ETag and the write run as one, one request after another.
  const WRITERS = 6

  /** Sends WRITERS writes made by `write` with the ETag of `path` at once; checks one 200, the rest 412, and the final state. */
  async function raceOn(user: TestUser, path: string, write: (i: number) => Body): Promise<void> {
    const read = await on(0).get(path, { auth: user.bearer })
    expect(read.status).toBe(200)
    const etag = read.headers.get('etag') ?? ''
    expect(etag).toMatch(/^"/)
    const responses = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        on(i).patch<Problem>(path, { auth: user.bearer, json: write(i), headers: { 'If-Match': etag } }),
      ),
    )
    expect(countBy(responses.map((res) => res.status))).toEqual(new Map([[200, 1], [412, WRITERS - 1]]))
    for (const res of responses.filter((r) => r.status === 412)) expectProblem(res, 412, 'PRECONDITION_FAILED')
    const winner = responses.find((res) => res.status === 200)
    // The final state is the winner's, read back through another replica.
    const after = await on(1).get(path, { auth: user.bearer })
    expect(after.text).toBe(winner?.text)
    expect(after.headers.get('etag')).toBe(winner?.headers.get('etag'))
  }

  it('PATCH a task: exactly one 200, the rest 412, and the task is what the 200 said, every round', RACES, async () => {
    const me = await signUp(on(0), 'if-match-tasks')
    const task = await post(on(0), me, '/api/v1/tasks', { title: 'Contested' })
    expect(task.status).toBe(201)
    for (let round = 0; round < ROUNDS; round++) {
      await raceOn(me, `/api/v1/tasks/${task.body.id}`, (i) => ({ title: `Round ${round}, writer ${i}`, done: i % 2 === 0 }))
    }
  })

  it('PATCH a goal: exactly one 200, the rest 412, and the goal is what the 200 said, every round', RACES, async () => {
    const me = await signUp(on(0), 'if-match-goals')
    const goal = await newGoal(me, 'Contested goal')
    for (let round = 0; round < ROUNDS; round++) {
      await raceOn(me, `/api/v1/goals/${goal.id}`, (i) => ({ description: `Round ${round}, writer ${i}` }))
    }
  })

  it('PATCH /users/me: exactly one 200, the rest 412, and the account is what the 200 said, every round', RACES, async () => {
    const me = await signUp(on(0), 'if-match-me')
    for (let round = 0; round < ROUNDS; round++) {
      await raceOn(me, '/api/v1/users/me', (i) => ({ email: `me-${round}-${i}@example.com` }))
    }
  })
})

describe('goal moves that would close a cycle, run at once on different replicas', () => {
  // Guaranteed by the row lock on the user (inUserTransaction in src/goals/goals.service.ts):
  // each move's cycle check reads the tree the previous move committed. The trigger
  // goals_no_cycle backs it up inside the statement.

  async function expectAcyclic(user: TestUser, goalCount: number): Promise<void> {
    expect(await goalsOnACycle(replicas.db, user.id)).toEqual([])
    // A goal on a cycle is reachable from no root, so the tree would leave it out.
    const tree = await on(2).get<GoalTree>('/api/v1/goals/tree', { auth: user.bearer })
    expect(tree.status).toBe(200)
    const ids = idsInTree(tree.body.data)
    expect(ids).toHaveLength(goalCount)
    expect(new Set(ids).size).toBe(goalCount)
  }

  it('A under B and B under A at once: never both, one 200 and one 422, every round', RACES, async () => {
    const me = await signUp(on(0), 'two-cycle')
    for (let round = 0; round < ROUNDS; round++) {
      const a = await newGoal(me, `a-${round}`)
      const b = await newGoal(me, `b-${round}`)
      const moves = await Promise.all([patchGoal(on(0), me, a.id, { parent_id: b.id }), patchGoal(on(1), me, b.id, { parent_id: a.id })])
      expect(moves.map((res) => res.status).sort()).toEqual([200, 422])
      const refused = moves.find((res) => res.status === 422)
      if (refused) expectProblem(refused, 422, 'VALIDATION_ERROR')
      await expectAcyclic(me, 2 * (round + 1))
    }
  })

  it('A under B, B under C and C under A at once on three replicas: two 200s and one 422, every round', RACES, async () => {
    const me = await signUp(on(0), 'three-cycle')
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b, c] = [await newGoal(me, `a-${round}`), await newGoal(me, `b-${round}`), await newGoal(me, `c-${round}`)]
      const moves = await Promise.all([
        patchGoal(on(0), me, a.id, { parent_id: b.id }),
        patchGoal(on(1), me, b.id, { parent_id: c.id }),
        patchGoal(on(2), me, c.id, { parent_id: a.id }),
      ])
      expect(moves.map((res) => res.status).sort()).toEqual([200, 200, 422])
      await expectAcyclic(me, 3 * (round + 1))
    }
  })
})

describe('account deletion racing creates on other replicas', () => {
  // Guaranteed by the foreign keys (ON DELETE CASCADE) and, for the answer, by the row
  // lock on the user: a create either commits before the delete (then the cascade takes
  // what it made) or finds the account gone (401), never a half-done 500.
  const CREATES: ReadonlyArray<{ path: string; body: (i: number) => Body }> = [
    { path: '/api/v1/tasks', body: (i) => ({ title: `Task ${i}` }) },
    { path: '/api/v1/goals', body: (i) => ({ name: `Goal ${i}` }) },
    { path: '/api/v1/incomes', body: (i) => ({ description: `Income ${i}`, amount: 10 + i }) },
    { path: '/api/v1/expenses', body: (i) => ({ description: `Expense ${i}`, amount: 5 + i }) },
  ]

  it('DELETE /users/me while POSTs (with and without Idempotency-Key) run elsewhere: 201 or 401 each, no orphan rows in any table', RACES, async () => {
    // What the deleted users' creates got, over all rounds: a round where every create
    // lands on one side of the delete still shows nothing but these.
    const statuses: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const doomed = await signUp(on(round), `doomed-${round}`)
      const bystander = await signUp(on(round + 1), `bystander-${round}`)
      const creates = Array.from({ length: 16 }, (_, i) => {
        const create = CREATES[i % CREATES.length] as (typeof CREATES)[number]
        // Replicas 1 and 2 create while replica 0 deletes; half the creates carry a key.
        return post(on(1 + (i % 2)), doomed, create.path, create.body(i), i % 4 < 2 ? `doomed-${round}-${i}` : undefined)
      })
      const [deleted, ...created] = await Promise.all([
        on(0).delete(`/api/v1/users/me`, { auth: doomed.bearer }),
        ...creates,
        post(on(2), bystander, '/api/v1/tasks', { title: 'Unaffected' }),
      ])
      expect(deleted?.status).toBe(204)
      const bystanders = created.pop()
      expect(bystanders?.status).toBe(201)
      for (const res of created) {
        expect([201, 401], res.text).toContain(res.status)
        if (res.status === 401) expectProblem(res, 401, 'UNAUTHORIZED')
        statuses.push(res.status)
      }
      // Nothing of the account is left anywhere, and its token no longer works.
      expect(await orphanRows(replicas.db)).toEqual(
        Object.fromEntries((await tablesOwnedByUsers(replicas.db)).map((table) => [table, 0])),
      )
      expect((await on(1).get('/api/v1/tasks', { auth: doomed.bearer })).status).toBe(401)
      expect((await on(2).get('/api/v1/users/me', { auth: bystander.bearer })).status).toBe(200)
    }
    expect(statuses).toHaveLength(ROUNDS * 16)
  })
})

describe('a goal subtree deleted while goals are created or moved under it', () => {
  // Guaranteed by the row lock on the user (inUserTransaction in src/goals/goals.service.ts):
  // the delete, the create and the moves each see the tree the one before committed.

  it('DELETE the root while a create and a move go under it and one goal moves out: no 500, no goal left without its parent', RACES, async () => {
    const me = await signUp(on(0), 'subtree')
    for (let round = 0; round < ROUNDS; round++) {
      const root = await newGoal(me, `root-${round}`)
      const child = await newGoal(me, `child-${round}`, root.id)
      const grandchild = await newGoal(me, `grandchild-${round}`, child.id)
      const leaving = await newGoal(me, `leaving-${round}`, child.id)
      const outsider = await newGoal(me, `outsider-${round}`)

      const [deleted, createdUnder, movedIn, movedOut] = await Promise.all([
        on(round).delete(`/api/v1/goals/${root.id}`, { auth: me.bearer }),
        post(on(round + 1), me, '/api/v1/goals', { name: `newcomer-${round}`, parent_id: grandchild.id }),
        patchGoal(on(round + 2), me, outsider.id, { parent_id: child.id }),
        patchGoal(on(round + 1), me, leaving.id, { parent_id: null }),
      ])

      expect(deleted.status).toBe(204)
      // Created under the subtree before the delete (then deleted with it), or after (422: no such parent).
      expect([201, 422], createdUnder.text).toContain(createdUnder.status)
      // Moved in before the delete (then deleted with it), or after (422: no such parent).
      expect([200, 422], movedIn.text).toContain(movedIn.status)
      // Moved out before the delete (then kept), or after (404: deleted with the subtree).
      expect([200, 404], movedOut.text).toContain(movedOut.status)

      const exists = async (id: number) => (await on(round + 2).get(`/api/v1/goals/${id}`, { auth: me.bearer })).status
      for (const gone of [root, child, grandchild]) expect(await exists(gone.id)).toBe(404)
      if (createdUnder.status === 201) expect(await exists(createdUnder.body.id)).toBe(404)
      expect(await exists(outsider.id)).toBe(movedIn.status === 200 ? 404 : 200)
      expect(await exists(leaving.id)).toBe(movedOut.status === 200 ? 200 : 404)
      expect(await goalsWithoutTheirParent(replicas.db)).toBe(0)
      expect(await goalsOnACycle(replicas.db, me.id)).toEqual([])
    }
  })
})
