/**
 * `Idempotency-Key` on creates, as a client retrying over a flaky network sees it: the
 * first request runs, a retry with the same key and body gets the very same response back
 * (`Idempotent-Replayed: true`) and creates nothing, the same key with another request is
 * `422 IDEMPOTENCY_KEY_REUSED`. Keys are per user, kept 24 hours, and racing retries wait
 * for the first. Every operation the spec gives the header is exercised. Token creation
 * takes none (its secret would have to be stored to be replayed) and ignores it.
 */
import { describe, expect, it } from 'vitest'
import { expectProblem, parametersOf } from '../support/expect.js'
import { type Problem, signUp, type Token, useTestServer } from '../support/server.js'
import { type Created, createOf, expectCreated, expectReplayOf, idempotencyRequests, newKey, OPERATIONS, post } from './idempotency-requests.js'

const server = useTestServer()

const { rowsOf, storedKeys } = idempotencyRequests(() => server)

describe('which operations take Idempotency-Key', () => {
  it('the spec gives it to exactly the creates this file covers: the authenticated ones and createUser, not createToken', () => {
    const contract = server.api.contract
    const paths = contract.document.paths as Record<string, { parameters?: unknown[] }>
    const takers = contract.operations().filter(({ path, operation }) => {
      const parameters = [...(paths[path]?.parameters ?? []), ...((operation.parameters as unknown[] | undefined) ?? [])]
      return parameters.some((parameter) => {
        const resolved = contract.resolve(parameter as Parameters<typeof contract.resolve>[0])
        return resolved?.in === 'header' && String(resolved.name).toLowerCase() === 'idempotency-key'
      })
    })
    expect(takers.map((op) => op.operationId).sort()).toEqual([...OPERATIONS, 'createUser'].sort())
    for (const op of takers) {
      expect(op.method).toBe('POST')
      if (op.operationId === 'createUser') {
        expect(op.path).toBe('/api/v1/users')
        expect(op.operation.security).toEqual([])
      } else {
        expect(op.path).toBe(createOf(op.operationId).path)
        // Signed in: the key belongs to the user who sends it.
        expect(op.operation.security).toBeUndefined()
      }
    }
    expect(takers.map((op) => op.operationId)).not.toContain('createToken')
  })

  it('the key parameter is 1 to 255 visible ASCII characters, and replays are declared on every 201', () => {
    const contract = server.api.contract
    const parameter = contract.resolve({ $ref: '#/components/parameters/IdempotencyKey' })
    expect(parameter).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false })
    expect(parameter?.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 255 })
    for (const operationId of [...OPERATIONS, 'createUser']) {
      const op = contract.operations().find((o) => o.operationId === operationId)
      const responses = op?.operation.responses as Record<string, Parameters<typeof contract.resolve>[0]> | undefined
      const created = contract.resolve(responses?.['201'])
      expect(Object.keys((created?.headers ?? {}) as object), operationId).toContain('Idempotent-Replayed')
      expect(Object.keys((responses ?? {}) as object), operationId).toContain('422')
    }
  })
})

