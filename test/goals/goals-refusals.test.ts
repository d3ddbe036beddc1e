/**
 * The goal operations refusing a request whole. What every resource refuses alike (415,
 * 413, 406, malformed input, 401, another user's goal) runs from the shared suites in
 * test/support/resource-suites.ts; what is the goals' own is here: another user's goal as
 * a parent (422), a method a path does not have (405), a throttled username (429) and a
 * broken table (500).
 */
import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { missingTableMessage } from '../support/database.js'
import { BARE_INTERNAL_ERROR, expectProblem, pointersOf } from '../support/expect.js'
import { GOALS, TREE } from '../support/paths.js'
import { describeResourceBasics } from '../support/resource-suites.js'
import { type Goal, type Problem, signUp, startTestServer, type TestUser, useTestServer } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'
import { g, goalOperations, goalPath, goalRequests, goalResource, outline } from './goal-requests.js'

const server = useTestServer()

const { create, read, list, tree, plant } = goalRequests(() => server)

describeResourceBasics(goalResource(() => server))

describe('per-user isolation in the goal tree', () => {
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
      for (const { name, method, path, options } of goalOperations(() => goalPath(goal.id))) {
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
      for (const { name, method, path, options } of goalOperations(() => goalPath(goal.id))) {
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
