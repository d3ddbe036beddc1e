/**
 * If-Match on writes (412), checked and written in one transaction, so that of two
 * clients writing the same version exactly one wins and nothing is lost.
 */
import { describe, expect, it } from 'vitest'
import { ApiClient, type ApiResponse } from '../support/client.js'
import { testDatabaseKind } from '../support/database.js'
import { expectProblem } from '../support/expect.js'
import { GOALS, ME, TASKS } from '../support/paths.js'
import { type Goal, type Problem, signUp, type Task, type TestUser, type Token, type User, useTestServer } from '../support/server.js'
import { conditionalRequests, etagOf, NEVER_A_TAG, NO_STORE, unique } from './conditional-requests.js'

// The queries show where the If-Match check runs: in the write's transaction.
const server = useTestServer({}, { recordQueries: true })

const { get, read, tagAt, newTask, newGoal, newExpense, patch, operationsDeclaring } = conditionalRequests(() => server)

/** A resource to write under If-Match. */
interface Target {
  /** Where it is read, and written. */
  readonly path: string
  /** Changes it behind the writer's back; none for a transaction, which never changes. */
  readonly changeBehind?: () => Promise<void>
}

/** An operation that declares 412, and how to run it. */
interface WriteCase {
  readonly operationId: string
  readonly method: 'PUT' | 'PATCH' | 'DELETE'
  readonly success: 200 | 204
  /** The table the resource lives in. */
  readonly table: 'users' | 'tasks' | 'goals' | 'transactions'
  /** What a GET answers after a successful DELETE. */
  readonly gone?: { status: 401 | 404; code: Problem['code'] }
  readonly make: (user: TestUser) => Promise<Target>
  readonly body?: () => Record<string, unknown>
  /** A path of the same kind where nothing exists (none for /users/me). */
  readonly missing?: string
}

async function taskTarget(user: TestUser): Promise<Target> {
  const path = `${TASKS}/${(await newTask(user, { title: 'Original' })).body.id}`
  return { path, changeBehind: async () => void (await patch(user, path, { title: 'Changed behind your back' })) }
}

async function goalTarget(user: TestUser): Promise<Target> {
  const path = `${GOALS}/${(await newGoal(user, { name: 'Original goal' })).body.id}`
  return { path, changeBehind: async () => void (await patch(user, path, { name: 'Changed behind your back' })) }
}

async function transactionTarget(user: TestUser): Promise<Target> {
  return { path: `/api/v1/transactions/${(await newExpense(user)).body.id}` }
}

async function meTarget(user: TestUser): Promise<Target> {
  return { path: ME, changeBehind: async () => void (await patch(user, ME, { email: `${unique(user.username)}@example.net` })) }
}

const NOT_FOUND = { status: 404, code: 'NOT_FOUND' } as const

const WRITES: WriteCase[] = [
  {
    operationId: 'updateCurrentUser',
    method: 'PATCH',
    success: 200,
    table: 'users',
    make: meTarget,
    body: () => ({ email: `${unique('changed')}@example.org` }),
  },
  {
    operationId: 'deleteCurrentUser',
    method: 'DELETE',
    success: 204,
    gone: { status: 401, code: 'UNAUTHORIZED' },
    table: 'users',
    make: meTarget,
  },
  {
    operationId: 'replaceTask',
    method: 'PUT',
    success: 200,
    table: 'tasks',
    make: taskTarget,
    body: () => ({ title: 'Replaced', description: 'by PUT', done: true }),
    missing: `${TASKS}/999999999`,
  },
  {
    operationId: 'updateTask',
    method: 'PATCH',
    success: 200,
    table: 'tasks',
    make: taskTarget,
    body: () => ({ done: true }),
    missing: `${TASKS}/999999999`,
  },
  { operationId: 'deleteTask', method: 'DELETE', success: 204, gone: NOT_FOUND, table: 'tasks', make: taskTarget, missing: `${TASKS}/999999999` },
  {
    operationId: 'replaceGoal',
    method: 'PUT',
    success: 200,
    table: 'goals',
    make: goalTarget,
    body: () => ({ name: 'Replaced goal', description: 'by PUT' }),
    missing: `${GOALS}/999999999`,
  },
  {
    operationId: 'updateGoal',
    method: 'PATCH',
    success: 200,
    table: 'goals',
    make: goalTarget,
    body: () => ({ description: 'by PATCH' }),
    missing: `${GOALS}/999999999`,
  },
  { operationId: 'deleteGoal', method: 'DELETE', success: 204, gone: NOT_FOUND, table: 'goals', make: goalTarget, missing: `${GOALS}/999999999` },
  {
    operationId: 'deleteTransaction',
    method: 'DELETE',
    success: 204,
    gone: NOT_FOUND,
    table: 'transactions',
    make: transactionTarget,
    missing: '/api/v1/transactions/999999999',
  },
]