describe.each(OPERATIONS)('%s with an Idempotency-Key', (operationId) => {
  const { path, body, other, invalid, table } = createOf(operationId)

  it('same key, same body -> the original 201 again (same resource, same Location, Idempotent-Replayed: true), one row', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)

    const second = await post(server.api, me, path, body, key)
    expectReplayOf(second, first)
    const third = await post(server.api, me, path, body, key)
    expectReplayOf(third, first)

    expect(await rowsOf(table, me)).toBe(1)
    expect(await storedKeys(me)).toEqual([key])
    // The resource is the one the first request made.
    const read = await server.api.get<Created>(first.body.uri, { auth: me.bearer })
    expect(read.status).toBe(200)
    expect(read.body.id).toBe(first.body.id)
  })

  it('same key, same body with its members in another order -> the same request, replayed', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(body))

    const retry = await post(server.api, me, path, reordered, key)
    expectReplayOf(retry, first)
    expect(await rowsOf(table, me)).toBe(1)
  })

  it('same key, a different body -> 422 IDEMPOTENCY_KEY_REUSED naming the header, nothing created', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)

    const res = await post(server.api, me, path, other, key)
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
    expect(res.body.type).toBe('/problems/idempotency-key-reused')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    expect(res.headers.get('location')).toBeNull()
    expect(await rowsOf(table, me)).toBe(1)

    // The key still stands for the first request.
    expectReplayOf(await post(server.api, me, path, body, key), first)
    // Without a key, the other body is simply created.
    expectCreated(await post(server.api, me, path, other))
    expect(await rowsOf(table, me)).toBe(2)
  })

  it('a key first used on another operation -> 422 IDEMPOTENCY_KEY_REUSED, nothing created', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const elsewhere = operationId === 'createTask' ? createOf('createGoal') : createOf('createTask')
    expectCreated(await post(server.api, me, elsewhere.path, elsewhere.body, key))

    const res = await post(server.api, me, path, body, key)
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED')
    expect(await rowsOf(table, me)).toBe(0)
  })

  it('the same key from another user is theirs: a new resource for them, and the first user still gets theirs back', async () => {
    const me = await signUp(server.api)
    const them = await signUp(server.api)
    const key = newKey('shared')
    const mine = await post(server.api, me, path, body, key)
    expectCreated(mine)

    const theirs = await post(server.api, them, path, body, key)
    expectCreated(theirs)
    expect(theirs.body.id).not.toBe(mine.body.id)
    expect(theirs.headers.get('location')).not.toBe(mine.headers.get('location'))
    // Another body under the same key is no conflict either: the key is not theirs yet.
    const stranger = await signUp(server.api)
    expectCreated(await post(server.api, stranger, path, other, key))

    expectReplayOf(await post(server.api, me, path, body, key), mine)
    expectReplayOf(await post(server.api, them, path, body, key), theirs)
    expect(await rowsOf(table, me)).toBe(1)
    expect(await rowsOf(table, them)).toBe(1)
    expect(await rowsOf(table, stranger)).toBe(1)
  })

  it('a first request that failed (422) is not remembered: the same key with a valid body creates, then replays', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const failed = await post(server.api, me, path, invalid, key)
    expectProblem(failed, 422, 'VALIDATION_ERROR')
    expect(await storedKeys(me)).toEqual([])

    // Retrying the failure is the same failure, not a replay.
    const again = await post(server.api, me, path, invalid, key)
    expectProblem(again, 422, 'VALIDATION_ERROR')
    expect(again.headers.get('idempotent-replayed')).toBeNull()

    const created = await post(server.api, me, path, body, key)
    expectCreated(created)
    expectReplayOf(await post(server.api, me, path, body, key), created)
    expect(await rowsOf(table, me)).toBe(1)
  })

  it('keys are kept 24 hours: a day-old key still replays; past 24 hours it is forgotten and the same request creates anew', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)
    const age = async (ms: number) => {
      const created_at = new Date(Date.now() - ms).toISOString()
      await server.db.updateTable('idempotency_keys').set({ created_at }).where('user_id', '=', me.id).where('key', '=', key).execute()
    }

    await age(24 * 3600_000 - 60_000)
    expectReplayOf(await post(server.api, me, path, body, key), first)
    expect(await rowsOf(table, me)).toBe(1)

    // (Deleted first, so that a goal's name is free again.)
    expect((await server.api.delete(first.body.uri, { auth: me.bearer })).status).toBe(204)
    await age(24 * 3600_000 + 60_000)
    const fresh = await post(server.api, me, path, body, key)
    expectCreated(fresh)
    expect(fresh.body.id).not.toBe(first.body.id)
    expect(await rowsOf(table, me)).toBe(1)
    expect((await server.api.get(fresh.body.uri, { auth: me.bearer })).status).toBe(200)
    // The key now stands for the new resource, for another 24 hours.
    expectReplayOf(await post(server.api, me, path, body, key), fresh)
    expect(await storedKeys(me)).toEqual([key])
  })

  it('an expired key may be used with a different body', async () => {
    const me = await signUp(server.api)
    const key = newKey()
    expectCreated(await post(server.api, me, path, body, key))
    const created_at = new Date(Date.now() - 25 * 3600_000).toISOString()
    await server.db.updateTable('idempotency_keys').set({ created_at }).where('user_id', '=', me.id).execute()

    expectCreated(await post(server.api, me, path, other, key))
    expect(await rowsOf(table, me)).toBe(2)
  })

  it('10 concurrent requests with one key -> ten identical 201s, one resource', async () => {
    const me = await signUp(server.api)
    const key = newKey('race')
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(server.api, me, path, body, key)))

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201))
    expect(new Set(responses.map((r) => r.text)).size).toBe(1)
    expect(new Set(responses.map((r) => r.headers.get('location'))).size).toBe(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9)
    expect(await rowsOf(table, me)).toBe(1)
  })
})

