/**
 * The login throttle on its own, on this run's database and a clock of the test's: its
 * points per username and per address, and the one attempt identical logins in flight
 * share. test/http/auth.test.ts sends the same through HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LoginThrottle } from '../../src/auth/login-throttle.js'
import type { Database } from '../../src/db/schema.js'
import { TooManyRequestsError } from '../../src/errors.js'
import { RateLimitStore } from '../../src/rate-limits/rate-limit-store.js'
import { createMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js'
import { manualClock } from '../support/manual-clock.js'

let database: MigratedTestDatabase
let db: Database

beforeAll(async () => {
  database = await createMigratedTestDatabase()
  db = database.db
})

afterAll(async () => {
  await database?.close()
})

/** 2 failures per username (8 per address) per minute, on a clock of its own. */
function throttle() {
  const clock = manualClock()
  return { clock, throttle: new LoginThrottle(new RateLimitStore(db, { clock: clock.now }), 2, 60) }
}

let counter = 0
const fresh = (what: string) => `${what}-${++counter}`

describe('LoginThrottle', () => {
  it('a third attempt within the window is 429 with the seconds left; the next window lets it in', async () => {
    const { clock, throttle: logins } = throttle()
    const username = fresh('user')
    await logins.attempt(username, fresh('address'))
    await logins.attempt(username, fresh('address'))
    clock.advance(20_000)
    const refused = await logins.attempt(username, fresh('address')).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(TooManyRequestsError)
    expect((refused as TooManyRequestsError).message).toBe('Too many failed logins. Try again in 40 seconds.')
    clock.advance(40_000)
    await expect(logins.attempt(username, fresh('address'))).resolves.toBeUndefined()
  })

  it("a success forgets the username's failures; a refund gives the attempt back", async () => {
    const { throttle: logins } = throttle()
    const username = fresh('user')
    const address = fresh('address')
    await logins.attempt(username, address)
    await logins.attempt(username, address)
    await logins.succeeded(username, address)
    await logins.attempt(username, address)
    await logins.refund(username, address)
    // Two attempts left, as if neither before had been made.
    await logins.attempt(username, address)
    await logins.attempt(username, address)
    await expect(logins.attempt(username, address)).rejects.toBeInstanceOf(TooManyRequestsError)
  })

  it('one address may fail 4 times as often as one username, over any usernames', async () => {
    const { throttle: logins } = throttle()
    const address = fresh('address')
    for (let i = 0; i < 8; i++) await logins.attempt(fresh('user'), address)
    await expect(logins.attempt(fresh('user'), address)).rejects.toBeInstanceOf(TooManyRequestsError)
  })

  it('identical logins in flight together run one check and share its outcome; a later one runs its own', async () => {
    const { throttle: logins } = throttle()
    const credentials = { username: fresh('user'), password: 'secret' }
    let checks = 0
    const check = async () => {
      checks++
      await new Promise((resolve) => setTimeout(resolve, 10))
      return { userId: 1, username: credentials.username, tokenId: null }
    }
    const together = await Promise.all([1, 2, 3].map(() => logins.once(credentials, 'here', check)))
    expect(checks).toBe(1)
    expect(new Set(together).size).toBe(1)
    // A different password, or a different address, is a check of its own.
    await Promise.all([
      logins.once(credentials, 'here', check),
      logins.once({ ...credentials, password: 'other' }, 'here', check),
      logins.once(credentials, 'elsewhere', check),
    ])
    expect(checks).toBe(4)
  })
})
