/**
 * The credential checks themselves, without HTTP: a login by username and password under
 * the throttle, and a bearer token by its hash, both by the service's clock. On this run's
 * database (SQLite, or PostgreSQL with `TEST_DATABASE=postgres`), built by the service's
 * own createDeps. test/http/auth.test.ts covers what a client sees (401, 429, challenges).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyBearer, verifyLogin } from '../../src/auth/auth.service.js'
import { defaultConfig } from '../../src/config.js'
import { createDeps } from '../../src/create-deps.js'
import type { AppDeps } from '../../src/deps.js'
import { TooManyRequestsError } from '../../src/errors.js'
import { issueToken } from '../../src/tokens/tokens.service.js'
import { registerUser } from '../../src/users/users.service.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { type ManualClock, manualClock } from '../support/manual-clock.js'

const MAX_FAILURES = 2
const WINDOW_SECONDS = 60

let database: TestDatabase
let deps: AppDeps
let clock: ManualClock

beforeAll(async () => {
  database = await createTestDatabase()
  clock = manualClock('2026-11-21T10:00:00.000Z')
  const config = {
    ...defaultConfig,
    databaseUrl: database.url,
    scryptCost: 1024,
    logLevel: 'silent' as const,
    loginMaxFailures: MAX_FAILURES,
    loginWindowSeconds: WINDOW_SECONDS,
  }
  deps = await createDeps(config, { requestWaits: { waitOf: () => 0 }, clock: clock.now })
})

afterAll(async () => {
  await deps?.db.destroy()
  await database?.drop()
})

let userCounter = 0

async function registered(): Promise<{ id: number; username: string; password: string }> {
  const username = `auth-unit-${++userCounter}`
  const password = `${username}-password`
  const row = await registerUser(deps.db, deps.clock, { username, email: `${username}@example.com`, password }, deps.config.scryptCost)
  return { id: row.id, username, password }
}

describe('verifyLogin', () => {
  it('the right password gives the principal, with no token', async () => {
    const user = await registered()
    expect(await verifyLogin(deps, user, '192.0.2.1')).toEqual({ userId: user.id, username: user.username, tokenId: null })
  })

  it('a wrong password, or an unknown username, gives nothing', async () => {
    const user = await registered()
    expect(await verifyLogin(deps, { username: user.username, password: 'not-it' }, '192.0.2.2')).toBeUndefined()
    expect(await verifyLogin(deps, { username: 'nobody-by-this-name', password: user.password }, '192.0.2.2')).toBeUndefined()
  })

  it(`after ${MAX_FAILURES} failures the username is locked out (even with the right password) until the window has passed on the clock`, async () => {
    const user = await registered()
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(await verifyLogin(deps, { username: user.username, password: `guess-${i}` }, '192.0.2.3')).toBeUndefined()
    }
    await expect(verifyLogin(deps, user, '192.0.2.3')).rejects.toBeInstanceOf(TooManyRequestsError)
    clock.advance(WINDOW_SECONDS * 1000)
    expect(await verifyLogin(deps, user, '192.0.2.3')).toEqual({ userId: user.id, username: user.username, tokenId: null })
  })
})

describe('verifyBearer', () => {
  it("gives the token's principal until it expires on the clock, then nothing", async () => {
    const user = await registered()
    const token = await issueToken(deps.db, deps.clock, user.id, 60)
    const principal = await verifyBearer(deps, token.secret)
    expect(principal).toEqual({ userId: user.id, username: user.username, tokenId: expect.any(Number) })

    clock.advance(59_999)
    expect(await verifyBearer(deps, token.secret)).toEqual(principal)
    clock.advance(1)
    expect(await verifyBearer(deps, token.secret)).toBeUndefined()
  })

  it('an unknown secret, or the hash the database keeps instead of the secret, gives nothing', async () => {
    const user = await registered()
    await issueToken(deps.db, deps.clock, user.id, 60)
    expect(await verifyBearer(deps, 'not-a-token')).toBeUndefined()
    const stored = await deps.db.selectFrom('tokens').select('token_hash').where('user_id', '=', user.id).executeTakeFirstOrThrow()
    expect(await verifyBearer(deps, stored.token_hash)).toBeUndefined()
  })
})