describe('If-Match on every operation that declares 412', () => {
  it.each(WRITES)(
    '$operationId: a stale or weak tag -> 412 and nothing changes; the current tag, * or a list holding it -> $success; a missing or foreign resource -> 404',
    async (c) => {
      /** A fresh user with a fresh resource, as its GET shows it. */
      async function fresh() {
        const user = await signUp(server.api)
        const target = await c.make(user)
        const current = await read(user, target.path)
        return { user, target, current, tag: etagOf(current) }
      }
      function write(user: TestUser, path: string, ifMatch: string) {
        const body = c.body?.()
        return server.api.request<Problem>(c.method, path, { auth: user.bearer, headers: { 'if-match': ifMatch }, ...(body ? { json: body } : {}) })
      }
      /** 412, and the resource exactly as it was. */
      async function expectRefused(user: TestUser, path: string, ifMatch: string, before: ApiResponse) {
        const res = await write(user, path, ifMatch)
        expect(res.operationId, ifMatch).toBe(c.operationId)
        expectProblem(res, 412, 'PRECONDITION_FAILED')
        expect(res.body.type).toBe('/problems/precondition-failed')
        expect(res.headers.get('cache-control')).toBe(NO_STORE)
        expect(res.headers.get('etag')).toBeNull()
        const after = await read(user, path)
        expect(after.text, `${ifMatch}: unchanged`).toBe(before.text)
        expect(etagOf(after)).toBe(etagOf(before))
      }
      /** 200 with the new state (what a GET now shows) or 204 and gone. */
      async function expectDone(user: TestUser, path: string, ifMatch: string, before: ApiResponse) {
        const res = await write(user, path, ifMatch)
        expect(res.status, `${ifMatch}: ${res.text}`).toBe(c.success)
        expect(res.operationId).toBe(c.operationId)
        if (c.success === 200) {
          const after = await read(user, path)
          expect(after.text).toBe(res.text)
          expect(etagOf(after)).toBe(etagOf(res))
          expect(etagOf(after)).not.toBe(etagOf(before))
        } else {
          const gone = c.gone ?? NOT_FOUND
          expectProblem(await get<Problem>(user, path), gone.status, gone.code)
        }
      }

      // Stale: someone changed it since we read it (a transaction never changes: any other tag).
      {
        const { user, target, tag } = await fresh()
        let stale = NEVER_A_TAG
        if (target.changeBehind) {
          await target.changeBehind()
          stale = tag
        }
        const now = await read(user, target.path)
        if (target.changeBehind) expect(etagOf(now)).not.toBe(tag)
        await expectRefused(user, target.path, stale, now)
        // A list of tags none of which is current.
        await expectRefused(user, target.path, `${stale}, ${NEVER_A_TAG}`, now)
      }
      // The weak form of the current tag: If-Match compares strongly (RFC 9110 §13.1.1).
      {
        const { user, target, current, tag } = await fresh()
        await expectRefused(user, target.path, `W/${tag}`, current)
      }
      // The current tag.
      {
        const { user, target, current, tag } = await fresh()
        await expectDone(user, target.path, tag, current)
      }
      // `*`: any current representation.
      {
        const { user, target, current } = await fresh()
        await expectDone(user, target.path, '*', current)
      }
      // A list holding the current tag.
      {
        const { user, target, current, tag } = await fresh()
        await expectDone(user, target.path, `${NEVER_A_TAG}, W/${tag}, ${tag}`, current)
      }
      // Nothing there: 404, as without If-Match (preconditions only apply to a 2xx, RFC 9110 §13.2.1).
      if (c.missing !== undefined) {
        const { user, tag } = await fresh()
        for (const ifMatch of ['*', tag]) {
          const res = await write(user, c.missing, ifMatch)
          expect(res.operationId).toBe(c.operationId)
          expectProblem(res, 404, 'NOT_FOUND')
        }
        // Someone else's: 404 whatever the tag (a 412 would tell that it exists), and untouched.
        const intruder = await signUp(server.api)
        const owner = await fresh()
        for (const ifMatch of [owner.tag, NEVER_A_TAG, `W/${owner.tag}`, '*']) {
          expectProblem(await write(intruder, owner.target.path, ifMatch), 404, 'NOT_FOUND')
        }
        const after = await read(owner.user, owner.target.path)
        expect(after.text).toBe(owner.current.text)
      }
    },
  )

  it.each(WRITES)('$operationId: the If-Match check and the write run in one transaction', async (c) => {
    // In one process the two requests of a race never interleave between check and write,
    // so the race tests below cannot tell; the queries can: nothing but authentication
    // before the transaction, the GET's read and then the write inside it, nothing after.
    const user = await signUp(server.api)
    const target = await c.make(user)
    const tag = await tagAt(user, target.path)
    const body = c.body?.()
    server.queries.length = 0
    const res = await server.api.request(c.method, target.path, { auth: user.bearer, headers: { 'if-match': tag }, ...(body ? { json: body } : {}) })
    expect(res.status, res.text).toBe(c.success)
    const queries = [...server.queries]
    const log = queries.join('\n')
    const begin = queries.indexOf(testDatabaseKind === 'postgres' ? 'begin' : 'begin immediate')
    expect(begin, log).toBeGreaterThan(0)
    expect(
      queries.slice(0, begin).every((q) => q.includes('from "tokens"')),
      log,
    ).toBe(true)
    expect(queries.indexOf('commit'), log).toBe(queries.length - 1)
    const inside = queries.slice(begin + 1, -1)
    expect(
      inside.filter((q) => /^(begin|commit|rollback|savepoint|release)\b/i.test(q)),
      log,
    ).toEqual([])
    const check = inside.findIndex((q) => q.startsWith('select') && q.includes(`from "${c.table}"`))
    const write = inside.findIndex((q) => /^(update|delete|insert|with)\b/.test(q) && q.includes(`"${c.table}"`))
    expect(check, log).toBeGreaterThanOrEqual(0)
    expect(write, log).toBeGreaterThan(check)
  })

  it('the cases above cover every operation of the spec that declares 412, each taking If-Match', () => {
    expect(WRITES.map((c) => c.operationId).sort()).toEqual(operationsDeclaring('412'))
    for (const c of WRITES) {
      const found = server.api.contract.operations().find((op) => op.operationId === c.operationId)
      expect(found?.method, c.operationId).toBe(c.method)
      expect(JSON.stringify(found?.operation.parameters ?? []), c.operationId).toContain('#/components/parameters/IfMatch')
    }
  })
})

