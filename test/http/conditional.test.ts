/**
 * Conditional requests and caching, as a client sees them: a strong ETag on every
 * resource, list, tree and balance; If-None-Match on reads (304); If-Match on writes
 * (412), checked and written in one transaction, so that of two clients writing the same
 * version exactly one wins; Cache-Control and Vary; HEAD as GET without the body; OPTIONS
 * with Allow. Each test is a transcript: request -> status -> headers and body. Every
 * response (HEAD and OPTIONS too) is also held to `openapi.yaml` by the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type ApiResponse, type Credentials } from '../support/client.js'
import { testDatabaseKind } from '../support/database.js'
import { expectProblem } from '../support/expect.js'
import { rawRequest } from '../support/raw.js'
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
} from '../support/server.js'

let server: TestServer
beforeAll(async () => {
  // The queries show where the If-Match check runs: in the write's transaction.
  server = await startTestServer({}, { recordQueries: true })
})
afterAll(() => server.close())

/** RFC 9110 §8.8.3: a strong entity tag is an opaque quoted string, without `W/`. */
const STRONG_TAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/
const PRIVATE_REVALIDATE = 'private, no-cache'
const PUBLIC_FIVE_MINUTES = 'public, max-age=300'
const NO_STORE = 'no-store'
/** A well-formed tag that no representation here has. */
const NEVER_A_TAG = '"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"'

const TASKS = '/api/v1/tasks'
const GOALS = '/api/v1/goals'
const TREE = '/api/v1/goals/tree'
const ME = '/api/v1/users/me'
const BALANCE = '/api/v1/balance'

/** Long enough for the clock to move on by at least one millisecond. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

let counter = 0
const unique = (prefix: string) => `${prefix}-${++counter}`

// ---------------------------------------------------------------------------------------
// Small steps of the transcripts.

function etagOf(res: ApiResponse): string {
  const tag = res.headers.get('etag')
  expect(tag, `ETag of ${res.operationId ?? '?'} -> ${res.status}`).toMatch(STRONG_TAG)
  return tag ?? ''
}

function varyOf(res: ApiResponse): string[] {
  return (res.headers.get('vary') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
}

function authOf(user: TestUser | undefined): { auth?: Credentials } {
  return user ? { auth: user.bearer } : {}
}

function get<T = unknown>(user: TestUser | undefined, path: string, headers: Record<string, string> = {}) {
  return server.api.get<T>(path, { ...authOf(user), headers })
}

async function read<T = unknown>(user: TestUser | undefined, path: string): Promise<ApiResponse<T>> {
  const res = await get<T>(user, path)
  expect(res.status, `GET ${path}: ${res.text.slice(0, 300)}`).toBe(200)
  return res
}

async function tagAt(user: TestUser | undefined, path: string): Promise<string> {
  return etagOf(await read(user, path))
}

async function created<T>(res: Promise<ApiResponse<T>>): Promise<ApiResponse<T>> {
  const done = await res
  expect(done.status, done.text).toBe(201)
  return done
}

const newTask = (user: TestUser, json: Record<string, unknown> = { title: unique('Task') }) =>
  created(server.api.post<Task>(TASKS, { auth: user.bearer, json }))
const newGoal = (user: TestUser, json: Record<string, unknown> = { name: unique('Goal') }) =>
  created(server.api.post<Goal>(GOALS, { auth: user.bearer, json }))
const newIncome = (user: TestUser, amount = 100) =>
  created(server.api.post<Transaction>('/api/v1/incomes', { auth: user.bearer, json: { description: unique('Salary'), amount } }))
const newExpense = (user: TestUser, amount = 12.5) =>
  created(server.api.post<Transaction>('/api/v1/expenses', { auth: user.bearer, json: { description: unique('Pizza'), amount } }))

async function patch<T>(user: TestUser, path: string, json: Record<string, unknown>): Promise<ApiResponse<T>> {
  const res = await server.api.patch<T>(path, { auth: user.bearer, json })
  expect(res.status, res.text).toBe(200)
  return res
}

async function remove(user: TestUser, path: string): Promise<void> {
  const res = await server.api.delete(path, { auth: user.bearer })
  expect(res.status, res.text).toBe(204)
}

/**
 * If-None-Match as a browser sends it when it revalidates (on reload): with
 * `Cache-Control: max-age=0`. Without a Cache-Control of its own, fetch() would add
 * `no-cache` to the request, which the server currently lets defeat If-None-Match: that
 * case has a test of its own, so that these test If-None-Match itself.
 */
function ifNoneMatch(tags: string): Record<string, string> {
  return { 'if-none-match': tags, 'cache-control': 'max-age=0' }
}

/** A 304: no body and no Content-Type, the tag and caching headers of the 200. */
function expectNotModified(res: ApiResponse, ok: ApiResponse): void {
  expect(res.status, res.text).toBe(304)
  expect(res.text).toBe('')
  expect(res.headers.get('content-type')).toBeNull()
  expect(res.headers.get('etag')).toBe(ok.headers.get('etag'))
  expect(res.headers.get('cache-control')).toBe(ok.headers.get('cache-control'))
  expect(varyOf(res)).toEqual(varyOf(ok))
}

