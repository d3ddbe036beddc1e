import { describe, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { expectProblem, pointersOf } from '../support/expect.js'
import { ME } from '../support/paths.js'
import { describeResourceBasics, type ResourceUnderTest } from '../support/resource-suites.js'
import { type Goal, type Problem, signUp, type Task, type TaskList, type Token, type User, useTestServer } from '../support/server.js'

const server = useTestServer()

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const merge = 'application/merge-patch+json'

/** The signed-in user's account, for the suites every resource runs (test/support/resource-suites.ts). */
const userResource: ResourceUnderTest = {
  name: 'user',
  server: () => server,
  makeItems: async (owner) => {
    const res = await server.api.get<User>(ME, { auth: owner.bearer })
    expect(res.status).toBe(200)
    return [{ path: `/api/v1/users/${res.body.id}`, uri: res.body.uri, body: res.body }]
  },
  lists: [],
  itemParameter: 'userId',
  itemRequests: [{ name: 'GET', method: 'GET', options: {} }],
  operations: (target) => [
    { name: 'getCurrentUser', method: 'GET', path: () => ME, options: {} },
    { name: 'updateCurrentUser', method: 'PATCH', path: () => ME, options: { json: { email: 'x@example.com' }, contentType: merge } },
    { name: 'deleteCurrentUser', method: 'DELETE', path: () => ME, options: {} },
    { name: 'getUser', method: 'GET', path: () => target().path, options: {} },
  ],
  writes: () => [{ name: 'updateCurrentUser', method: 'PATCH', path: () => ME, json: { email: 'x@example.com' }, jsonTypes: ['application/json', merge] }],
  malformedJson: '{"email": "x@',
}

describeResourceBasics(userResource)

function basic(username: string, password: string) {
  return { basic: [username, password] as const }
}

function pointers(res: ApiResponse<Problem>): Array<string | undefined> {
  return (res.body.errors ?? []).map((e) => e.pointer).sort()
}

async function passwordHashOf(id: number): Promise<string> {
  const row = await server.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()
  return row.password_hash
}

/** The response says nothing about the password: neither the hash nor the field. */
async function expectNoPasswordIn(res: ApiResponse, userId: number): Promise<void> {
  const hash = await passwordHashOf(userId)
  expect(res.text).not.toContain(hash)
  expect(res.text).not.toContain(hash.split('$').at(-1) ?? hash)
  expect(res.text).not.toMatch(/password/i)
}

describe('POST /api/v1/users (registration)', () => {
  it('registers with JSON: 201, exactly {id, uri, username, email, created_at}, Location = uri', async () => {
    const res = await server.api.post<User>('/api/v1/users', {
      json: { username: 'reg-json', email: 'reg-json@example.com', password: 'python-rocks' },
    })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      id: expect.any(Number),
      uri: `${server.baseUrl}/api/v1/users/${res.body.id}`,
      username: 'reg-json',
      email: 'reg-json@example.com',
      created_at: expect.stringMatching(TIMESTAMP),
    })
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'email', 'id', 'uri', 'username'])
    expect(res.headers.get('location')).toBe(res.body.uri)
    expect(Math.abs(Date.parse(res.body.created_at) - Date.now())).toBeLessThan(60_000)
    await expectNoPasswordIn(res, res.body.id)
  })

  it('registers with a form (application/x-www-form-urlencoded), as curl -d does', async () => {
    const res = await server.api.post<User>('/api/v1/users', {
      form: { username: 'reg_form', email: 'reg-form@example.com', password: 'flask-rocks' },
    })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      id: expect.any(Number),
      uri: `${server.baseUrl}/api/v1/users/${res.body.id}`,
      username: 'reg_form',
      email: 'reg-form@example.com',
      created_at: expect.stringMatching(TIMESTAMP),
    })
    expect(res.headers.get('location')).toBe(res.body.uri)
    await expectNoPasswordIn(res, res.body.id)

    const me = await server.api.get<User>('/api/v1/users/me', { auth: basic('reg_form', 'flask-rocks') })
    expect(me.status).toBe(200)
    expect(me.body).toEqual(res.body)
  })

  it('stores the password only as a salted hash', async () => {
    const res = await server.api.post<User>('/api/v1/users', {
      json: { username: 'reg-hash', email: 'reg-hash@example.com', password: 'python-rocks' },
    })
    expect(res.status).toBe(201)
    const hash = await passwordHashOf(res.body.id)
    expect(hash).not.toContain('python-rocks')
    const other = await server.api.post<User>('/api/v1/users', {
      json: { username: 'reg-hash2', email: 'reg-hash2@example.com', password: 'python-rocks' },
    })
    expect(other.status).toBe(201)
    expect(await passwordHashOf(other.body.id)).not.toBe(hash)
  })

  it('409 CONFLICT for a username that is taken', async () => {
    const first = await server.api.post<User>('/api/v1/users', {
      json: { username: 'taken-name', email: 'taken-name@example.com', password: 'python-rocks' },
    })
    expect(first.status).toBe(201)
    const res = await server.api.post<Problem>('/api/v1/users', {
      json: { username: 'taken-name', email: 'someone-else@example.com', password: 'python-rocks' },
    })
    expect(res.status).toBe(409)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.body).toMatchObject({ status: 409, code: 'CONFLICT', type: '/problems/conflict' })
    expect(res.body.errors?.[0]?.pointer).toBe('/username')
    expect(res.headers.get('location')).toBeNull()
  })

  it('409 CONFLICT naming both fields when the username and the email address are both taken', async () => {
    const json = { username: 'taken-both', email: 'taken-both@example.com', password: 'python-rocks' }
    expect((await server.api.post<User>('/api/v1/users', { json })).status).toBe(201)
    const res = await server.api.post<Problem>('/api/v1/users', { json: { ...json, password: 'another-password' } })
    expectProblem(res, 409, 'CONFLICT')
    expect(pointersOf(res.body)).toEqual(['/email', '/username'])
  })

  it.each([
    ['the same', 'taken-mail', 'Taken.Mail@Example.com', 'Taken.Mail@Example.com'],
    ['another letter case', 'case-mail', 'Case.Mail@Example.com', 'case.mail@example.COM'],
  ])('409 CONFLICT for an email that is taken, in %s letter case', async (_case, name, taken, again) => {
    const first = await server.api.post<User>('/api/v1/users', {
      json: { username: `${name}-a`, email: taken, password: 'python-rocks' },
    })
    expect(first.status).toBe(201)
    const res = await server.api.post<Problem>('/api/v1/users', {
      json: { username: `${name}-b`, email: again, password: 'python-rocks' },
    })
    expectProblem(res, 409, 'CONFLICT')
    expect(res.body.errors?.[0]?.pointer).toBe('/email')
  })

  describe('422 VALIDATION_ERROR, one errors[] entry per invalid field', () => {
    const valid = { username: 'valid-name', email: 'valid@example.com', password: 'python-rocks' }

    it.each([
      ['too short', 'ab'],
      ['uppercase', 'Miguel'],
      ['too long', 'a'.repeat(33)],
      ['a space', 'mig uel'],
      ['a dot', 'mig.uel'],
      ['empty', ''],
    ])('a username that is %s', async (_why, username) => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: { ...valid, username } })
      expect(res.status).toBe(422)
      expect(res.body).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', type: '/problems/validation-error' })
      expect(pointers(res)).toEqual(['/username'])
    })

    it('accepts usernames of exactly 3 and 32 characters of [a-z0-9_-]', async () => {
      const three = await server.api.post<User>('/api/v1/users', {
        json: { username: 'a_3', email: 'three@example.com', password: 'python-rocks' },
      })
      expect(three.status).toBe(201)
      const long = `${'z'.repeat(30)}-9`
      const thirtyTwo = await server.api.post<User>('/api/v1/users', {
        json: { username: long, email: 'thirty-two@example.com', password: 'python-rocks' },
      })
      expect(thirtyTwo.status).toBe(201)
      expect(thirtyTwo.body.username).toBe(long)
    })

    it.each([['not-an-email'], ['@example.com'], ['miguel@'], ['']])('a bad email %j', async (email) => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: { ...valid, email } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointers(res)).toEqual(['/email'])
    })

    it('a password under 8 characters', async () => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: { ...valid, password: '1234567' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointers(res)).toEqual(['/password'])
    })

    it('a password of exactly 8 characters is fine', async () => {
      const res = await server.api.post<User>('/api/v1/users', {
        json: { username: 'eight-pw', email: 'eight-pw@example.com', password: '12345678' },
      })
      expect(res.status).toBe(201)
    })

    it('every field missing: three entries', async () => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: {} })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointers(res)).toEqual(['/email', '/password', '/username'])
    })

    it('one field missing', async () => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: { username: 'no-password', email: 'np@example.com' } })
      expect(res.status).toBe(422)
      expect(pointers(res)).toEqual(['/password'])
    })

    it('every field invalid at once: three entries', async () => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: { username: 'AB', email: 'nope', password: 'short' } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointers(res)).toEqual(['/email', '/password', '/username'])
    })

    it.each([
      ['id', 1],
      ['is_admin', true],
      ['uri', 'http://evil.example/api/v1/users/1'],
      ['created_at', '2020-01-01T00:00:00.000Z'],
      ['password_hash', 'scrypt$1$1$1$x$y'],
    ])('an unknown field %s (no mass assignment)', async (field, value) => {
      const username = `mass-${field.replaceAll('_', '-')}`
      const res = await server.api.post<Problem>('/api/v1/users', {
        json: { username, email: `${username}@example.com`, password: 'python-rocks', [field]: value },
      })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointers(res)).toEqual([`/${field}`])
      const rows = await server.db.selectFrom('users').select('id').where('username', '=', username).execute()
      expect(rows).toEqual([])
    })

    it('an unknown field in a form', async () => {
      const res = await server.api.post<Problem>('/api/v1/users', {
        form: { username: 'mass-form', email: 'mass-form@example.com', password: 'python-rocks', is_admin: 'true' },
      })
      expect(res.status).toBe(422)
      expect(pointers(res)).toEqual(['/is_admin'])
    })

    it('a field of the wrong type', async () => {
      const res = await server.api.post<Problem>('/api/v1/users', { json: { ...valid, password: 12345678 } })
      expect(res.status).toBe(422)
      expect(pointers(res)).toEqual(['/password'])
    })
  })

  it('400 BAD_REQUEST for malformed JSON', async () => {
    const res = await server.api.post<Problem>('/api/v1/users', { raw: '{"username": "x",', contentType: 'application/json' })
    expectProblem(res, 400, 'BAD_REQUEST')
  })
})

