/**
 * The SDK (`src/client`, packed as `@achiever/client` by packages/client) end to end against a live
 * server: each resource through the typed client, and errors read as typed problems
 * with no casts. The SDK gets a fetch that holds every response to `openapi.yaml`
 * (test/support/checked-fetch.ts), as the test client does for the other HTTP tests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type AchieverClient, type Auth, basicAuthorization, createAchieverClient, isProblem, login } from '../../src/client/index.js'
import { checkedFetch } from '../support/checked-fetch.js'
import { ContractViolation } from '../support/contract.js'
import { parseLinks, pointersOf } from '../support/expect.js'
import { startTestServer, type TestServer, type User } from '../support/server.js'

let server: TestServer
let fetchChecked: (request: Request) => Promise<Response>
beforeAll(async () => {
  server = await startTestServer()
  fetchChecked = checkedFetch(server.api.contract)
})
afterAll(() => server.close())

function sdk(auth?: Auth, headers?: Record<string, string>): AchieverClient {
  return createAchieverClient({ baseUrl: server.baseUrl, fetch: fetchChecked, auth, headers })
}

interface Account {
  readonly user: User
  readonly username: string
  readonly password: string
}

let accounts = 0

/** Registers a fresh user through the SDK (no credentials: the one public operation). */
async function register(password = 'correct-horse-battery'): Promise<Account> {
  const username = `sdk${++accounts}`
  const { data, error, response } = await sdk().POST('/api/v1/users', { body: { username, email: `${username}@example.com`, password } })
  if (error) throw new Error(`register failed: ${error.status} ${error.detail}`)
  expect(response.status).toBe(201)
  expect(response.headers.get('Location')).toBe(data.uri)
  return { user: data, username, password }
}

/** A client signed in with a token, through `login`. */
async function signIn(account: Account): Promise<AchieverClient> {
  const session = await login({ baseUrl: server.baseUrl, fetch: fetchChecked, username: account.username, password: account.password })
  if (session.error) throw new Error(`login failed: ${session.error.status} ${session.error.detail}`)
  return session.client
}