/** The spec's operations that declare `status`, by operationId. */
function operationsDeclaring(status: string): string[] {
  return server.api.contract
    .operations()
    .filter(({ operation }) => {
      const responses = operation.responses
      return typeof responses === 'object' && responses !== null && !Array.isArray(responses) && status in responses
    })
    .map(({ operationId }) => operationId)
    .sort()
}

// ---------------------------------------------------------------------------------------

describe('a strong ETag on every resource, moving exactly when the resource does', () => {
  it('task: POST, GET, PATCH {} and PATCH of each field, PUT', async () => {
    const me = await signUp(server.api)
    const post = await newTask(me, { title: 'Buy groceries', description: 'Milk, Cheese' })
    const path = `${TASKS}/${post.body.id}`
    const seen = new Set([etagOf(post)])

    // GET -> 200, the tag of the POST that made this state; re-reading keeps it.
    const first = await read<Task>(me, path)
    expect(first.body).toEqual(post.body)
    expect(etagOf(first)).toBe(etagOf(post))
    expect(await tagAt(me, path)).toBe(etagOf(post))

    // PATCH {} changes nothing, so neither does the tag.
    const nothing = await patch<Task>(me, path, {})
    expect(nothing.body).toEqual(post.body)
    expect(etagOf(nothing)).toBe(etagOf(post))
    expect(await tagAt(me, path)).toBe(etagOf(post))

    for (const change of [{ title: 'Buy milk' }, { description: 'Semi-skimmed' }, { done: true }, { done: false }]) {
      await tick()
      const changed = await patch<Task>(me, path, change)
      expect(changed.body).toMatchObject(change)
      const tag = etagOf(changed)
      expect(seen.has(tag), `${JSON.stringify(change)} gave a tag seen before`).toBe(false)
      seen.add(tag)
      const again = await read<Task>(me, path)
      expect(again.body).toEqual(changed.body)
      expect(etagOf(again)).toBe(tag)
    }

    await tick()
    const put = await server.api.put<Task>(path, { auth: me.bearer, json: { title: 'Buy bread', description: '', done: true } })
    expect(put.status).toBe(200)
    expect(seen.has(etagOf(put))).toBe(false)
    const afterPut = await read<Task>(me, path)
    expect(afterPut.body).toEqual(put.body)
    expect(etagOf(afterPut)).toBe(etagOf(put))
  })

  it('goal: POST, GET, PATCH {} and PATCH of each field, complete, re-open, PUT', async () => {
    const me = await signUp(server.api)
    const parent = await newGoal(me, { name: 'Get fit' })
    const post = await newGoal(me, { name: 'Run a marathon' })
    const path = `${GOALS}/${post.body.id}`
    const seen = new Set([etagOf(parent), etagOf(post)])

    const first = await read<Goal>(me, path)
    expect(first.body).toEqual(post.body)
    expect(etagOf(first)).toBe(etagOf(post))
    expect(await tagAt(me, path)).toBe(etagOf(post))

    const nothing = await patch<Goal>(me, path, {})
    expect(nothing.body).toEqual(post.body)
    expect(etagOf(nothing)).toBe(etagOf(post))

    const changes: Array<[string, Record<string, unknown>]> = [
      ['name', { name: 'Run a half marathon' }],
      ['description', { description: 'before the spring' }],
      ['parent_id', { parent_id: parent.body.id }],
      ['complete', { end: post.body.start }],
      ['re-open', { end: null }],
      ['back to the top level', { parent_id: null }],
    ]
    for (const [what, change] of changes) {
      await tick()
      const changed = await patch<Goal>(me, path, change)
      expect(changed.body, what).toMatchObject(change)
      const tag = etagOf(changed)
      expect(seen.has(tag), `${what} gave a tag seen before`).toBe(false)
      seen.add(tag)
      const again = await read<Goal>(me, path)
      expect(again.body).toEqual(changed.body)
      expect(etagOf(again), what).toBe(tag)
    }

    await tick()
    const put = await server.api.put<Goal>(path, { auth: me.bearer, json: { name: 'Run 10 km' } })
    expect(put.status).toBe(200)
    expect(seen.has(etagOf(put))).toBe(false)
    expect(await tagAt(me, path)).toBe(etagOf(put))
    // The parent did not change, and neither did its tag.
    expect(await tagAt(me, `${GOALS}/${parent.body.id}`)).toBe(etagOf(parent))
  })

  it('transaction: POST income or expense, GET; each its own tag, stable on re-reading', async () => {
    const me = await signUp(server.api)
    const income = await newIncome(me, 5000)
    const expense = await newExpense(me, 12.5)
    for (const post of [income, expense]) {
      const path = `/api/v1/transactions/${post.body.id}`
      const got = await read<Transaction>(me, path)
      expect(got.body).toEqual(post.body)
      expect(etagOf(got)).toBe(etagOf(post))
      expect(await tagAt(me, path)).toBe(etagOf(post))
    }
    expect(etagOf(income)).not.toBe(etagOf(expense))
  })

  it('user: POST /users, GET /users/me and /users/{id} share a tag; PATCH {} keeps it; PATCH email moves it', async () => {
    const username = unique('tagged')
    const password = `${username}-secret-pw`
    const registered = await server.api.post<User>('/api/v1/users', { json: { username, email: `${username}@example.com`, password } })
    expect(registered.status, registered.text).toBe(201)
    const token = await server.api.post<Token>('/api/v1/tokens', { auth: { basic: [username, password] } })
    expect(token.status).toBe(201)
    const auth = { bearer: token.body.token }
    const byId = `/api/v1/users/${registered.body.id}`

    const me = await server.api.get<User>(ME, { auth })
    expect(me.status).toBe(200)
    expect(me.body).toEqual(registered.body)
    expect(etagOf(me)).toBe(etagOf(registered))
    const mine = await server.api.get<User>(byId, { auth })
    expect(mine.status).toBe(200)
    expect(etagOf(mine)).toBe(etagOf(registered))

    const nothing = await server.api.patch<User>(ME, { auth, json: {} })
    expect(nothing.status).toBe(200)
    expect(etagOf(nothing)).toBe(etagOf(registered))

    const changed = await server.api.patch<User>(ME, { auth, json: { email: `${username}@example.org` } })
    expect(changed.status).toBe(200)
    expect(changed.body.email).toBe(`${username}@example.org`)
    expect(etagOf(changed)).not.toBe(etagOf(registered))
    for (const path of [ME, byId]) {
      const again = await server.api.get<User>(path, { auth })
      expect(again.body).toEqual(changed.body)
      expect(etagOf(again)).toBe(etagOf(changed))
    }
  })
})