// ---------------------------------------------------------------------------------------

describe('two clients read the same version and write at once: exactly one wins, nothing is lost', () => {
  const ROUNDS = 10

  /** The same user on two clients, each with its own token. */
  async function twoClients() {
    const me = await signUp(server.api)
    const token = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(token.status).toBe(201)
    return {
      me,
      alice: { api: new ApiClient(server.baseUrl), auth: me.bearer },
      bob: { api: new ApiClient(server.baseUrl), auth: { bearer: token.body.token } },
    }
  }

  /** Both read `path`, then both write with If-Match; returns [alice's, bob's] answer after checking one 200, one 412. */
  async function race<T>(
    clients: Awaited<ReturnType<typeof twoClients>>,
    method: 'PUT' | 'PATCH',
    path: string,
    aliceBody: Record<string, unknown>,
    bobBody: Record<string, unknown>,
  ) {
    const { alice, bob } = clients
    const [aliceRead, bobRead] = await Promise.all([alice.api.get<T>(path, { auth: alice.auth }), bob.api.get<T>(path, { auth: bob.auth })])
    expect(aliceRead.status).toBe(200)
    expect(bobRead.status).toBe(200)
    const tag = etagOf(aliceRead)
    expect(etagOf(bobRead)).toBe(tag)

    const [aliceWrite, bobWrite] = await Promise.all([
      alice.api.request<T>(method, path, { auth: alice.auth, headers: { 'if-match': tag }, json: aliceBody }),
      bob.api.request<T>(method, path, { auth: bob.auth, headers: { 'if-match': tag }, json: bobBody }),
    ])
    expect([aliceWrite.status, bobWrite.status].sort()).toEqual([200, 412])
    const [winner, loser] = aliceWrite.status === 200 ? [aliceWrite, bobWrite] : [bobWrite, aliceWrite]
    expectProblem(loser as ApiResponse<Problem>, 412, 'PRECONDITION_FAILED')

    // What is there now is exactly the winner's write.
    const final = await alice.api.get<T>(path, { auth: alice.auth })
    expect(final.text).toBe(winner.text)
    expect(etagOf(final)).toBe(etagOf(winner))
    return { aliceWon: winner === aliceWrite, winner, final }
  }

  it(`PATCH a task, title against done, ${ROUNDS} rounds`, async () => {
    const clients = await twoClients()
    for (let round = 0; round < ROUNDS; round++) {
      const task = await newTask(clients.me, { title: `Race ${round}` })
      const path = `${TASKS}/${task.body.id}`
      const { aliceWon, final } = await race<Task>(clients, 'PATCH', path, { title: `Alice ${round}` }, { done: true })
      expect(final.body).toMatchObject(aliceWon ? { title: `Alice ${round}`, done: false } : { title: `Race ${round}`, done: true })

      // The loser reads again and retries: now both changes are there.
      const loser = aliceWon ? clients.bob : clients.alice
      const reread = await loser.api.get<Task>(path, { auth: loser.auth })
      const retry = await loser.api.patch<Task>(path, {
        auth: loser.auth,
        headers: { 'if-match': etagOf(reread) },
        json: aliceWon ? { done: true } : { title: `Alice ${round}` },
      })
      expect(retry.status).toBe(200)
      expect(retry.body).toMatchObject({ title: `Alice ${round}`, done: true })
    }
  })

  it(`PUT a goal, ${ROUNDS} rounds`, async () => {
    const clients = await twoClients()
    for (let round = 0; round < ROUNDS; round++) {
      const goal = await newGoal(clients.me, { name: `Goal ${round}` })
      const path = `${GOALS}/${goal.body.id}`
      const alice = { name: `Goal ${round}`, description: 'Alice was here' }
      const bob = { name: `Bob's goal ${round}`, description: '' }
      const { aliceWon, final } = await race<Goal>(clients, 'PUT', path, alice, bob)
      expect(final.body).toMatchObject(aliceWon ? alice : bob)
      expect(final.body.id).toBe(goal.body.id)
    }
  })

  it(`PATCH /users/me email, ${ROUNDS} rounds`, async () => {
    const clients = await twoClients()
    for (let round = 0; round < ROUNDS; round++) {
      const alice = `${clients.me.username}-alice-${round}@example.org`
      const bob = `${clients.me.username}-bob-${round}@example.org`
      const { aliceWon, final } = await race<User>(clients, 'PATCH', ME, { email: alice }, { email: bob })
      expect(final.body.email).toBe(aliceWon ? alice : bob)
    }
  })
})
