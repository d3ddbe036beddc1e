import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import {
  type Balance,
  type Goal,
  type GoalList,
  type GoalTree,
  type Problem,
  signUp,
  startTestServer,
  type Task,
  type TaskList,
  type TestServer,
  type TestUser,
  type Token,
  type Transaction,
  type TransactionList,
  type User,
  useTestServer,
} from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

const server = useTestServer()

function base64(text: string): string {
  return Buffer.from(text).toString('base64')
}

/** A 401 problem that offers both schemes. */
/** A 401 problem whose challenge offers exactly the schemes the operation takes. */
function expectUnauthorized(res: ApiResponse<Problem>, schemes: readonly string[] = ['Basic', 'Bearer']): void {
  expectProblem(res, 401, 'UNAUTHORIZED')
  expect(res.body.type).toBe('/problems/unauthorized')
  const challenge = res.headers.get('www-authenticate') ?? ''
  for (const scheme of ['Basic', 'Bearer']) {
    const offered = new RegExp(`(^|[\\s,])${scheme}(\\s|,|$)`, 'i').test(challenge)
    expect(offered, `${scheme} in ${challenge}`).toBe(schemes.includes(scheme))
  }
}

describe('401 UNAUTHORIZED, with WWW-Authenticate offering Basic and Bearer', () => {
  let me: TestUser
  beforeAll(async () => {
    me = await signUp(server.api)
  })

  it('no Authorization header', async () => {
    expectUnauthorized(await server.api.get<Problem>('/api/v1/users/me'))
    expectUnauthorized(await server.api.get<Problem>('/api/v1/tasks'))
    expectUnauthorized(await server.api.post<Problem>('/api/v1/tasks', { json: { title: 'Sneaky' } }))
    expectUnauthorized(await server.api.post<Problem>('/api/v1/tokens'), ['Basic'])
    expectUnauthorized(await server.api.delete<Problem>('/api/v1/tokens/current'), ['Bearer'])
  })

  it('a valid token where only Basic is taken: the challenge and detail offer Basic only', async () => {
    const res = await server.api.post<Problem>('/api/v1/tokens', { auth: me.bearer })
    expectUnauthorized(res, ['Basic'])
    expect(res.body.detail).toBe('Send a username and password (Basic).')
  })

  it('a wrong password', async () => {
    const res = await server.api.get<Problem>('/api/v1/users/me', { auth: { basic: [me.username, 'not-my-password'] } })
    expectUnauthorized(res)
  })

  it('an unknown username, answered the same way as a wrong password', async () => {
    const unknown = await server.api.get<Problem>('/api/v1/users/me', { auth: { basic: ['nobody-here', me.password] } })
    expectUnauthorized(unknown)
    const wrong = await server.api.get<Problem>('/api/v1/users/me', { auth: { basic: [me.username, 'still-not-it'] } })
    expectUnauthorized(wrong)
    expect(unknown.body.detail).toBe(wrong.body.detail)
    expect(unknown.text).not.toContain('nobody-here')
  })

  it('malformed Basic credentials (no colon)', async () => {
    const res = await server.api.get<Problem>('/api/v1/users/me', { auth: { authorization: `Basic ${base64(me.username)}` } })
    expectUnauthorized(res)
  })

  it('Basic with nothing after it', async () => {
    expectUnauthorized(await server.api.get<Problem>('/api/v1/users/me', { auth: { authorization: 'Basic' } }))
  })

  it('an unknown scheme (Digest)', async () => {
    expectUnauthorized(await server.api.get<Problem>('/api/v1/users/me', { auth: { authorization: 'Digest x' } }))
  })

  it('a garbage bearer token', async () => {
    expectUnauthorized(await server.api.get<Problem>('/api/v1/users/me', { auth: { bearer: 'not-a-real-token' } }))
  })

  it('an empty bearer token', async () => {
    expectUnauthorized(await server.api.get<Problem>('/api/v1/users/me', { auth: { authorization: 'Bearer' } }))
  })

  it('a password sent as a bearer token', async () => {
    expectUnauthorized(await server.api.get<Problem>('/api/v1/users/me', { auth: { bearer: me.password } }))
  })

  it('the right credentials work, in either scheme, and the scheme name ignores case', async () => {
    expect((await server.api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(200)
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(200)
    const lower = await server.api.get<User>('/api/v1/users/me', { auth: { authorization: `bearer ${me.token}` } })
    expect(lower.status).toBe(200)
    expect(lower.body.id).toBe(me.id)
  })
})

describe('Basic credentials work on every operation that accepts them', () => {
  interface Case {
    readonly operationId: string
    readonly status: number
    readonly send: (user: TestUser) => Promise<ApiResponse>
  }

  async function taskOf(user: TestUser): Promise<Task> {
    const res = await server.api.post<Task>('/api/v1/tasks', { auth: user.bearer, json: { title: 'Buy groceries' } })
    expect(res.status).toBe(201)
    return res.body
  }

  async function goalOf(user: TestUser): Promise<Goal> {
    const res = await server.api.post<Goal>('/api/v1/goals', { auth: user.bearer, json: { name: 'Run a marathon' } })
    expect(res.status).toBe(201)
    return res.body
  }

  async function expenseOf(user: TestUser): Promise<Transaction> {
    const res = await server.api.post<Transaction>('/api/v1/expenses', { auth: user.bearer, json: { description: 'Pizza', amount: 12.5 } })
    expect(res.status).toBe(201)
    return res.body
  }

  const cases: Case[] = [
    { operationId: 'getCurrentUser', status: 200, send: (u) => server.api.get<User>('/api/v1/users/me', { auth: u.basic }) },
    {
      operationId: 'updateCurrentUser',
      status: 200,
      send: (u) => server.api.patch<User>('/api/v1/users/me', { auth: u.basic, json: { email: `${u.username}@example.org` } }),
    },
    { operationId: 'deleteCurrentUser', status: 204, send: (u) => server.api.delete('/api/v1/users/me', { auth: u.basic }) },
    { operationId: 'getUser', status: 200, send: (u) => server.api.get<User>(`/api/v1/users/${u.id}`, { auth: u.basic }) },
    { operationId: 'createToken', status: 201, send: (u) => server.api.post<Token>('/api/v1/tokens', { auth: u.basic }) },
    { operationId: 'listTasks', status: 200, send: (u) => server.api.get<TaskList>('/api/v1/tasks', { auth: u.basic }) },
    {
      operationId: 'createTask',
      status: 201,
      send: (u) => server.api.post<Task>('/api/v1/tasks', { auth: u.basic, form: { title: 'Read a book' } }),
    },
    {
      operationId: 'getTask',
      status: 200,
      send: async (u) => server.api.get<Task>(`/api/v1/tasks/${(await taskOf(u)).id}`, { auth: u.basic }),
    },
    {
      operationId: 'replaceTask',
      status: 200,
      send: async (u) => server.api.put<Task>(`/api/v1/tasks/${(await taskOf(u)).id}`, { auth: u.basic, json: { title: 'Learn Python' } }),
    },
    {
      operationId: 'updateTask',
      status: 200,
      send: async (u) =>
        server.api.patch<Task>(`/api/v1/tasks/${(await taskOf(u)).id}`, {
          auth: u.basic,
          json: { done: true },
          contentType: 'application/merge-patch+json',
        }),
    },
    {
      operationId: 'deleteTask',
      status: 204,
      send: async (u) => server.api.delete(`/api/v1/tasks/${(await taskOf(u)).id}`, { auth: u.basic }),
    },
    { operationId: 'listGoals', status: 200, send: (u) => server.api.get<GoalList>('/api/v1/goals', { auth: u.basic }) },
    { operationId: 'getGoalTree', status: 200, send: (u) => server.api.get<GoalTree>('/api/v1/goals/tree', { auth: u.basic }) },
    {
      operationId: 'createGoal',
      status: 201,
      send: (u) => server.api.post<Goal>('/api/v1/goals', { auth: u.basic, form: { name: 'Run 10 km' } }),
    },
    {
      operationId: 'getGoal',
      status: 200,
      send: async (u) => server.api.get<Goal>(`/api/v1/goals/${(await goalOf(u)).id}`, { auth: u.basic }),
    },
    {
      operationId: 'replaceGoal',
      status: 200,
      send: async (u) => server.api.put<Goal>(`/api/v1/goals/${(await goalOf(u)).id}`, { auth: u.basic, json: { name: 'Run a half marathon' } }),
    },
    {
      operationId: 'updateGoal',
      status: 200,
      send: async (u) => {
        const goal = await goalOf(u)
        return server.api.patch<Goal>(`/api/v1/goals/${goal.id}`, { auth: u.basic, json: { end: goal.start } })
      },
    },
    {
      operationId: 'deleteGoal',
      status: 204,
      send: async (u) => server.api.delete(`/api/v1/goals/${(await goalOf(u)).id}`, { auth: u.basic }),
    },
    { operationId: 'listIncomes', status: 200, send: (u) => server.api.get<TransactionList>('/api/v1/incomes', { auth: u.basic }) },
    {
      operationId: 'createIncome',
      status: 201,
      send: (u) => server.api.post<Transaction>('/api/v1/incomes', { auth: u.basic, json: { description: 'Salary', amount: 5000 } }),
    },
    { operationId: 'listExpenses', status: 200, send: (u) => server.api.get<TransactionList>('/api/v1/expenses', { auth: u.basic }) },
    {
      operationId: 'createExpense',
      status: 201,
      send: (u) => server.api.post<Transaction>('/api/v1/expenses', { auth: u.basic, form: { description: 'Rent', amount: '800' } }),
    },
    {
      operationId: 'listTransactions',
      status: 200,
      send: (u) => server.api.get<TransactionList>('/api/v1/transactions', { auth: u.basic }),
    },
    {
      operationId: 'getTransaction',
      status: 200,
      send: async (u) => server.api.get<Transaction>(`/api/v1/transactions/${(await expenseOf(u)).id}`, { auth: u.basic }),
    },
    {
      operationId: 'deleteTransaction',
      status: 204,
      send: async (u) => server.api.delete(`/api/v1/transactions/${(await expenseOf(u)).id}`, { auth: u.basic }),
    },
    { operationId: 'getBalance', status: 200, send: (u) => server.api.get<Balance>('/api/v1/balance', { auth: u.basic }) },
  ]

  it.each(cases)('$operationId -> $status', async ({ operationId, status, send }) => {
    const user = await signUp(server.api)
    const res = await send(user)
    expect(res.status).toBe(status)
    expect(res.operationId).toBe(operationId)
  })

  it('the cases above cover every operation of the spec that takes Basic', () => {
    const contract = server.api.contract
    const globalSecurity = contract.document.security
    const takesBasic = contract
      .operations()
      .filter(({ operation }) => {
        const security = operation.security ?? globalSecurity
        return Array.isArray(security) && security.some((requirement) => JSON.stringify(requirement).includes('"basicAuth"'))
      })
      .map(({ operationId }) => operationId)
      .sort()
    expect(cases.map((c) => c.operationId).sort()).toEqual(takesBasic)
  })
})

describe('logs', () => {
  it('never hold a password or a bearer token', async () => {
    const me = await signUp(server.api, 'log-watcher')
    const credentials = base64(`${me.username}:${me.password}`)
    await server.api.get('/api/v1/users/me', { auth: me.basic })
    await server.api.get('/api/v1/users/me', { auth: me.bearer })
    await server.api.patch('/api/v1/users/me', { auth: me.bearer, json: { email: 'log-watcher@example.org' } })
    const token = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(token.status).toBe(201)
    await server.api.get('/api/v1/tasks', { auth: { bearer: token.body.token } })
    await server.api.delete('/api/v1/tokens/current', { auth: { bearer: token.body.token } })
    const wrongPassword = 'wrong-password-for-the-logs'
    await server.api.get('/api/v1/users/me', { auth: { basic: [me.username, wrongPassword] } })
    const garbageToken = 'garbage-token-for-the-logs'
    await server.api.get('/api/v1/users/me', { auth: { bearer: garbageToken } })
    const newPassword = 'new-password-for-the-logs'
    const changed = await server.api.patch('/api/v1/users/me', { auth: me.basic, json: { password: newPassword } })
    expect(changed.status).toBe(200)

    const logs = server.logs()
    // The requests were logged, as JSON lines...
    expect(logs).toContain('/api/v1/users/me')
    for (const line of logs.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow()
    // ...but none of their secrets.
    for (const secret of [me.password, credentials, me.token, token.body.token, wrongPassword, garbageToken, newPassword]) {
      expect(logs).not.toContain(secret)
    }
  })
})

function wrong(user: TestUser) {
  return { basic: [user.username, 'not-the-password'] as const }
}

describe('login throttle', () => {
  let throttled: TestServer
  beforeAll(async () => {
    throttled = await startTestServer({ loginMaxFailures: 3, loginWindowSeconds: 60 })
  })
  afterAll(() => throttled.close())

  it('after 3 failures for one username, the 4th attempt is 429 with Retry-After, even with the right password', async () => {
    const api = throttled.api
    const victim = await signUp(api, 'victim')
    const bystander = await signUp(api, 'bystander')

    for (let i = 0; i < 3; i++) {
      expectUnauthorized(await api.get<Problem>('/api/v1/users/me', { auth: wrong(victim) }))
    }

    const res = await api.get<Problem>('/api/v1/users/me', { auth: victim.basic })
    expect(res.status).toBe(429)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.body).toMatchObject({ type: '/problems/too-many-requests', status: 429, code: 'TOO_MANY_REQUESTS' })
    const retryAfter = res.headers.get('retry-after') ?? ''
    expect(retryAfter).toMatch(/^\d+$/)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    expect(Number(retryAfter)).toBeLessThanOrEqual(60)

    // Still locked out, whatever the operation.
    const token = await api.post<Problem>('/api/v1/tokens', { auth: victim.basic })
    expect(token.status).toBe(429)
    expect(token.body).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' })
    expect(Number(token.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    const wrongAgain = await api.get<Problem>('/api/v1/users/me', { auth: wrong(victim) })
    expect(wrongAgain.status).toBe(429)

    // Another user is unaffected.
    const other = await api.get<User>('/api/v1/users/me', { auth: bystander.basic })
    expect(other.status).toBe(200)
    expect(other.body.username).toBe('bystander')

    // The victim's bearer tokens still work.
    const bearer = await api.get<User>('/api/v1/users/me', { auth: victim.bearer })
    expect(bearer.status).toBe(200)
    expect(bearer.body.id).toBe(victim.id)
  })

  it('a successful login resets the count: 2 failures, a success, 2 failures is not throttled', async () => {
    const api = throttled.api
    const me = await signUp(api, 'forgetful')

    for (let i = 0; i < 2; i++) expectUnauthorized(await api.get<Problem>('/api/v1/users/me', { auth: wrong(me) }))
    expect((await api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(200)
    for (let i = 0; i < 2; i++) expectUnauthorized(await api.get<Problem>('/api/v1/users/me', { auth: wrong(me) }))
    expect((await api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(200)

    // The count restarted from zero: a third failure in a row locks the username.
    for (let i = 0; i < 3; i++) expectUnauthorized(await api.get<Problem>('/api/v1/users/me', { auth: wrong(me) }))
    expect((await api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(429)
  })
})

describe('login throttle by address', () => {
  it('after 4x the per-username limit of failures from one address, every Basic login from it is 429', STARTS_A_SERVER, async () => {
    const server = await startTestServer({ loginMaxFailures: 2, loginWindowSeconds: 60 })
    try {
      const api = server.api
      const innocent = await signUp(api, 'innocent')
      // 8 failures, each for a different (unknown) username, so no username is locked.
      for (let i = 0; i < 8; i++) {
        expectUnauthorized(await api.get<Problem>('/api/v1/users/me', { auth: { basic: [`guess${i}`, 'password1'] } }))
      }
      const res = await api.get<Problem>('/api/v1/users/me', { auth: innocent.basic })
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      // Tokens do not go through the login throttle.
      expect((await api.get('/api/v1/users/me', { auth: innocent.bearer })).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})

describe('login throttle under a burst', () => {
  it('lets no more than the allowed number of parallel guesses through to the password check', STARTS_A_SERVER, async () => {
    const server = await startTestServer({ loginMaxFailures: 3, loginWindowSeconds: 60 })
    try {
      const target = await signUp(server.api, 'target')
      const guesses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => server.api.get<Problem>('/api/v1/users/me', { auth: { basic: [target.username, `guess-${i}`] } })),
      )
      const statuses = guesses.map((g) => g.status).sort()
      expect(statuses.filter((s) => s === 401)).toHaveLength(3)
      expect(statuses.filter((s) => s === 429)).toHaveLength(9)
    } finally {
      await server.close()
    }
  })

  // Identical checks in flight share one attempt, and each success clears the count: at most
  // one point is ever outstanding for them, however the twelve interleave.
  it('12 parallel logins with the right password -> twelve 200s, none locked out by the others', STARTS_A_SERVER, async () => {
    const server = await startTestServer({ loginMaxFailures: 3, loginWindowSeconds: 60 })
    try {
      const me = await signUp(server.api, 'parallel')
      const burst = await Promise.all(Array.from({ length: 12 }, () => server.api.get<User>('/api/v1/users/me', { auth: me.basic })))
      expect(burst.map((r) => r.status)).toEqual(Array(12).fill(200))
      expect(new Set(burst.map((r) => r.body.id))).toEqual(new Set([me.id]))
    } finally {
      await server.close()
    }
  })
})
