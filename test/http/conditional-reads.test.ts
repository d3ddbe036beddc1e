/**
 * Conditional and bodiless reads: If-None-Match on every operation that declares 304,
 * HEAD as GET without the body, and OPTIONS with Allow from the spec. Every response (HEAD
 * and OPTIONS too) is held to `openapi.yaml` by the client.
 */
import { describe, expect, it } from 'vitest'
import { expectProblem } from '../support/expect.js'
import { BALANCE, GOALS, ME, TASKS, TREE } from '../support/paths.js'
import { type Problem, signUp, type Task, type TestUser, useTestServer } from '../support/server.js'
import {
  authOf,
  conditionalRequests,
  etagOf,
  expectNotModified,
  ifNoneMatch,
  NEVER_A_TAG,
  NO_STORE,
  PRIVATE_REVALIDATE,
  PUBLIC_FIVE_MINUTES,
  unique,
  varyOf,
} from './conditional-requests.js'

const server = useTestServer()

const { get, read, tagAt, newTask, newGoal, newIncome, newExpense, patch, operationsDeclaring } = conditionalRequests(() => server)

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
    const covered = READS.filter((c) => c.conditional)
      .map((c) => c.operationId)
      .sort()
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