describe('GET /api/v1/users/me', () => {
  it('with Basic credentials', async () => {
    const me = await signUp(server.api)
    const res = await server.api.get<User>('/api/v1/users/me', { auth: me.basic })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      id: me.id,
      uri: `${server.baseUrl}/api/v1/users/${me.id}`,
      username: me.username,
      email: me.email,
      created_at: expect.stringMatching(TIMESTAMP),
    })
    await expectNoPasswordIn(res, me.id)
  })

  it('with a Bearer token', async () => {
    const me = await signUp(server.api)
    const res = await server.api.get<User>('/api/v1/users/me', { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: me.id, username: me.username, email: me.email })
    await expectNoPasswordIn(res, me.id)
  })
})

describe('PATCH /api/v1/users/me', () => {
  it('changes the email with application/merge-patch+json', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<User>('/api/v1/users/me', {
      auth: me.bearer,
      json: { email: `${me.username}@example.org` },
      contentType: merge,
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      id: me.id,
      uri: `${server.baseUrl}/api/v1/users/${me.id}`,
      username: me.username,
      email: `${me.username}@example.org`,
      created_at: expect.stringMatching(TIMESTAMP),
    })
    await expectNoPasswordIn(res, me.id)

    const again = await server.api.get<User>('/api/v1/users/me', { auth: me.bearer })
    expect(again.body.email).toBe(`${me.username}@example.org`)
    // The password did not change, nor did the tokens.
    expect((await server.api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(200)
  })

  it('changes the email with application/json', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<User>('/api/v1/users/me', { auth: me.basic, json: { email: `${me.username}@example.net` } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: me.id, username: me.username, email: `${me.username}@example.net` })
    const again = await server.api.get<User>('/api/v1/users/me', { auth: me.basic })
    expect(again.body.email).toBe(`${me.username}@example.net`)
  })

  it('changes the email with a form', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<User>('/api/v1/users/me', { auth: me.bearer, form: { email: `${me.username}@example.info` } })
    expect(res.status).toBe(200)
    expect(res.body.email).toBe(`${me.username}@example.info`)
  })

  it('an empty merge patch changes nothing', async () => {
    const me = await signUp(server.api)
    const before = await server.api.get<User>('/api/v1/users/me', { auth: me.bearer })
    const res = await server.api.patch<User>('/api/v1/users/me', { auth: me.bearer, json: {}, contentType: merge })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(before.body)
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(200)
  })

  it("409 CONFLICT for another user's email, in any letter case", async () => {
    const me = await signUp(server.api)
    const other = await signUp(server.api)
    for (const email of [other.email, other.email.toUpperCase()]) {
      const res = await server.api.patch<Problem>('/api/v1/users/me', { auth: me.bearer, json: { email }, contentType: merge })
      expectProblem(res, 409, 'CONFLICT')
      expect(res.body.errors?.[0]?.pointer).toBe('/email')
    }
    const unchanged = await server.api.get<User>('/api/v1/users/me', { auth: me.bearer })
    expect(unchanged.body.email).toBe(me.email)
  })

  it('keeping your own email is not a conflict', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<User>('/api/v1/users/me', { auth: me.bearer, json: { email: me.email }, contentType: merge })
    expect(res.status).toBe(200)
    expect(res.body.email).toBe(me.email)
  })

  it('changes the password: the old one is 401, the new one works, every earlier token is revoked', async () => {
    const me = await signUp(server.api)
    const second = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(second.status).toBe(201)

    const res = await server.api.patch<User>('/api/v1/users/me', {
      auth: me.basic,
      json: { password: 'a-brand-new-password' },
      contentType: merge,
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: me.id, username: me.username, email: me.email })
    await expectNoPasswordIn(res, me.id)
    expect(res.text).not.toContain('a-brand-new-password')

    const old = await server.api.get<Problem>('/api/v1/users/me', { auth: me.basic })
    expectProblem(old, 401, 'UNAUTHORIZED')

    const fresh = await server.api.get<User>('/api/v1/users/me', { auth: basic(me.username, 'a-brand-new-password') })
    expect(fresh.status).toBe(200)
    expect(fresh.body.id).toBe(me.id)

    for (const token of [me.token, second.body.token]) {
      const revoked = await server.api.get<Problem>('/api/v1/users/me', { auth: { bearer: token } })
      expectProblem(revoked, 401, 'UNAUTHORIZED')
    }
    const left = await server.db.selectFrom('tokens').select('id').where('user_id', '=', me.id).execute()
    expect(left).toEqual([])

    const newToken = await server.api.post<Token>('/api/v1/tokens', { auth: basic(me.username, 'a-brand-new-password') })
    expect(newToken.status).toBe(201)
    expect((await server.api.get('/api/v1/users/me', { auth: { bearer: newToken.body.token } })).status).toBe(200)
  })

  it('changes the password with application/json, sent with a Bearer token', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<User>('/api/v1/users/me', { auth: me.bearer, json: { password: 'json-new-password' } })
    expect(res.status).toBe(200)
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(401)
    expect((await server.api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(401)
    expect((await server.api.get('/api/v1/users/me', { auth: basic(me.username, 'json-new-password') })).status).toBe(200)
  })

  it('422 for a short password or a bad email, one entry each', async () => {
    const me = await signUp(server.api)
    const res = await server.api.patch<Problem>('/api/v1/users/me', {
      auth: me.bearer,
      json: { email: 'not-an-email', password: 'short' },
      contentType: merge,
    })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointers(res)).toEqual(['/email', '/password'])
    // Nothing changed: the password and the token still work.
    expect((await server.api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(200)
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(200)
  })

  it.each([
    ['username', 'new-name'],
    ['id', 1],
    ['is_admin', true],
    ['created_at', '2020-01-01T00:00:00.000Z'],
  ])('422 for a field that is not writable: %s', async (field, value) => {
    const me = await signUp(server.api)
    const res = await server.api.patch<Problem>('/api/v1/users/me', { auth: me.bearer, json: { [field]: value }, contentType: merge })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(pointers(res)).toEqual([`/${field}`])
    const unchanged = await server.api.get<User>('/api/v1/users/me', { auth: me.bearer })
    expect(unchanged.body).toMatchObject({ id: me.id, username: me.username })
  })
})