describe('registering and signing in', () => {
  it('registers a user and reads it back with Basic credentials', async () => {
    const account = await register()
    expect(account.user).toMatchObject({ username: account.username, email: `${account.username}@example.com` })

    const basic = sdk({ basic: { username: account.username, password: account.password } })
    const { data, error } = await basic.GET('/api/v1/users/me')
    expect(error).toBeUndefined()
    expect(data).toEqual(account.user)
  })

  it('logs in for a token and uses it as Bearer', async () => {
    const account = await register()
    const session = await login({ baseUrl: server.baseUrl, fetch: fetchChecked, username: account.username, password: account.password })
    if (session.error) throw new Error(session.error.detail)
    expect(session.response.status).toBe(201)
    expect(session.response.headers.get('Cache-Control')).toBe('no-store')
    expect(Date.parse(session.token.expires_at)).toBeGreaterThan(Date.now())

    const { data } = await session.client.GET('/api/v1/users/me')
    expect(data?.id).toBe(account.user.id)
    const byId = await session.client.GET('/api/v1/users/{userId}', { params: { path: { userId: account.user.id } } })
    expect(byId.data).toEqual(account.user)
  })

  it('encodes Basic credentials as UTF-8, as the server decodes them', async () => {
    const account = await register('pässwört-✓-日本-😀')
    const { data, error } = await sdk({ basic: { username: account.username, password: account.password } }).GET('/api/v1/users/me')
    expect(error).toBeUndefined()
    expect(data?.username).toBe(account.username)
  })

  it('asks a bearer function before every request, so a client can change tokens', async () => {
    const account = await register()
    const tokens: string[] = []
    for (let i = 0; i < 2; i++) {
      const session = await login({ baseUrl: server.baseUrl, fetch: fetchChecked, username: account.username, password: account.password })
      if (session.error) throw new Error(session.error.detail)
      tokens.push(session.token.token)
    }
    let current: string | undefined
    const client = sdk({ bearer: async () => current })

    const anonymous = await client.GET('/api/v1/users/me')
    expect(anonymous.error?.code).toBe('UNAUTHORIZED')

    current = tokens[0]
    expect((await client.GET('/api/v1/users/me')).data?.id).toBe(account.user.id)
    expect((await client.DELETE('/api/v1/tokens/current')).response.status).toBe(204)
    const revoked = await client.GET('/api/v1/users/me')
    expect(revoked.error?.code).toBe('UNAUTHORIZED')

    current = tokens[1]
    expect((await client.GET('/api/v1/users/me')).data?.id).toBe(account.user.id)
  })

  it('lets one call send its own Authorization over the client auth', async () => {
    const account = await register()
    const client = sdk({ bearer: 'not-a-token' })
    expect((await client.GET('/api/v1/users/me')).error?.code).toBe('UNAUTHORIZED')
    const { data } = await client.GET('/api/v1/users/me', { headers: { Authorization: basicAuthorization(account.username, account.password) } })
    expect(data?.id).toBe(account.user.id)
  })

  it('sends the headers given to the client with every request', async () => {
    const { response } = await sdk(undefined, { 'X-Request-Id': 'sdk-test-42' }).GET('/healthz')
    expect(response.status).toBe(200)
    expect(response.headers.get('X-Request-Id')).toBe('sdk-test-42')
  })

  it('retries a registration safely with an Idempotency-Key, typed as a header parameter of the call', async () => {
    const username = `sdk${++accounts}`
    const body = { username, email: `${username}@example.com`, password: 'correct-horse-battery' }
    const params = { header: { 'Idempotency-Key': `register-${username}` } }
    const first = await sdk().POST('/api/v1/users', { params, body })
    const retry = await sdk().POST('/api/v1/users', { params, body })
    expect(first.response.status).toBe(201)
    expect(retry.response.status).toBe(201)
    expect(retry.data).toEqual(first.data)
    expect(retry.response.headers.get('Idempotent-Replayed')).toBe('true')
    expect(first.response.headers.get('Idempotent-Replayed')).toBeNull()

    // Without the key, the same retry cannot be told from someone else taking the name.
    const unkeyed = await sdk().POST('/api/v1/users', { body })
    expect(unkeyed.error?.code).toBe('CONFLICT')
  })

  it('refuses a Basic username with a colon rather than sending someone else’s', () => {
    expect(() => basicAuthorization('a:b', 'password')).toThrow(TypeError)
  })
})

describe('tasks', () => {
  it('creates, reads, lists, updates, replaces and deletes a task', async () => {
    const api = await signIn(await register())

    const created = await api.POST('/api/v1/tasks', { body: { title: 'Read a book', description: '', done: false } })
    if (created.error) throw new Error(created.error.detail)
    const task = created.data
    expect(created.response.status).toBe(201)
    expect(created.response.headers.get('Location')).toBe(task.uri)
    expect(task).toMatchObject({ title: 'Read a book', description: '', done: false })

    const read = await api.GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } })
    expect(read.data).toEqual(task)

    await api.POST('/api/v1/tasks', { body: { title: 'Learn Python', description: 'Find a good tutorial', done: false } })
    const page = await api.GET('/api/v1/tasks', { params: { query: { per_page: 1, sort: '-created_at' } } })
    // Without `page`, a cursor page: no total unless asked for.
    expect(page.data?.meta).toEqual({ per_page: 1 })
    expect(page.data?.data.map((t) => t.title)).toEqual(['Learn Python'])
    expect(parseLinks(page.response.headers.get('Link'))).toHaveProperty('next')
    const searched = await api.GET('/api/v1/tasks', { params: { query: { q: 'BOOK', done: false } } })
    expect(searched.data?.data.map((t) => t.id)).toEqual([task.id])

    const patched = await api.PATCH('/api/v1/tasks/{taskId}', {
      params: { path: { taskId: task.id } },
      body: { done: true },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    })
    expect(patched.data).toMatchObject({ id: task.id, title: 'Read a book', done: true })

    const replaced = await api.PUT('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } }, body: { title: 'Read two books', description: '', done: false } })
    expect(replaced.data).toMatchObject({ id: task.id, title: 'Read two books', description: '', done: false })

    const deleted = await api.DELETE('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } })
    expect(deleted.response.status).toBe(204)
    expect(deleted.error).toBeUndefined()
    const gone = await api.GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } })
    expect(gone.response.status).toBe(404)
    expect(gone.error?.code).toBe('NOT_FOUND')
  })

  it('sends a form when asked to, as the spec allows', async () => {
    const api = await signIn(await register())
    const { data, response } = await api.POST('/api/v1/tasks', {
      body: { title: 'From a form', description: '', done: false },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(response.status).toBe(201)
    expect(data?.title).toBe('From a form')
  })
})