// ---------------------------------------------------------------------------------------

/** A GET of the spec, and how to make something for it to read. */
interface ReadCase {
  readonly operationId: string
  /** It declares 304: it answers If-None-Match. */
  readonly conditional: boolean
  /** It needs credentials. */
  readonly secured: boolean
  /** Makes something to read for `user`; the path to GET. */
  readonly prepare: (user: TestUser) => Promise<string>
}

const READS: ReadCase[] = [
  { operationId: 'getCurrentUser', conditional: true, secured: true, prepare: async () => ME },
  { operationId: 'getUser', conditional: true, secured: true, prepare: async (u) => `/api/v1/users/${u.id}` },
  {
    operationId: 'listTasks',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      for (let i = 0; i < 3; i++) await newTask(u)
      return `${TASKS}?per_page=2`
    },
  },
  { operationId: 'getTask', conditional: true, secured: true, prepare: async (u) => `${TASKS}/${(await newTask(u)).body.id}` },
  {
    operationId: 'listGoals',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      for (let i = 0; i < 3; i++) await newGoal(u)
      return `${GOALS}?per_page=2`
    },
  },
  {
    operationId: 'getGoalTree',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      const parent = await newGoal(u)
      await newGoal(u, { name: unique('Sub-goal'), parent_id: parent.body.id })
      return TREE
    },
  },
  { operationId: 'getGoal', conditional: true, secured: true, prepare: async (u) => `${GOALS}/${(await newGoal(u)).body.id}` },
  {
    operationId: 'listIncomes',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      for (let i = 0; i < 3; i++) await newIncome(u)
      return '/api/v1/incomes?per_page=2'
    },
  },
  {
    operationId: 'listExpenses',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      for (let i = 0; i < 3; i++) await newExpense(u)
      return '/api/v1/expenses?per_page=2'
    },
  },
  {
    operationId: 'listTransactions',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      await newIncome(u)
      await newExpense(u)
      await newIncome(u)
      return '/api/v1/transactions?per_page=2'
    },
  },
  {
    operationId: 'getTransaction',
    conditional: true,
    secured: true,
    prepare: async (u) => `/api/v1/transactions/${(await newExpense(u)).body.id}`,
  },
  {
    operationId: 'getBalance',
    conditional: true,
    secured: true,
    prepare: async (u) => {
      await newIncome(u, 5000)
      await newExpense(u, 812.5)
      return BALANCE
    },
  },
  { operationId: 'checkLiveness', conditional: false, secured: false, prepare: async () => '/healthz' },
  { operationId: 'checkReadiness', conditional: false, secured: false, prepare: async () => '/readyz' },
  { operationId: 'getOpenApiYaml', conditional: true, secured: false, prepare: async () => '/openapi.yaml' },
  { operationId: 'getOpenApiJson', conditional: true, secured: false, prepare: async () => '/openapi.json' },
  { operationId: 'getDocs', conditional: true, secured: false, prepare: async () => '/docs' },
]

