/**
 * `Idempotency-Key` on registration (POST /api/v1/users): with no one signed in, its key
 * belongs to the account it names, and a retry proves itself with the password, which is
 * never stored with the key, and is counted as a login is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, parametersOf, pointersOf } from '../support/expect.js'
import { manualClock } from '../support/manual-clock.js'
import { type Problem, signUp, startTestServer, type TestServer, type User, useTestServer } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'
import { type Created, createOf, expectCreated, expectReplayOf, idempotencyRequests, newKey, post, registration } from './idempotency-requests.js'

const server = useTestServer()

const { register, registeredUnderKey, accountsNamed } = idempotencyRequests(() => server)

describe('registration (POST /api/v1/users) with an Idempotency-Key', () => {
  it('same key, same body -> the original 201 again (same account, same Location, Idempotent-Replayed: true), one account', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)

    expectReplayOf(await register(json, key), first)
    expectReplayOf(await register(json, key), first)
    expect(await accountsNamed(json.username)).toBe(1)

    // The key is kept under the account it made, and the password is nowhere in it.
    const stored = await server.db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', first.body.id).execute()
    expect(stored.map((row) => row.key)).toEqual([key])
    expect(JSON.stringify(stored)).not.toContain(json.password)
    expect(JSON.stringify(stored)).not.toContain('scrypt$')
    // And it is the account the retries were told about: the password signs in.
    const me = await server.api.get<User>('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })
    expect(me.status).toBe(200)
    expect(me.body.id).toBe(first.body.id)
  })

  it('without a key, the same retry is 409 CONFLICT: it cannot tell your account from someone else’s', async () => {
    const json = registration()
    expectCreated(await register(json))
    const retry = await register(json)
    expectProblem(retry, 409, 'CONFLICT')
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
  })

  it('a form-encoded retry of a JSON registration, in another member order, is the same request: replayed', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    const retry = await server.api.post<Created & Problem>('/api/v1/users', {
      form: { password: json.password, email: json.email, username: json.username },
      headers: { 'Idempotency-Key': key },
    })
    expectReplayOf(retry, first)
  })

  it.each([
    // Not a retry: its password is not even checked, so it costs the owner no lock-out point.
    ['another email address (no password check)', { email: 'someone-else@example.com' }, ['/username']],
    // A retry, but not the owner's.
    ['the same email address and another password', { password: 'not-the-first-password' }, ['/email', '/username']],
  ])('same key and username, %s -> exactly the 409 CONFLICT of a request without the key', async (_label, change, pointers) => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)

    const res = await register({ ...json, ...change }, key)
    const unkeyed = await register({ ...json, ...change })
    expectProblem(res, 409, 'CONFLICT')
    expect(res.body).toEqual(unkeyed.body)
    expect(pointersOf(res.body)).toEqual(pointers)
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    expect(await accountsNamed(json.username)).toBe(1)
    // The key still stands for the first request.
    expectReplayOf(await register(json, key), first)
  })

  it('the right password under the key after the account changed its email address -> 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const json = registration()
    const key = newKey('register')
    expectCreated(await register(json, key))
    const email = `changed-${json.email}`
    const changed = await server.api.patch('/api/v1/users/me', { auth: { basic: [json.username, json.password] }, json: { email } })
    expect(changed.status).toBe(200)

    // The username and the new address are one account's, the password is right, but the
    // key stands for a registration with the old address.
    const res = await register({ ...json, email }, key)
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    // The original request is no longer one account's username and address: a taken name.
    expectProblem(await register(json, key), 409, 'CONFLICT')
  })

  it('the email address in another case is the same address: replayed', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    expectReplayOf(await register({ ...json, email: json.email.toUpperCase() }, key), first)
  })

  it('a key the account used for a task is not a registration key: its owner gets 409 CONFLICT, not 422 or a replay', async () => {
    const owner = await signUp(server.api)
    const key = newKey('task')
    expectCreated(await post(server.api, owner, createOf('createTask').path, createOf('createTask').body, key))
    const json = { username: owner.username, email: owner.email, password: owner.password }

    const unkeyed = await register(json)
    expectProblem(unkeyed, 409, 'CONFLICT')
    for (const password of [owner.password, 'a-wrong-guess']) {
      const res = await register({ ...json, password }, key)
      expectProblem(res, 409, 'CONFLICT')
      expect(res.body).toEqual(unkeyed.body)
    }
  })

  it('the key belongs to the new account: using it for one of its creates within 24 hours is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const json = registration()
    const key = newKey('register')
    expectCreated(await register(json, key))
    const res = await server.api.post<Problem>('/api/v1/tasks', {
      auth: { basic: [json.username, json.password] },
      json: { title: 'First task' },
      headers: { 'Idempotency-Key': key },
    })
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
  })

  it('a deleted account takes its keys with it: the retry registers a new account', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    expect((await server.api.delete('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })).status).toBe(204)

    const again = await register(json, key)
    expectCreated(again)
    expect(again.body.id).not.toBe(first.body.id)
  })

  it('the same key naming another username is that account’s key: a second registration, then each replays its own', async () => {
    const one = registration()
    const two = registration()
    const key = newKey('shared')
    const first = await register(one, key)
    const second = await register(two, key)
    expectCreated(first)
    expectCreated(second)
    expect(second.body.id).not.toBe(first.body.id)

    expectReplayOf(await register(one, key), first)
    expectReplayOf(await register(two, key), second)
  })

  it('a username someone registered without this key -> 409 CONFLICT, key or not', async () => {
    const json = registration()
    expectCreated(await register(json))
    const res = await register({ ...json, email: `other-${json.email}` }, newKey('register'))
    expectProblem(res, 409, 'CONFLICT')
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    expect(await accountsNamed(json.username)).toBe(1)
  })

  it('a first registration that failed (422) is not remembered: the same key with a valid body registers, then replays', async () => {
    const json = registration()
    const key = newKey('register')
    expectProblem(await register({ ...json, password: 'short' }, key), 422, 'VALIDATION_ERROR')
    expect(await accountsNamed(json.username)).toBe(0)

    const created = await register(json, key)
    expectCreated(created)
    expectReplayOf(await register(json, key), created)
  })

  it('past 24 hours the key is forgotten: the retry is then 409 CONFLICT, the username being taken', async () => {
    const json = registration()
    const key = newKey('register')
    const first = await register(json, key)
    expectCreated(first)
    const created_at = new Date(Date.now() - 25 * 3600_000).toISOString()
    await server.db.updateTable('idempotency_keys').set({ created_at }).where('user_id', '=', first.body.id).execute()

    expectProblem(await register(json, key), 409, 'CONFLICT')
  })

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['with a space', 'my key'],
  ])('Idempotency-Key %s -> 400 BAD_REQUEST naming Idempotency-Key, no account', async (_label, key) => {
    const json = registration()
    const res = await register(json, key)
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    expect(await accountsNamed(json.username)).toBe(0)
  })

  // Each retry's password check is a login attempt, and twice the lock-out's 5 racing at
  // once would be refused if each counted: identical checks in flight count once.
  it('10 concurrent registrations with one key -> ten identical 201s, one account', async () => {
    const json = registration('race')
    const key = newKey('race')
    const responses = await Promise.all(Array.from({ length: 10 }, () => register(json, key)))

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201))
    expect(new Set(responses.map((r) => r.text)).size).toBe(1)
    expect(new Set(responses.map((r) => r.headers.get('location'))).size).toBe(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    expect(await accountsNamed(json.username)).toBe(1)
  })
})

describe('registration retries check the password as a login does', () => {
  let throttled: TestServer
  beforeAll(async () => {
    throttled = await startTestServer({ loginMaxFailures: 3, loginWindowSeconds: 600 })
  })
  afterAll(() => throttled?.close())

  it('3 wrong passwords under the key -> 409s, then 429 with Retry-After even with the right one; Basic logins are locked out too', async () => {
    const { json, key } = await registeredUnderKey('guessed', throttled.api)

    for (let guess = 0; guess < 3; guess++) {
      const res = await register({ ...json, password: `wrong-guess-${guess}` }, key, throttled.api)
      expectProblem(res, 409, 'CONFLICT')
    }
    const locked = await register(json, key, throttled.api)
    expectProblem(locked, 429, 'TOO_MANY_REQUESTS')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(locked.headers.get('idempotent-replayed')).toBeNull()

    const login = await throttled.api.get<Problem>('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })
    expectProblem(login, 429, 'TOO_MANY_REQUESTS')
  })

  it('strangers who pick a taken username under keys of their own get 409s and cost its owner nothing', async () => {
    const { json, key, first } = await registeredUnderKey('popular', throttled.api)

    for (let stranger = 0; stranger < 6; stranger++) {
      const res = await throttled.api.post<Problem>('/api/v1/users', {
        json: { username: 'popular', email: `stranger${stranger}@example.com`, password: `stranger-${stranger}-password` },
        headers: { 'Idempotency-Key': newKey('stranger') },
      })
      expectProblem(res, 409, 'CONFLICT')
    }
    expect((await throttled.api.get('/api/v1/users/me', { auth: { basic: [json.username, json.password] } })).status).toBe(200)
    expectReplayOf(await register(json, key, throttled.api), first)
  })

  it('the right password resets the count, as a good login does', async () => {
    const { json, key, first } = await registeredUnderKey('forgetful', throttled.api)
    for (let round = 0; round < 3; round++) {
      for (let guess = 0; guess < 2; guess++) {
        const res = await register({ ...json, password: `wrong-guess-${guess}` }, key, throttled.api)
        expectProblem(res, 409, 'CONFLICT')
      }
      expectReplayOf(await register(json, key, throttled.api), first)
    }
  })
})

describe('registration retries after a lock-out', () => {
  it('once the window has passed, the right password replays again', STARTS_A_SERVER, async () => {
    const clock = manualClock()
    const brief = await startTestServer({ loginMaxFailures: 1, loginWindowSeconds: 1 }, { clock: clock.now })
    try {
      const { json, key, first } = await registeredUnderKey('patient', brief.api)
      const wrong = await register({ ...json, password: 'a-wrong-guess' }, key, brief.api)
      expectProblem(wrong, 409, 'CONFLICT')
      const locked = await register(json, key, brief.api)
      expectProblem(locked, 429, 'TOO_MANY_REQUESTS')
      expect(locked.headers.get('retry-after')).toBe('1')

      // The lock-out's window (1 s, on the server's clock) has passed.
      clock.advance(1000)
      expectReplayOf(await register(json, key, brief.api), first)
    } finally {
      await brief.close()
    }
  })
})