describe('DELETE /api/v1/users/me', () => {
  it('204 with an empty body; the credentials stop working; the tasks and tokens are gone; the name is free again', async () => {
    const me = await signUp(server.api)
    const bystander = await signUp(server.api)
    for (const title of ['Buy groceries', 'Learn Python']) {
      const created = await server.api.post<Task>('/api/v1/tasks', { auth: me.bearer, json: { title } })
      expect(created.status).toBe(201)
    }
    const theirs = await server.api.post<Task>('/api/v1/tasks', { auth: bystander.bearer, json: { title: 'Not yours' } })
    expect(theirs.status).toBe(201)
    expect(await server.db.selectFrom('tasks').selectAll().where('user_id', '=', me.id).execute()).toHaveLength(2)

    const res = await server.api.delete('/api/v1/users/me', { auth: me.bearer })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')

    const withBasic = await server.api.get<Problem>('/api/v1/users/me', { auth: me.basic })
    expectProblem(withBasic, 401, 'UNAUTHORIZED')
    const withBearer = await server.api.get<Problem>('/api/v1/users/me', { auth: me.bearer })
    expectProblem(withBearer, 401, 'UNAUTHORIZED')

    expect(await server.db.selectFrom('tasks').selectAll().where('user_id', '=', me.id).execute()).toEqual([])
    expect(await server.db.selectFrom('tokens').selectAll().where('user_id', '=', me.id).execute()).toEqual([])
    expect(await server.db.selectFrom('users').selectAll().where('id', '=', me.id).execute()).toEqual([])

    // Someone else's data is untouched.
    const kept = await server.api.get<Task>(`/api/v1/tasks/${theirs.body.id}`, { auth: bystander.bearer })
    expect(kept.status).toBe(200)

    const again = await server.api.post<User>('/api/v1/users', {
      json: { username: me.username, email: me.email, password: 'a-different-password' },
    })
    expect(again.status).toBe(201)
    expect(again.body).toMatchObject({ username: me.username, email: me.email })
    expect(again.body.id).not.toBe(me.id)
    const newMe = await server.api.get<User>('/api/v1/users/me', { auth: basic(me.username, 'a-different-password') })
    expect(newMe.status).toBe(200)
    expect(newMe.body.id).toBe(again.body.id)
    // The old token does not come back to life for the new account.
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(401)
    const tasks = await server.api.get<TaskList>('/api/v1/tasks', { auth: basic(me.username, 'a-different-password') })
    expect(tasks.status).toBe(200)
    expect(tasks.body.data).toEqual([])
  })

  it('takes the goal tree, however deep, and the incomes and expenses with it', async () => {
    const me = await signUp(server.api)
    let parentId: number | null = null
    for (const name of ['Run a marathon', 'Run a half marathon', 'Run 10 km']) {
      const goal: ApiResponse<Goal> = await server.api.post<Goal>('/api/v1/goals', { auth: me.bearer, json: { name, parent_id: parentId } })
      expect(goal.status).toBe(201)
      parentId = goal.body.id
    }
    expect((await server.api.post('/api/v1/incomes', { auth: me.bearer, json: { description: 'Salary', amount: 5000 } })).status).toBe(201)
    expect((await server.api.post('/api/v1/expenses', { auth: me.bearer, json: { description: 'Shoes', amount: 120 } })).status).toBe(201)

    const res = await server.api.delete('/api/v1/users/me', { auth: me.bearer })
    expect(res.status).toBe(204)
    expect(await server.db.selectFrom('goals').selectAll().where('user_id', '=', me.id).execute()).toEqual([])
    expect(await server.db.selectFrom('transactions').selectAll().where('user_id', '=', me.id).execute()).toEqual([])
  })

  it('works with Basic credentials too', async () => {
    const me = await signUp(server.api)
    const res = await server.api.delete('/api/v1/users/me', { auth: me.basic })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')
    expect((await server.api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(401)
  })
})

describe('GET /api/v1/users/{userId}', () => {
  it('your own id: 200, the same as /users/me', async () => {
    const me = await signUp(server.api)
    const mine = await server.api.get<User>('/api/v1/users/me', { auth: me.bearer })
    const res = await server.api.get<User>(`/api/v1/users/${me.id}`, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(mine.body)
    await expectNoPasswordIn(res, me.id)

    // The uri is where the user lives.
    const viaUri = await server.api.get<User>(mine.body.uri, { auth: me.basic })
    expect(viaUri.status).toBe(200)
    expect(viaUri.body).toEqual(mine.body)
  })

  it("another user's id: 404 NOT_FOUND, never 403", async () => {
    const me = await signUp(server.api)
    const other = await signUp(server.api)
    const res = await server.api.get<Problem>(`/api/v1/users/${other.id}`, { auth: me.bearer })
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ status: 404, code: 'NOT_FOUND', type: '/problems/not-found' })
    expect(res.text).not.toContain(other.username)
    expect(res.text).not.toContain(other.email)
  })
})