describe('If-None-Match on every operation that declares 304', () => {
  it.each(READS.filter((c) => c.conditional))(
    '$operationId: the current tag, W/ of it, * or a list holding it -> 304; another tag -> 200',
    async ({ operationId, secured, prepare }) => {
      const me = await signUp(server.api)
      const user = secured ? me : undefined
      const path = await prepare(me)

      const ok = await read(user, path)
      expect(ok.operationId).toBe(operationId)
      const tag = etagOf(ok)
      expect(ok.headers.get('cache-control')).toBe(secured ? PRIVATE_REVALIDATE : PUBLIC_FIVE_MINUTES)
      if (secured) expect(varyOf(ok)).toContain('authorization')

      // RFC 9110 §13.1.2: If-None-Match compares weakly, so W/"x" matches "x"; `*` matches
      // any current representation; a GET whose condition is false is 304.
      for (const header of [tag, `W/${tag}`, '*', `${NEVER_A_TAG}, ${tag}`, `W/${NEVER_A_TAG},W/${tag}`]) {
        const res = await get(user, path, ifNoneMatch(header))
        expect(res.operationId, header).toBe(operationId)
        expectNotModified(res, ok)
      }

      // A tag it does not have: the whole representation, with its tag.
      for (const header of [NEVER_A_TAG, `W/${NEVER_A_TAG}`, `${tag.slice(0, -1)}x"`]) {
        const res = await get(user, path, ifNoneMatch(header))
        expect(res.status, header).toBe(200)
        expect(res.text).toBe(ok.text)
        expect(res.headers.get('etag')).toBe(tag)
        expect(res.headers.get('content-type')).toBe(ok.headers.get('content-type'))
      }
    },
  )

  it('the cases above cover every operation of the spec that declares 304', () => {
    const covered = READS.filter((c) => c.conditional).map((c) => c.operationId).sort()
    expect(covered).toEqual(operationsDeclaring('304'))
  })

  it('a tag that went stale -> 200 with the new tag; the new tag -> 304', async () => {
    const me = await signUp(server.api)
    const task = await newTask(me, { title: 'Buy groceries' })
    const path = `${TASKS}/${task.body.id}`
    const old = etagOf(task)
    const changed = await patch<Task>(me, path, { done: true })

    const res = await get<Task>(me, path, ifNoneMatch(old))
    expect(res.status).toBe(200)
    expect(res.body).toEqual(changed.body)
    expect(etagOf(res)).toBe(etagOf(changed))
    expectNotModified(await get(me, path, ifNoneMatch(etagOf(changed))), res)
  })

  it('If-None-Match (even *) on a task that does not exist -> 404: preconditions only apply to a 2xx', async () => {
    const me = await signUp(server.api)
    const task = await newTask(me)
    for (const header of ['*', etagOf(task)]) {
      const res = await get<Problem>(me, `${TASKS}/999999999`, ifNoneMatch(header))
      expectProblem(res, 404, 'NOT_FOUND')
      expect(res.headers.get('etag')).toBeNull()
    }
    // Nor does someone else's tag open your task, or theirs.
    const other = await signUp(server.api)
    expectProblem(await get<Problem>(other, `${TASKS}/${task.body.id}`, ifNoneMatch(etagOf(task))), 404, 'NOT_FOUND')
  })

  it('a plain fetch() with If-None-Match, which adds Cache-Control: no-cache, gets 304 too, on every operation', async () => {
    // fetch() (browsers, Node, openapi-fetch) adds `Cache-Control: no-cache` and
    // `Pragma: no-cache` to every request that carries If-None-Match and no Cache-Control
    // of its own (Fetch Standard, HTTP-network-or-cache fetch); sent here explicitly.
    // RFC 9110 §13.2.1: an origin server MUST evaluate the preconditions it receives;
    // `no-cache` (RFC 9111 §5.2.1.4) asks caches to revalidate with the origin, which is
    // what If-None-Match does, not the origin to ignore it.
    const me = await signUp(server.api)
    const statuses: Record<string, number> = {}
    for (const { operationId, secured, prepare } of READS.filter((c) => c.conditional)) {
      const user = secured ? me : undefined
      const path = await prepare(me)
      const tag = await tagAt(user, path)
      statuses[operationId] = (await get(user, path, { 'if-none-match': tag, 'cache-control': 'no-cache', pragma: 'no-cache' })).status
    }
    expect(Object.keys(statuses)).toHaveLength(operationsDeclaring('304').length)
    expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((id) => [id, 304])))
    // And as fetch() sends it of its own accord.
    const ok = await read(me, ME)
    expectNotModified(await get(me, ME, { 'if-none-match': etagOf(ok) }), ok)
  })
})

// ---------------------------------------------------------------------------------------