describe('racing with different bodies under one key', () => {
  it('5 + 5 concurrent requests with two bodies -> one resource; its body gets 201s, the other 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const me = await signUp(server.api)
    const key = newKey('race')
    const { path, body, other } = createOf('createTask')
    const sent = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? body : other))
    const responses = await Promise.all(sent.map((json) => post(server.api, me, path, json, key)))

    const winners = responses.filter((r) => r.status === 201)
    const losers = responses.filter((r) => r.status !== 201)
    expect(winners).toHaveLength(5)
    expect(new Set(winners.map((r) => r.text)).size).toBe(1)
    for (const loser of losers) expectProblem(loser, 422, 'IDEMPOTENCY_KEY_REUSED')
    // All the winners sent the same body.
    expect(new Set(responses.flatMap((r, i) => (r.status === 201 ? [JSON.stringify(sent[i])] : []))).size).toBe(1)
    expect(await rowsOf('tasks', me)).toBe(1)
  })
})

describe('invalid keys', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['with a space', 'my key'],
    ['with a non-ASCII letter', 'clé'],
  ])('Idempotency-Key %s -> 400 BAD_REQUEST naming Idempotency-Key, nothing created', async (_label, key) => {
    const me = await signUp(server.api)
    const { path, body } = createOf('createTask')
    const res = await post(server.api, me, path, body, key)
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['Idempotency-Key'])
    expect(await rowsOf('tasks', me)).toBe(0)
    expect(await storedKeys(me)).toEqual([])
  })

  it('255 visible ASCII characters is a valid key', async () => {
    const me = await signUp(server.api)
    const { path, body } = createOf('createTask')
    const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('')
    const key = visible.repeat(3).slice(0, 255)
    expect(key).toHaveLength(255)
    const first = await post(server.api, me, path, body, key)
    expectCreated(first)
    expectReplayOf(await post(server.api, me, path, body, key), first)
    expect(await storedKeys(me)).toEqual([key])
  })

  it('without credentials the key changes nothing: 401, and nothing is stored', async () => {
    const { path, body } = createOf('createTask')
    const key = newKey('anonymous')
    const res = await server.api.post<Problem>(path, { json: body, headers: { 'Idempotency-Key': key } })
    expectProblem(res, 401, 'UNAUTHORIZED')
    const stored = await server.db.selectFrom('idempotency_keys').select('key').where('key', '=', key).execute()
    expect(stored).toEqual([])
  })
})

describe('a create that takes no Idempotency-Key ignores it', () => {
  it('POST /api/v1/tokens twice with one key -> two different tokens, neither a replay, both working', async () => {
    const me = await signUp(server.api)
    const key = newKey('token')
    const first = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic, headers: { 'Idempotency-Key': key } })
    const second = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic, headers: { 'Idempotency-Key': key } })
    expect([first.status, second.status]).toEqual([201, 201])
    expect(first.body.token).not.toBe(second.body.token)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(second.headers.get('idempotent-replayed')).toBeNull()
    for (const token of [first.body.token, second.body.token]) {
      expect((await server.api.get('/api/v1/users/me', { auth: { bearer: token } })).status).toBe(200)
    }
    // Token secrets are never stored, not even in the idempotency store.
    expect(await storedKeys(me)).toEqual([])
    const stored = await server.db.selectFrom('idempotency_keys').select('body').execute()
    expect(stored.some((row) => row.body.includes(first.body.token) || row.body.includes(second.body.token))).toBe(false)
  })
})
