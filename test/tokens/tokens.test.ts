import { describe, expect, it } from 'vitest'
import { expectProblem } from '../support/expect.js'
import { manualClock } from '../support/manual-clock.js'
import { type Problem, signUp, startTestServer, type Token, type User, useTestServer } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

const server = useTestServer()

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('POST /api/v1/tokens', () => {
  it('with Basic: 201 {token, expires_at}, Cache-Control: no-store, expiring tokenTtlSeconds from now', async () => {
    const me = await signUp(server.api)
    const before = Date.now()
    const res = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    const after = Date.now()
    expect(res.status).toBe(201)
    expect(res.body).toEqual({ token: expect.any(String), expires_at: expect.stringMatching(TIMESTAMP) })
    expect(res.body.token.length).toBeGreaterThanOrEqual(32)
    expect(res.headers.get('cache-control')).toBe('no-store')

    const ttl = server.config.tokenTtlSeconds * 1000
    const expiresAt = Date.parse(res.body.expires_at)
    expect(expiresAt).toBeGreaterThanOrEqual(before + ttl - 1000)
    expect(expiresAt).toBeLessThanOrEqual(after + ttl + 1000)
  })

  it('the token works as a Bearer token', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(res.status).toBe(201)
    const mine = await server.api.get<User>('/api/v1/users/me', { auth: { bearer: res.body.token } })
    expect(mine.status).toBe(200)
    expect(mine.body).toMatchObject({ id: me.id, username: me.username })
  })

  it('each token is new', async () => {
    const me = await signUp(server.api)
    const a = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    const b = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(a.body.token).not.toBe(b.body.token)
    expect(a.body.token).not.toBe(me.token)
  })

  it('the database keeps only a hash of the token', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(res.status).toBe(201)
    const rows = await server.db.selectFrom('tokens').selectAll().where('user_id', '=', me.id).execute()
    expect(rows).toHaveLength(2)
    for (const row of rows) {
      for (const secret of [res.body.token, me.token]) {
        expect(row.token_hash).not.toBe(secret)
        expect(row.token_hash).not.toContain(secret)
        expect(JSON.stringify(row)).not.toContain(secret)
      }
    }
    const expiries = rows.map((row) => row.expires_at)
    expect(expiries).toContain(res.body.expires_at)
  })

  it('401 with a Bearer token: tokens are issued for a password only', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Problem>('/api/v1/tokens', { auth: me.bearer })
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED', type: '/problems/unauthorized' })
    expect(res.headers.get('www-authenticate')).toMatch(/\bBasic\b/)
    expect(await server.db.selectFrom('tokens').select('id').where('user_id', '=', me.id).execute()).toHaveLength(1)
  })

  it('401 with a wrong password', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Problem>('/api/v1/tokens', { auth: { basic: [me.username, 'not-the-password'] } })
    expectProblem(res, 401, 'UNAUTHORIZED')
    // Like every problem, it must not be stored; it carries no token.
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('401 without credentials', async () => {
    const res = await server.api.post<Problem>('/api/v1/tokens')
    expectProblem(res, 401, 'UNAUTHORIZED')
  })
})

describe('DELETE /api/v1/tokens/current', () => {
  it('with the Bearer token: 204, then that token is 401 while another token of the same user works', async () => {
    const me = await signUp(server.api)
    const other = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(other.status).toBe(201)

    const res = await server.api.delete('/api/v1/tokens/current', { auth: me.bearer })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')

    const revoked = await server.api.get<Problem>('/api/v1/users/me', { auth: me.bearer })
    expectProblem(revoked, 401, 'UNAUTHORIZED')

    const still = await server.api.get<User>('/api/v1/users/me', { auth: { bearer: other.body.token } })
    expect(still.status).toBe(200)
    expect(still.body.id).toBe(me.id)
    expect((await server.api.get('/api/v1/users/me', { auth: me.basic })).status).toBe(200)

    // Revoking it again: it is no longer a credential.
    const twice = await server.api.delete<Problem>('/api/v1/tokens/current', { auth: me.bearer })
    expectProblem(twice, 401, 'UNAUTHORIZED')
  })

  it("revoking your token leaves other users' tokens alone", async () => {
    const me = await signUp(server.api)
    const other = await signUp(server.api)
    expect((await server.api.delete('/api/v1/tokens/current', { auth: me.bearer })).status).toBe(204)
    expect((await server.api.get('/api/v1/users/me', { auth: other.bearer })).status).toBe(200)
  })

  it('401 with Basic credentials: it revokes a bearer token only', async () => {
    const me = await signUp(server.api)
    const res = await server.api.delete<Problem>('/api/v1/tokens/current', { auth: me.basic })
    expectProblem(res, 401, 'UNAUTHORIZED')
    expect(res.headers.get('www-authenticate')).toMatch(/\bBearer\b/)
    // Nothing was revoked.
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(200)
  })

  it('401 without credentials', async () => {
    const res = await server.api.delete<Problem>('/api/v1/tokens/current')
    expectProblem(res, 401, 'UNAUTHORIZED')
  })
})

describe('expiry', () => {
  it('an expired token is 401; a new one can be issued', async () => {
    const me = await signUp(server.api)
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(200)

    await server.db
      .updateTable('tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('user_id', '=', me.id)
      .execute()

    const expired = await server.api.get<Problem>('/api/v1/users/me', { auth: me.bearer })
    expectProblem(expired, 401, 'UNAUTHORIZED')
    expect(expired.headers.get('www-authenticate')).toMatch(/\bBearer\b/)

    const revoke = await server.api.delete<Problem>('/api/v1/tokens/current', { auth: me.bearer })
    expect(revoke.status).toBe(401)

    const fresh = await server.api.post<Token>('/api/v1/tokens', { auth: me.basic })
    expect(fresh.status).toBe(201)
    expect((await server.api.get('/api/v1/users/me', { auth: { bearer: fresh.body.token } })).status).toBe(200)
  })

  it('a token is still good just before it expires', async () => {
    const me = await signUp(server.api)
    await server.db
      .updateTable('tokens')
      .set({ expires_at: new Date(Date.now() + 60_000).toISOString() })
      .where('user_id', '=', me.id)
      .execute()
    expect((await server.api.get('/api/v1/users/me', { auth: me.bearer })).status).toBe(200)
  })

  it("runs by the server's clock: issued at its time, good until 1 ms before tokenTtlSeconds have passed on it, 401 from then on", STARTS_A_SERVER, async () => {
    const clock = manualClock('2026-11-21T10:00:00.000Z')
    const clocked = await startTestServer({ tokenTtlSeconds: 60 }, { clock: clock.now })
    try {
      const me = await signUp(clocked.api, 'clocked')
      const token = await clocked.api.post<Token>('/api/v1/tokens', { auth: me.basic })
      expect(token.status).toBe(201)
      expect(token.body.expires_at).toBe('2026-11-21T10:01:00.000Z')
      const user = await clocked.api.get<User>('/api/v1/users/me', { auth: me.bearer })
      expect(user.body.created_at).toBe('2026-11-21T10:00:00.000Z')

      clock.advance(59_999)
      expect((await clocked.api.get('/api/v1/users/me', { auth: { bearer: token.body.token } })).status).toBe(200)
      clock.advance(1)
      expectProblem(await clocked.api.get<Problem>('/api/v1/users/me', { auth: { bearer: token.body.token } }), 401, 'UNAUTHORIZED')
    } finally {
      await clocked.close()
    }
  })
})