describe('list, tree and balance tags move with what the page shows, and with nothing else', () => {
  it('GET /api/v1/tasks?per_page=2: an item on the page or the total changes it; an item on page 2 does not', async () => {
    const me = await signUp(server.api)
    const first = await newTask(me, { title: 'First' })
    const second = await newTask(me, { title: 'Second' })
    const third = await newTask(me, { title: 'Third' })
    const page = `${TASKS}?page=1&per_page=2`
    const t0 = await tagAt(me, page)
    expect(await tagAt(me, page)).toBe(t0)

    await patch(me, `${TASKS}/${third.body.id}`, { title: 'Third, renamed' })
    expect(await tagAt(me, page), 'an item on page 2 changed').toBe(t0)

    await patch(me, `${TASKS}/${second.body.id}`, { done: true })
    const t1 = await tagAt(me, page)
    expect(t1, 'an item on the page changed').not.toBe(t0)
    expect((await get(me, page, ifNoneMatch(t0))).status).toBe(200)
    expect((await get(me, page, ifNoneMatch(t1))).status).toBe(304)

    const fourth = await newTask(me, { title: 'Fourth' })
    const grown = await read<TaskList>(me, page)
    expect(grown.body.data.map((t) => t.id)).toEqual([first.body.id, second.body.id])
    expect(grown.body.meta.total).toBe(4)
    const t2 = etagOf(grown)
    expect(t2, 'the total changed').not.toBe(t1)

    // Deleting it again gives the very same page, so the very same tag.
    await remove(me, `${TASKS}/${fourth.body.id}`)
    expect(await tagAt(me, page)).toBe(t1)
    // Each page has its own tag, and so does another sort of the same list.
    expect(await tagAt(me, `${TASKS}?page=2&per_page=2`)).not.toBe(t1)
    expect(await tagAt(me, `${page}&sort=-created_at`)).not.toBe(t1)
  })

  it('GET /api/v1/goals?per_page=2: the same', async () => {
    const me = await signUp(server.api)
    const first = await newGoal(me, { name: 'First' })
    const second = await newGoal(me, { name: 'Second' })
    const third = await newGoal(me, { name: 'Third' })
    const page = `${GOALS}?page=1&per_page=2`
    const t0 = await tagAt(me, page)
    expect(await tagAt(me, page)).toBe(t0)
    expect((await get(me, page, ifNoneMatch(t0))).status).toBe(304)

    await patch(me, `${GOALS}/${third.body.id}`, { description: 'on page 2' })
    expect(await tagAt(me, page), 'an item on page 2 changed').toBe(t0)

    await patch(me, `${GOALS}/${first.body.id}`, { end: first.body.start })
    const t1 = await tagAt(me, page)
    expect(t1, 'an item on the page changed').not.toBe(t0)
    expect((await get(me, page, ifNoneMatch(t0))).status).toBe(200)

    const fourth = await newGoal(me, { name: 'Fourth' })
    const grown = await read<GoalList>(me, page)
    expect(grown.body.data.map((g) => g.id)).toEqual([first.body.id, second.body.id])
    expect(grown.body.meta.total).toBe(4)
    expect(etagOf(grown), 'the total changed').not.toBe(t1)

    await remove(me, `${GOALS}/${fourth.body.id}`)
    expect(await tagAt(me, page)).toBe(t1)
  })

  it('GET /api/v1/goals/tree: any goal changing, or one more, changes it; PATCH {} does not', async () => {
    const me = await signUp(server.api)
    const parent = await newGoal(me, { name: 'Get fit' })
    const child = await newGoal(me, { name: 'Run 10 km', parent_id: parent.body.id })
    const t0 = await tagAt(me, TREE)
    expect(await tagAt(me, TREE)).toBe(t0)

    await patch(me, `${GOALS}/${child.body.id}`, {})
    expect(await tagAt(me, TREE)).toBe(t0)

    await patch(me, `${GOALS}/${child.body.id}`, { name: 'Run 5 km' })
    const t1 = await tagAt(me, TREE)
    expect(t1, 'a sub-goal changed').not.toBe(t0)

    const grandchild = await newGoal(me, { name: 'Run 1 km', parent_id: child.body.id })
    const t2 = await tagAt(me, TREE)
    expect(t2, 'a goal was added').not.toBe(t1)
    expect((await get(me, TREE, ifNoneMatch(t1))).status).toBe(200)
    expect((await get(me, TREE, ifNoneMatch(t2))).status).toBe(304)

    await remove(me, `${GOALS}/${grandchild.body.id}`)
    expect(await tagAt(me, TREE)).toBe(t1)
    const tree = await read<GoalTree>(me, TREE)
    expect(tree.body.data.map((g) => g.id)).toEqual([parent.body.id])
  })

  it('GET /api/v1/transactions?per_page=2, /incomes and /expenses: each moves with its own items only', async () => {
    const me = await signUp(server.api)
    const first = await newIncome(me, 100)
    await newExpense(me, 20)
    await newIncome(me, 300)
    const page = '/api/v1/transactions?page=1&per_page=2'
    const incomes = '/api/v1/incomes'
    const expenses = '/api/v1/expenses'
    const t0 = await tagAt(me, page)
    const i0 = await tagAt(me, incomes)
    const e0 = await tagAt(me, expenses)
    expect(await tagAt(me, page)).toBe(t0)

    // One more expense, on page 2: the total changes, and so do the expenses; not the incomes.
    const extra = await newExpense(me, 40)
    const grown = await read<TransactionList>(me, page)
    expect(grown.body.meta.total).toBe(4)
    const t1 = etagOf(grown)
    expect(t1).not.toBe(t0)
    expect(await tagAt(me, expenses)).not.toBe(e0)
    expect(await tagAt(me, incomes)).toBe(i0)

    // The first item goes: page 1 shows other items.
    await remove(me, `/api/v1/transactions/${first.body.id}`)
    const t2 = await tagAt(me, page)
    expect(t2).not.toBe(t1)
    expect(await tagAt(me, incomes)).not.toBe(i0)
    expect((await get(me, page, ifNoneMatch(t1))).status).toBe(200)
    expect((await get(me, page, ifNoneMatch(t2))).status).toBe(304)

    // Taking the extra expense away again gives back the expenses list as it was.
    await remove(me, `/api/v1/transactions/${extra.body.id}`)
    expect(await tagAt(me, expenses)).toBe(e0)
  })

  it('GET /api/v1/balance: moves with every income or expense, and comes back with the same totals', async () => {
    const me = await signUp(server.api)
    await newIncome(me, 5000)
    const b0 = await tagAt(me, BALANCE)
    expect(await tagAt(me, BALANCE)).toBe(b0)

    const income = await newIncome(me, 100)
    const b1 = await tagAt(me, BALANCE)
    expect(b1).not.toBe(b0)

    const expense = await newExpense(me, 100)
    const balance = await read<Balance>(me, BALANCE)
    expect(balance.body).toEqual({ income: 5100, expenses: -100, balance: 5000 })
    const b2 = etagOf(balance)
    expect(b2).not.toBe(b1)
    expect(b2, 'same balance, other totals').not.toBe(b0)
    expect((await get(me, BALANCE, ifNoneMatch(b1))).status).toBe(200)
    expect((await get(me, BALANCE, ifNoneMatch(b2))).status).toBe(304)

    await remove(me, `/api/v1/transactions/${income.body.id}`)
    await remove(me, `/api/v1/transactions/${expense.body.id}`)
    expect(await tagAt(me, BALANCE)).toBe(b0)
  })
})