describe('goals', () => {
  it('creates a goal and a sub-goal, reads the tree, completes one and deletes the subtree', async () => {
    const api = await signIn(await register())

    const marathon = await api.POST('/api/v1/goals', { body: { name: 'Run a marathon', description: '', parent_id: null } })
    if (marathon.error) throw new Error(marathon.error.detail)
    expect(marathon.data).toMatchObject({ parent_id: null, end: null })
    const half = await api.POST('/api/v1/goals', { body: { name: 'Run a half marathon', description: '', parent_id: marathon.data.id } })
    if (half.error) throw new Error(half.error.detail)
    expect(half.data.parent_id).toBe(marathon.data.id)

    const read = await api.GET('/api/v1/goals/{goalId}', { params: { path: { goalId: half.data.id } } })
    expect(read.data).toEqual(half.data)

    const tree = await api.GET('/api/v1/goals/tree')
    expect(tree.data?.data).toHaveLength(1)
    const root = tree.data?.data[0]
    expect(root?.name).toBe('Run a marathon')
    expect(root?.sub_goals.map((g) => g.name)).toEqual(['Run a half marathon'])
    expect(root?.sub_goals[0]?.sub_goals).toEqual([])

    const roots = await api.GET('/api/v1/goals', { params: { query: { parent_id: 'null' } } })
    expect(roots.data?.data.map((g) => g.id)).toEqual([marathon.data.id])
    const children = await api.GET('/api/v1/goals', { params: { query: { parent_id: marathon.data.id } } })
    expect(children.data?.data.map((g) => g.id)).toEqual([half.data.id])

    const completed = await api.PATCH('/api/v1/goals/{goalId}', {
      params: { path: { goalId: half.data.id } },
      body: { end: new Date(Date.now() + 60_000).toISOString() },
    })
    expect(completed.data?.end).not.toBeNull()
    const done = await api.GET('/api/v1/goals', { params: { query: { completed: true } } })
    expect(done.data?.data.map((g) => g.id)).toEqual([half.data.id])

    const renamed = await api.PUT('/api/v1/goals/{goalId}', {
      params: { path: { goalId: marathon.data.id } },
      body: { name: 'Run a full marathon', description: '42.195 km', parent_id: null, end: null },
    })
    expect(renamed.data).toMatchObject({ name: 'Run a full marathon', description: '42.195 km', parent_id: null, end: null })

    expect((await api.DELETE('/api/v1/goals/{goalId}', { params: { path: { goalId: marathon.data.id } } })).response.status).toBe(204)
    expect((await api.GET('/api/v1/goals/tree')).data?.data).toEqual([])
    const orphan = await api.GET('/api/v1/goals/{goalId}', { params: { path: { goalId: half.data.id } } })
    expect(orphan.error?.code).toBe('NOT_FOUND')
  })
})

