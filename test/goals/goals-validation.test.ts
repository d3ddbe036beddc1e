/**
 * What a goal request may not say: 422 with one errors[] entry per invalid field of a
 * body, and 400 for query parameters. Nothing is changed by any. Malformed bodies and ids
 * are the shared suite's (test/support/resource-suites.ts, run by goals-refusals.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, parametersOf, pointersOf } from '../support/expect.js'
import { GOALS, TREE } from '../support/paths.js'
import { type Goal, type Problem, signUp, type TestUser, useTestServer } from '../support/server.js'
import { goalPath, goalRequests, LATER, listPath } from './goal-requests.js'

const server = useTestServer()

const { create, read, list } = goalRequests(() => server)

describe('422 VALIDATION_ERROR: one errors[] entry per invalid field', () => {
  const writeCases: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'an empty name', body: { name: '' }, pointers: ['/name'] },
    { name: 'a blank name', body: { name: '   ' }, pointers: ['/name'] },
    { name: 'a name of 65 characters', body: { name: 'a'.repeat(65) }, pointers: ['/name'] },
    { name: 'a name of 65 emoji', body: { name: '🏃'.repeat(65) }, pointers: ['/name'] },
    { name: 'a name that is not a string', body: { name: 42 }, pointers: ['/name'] },
    { name: 'a description of 513 characters', body: { name: 'ok', description: 'd'.repeat(513) }, pointers: ['/description'] },
    { name: 'parent_id 0', body: { name: 'ok', parent_id: 0 }, pointers: ['/parent_id'] },
    { name: 'parent_id -1', body: { name: 'ok', parent_id: -1 }, pointers: ['/parent_id'] },
    { name: 'parent_id 1.5', body: { name: 'ok', parent_id: 1.5 }, pointers: ['/parent_id'] },
    { name: 'parent_id as a string of digits', body: { name: 'ok', parent_id: '1' }, pointers: ['/parent_id'] },
    { name: 'the unknown field id', body: { name: 'ok', id: 99 }, pointers: ['/id'] },
    { name: 'the unknown field uri', body: { name: 'ok', uri: 'http://example.com/api/v1/goals/1' }, pointers: ['/uri'] },
    { name: 'the unknown field user_id', body: { name: 'ok', user_id: 1 }, pointers: ['/user_id'] },
    { name: 'the unknown field start', body: { name: 'ok', start: '2020-01-01T00:00:00.000Z' }, pointers: ['/start'] },
    { name: 'the unknown field created_at', body: { name: 'ok', created_at: '2020-01-01T00:00:00.000Z' }, pointers: ['/created_at'] },
    { name: 'the unknown field sub_goals', body: { name: 'ok', sub_goals: [] }, pointers: ['/sub_goals'] },
    {
      name: 'several invalid fields at once',
      body: { name: '', description: 'd'.repeat(513), parent_id: 0, id: 1, user_id: 1 },
      pointers: ['/description', '/id', '/name', '/parent_id', '/user_id'],
    },
    { name: 'a JSON array as the body', body: [{ name: 'ok' }], pointers: [''] },
    { name: 'a JSON string as the body', body: 'Run a marathon', pointers: [''] },
  ]
  const requiresName: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'no name', body: { description: 'no name here' }, pointers: ['/name'] },
    { name: 'an empty object', body: {}, pointers: ['/name'] },
  ]
  const endCases: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
    { name: 'end that is not a date-time', body: { name: 'ok', end: 'tomorrow' }, pointers: ['/end'] },
    { name: 'end as a date without a time', body: { name: 'ok', end: '2030-01-01' }, pointers: ['/end'] },
    { name: 'end as a number', body: { name: 'ok', end: 1_900_000_000 }, pointers: ['/end'] },
  ]

  describe('POST /api/v1/goals', () => {
    let me: TestUser
    beforeAll(async () => {
      me = await signUp(server.api)
    })

    it.each([...writeCases, ...requiresName])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, json: body })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
      expect(res.body.type).toBe('/problems/validation-error')
    })

    it('end (not writable on create: a goal starts open) -> 422 at /end', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, json: { name: 'ok', end: LATER } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end'])
    })

    it('form body name= (empty) -> 422 at /name', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: '' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/name'])
    })

    it('form body parent_id=abc -> 422 at /parent_id', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: 'ok', parent_id: 'abc' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('form body with an unknown field user_id -> 422 at /user_id', async () => {
      const res = await server.api.post<Problem>(GOALS, { auth: me.bearer, form: { name: 'ok', user_id: '1' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/user_id'])
    })

    it('nothing was created by any rejected request (no mass assignment)', async () => {
      const res = await list(me)
      expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
    })
  })

  describe('PUT /api/v1/goals/{id}', () => {
    let me: TestUser
    let goal: Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await create(me, { name: 'Guarded', description: 'as it was' })
    })

    it.each([...writeCases, ...requiresName, ...endCases])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: body })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
    })

    it('form body end=tomorrow -> 422 at /end', async () => {
      const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, form: { name: 'Guarded', end: 'tomorrow' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end'])
    })

    it('the goal is unchanged by every rejected request', async () => {
      expect(await read(me, goal.id)).toEqual(goal)
    })
  })

  describe('PATCH /api/v1/goals/{id}', () => {
    let me: TestUser
    let goal: Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await create(me, { name: 'Guarded', description: 'as it was' })
    })

    const patchOnly: ReadonlyArray<{ name: string; body: unknown; pointers: string[] }> = [
      { name: 'name null (not nullable)', body: { name: null }, pointers: ['/name'] },
      { name: 'description null (not nullable)', body: { description: null }, pointers: ['/description'] },
      { name: 'the unknown field done', body: { done: true }, pointers: ['/done'] },
    ]

    it.each([...writeCases, ...endCases, ...patchOnly])('$name -> 422 at $pointers', async ({ body, pointers }) => {
      const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: body, contentType: 'application/merge-patch+json' })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(pointers)
    })

    it('application/json body {"name": ""} -> 422 at /name', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: '' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/name'])
    })

    it('form body end=tomorrow -> 422 at /end', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, form: { end: 'tomorrow' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end'])
    })

    it('the goal is unchanged by every rejected request', async () => {
      expect(await read(me, goal.id)).toEqual(goal)
    })
  })
})

describe('400 BAD_REQUEST for query parameters', () => {
  let me: TestUser
  let goal: Goal
  beforeAll(async () => {
    me = await signUp(server.api)
    goal = await create(me, { name: 'Still here' })
  })

  it.each([
    [{ parent_id: 'abc' }, 'parent_id'],
    [{ parent_id: 0 }, 'parent_id'],
    [{ parent_id: -1 }, 'parent_id'],
    [{ parent_id: '0x1' }, 'parent_id'],
    [{ parent_id: 'NULL' }, 'parent_id'],
    [{ parent_id: '' }, 'parent_id'],
    [{ completed: 'maybe' }, 'completed'],
    [{ page: 0 }, 'page'],
    [{ per_page: 101 }, 'per_page'],
    [{ color: 'red' }, 'color'],
    [{ user_id: 1 }, 'user_id'],
  ] as const)('GET /api/v1/goals?%o -> 400 naming the parameter %s', async (query, parameter) => {
    const res = await server.api.get<Problem>(listPath(query), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual([parameter])
  })

  it('two bad query parameters -> one errors[] entry for each', async () => {
    const res = await server.api.get<Problem>(listPath({ parent_id: 'abc', completed: 'maybe' }), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['completed', 'parent_id'])
  })

  it('GET /api/v1/goals/tree with a query parameter it does not take -> 400', async () => {
    const res = await server.api.get<Problem>(`${TREE}?depth=2`, { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['depth'])
  })

  it('the goal survived every bad request', async () => {
    expect(await read(me, goal.id)).toEqual(goal)
    expect((await list(me)).body.meta.total).toBe(1)
  })
})