// ---------------------------------------------------------------------------------------

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
  it.each(WRITES)('$operationId: a stale or weak tag -> 412 and nothing changes; the current tag, * or a list holding it -> $success; a missing or foreign resource -> 404', async (c) => {
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
  })

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
    expect(queries.slice(0, begin).every((q) => q.includes('from "tokens"')), log).toBe(true)
    expect(queries.indexOf('commit'), log).toBe(queries.length - 1)
    const inside = queries.slice(begin + 1, -1)
    expect(inside.filter((q) => /^(begin|commit|rollback|savepoint|release)\b/i.test(q)), log).toEqual([])
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

// ---------------------------------------------------------------------------------------

describe('Cache-Control and Vary', () => {
  function expectPrivate(res: ApiResponse, status: number): void {
    expect(res.status, `${res.operationId ?? '?'}: ${res.text.slice(0, 200)}`).toBe(status)
    expect(res.headers.get('cache-control'), res.operationId).toBe(PRIVATE_REVALIDATE)
    expect(varyOf(res), res.operationId).toContain('authorization')
    etagOf(res)
  }

  it('your own data, read or just written: private, no-cache, Vary: Authorization, an ETag', async () => {
    const me = await signUp(server.api)
    const task = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'Cached' } })
    expectPrivate(task, 201)
    const path = `${TASKS}/${task.body.id}`
    expectPrivate(await server.api.get(path, { auth: me.bearer }), 200)
    expectPrivate(await server.api.get(path, { auth: me.basic }), 200)
    expectPrivate(await server.api.patch(path, { auth: me.bearer, json: { done: true } }), 200)
    expectPrivate(await server.api.put(path, { auth: me.bearer, json: { title: 'Cached again' } }), 200)
    expectPrivate(await server.api.get(TASKS, { auth: me.bearer }), 200)
    const goal = await server.api.post<Goal>(GOALS, { auth: me.bearer, json: { name: 'Cached goal' } })
    expectPrivate(goal, 201)
    expectPrivate(await server.api.patch(`${GOALS}/${goal.body.id}`, { auth: me.bearer, json: { end: goal.body.start } }), 200)
    expectPrivate(await server.api.put(`${GOALS}/${goal.body.id}`, { auth: me.bearer, json: { name: 'Cached goal' } }), 200)
    expectPrivate(await server.api.post('/api/v1/incomes', { auth: me.bearer, json: { description: 'Salary', amount: 1 } }), 201)
    expectPrivate(await server.api.post('/api/v1/expenses', { auth: me.bearer, json: { description: 'Rent', amount: 1 } }), 201)
    expectPrivate(await server.api.get(BALANCE, { auth: me.bearer }), 200)
    expectPrivate(await server.api.patch(ME, { auth: me.bearer, json: { email: `${me.username}@example.org` } }), 200)
  })

  it('a 304 keeps them too: private, no-cache and Vary: Authorization', async () => {
    const me = await signUp(server.api)
    const ok = await read(me, ME)
    const res = await get(me, ME, ifNoneMatch(etagOf(ok)))
    expect(res.status).toBe(304)
    expect(res.headers.get('cache-control')).toBe(PRIVATE_REVALIDATE)
    expect(varyOf(res)).toContain('authorization')
  })

  it('an authenticated 204 has nothing to keep: no-store, Vary: Authorization', async () => {
    const me = await signUp(server.api)
    const task = await newTask(me)
    const deleted = await server.api.delete(`${TASKS}/${task.body.id}`, { auth: me.bearer })
    const revoked = await server.api.delete('/api/v1/tokens/current', { auth: me.bearer })
    for (const res of [deleted, revoked]) {
      expect(res.status).toBe(204)
      expect(res.headers.get('cache-control'), res.operationId).toBe(NO_STORE)
      expect(varyOf(res)).toContain('authorization')
      expect(res.headers.get('etag')).toBeNull()
    }
  })

  it('errors under /api/ carry Vary: Authorization too: who asks decides a 404, a 401 or a 422', async () => {
    const me = await signUp(server.api)
    const someoneElse = await newTask(await signUp(server.api))
    const errors = [
      await server.api.get(`${TASKS}/${someoneElse.body.id}`, { auth: me.basic }),
      await server.api.get(`${TASKS}/${someoneElse.body.id}`, { auth: me.bearer }),
      await server.api.get(TASKS),
      await server.api.post(TASKS, { auth: me.bearer, json: { title: '' } }),
      await server.api.get('/api/v1/no-such-thing', { auth: me.bearer }),
    ]
    expect(errors.map((res) => res.status)).toEqual([404, 404, 401, 422, 404])
    for (const res of errors) {
      expect(res.headers.get('cache-control'), res.operationId).toBe(NO_STORE)
      expect(varyOf(res), `${res.status} ${res.operationId}`).toContain('authorization')
    }
    // Outside the API nothing depends on the caller.
    expect(varyOf(await server.api.get('/healthz', { auth: me.bearer }))).not.toContain('authorization')
  })

  it('POST /api/v1/tokens -> 201 no-store (a secret), Vary: Authorization, no ETag', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe(NO_STORE)
    expect(varyOf(res)).toContain('authorization')
    expect(res.headers.get('etag')).toBeNull()
  })

  it('POST /api/v1/users -> 201 no-store, with the ETag of the user', async () => {
    const username = unique('registered')
    const res = await server.api.post<User>('/api/v1/users', { json: { username, email: `${username}@example.com`, password: 'long-enough-pw' } })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe(NO_STORE)
    etagOf(res)
  })

  it('GET /healthz and /readyz -> 200 no-store, no ETag', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await read(undefined, path)
      expect(res.headers.get('cache-control'), path).toBe(NO_STORE)
      expect(res.headers.get('etag'), path).toBeNull()
    }
  })

  it('GET /openapi.json, /openapi.yaml, /docs -> public, max-age=300, each its own ETag, 304 on If-None-Match', async () => {
    const tags = new Set<string>()
    for (const path of ['/openapi.json', '/openapi.yaml', '/docs']) {
      const ok = await read(undefined, path)
      expect(ok.headers.get('cache-control'), path).toBe(PUBLIC_FIVE_MINUTES)
      const tag = etagOf(ok)
      tags.add(tag)
      expect(await tagAt(undefined, path)).toBe(tag)
      expectNotModified(await get(undefined, path, ifNoneMatch(tag)), ok)
    }
    expect(tags.size).toBe(3)
  })

  it('every problem -> no-store, without an ETag', async () => {
    const me = await signUp(server.api)
    const task = await newTask(me)
    const path = `${TASKS}/${task.body.id}`
    const cases: Array<[number, Problem['code'], Promise<ApiResponse<Problem>>]> = [
      [400, 'BAD_REQUEST', server.api.get<Problem>(`${TASKS}?per_page=0`, { auth: me.bearer })],
      [400, 'BAD_REQUEST', server.api.get<Problem>(`${TASKS}/not-a-number`, { auth: me.bearer, headers: ifNoneMatch(etagOf(task)) })],
      [401, 'UNAUTHORIZED', server.api.get<Problem>(path, { headers: ifNoneMatch(etagOf(task)) })],
      [401, 'UNAUTHORIZED', server.api.get<Problem>('/api/v1/users/me', { auth: { bearer: 'not-a-token' } })],
      [404, 'NOT_FOUND', server.api.get<Problem>(`${TASKS}/999999999`, { auth: me.bearer })],
      [404, 'NOT_FOUND', server.api.get<Problem>('/api/v1/nothing-here')],
      [405, 'METHOD_NOT_ALLOWED', server.api.put<Problem>(TASKS, { auth: me.bearer, json: { title: 'x' } })],
      [406, 'NOT_ACCEPTABLE', server.api.get<Problem>(path, { auth: me.bearer, headers: { accept: 'text/html' } })],
      [406, 'NOT_ACCEPTABLE', server.api.get<Problem>('/openapi.json', { headers: { accept: 'text/html' } })],
      [409, 'CONFLICT', server.api.post<Problem>('/api/v1/users', { json: { username: me.username, email: 'x@example.com', password: 'long-enough-pw' } })],
      [412, 'PRECONDITION_FAILED', server.api.patch<Problem>(path, { auth: me.bearer, headers: { 'if-match': NEVER_A_TAG }, json: { done: true } })],
      [415, 'UNSUPPORTED_MEDIA_TYPE', server.api.post<Problem>(TASKS, { auth: me.bearer, raw: 'title', contentType: 'text/plain' })],
      [422, 'VALIDATION_ERROR', server.api.post<Problem>(TASKS, { auth: me.bearer, json: {} })],
    ]
    for (const [status, code, pending] of cases) {
      const res = await pending
      expectProblem(res, status, code)
      expect(res.headers.get('cache-control'), `${status} ${res.body.detail}`).toBe(NO_STORE)
      expect(res.headers.get('etag'), `${status} ${res.body.detail}`).toBeNull()
    }
  })

  it('problems from the HTTP parser (431, 400) are no-store too', async () => {
    const tooBig = await rawRequest(server.baseUrl, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    const garbage = await rawRequest(server.baseUrl, 'HELLO THERE\r\n\r\n')
    for (const [res, status] of [[tooBig, 431], [garbage, 400]] as const) {
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(res.headers.get('cache-control'), `${status}`).toBe(NO_STORE)
    }
  })
})