describe('money', () => {
  it('records an income and expenses, lists them and reads an exact balance', async () => {
    const api = await signIn(await register())

    const salary = await api.POST('/api/v1/incomes', { body: { description: 'Salary', amount: 5000 } })
    if (salary.error) throw new Error(salary.error.detail)
    expect(salary.data).toMatchObject({ type: 'income', description: 'Salary', amount: 5000 })
    expect(salary.response.headers.get('Location')).toBe(salary.data.uri)

    const pizza = await api.POST('/api/v1/expenses', { body: { description: 'Pizza', amount: 12.1 } })
    expect(pizza.data).toMatchObject({ type: 'expense', amount: -12.1 })
    const coffee = await api.POST('/api/v1/expenses', { body: { description: 'Coffee', amount: -0.2 } })
    if (coffee.error) throw new Error(coffee.error.detail)
    expect(coffee.data.amount).toBe(-0.2)

    expect((await api.GET('/api/v1/balance')).data).toEqual({ income: 5000, expenses: -12.3, balance: 4987.7 })

    const incomes = await api.GET('/api/v1/incomes')
    expect(incomes.data?.data.map((t) => t.description)).toEqual(['Salary'])
    const expenses = await api.GET('/api/v1/transactions', { params: { query: { type: 'expense' } } })
    expect(expenses.data?.data.map((t) => t.amount)).toEqual([-12.1, -0.2])
    const listedExpenses = await api.GET('/api/v1/expenses', { params: { query: { per_page: 1, include_total: true } } })
    expect(listedExpenses.data?.meta.total).toBe(2)

    const read = await api.GET('/api/v1/transactions/{transactionId}', { params: { path: { transactionId: coffee.data.id } } })
    expect(read.data).toEqual(coffee.data)
    expect((await api.DELETE('/api/v1/transactions/{transactionId}', { params: { path: { transactionId: coffee.data.id } } })).response.status).toBe(204)

    const future = new Date(Date.now() + 3_600_000).toISOString()
    expect((await api.GET('/api/v1/balance', { params: { query: { from: future } } })).data).toEqual({ income: 0, expenses: 0, balance: 0 })
    expect((await api.GET('/api/v1/balance', { params: { query: { to: future } } })).data).toEqual({ income: 5000, expenses: -12.1, balance: 4987.9 })
  })
})

