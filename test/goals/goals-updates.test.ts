/**
 * Replacing (PUT) and updating (PATCH) a goal: renames, completing and re-opening,
 * moving it in the tree, and the cycles and conflicts that are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, pointersOf, tick } from '../support/expect.js'
import { type Goal, type Problem, signUp, type TestUser, useTestServer } from '../support/server.js'
import { answerOf, typedClient } from '../support/typed-client.js'
import { flatten, g, goalPath, goalRequests, LATER, LATER_UTC, LONG_AGO, outline } from './goal-requests.js'

const server = useTestServer()

const { create, read, tree, plant, expectValidGoal } = goalRequests(() => server)

describe('PUT /api/v1/goals/{goalId} (replaceGoal)', () => {
  it('with every field -> 200, all replaced; start and created_at never change', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Old', description: 'old text' })
    await tick()
    const res = await server.api.put<Goal>(goalPath(goal.id), {
      auth: me.bearer,
      json: { name: 'New', description: 'new text', parent_id: parent.id, end: LATER },
    })
    expect(res.status).toBe(200)
    expectValidGoal(res.body)
    expect(res.body).toMatchObject({
      id: goal.id,
      uri: goal.uri,
      name: 'New',
      description: 'new text',
      parent_id: parent.id,
      end: LATER_UTC,
      start: goal.start,
      created_at: goal.created_at,
    })
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(goal.updated_at))
    expect(await read(me, goal.id)).toEqual(res.body)
  })

  it('fields left out take their defaults: description "", moved to the top level, re-opened', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Child', description: 'some text', parent_id: parent.id })
    const completed = answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { end: LATER } }))
    expect(completed.body.end).toBe(LATER_UTC)

    const res = answerOf(await typedClient(server.api, me).PUT('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { name: 'Child' } }))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: goal.id, name: 'Child', description: '', parent_id: null, end: null, start: goal.start })
    expect(outline(await tree(me))).toEqual([g('Parent'), g('Child')])
  })

  it('with a form body -> 200; end= (empty) means open', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Old', description: 'gone soon' })
    answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { end: LATER } }))
    const res = await server.api.put<Goal>(goalPath(goal.id), {
      auth: me.bearer,
      form: { name: 'From a form', parent_id: String(parent.id), end: '' },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'From a form', description: '', parent_id: parent.id, end: null })
  })

  it('with a form body end=<timestamp> -> 200, completed', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Form' })
    const res = await server.api.put<Goal>(goalPath(goal.id), { auth: me.bearer, form: { name: 'Form', end: LATER } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Form', parent_id: null, end: LATER_UTC })
  })

  it('keeping its own name is fine', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Same name' })
    const res = answerOf(
      await typedClient(server.api, me).PUT('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { name: 'Same name', description: 'more' } }),
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Same name', description: 'more' })
  })

  it('renaming to the name of another of your goals -> 409 at /name; nothing changed', async () => {
    const me = await signUp(server.api)
    await create(me, { name: 'Taken' })
    const goal = await create(me, { name: 'Mine', description: 'as it was' })
    const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Taken' } })
    expectProblem(res, 409, 'CONFLICT')
    expect(pointersOf(res.body)).toEqual(['/name'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  describe('cycles: 422 at /parent_id, and the tree is unchanged', () => {
    let me: TestUser
    let goal: (name: string) => Goal
    const chain = g('a', g('b', g('c', g('d'))))
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await plant(me, [chain])
    })

    it('PUT a under itself -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('a').id), { auth: me.bearer, json: { name: 'a', parent_id: goal('a').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('PUT a under its child b -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('a').id), { auth: me.bearer, json: { name: 'a', parent_id: goal('b').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('PUT a under its great-grandchild d, three levels down -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('a').id), { auth: me.bearer, json: { name: 'a', parent_id: goal('d').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('PUT b under d, its grandchild -> 422 at /parent_id', async () => {
      const res = await server.api.put<Problem>(goalPath(goal('b').id), { auth: me.bearer, form: { name: 'b', parent_id: String(goal('d').id) } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('nothing changed: the chain is still a > b > c > d, each goal as it was', async () => {
      expect(outline(await tree(me))).toEqual([chain])
      for (const name of ['a', 'b', 'c', 'd']) expect(await read(me, goal(name).id)).toEqual(goal(name))
    })

    it('moving d up, under its ancestor a, is fine -> 200', async () => {
      // A user and chain of its own: the tests above need theirs as it was.
      const me = await signUp(server.api)
      const goal = await plant(me, [chain])
      const res = answerOf(
        await typedClient(server.api, me).PUT('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('d').id } }, body: { name: 'd', parent_id: goal('a').id } }),
      )
      expect(res.status).toBe(200)
      expect(res.body.parent_id).toBe(goal('a').id)
      expect(outline(await tree(me))).toEqual([g('a', g('b', g('c')), g('d'))])
    })
  })

  it('end before start -> 422 at /end; nothing changed', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Not yet' })
    const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Not yet', end: LONG_AGO } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/end'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('a parent_id that does not exist -> 422 at /parent_id', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Stay' })
    const res = await server.api.put<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Stay', parent_id: 999_999 } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/parent_id'])
    expect(await read(me, goal.id)).toEqual(goal)
  })
})

describe('PATCH /api/v1/goals/{goalId} (updateGoal)', () => {
  it('with application/merge-patch+json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Keep', description: 'keep too', parent_id: parent.id })
    await tick()
    const res = await server.api.patch<Goal>(goalPath(goal.id), {
      auth: me.bearer,
      json: { description: 'changed' },
      contentType: 'application/merge-patch+json',
    })
    expect(res.status).toBe(200)
    expectValidGoal(res.body)
    expect(res.body).toEqual({ ...goal, description: 'changed', updated_at: res.body.updated_at })
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(goal.updated_at))
    expect(await read(me, goal.id)).toEqual(res.body)
  })

  it('with application/json changes only the fields sent', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Before', description: 'stays', parent_id: parent.id })
    await tick()
    const res = answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { name: 'After' } }))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ ...goal, name: 'After', updated_at: res.body.updated_at })
    expect(res.body.updated_at).not.toBe(goal.updated_at)
  })

  it('with a form body name=... -> 200, the rest kept', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Run a marathon', description: 'kept', parent_id: parent.id })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { name: 'Run a half marathon' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Run a half marathon', description: 'kept', parent_id: parent.id, end: null })
  })

  it('{} changes nothing, not even updated_at', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Untouched', description: 'really' })
    await tick()
    const res = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', {
        params: { path: { goalId: goal.id } },
        body: {},
        headers: { 'Content-Type': 'application/merge-patch+json' },
      }),
    )
    expect(res.status).toBe(200)
    expect(res.body).toEqual(goal)
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it.each([
    ['2030-01-01T10:00:00+02:00', '2030-01-01T08:00:00.000Z'],
    ['2030-01-01T03:30:00-05:30', '2030-01-01T09:00:00.000Z'],
    ['2030-01-01T08:00:00Z', '2030-01-01T08:00:00.000Z'],
    ['2030-01-01T08:00:00.5Z', '2030-01-01T08:00:00.500Z'],
    ['2030-01-01T00:30:00.250+01:00', '2029-12-31T23:30:00.250Z'],
  ])('end %s -> 200, end returned as %s (UTC, milliseconds)', async (sent, stored) => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Finish' })
    const res = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', {
        params: { path: { goalId: goal.id } },
        body: { end: sent },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      }),
    )
    expect(res.status).toBe(200)
    expect(res.body.end).toBe(stored)
    expect((await read(me, goal.id)).end).toBe(stored)
  })

  it('end equal to start is allowed -> 200', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Instant' })
    const res = answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { end: goal.start } }))
    expect(res.status).toBe(200)
    expect(res.body.end).toBe(goal.start)
    expect(res.body.start).toBe(goal.start)
  })

  it('end equal to start, spelled with an offset, is allowed -> 200', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Instant elsewhere' })
    const start = new Date(goal.start)
    const inTokyo = new Date(start.getTime() + 9 * 3_600_000).toISOString().replace('Z', '+09:00')
    const res = answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { end: inTokyo } }))
    expect(res.status).toBe(200)
    expect(res.body.end).toBe(goal.start)
  })

  it('end one millisecond before start -> 422 at /end; nothing changed', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Too early' })
    const justBefore = new Date(Date.parse(goal.start) - 1).toISOString()
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { end: justBefore } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/end'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('end long before start -> 422 at /end', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'History' })
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { end: LONG_AGO }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/end'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('{end: null} re-opens a completed goal', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Again' })
    const done = answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { end: LATER } }))
    expect(done.body.end).toBe(LATER_UTC)
    const res = answerOf(
      await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', {
        params: { path: { goalId: goal.id } },
        body: { end: null },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      }),
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Again', end: null, start: goal.start })
  })

  it('a form body end=<timestamp> completes the goal', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Form complete', description: 'kept' })
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { end: LATER } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Form complete', description: 'kept', end: LATER_UTC })
  })

  it('a form body end= (empty) re-opens the goal: an empty value is null for a nullable field', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Form reopen', description: 'kept' })
    answerOf(await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal.id } }, body: { end: LATER } }))
    const res = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { end: '' } })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({ name: 'Form reopen', description: 'kept', end: null })
    expect((await read(me, goal.id)).end).toBeNull()
  })

  it('a form body parent_id=<id> moves the goal; parent_id= (empty) moves it back to the top level', async () => {
    const me = await signUp(server.api)
    const parent = await create(me, { name: 'Parent' })
    const goal = await create(me, { name: 'Mover' })
    const moved = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { parent_id: String(parent.id) } })
    expect(moved.status, moved.text).toBe(200)
    expect(moved.body.parent_id).toBe(parent.id)
    const back = await server.api.patch<Goal>(goalPath(goal.id), { auth: me.bearer, form: { parent_id: '' } })
    expect(back.status, back.text).toBe(200)
    expect(back.body.parent_id).toBeNull()
  })

  describe('moving goals in a tree: the moves refused', () => {
    let me: TestUser
    let goal: (name: string) => Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await plant(me, [g('home', g('kitchen', g('oven')), g('garden')), g('work', g('desk'))])
    })

    it('under itself -> 422 at /parent_id', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('home').id), { auth: me.bearer, json: { parent_id: goal('home').id } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('under its own grandchild -> 422 at /parent_id', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('home').id), {
        auth: me.bearer,
        json: { parent_id: goal('oven').id },
        contentType: 'application/merge-patch+json',
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('under its own child, with other fields too -> 422, and none of them changed', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('home').id), {
        auth: me.bearer,
        json: { name: 'renamed', description: 'changed', parent_id: goal('kitchen').id },
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/parent_id'])
    })

    it('a cycle and an end before start at once -> 422 at /end and /parent_id', async () => {
      const res = await server.api.patch<Problem>(goalPath(goal('kitchen').id), {
        auth: me.bearer,
        json: { parent_id: goal('oven').id, end: LONG_AGO },
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/end', '/parent_id'])
    })

    it('after every refused move, GET shows the old parents and the tree is as it was', async () => {
      for (const name of ['home', 'kitchen', 'oven', 'garden', 'work', 'desk']) expect(await read(me, goal(name).id)).toEqual(goal(name))
      expect(outline(await tree(me))).toEqual([g('home', g('kitchen', g('oven')), g('garden')), g('work', g('desk'))])
    })
  })

  describe('moving goals in a tree, one move after another', () => {
    let me: TestUser
    let goal: (name: string) => Goal
    beforeAll(async () => {
      me = await signUp(server.api)
      goal = await plant(me, [g('home', g('kitchen', g('oven')), g('garden')), g('work', g('desk'))])
    })

    it('kitchen (with oven) under work, then oven to the top level with {parent_id: null}, then home under oven (formerly forbidden, no longer a descendant) -> 200 each, and the tree shows each', async () => {
      // To another branch: kitchen (with oven) under work.
      const underWork = answerOf(
        await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('kitchen').id } }, body: { parent_id: goal('work').id } }),
      )
      expect(underWork.status).toBe(200)
      expect(underWork.body).toMatchObject({ id: goal('kitchen').id, name: 'kitchen', parent_id: goal('work').id })
      // Siblings go by created_at: kitchen was created before desk.
      expect(outline(await tree(me))).toEqual([g('home', g('garden')), g('work', g('kitchen', g('oven')), g('desk'))])
      expect((await read(me, goal('oven').id)).parent_id).toBe(goal('kitchen').id)

      // To the top level.
      const toTop = await server.api.patch<Goal>(goalPath(goal('oven').id), {
        auth: me.bearer,
        json: { parent_id: null },
        contentType: 'application/merge-patch+json',
      })
      expect(toTop.status).toBe(200)
      expect(toTop.body.parent_id).toBeNull()
      // Among the top-level goals oven goes by its created_at: after home, before work.
      expect(outline(await tree(me))).toEqual([g('home', g('garden')), g('oven'), g('work', g('kitchen'), g('desk'))])

      // A formerly forbidden move, now that home is no longer above oven.
      const underOven = answerOf(
        await typedClient(server.api, me).PATCH('/api/v1/goals/{goalId}', { params: { path: { goalId: goal('home').id } }, body: { parent_id: goal('oven').id } }),
      )
      expect(underOven.status).toBe(200)
      expect(outline(await tree(me))).toEqual([g('oven', g('home', g('garden'))), g('work', g('kitchen'), g('desk'))])
    })
  })

  it('a under b and b under a at the same moment -> one 200, one 422 at /parent_id; never a cycle', async () => {
    const me = await signUp(server.api)
    for (let round = 0; round < 5; round++) {
      const goal = await plant(me, [g(`a${round}`), g(`b${round}`)])
      const a = goal(`a${round}`)
      const b = goal(`b${round}`)
      const [first, second] = await Promise.all([
        server.api.patch<Goal | Problem>(goalPath(a.id), { auth: me.bearer, json: { parent_id: b.id } }),
        server.api.patch<Goal | Problem>(goalPath(b.id), { auth: me.bearer, json: { parent_id: a.id } }),
      ])
      expect([first.status, second.status].sort()).toEqual([200, 422])
      const refused = first.status === 422 ? first : second
      expect(pointersOf(refused.body as Problem)).toEqual(['/parent_id'])
      // A cycle would leave both goals unreachable from any root.
      const parents = [(await read(me, a.id)).parent_id, (await read(me, b.id)).parent_id]
      expect(parents.filter((parent) => parent === null)).toHaveLength(1)
    }
    expect(flatten(await tree(me))).toHaveLength(10)
  })

  it('renaming to the name of another of your goals -> 409 at /name; nothing changed', async () => {
    const me = await signUp(server.api)
    await create(me, { name: 'Taken' })
    const goal = await create(me, { name: 'Mine' })
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { name: 'Taken' }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 409, 'CONFLICT')
    expect(pointersOf(res.body)).toEqual(['/name'])
    expect(await read(me, goal.id)).toEqual(goal)
  })

  it('a parent_id that does not exist -> 422 at /parent_id', async () => {
    const me = await signUp(server.api)
    const goal = await create(me, { name: 'Stay' })
    const res = await server.api.patch<Problem>(goalPath(goal.id), { auth: me.bearer, json: { parent_id: 999_999 } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointersOf(res.body)).toEqual(['/parent_id'])
    expect(await read(me, goal.id)).toEqual(goal)
  })
})