// ---------------------------------------------------------------------------------------

const COMPARED_HEADERS = ['content-type', 'content-length', 'etag', 'cache-control', 'vary', 'link', 'www-authenticate', 'allow']

/** HEAD and OPTIONS answers that the contract checker cannot take (it parses a problem body), over fetch. */
async function bare(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, server.baseUrl), { method, headers })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

describe('HEAD: the GET without its body', () => {
  it.each(READS)('HEAD $operationId: the status and headers of its GET, no body', async ({ operationId, conditional, secured, prepare }) => {
    const me = await signUp(server.api)
    const user = secured ? me : undefined
    const path = await prepare(me)
    const got = await read(user, path)
    const head = await server.api.request('HEAD', path, authOf(user))
    expect(head.status).toBe(200)
    expect(head.operationId).toBe(operationId)
    expect(head.text).toBe('')
    expect(got.headers.get('content-length')).toMatch(/^[1-9]\d*$/)
    for (const name of COMPARED_HEADERS) expect(head.headers.get(name), name).toBe(got.headers.get(name))
    if (operationId.startsWith('list')) expect(got.headers.get('link')).not.toBeNull()

    if (conditional) {
      const notModified = await server.api.request('HEAD', path, { ...authOf(user), headers: ifNoneMatch(etagOf(got)) })
      expectNotModified(notModified, got)
    } else {
      expect(got.headers.get('etag')).toBeNull()
    }
  })

  it('the cases above cover every GET of the spec', () => {
    const gets = server.api.contract
      .operations()
      .filter((op) => op.method === 'GET')
      .map((op) => op.operationId)
      .sort()
    expect(READS.map((c) => c.operationId).sort()).toEqual(gets)
    for (const c of READS) {
      const declared = server.api.contract.declaredStatuses(c.operationId)
      expect(declared.includes(304), c.operationId).toBe(c.conditional)
      expect(declared.includes(401), c.operationId).toBe(c.secured)
    }
  })

  it('HEAD without credentials -> 401 with WWW-Authenticate, like GET, and no body', async () => {
    const me = await signUp(server.api)
    const path = `${TASKS}/${(await newTask(me)).body.id}`
    const got = await server.api.get<Problem>(path)
    expectProblem(got, 401, 'UNAUTHORIZED')
    const head = await server.api.request('HEAD', path)
    expect(head.status).toBe(401)
    expect(head.text).toBe('')
    expect(head.headers.get('www-authenticate')).toBe(got.headers.get('www-authenticate'))
    expect(head.headers.get('cache-control')).toBe(NO_STORE)
    expect(head.headers.get('content-type')).toBe(got.headers.get('content-type'))
  })

  it('HEAD on a path without GET -> 405 with Allow (no HEAD in it), no body', async () => {
    for (const path of ['/api/v1/tokens', '/api/v1/tokens/current']) {
      const got = await server.api.get<Problem>(path)
      expectProblem(got, 405, 'METHOD_NOT_ALLOWED')
      const head = await bare('HEAD', path)
      expect(head.status, path).toBe(405)
      expect(head.text).toBe('')
      expect(head.headers.get('allow')).toBe(got.headers.get('allow'))
      expect(head.headers.get('allow')?.split(', ')).not.toContain('HEAD')
      expect(head.headers.get('allow')?.split(', ')).not.toContain('GET')
      expect(head.headers.get('cache-control')).toBe(NO_STORE)
      expect(head.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    }
  })

  it('HEAD on an unknown path -> 404, no body', async () => {
    const head = await bare('HEAD', '/api/v1/nothing-here')
    expect(head.status).toBe(404)
    expect(head.text).toBe('')
    expect(head.headers.get('cache-control')).toBe(NO_STORE)
  })
})

// ---------------------------------------------------------------------------------------

describe('OPTIONS: 204 with Allow from the spec, no credentials needed', () => {
  const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

  it('on every path of the spec: Allow = its methods, HEAD where it has GET, and OPTIONS', async () => {
    const paths = Object.entries(server.api.contract.document.paths as Record<string, Record<string, unknown>>)
    expect(paths.length).toBeGreaterThan(10)
    for (const [template, item] of paths) {
      const declared = METHODS.filter((m) => m in item).map((m) => m.toUpperCase())
      const expected = new Set([...declared, 'OPTIONS', ...(declared.includes('GET') ? ['HEAD'] : [])])
      const path = template.replace(/\{[^}]+\}/g, '1')
      const res = await server.api.request('OPTIONS', path)
      expect(res.status, path).toBe(204)
      expect(res.text).toBe('')
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim())
      expect(allow.length, `${path}: ${allow.join(', ')}`).toBe(expected.size)
      expect(new Set(allow), path).toEqual(expected)
    }
  })

  it('with credentials, and on a resource that does not exist, the same', async () => {
    const me = await signUp(server.api)
    const anonymous = await server.api.request('OPTIONS', `${TASKS}/999999999`)
    const signedIn = await server.api.request('OPTIONS', `${TASKS}/999999999`, { auth: me.bearer })
    for (const res of [anonymous, signedIn]) {
      expect(res.status).toBe(204)
      expect(new Set(res.headers.get('allow')?.split(', '))).toEqual(new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
    }
    // /goals/tree is its own path item, with GET only: not /goals/{goalId}'s methods.
    const tree = await server.api.request('OPTIONS', TREE)
    expect(new Set(tree.headers.get('allow')?.split(', '))).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']))
  })

  it('on an unknown path -> 404 problem, no-store', async () => {
    for (const path of ['/api/v1/nothing-here', '/api/v1/tasks/1/extra', '/']) {
      const res = await server.api.request<Problem>('OPTIONS', path)
      expectProblem(res, 404, 'NOT_FOUND')
      expect(res.headers.get('cache-control')).toBe(NO_STORE)
      expect(res.headers.get('allow')).toBeNull()
    }
  })
})