describe('typed problems', () => {
  it('a missing task is a NOT_FOUND problem', async () => {
    const api = await signIn(await register())
    const { data, error, response } = await api.GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: 999_999 } } })
    expect(data).toBeUndefined()
    expect(response.status).toBe(404)
    expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/)
    expect(error?.code).toBe('NOT_FOUND')
    expect(error?.status).toBe(404)
    expect(error?.type).toBe('/problems/not-found')
  })

  it('an invalid body is a VALIDATION_ERROR problem pointing at each field', async () => {
    const api = await signIn(await register())
    const { error, response } = await api.POST('/api/v1/tasks', { body: { title: '', description: 'x'.repeat(2001), done: false } })
    expect(response.status).toBe(422)
    if (!error) throw new Error('expected a problem')
    expect(error.code).toBe('VALIDATION_ERROR')
    expect(pointersOf(error)).toEqual(['/description', '/title'])
    expect(error.errors?.every((e) => e.detail.length > 0)).toBe(true)
  })

  it('a goal moved under its own sub-goal is a problem pointing at parent_id', async () => {
    const api = await signIn(await register())
    const parent = await api.POST('/api/v1/goals', { body: { name: 'Parent', description: '', parent_id: null } })
    if (parent.error) throw new Error(parent.error.detail)
    const child = await api.POST('/api/v1/goals', { body: { name: 'Child', description: '', parent_id: parent.data.id } })
    if (child.error) throw new Error(child.error.detail)
    const { error } = await api.PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: parent.data.id } }, body: { parent_id: child.data.id } })
    expect(error?.status).toBe(422)
    expect(error?.errors?.map((e) => e.pointer)).toEqual(['/parent_id'])
  })

  it('an unknown body field is refused by the server, since the compiler lets it through', async () => {
    const api = await signIn(await register())
    const created = await api.POST('/api/v1/tasks', { body: { title: 'Owned', description: '', done: false } })
    if (created.error) throw new Error(created.error.detail)
    // A variable, not a literal: TypeScript checks excess properties of literals only (and
    // openapi-fetch skips even that; see client.types.ts), so only the server can refuse it.
    const patch = { done: true, owner: 2 }
    const { error } = await api.PATCH('/api/v1/tasks/{taskId}', { params: { path: { taskId: created.data.id } }, body: patch })
    expect(error?.code).toBe('VALIDATION_ERROR')
    expect(error?.errors?.map((e) => e.pointer)).toEqual(['/owner'])
  })

  it('wrong Basic credentials are an UNAUTHORIZED problem with WWW-Authenticate', async () => {
    const account = await register()
    const { error, response } = await sdk({ basic: { username: account.username, password: 'wrong-password' } }).GET('/api/v1/users/me')
    expect(response.status).toBe(401)
    expect(response.headers.get('WWW-Authenticate')).toMatch(/Basic/)
    expect(error?.code).toBe('UNAUTHORIZED')
    expect(error?.title).toBe('Authentication is required')

    const session = await login({ baseUrl: server.baseUrl, fetch: fetchChecked, username: account.username, password: 'wrong-password' })
    expect(session.client).toBeUndefined()
    expect(session.error?.code).toBe('UNAUTHORIZED')
    expect(session.response.status).toBe(401)
  })

  it('no credentials at all are an UNAUTHORIZED problem', async () => {
    const { error } = await sdk().GET('/api/v1/tasks')
    expect(error?.code).toBe('UNAUTHORIZED')
  })

  it('a taken username is a CONFLICT problem', async () => {
    const account = await register()
    const { error } = await sdk().POST('/api/v1/users', { body: { username: account.username, email: 'other@example.com', password: 'long-enough' } })
    expect(error?.code).toBe('CONFLICT')
    expect(error?.errors?.map((e) => e.pointer)).toEqual(['/username'])
  })

  it('a bad query parameter is a BAD_REQUEST problem naming it', async () => {
    const api = await signIn(await register())
    const { error } = await api.GET('/api/v1/tasks', { params: { query: { per_page: 101 } } })
    expect(error?.code).toBe('BAD_REQUEST')
    expect(error?.errors?.map((e) => e.parameter)).toEqual(['per_page'])
  })

  it('isProblem tells a problem from other bodies', async () => {
    const { error } = await sdk().GET('/api/v1/users/me')
    expect(isProblem(error)).toBe(true)
    expect(isProblem('<html>Bad Gateway</html>')).toBe(false)
    expect(isProblem(null)).toBe(false)
    expect(isProblem({ type: '/problems/x', title: 't', status: '500', detail: 'd', code: 'INTERNAL_ERROR' })).toBe(false)
    expect(isProblem({ title: 't', status: 500, detail: 'd', code: 'INTERNAL_ERROR' })).toBe(false)
  })
})

describe('the service operations', () => {
  it('reads the spec as JSON, and as YAML text with parseAs', async () => {
    const json = await sdk().GET('/openapi.json')
    expect(json.data?.openapi).toMatch(/^3\.1\./)
    // application/yaml is not JSON: openapi-fetch parses JSON unless told otherwise.
    const yaml = await sdk().GET('/openapi.yaml', { parseAs: 'text' })
    expect(yaml.data).toMatch(/^openapi: 3\.1\./m)
    expect((await sdk().GET('/healthz')).data).toEqual({ status: 'ok' })
    expect((await sdk().GET('/readyz')).data).toEqual({ status: 'ok', checks: { database: 'ok' } })
  })
})

describe('account', () => {
  it('deletes the account through the SDK, after which its credentials fail', async () => {
    const account = await register()
    const api = await signIn(account)
    expect((await api.DELETE('/api/v1/users/me')).response.status).toBe(204)
    expect((await api.GET('/api/v1/users/me')).error?.code).toBe('UNAUTHORIZED')
  })
})

describe('the contract check on SDK responses', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('rejects a response that breaks the spec, so the tests above cannot pass on one', async () => {
    const api = await signIn(await register())
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response(JSON.stringify({ id: 1, title: 'no uri, no timestamps' }), {
          status: 200,
          headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'fake-1' },
        }),
    )
    await expect(api.GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: 1 } } })).rejects.toThrow(ContractViolation)
  })
})
