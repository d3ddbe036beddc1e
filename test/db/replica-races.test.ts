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
  return tables
    .filter((table) => table.columns.some((column) => column.name === 'user_id'))
    .map((table) => table.name)
    .sort()
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
  // Guaranteed by the row lock on the user (inUserTransaction in src/idempotency/run-idempotently.ts):
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
  // Guaranteed by the row lock on the user (inUserTransaction in src/http/run-operation.ts): the
  // comparison with the current ETag and the write run as one, one request after another.
  const WRITERS = 6

  /** Sends WRITERS writes made by `write` with the ETag of `path` at once; checks one 200, the rest 412, and the final state. */
  async function raceOn(user: TestUser, path: string, write: (i: number) => Body): Promise<void> {
    const read = await on(0).get(path, { auth: user.bearer })
    expect(read.status).toBe(200)
    const etag = read.headers.get('etag') ?? ''
    expect(etag).toMatch(/^"/)
    const responses = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => on(i).patch<Problem>(path, { auth: user.bearer, json: write(i), headers: { 'If-Match': etag } })),
    )
    expect(countBy(responses.map((res) => res.status))).toEqual(
      new Map([
        [200, 1],
        [412, WRITERS - 1],
      ]),
    )
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

  it('DELETE /users/me while POSTs (with and without Idempotency-Key, and logins) run elsewhere: 201 or 401 each, no orphan rows in any table', RACES, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const doomed = await signUp(on(round), `doomed-${round}`)
      const bystander = await signUp(on(round + 1), `bystander-${round}`)
      // Replicas 1 and 2 create while replica 0 deletes; half the creates carry a key.
      const create = (i: number) => {
        const { path, body } = CREATES[i % CREATES.length] as (typeof CREATES)[number]
        return post(on(1 + (i % 2)), doomed, path, body(i), i % 4 < 2 ? `doomed-${round}-${i}` : undefined)
      }
      const login = (i: number) => on(1 + (i % 2)).post<Problem>('/api/v1/tokens', { auth: doomed.basic })
      // A first wave is under way when the delete is sent, a second follows it: some land
      // before the delete, some after, some while it runs (which, is up to the scheduler).
      const early = [...Array.from({ length: 8 }, (_, i) => create(i)), login(0)]
      await Promise.race(early)
      const deleted = on(0).delete('/api/v1/users/me', { auth: doomed.bearer })
      const late = [...Array.from({ length: 8 }, (_, i) => create(8 + i)), login(1)]
      const unaffected = post(on(2), bystander, '/api/v1/tasks', { title: 'Unaffected' })

      expect((await deleted).status).toBe(204)
      for (const res of await Promise.all([...early, ...late])) {
        expect([201, 401], res.text).toContain(res.status)
        if (res.status === 401) expectProblem(res, 401, 'UNAUTHORIZED')
      }
      expect((await unaffected).status).toBe(201)
      // Nothing of the account is left anywhere (the cascade took what the 201s made),
      // and its token no longer works; the other account is untouched.
      expect(await orphanRows(replicas.db)).toEqual(Object.fromEntries((await tablesOwnedByUsers(replicas.db)).map((table) => [table, 0])))
      expect((await on(1).get('/api/v1/tasks', { auth: doomed.bearer })).status).toBe(401)
      expect((await on(2).get('/api/v1/users/me', { auth: bystander.bearer })).status).toBe(200)
    }
  })
})

describe('a goal subtree deleted while goals are created or moved under it', () => {
  // Guaranteed by the row lock on the user (inUserTransaction in src/goals/goals.service.ts):
  // the delete, the creates and the moves each see the tree the one before committed.

  it('DELETE the root while goals are created and moved under it and one moves out: no 500, no goal left without its parent', RACES, async () => {
    const me = await signUp(on(0), 'subtree')
    for (let round = 0; round < ROUNDS; round++) {
      const root = await newGoal(me, `root-${round}`)
      const child = await newGoal(me, `child-${round}`, root.id)
      const grandchild = await newGoal(me, `grandchild-${round}`, child.id)
      const leaving = await newGoal(me, `leaving-${round}`, child.id)
      const outsiders = [await newGoal(me, `outsider-${round}-0`), await newGoal(me, `outsider-${round}-1`)]
      const under = [root, child, grandchild]

      // Creates under each goal of the subtree, and a move into it, on the other replicas,
      // a wave before the delete is sent and a wave after, so that they land on both sides.
      const wave = (n: number) => [
        ...under.map((parent, i) => post(on(round + 1 + i), me, '/api/v1/goals', { name: `newcomer-${round}-${n}-${i}`, parent_id: parent.id })),
        patchGoal(on(round + 1 + n), me, (outsiders[n] as Goal).id, { parent_id: (under[n + 1] as Goal).id }),
      ]
      const early = wave(0)
      await Promise.race(early)
      const deleted = on(round).delete(`/api/v1/goals/${root.id}`, { auth: me.bearer })
      const late = wave(1)
      const movedOut = patchGoal(on(round + 2), me, leaving.id, { parent_id: null })

      expect((await deleted).status).toBe(204)
      const exists = async (id: number) => (await on(round + 2).get(`/api/v1/goals/${id}`, { auth: me.bearer })).status
      for (const res of await Promise.all([...early, ...late])) {
        // Under the subtree before the delete (then deleted with it), or after it (422: no such parent).
        expect([200, 201, 422], res.text).toContain(res.status)
        if (res.status === 422) expectProblem(res, 422, 'VALIDATION_ERROR')
        else expect(await exists(res.body.id)).toBe(404)
      }
      // Moved out before the delete (then kept), or after it (404: deleted with the subtree).
      const out = await movedOut
      expect([200, 404], out.text).toContain(out.status)
      expect(await exists(leaving.id)).toBe(out.status === 200 ? 200 : 404)
      for (const gone of under) expect(await exists(gone.id)).toBe(404)

      expect(await goalsWithoutTheirParent(replicas.db)).toBe(0)
      expect(await goalsOnACycle(replicas.db, me.id)).toEqual([])
    }
  })
})
