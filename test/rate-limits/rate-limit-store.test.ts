/**
 * The fixed-window counters in the database, on this run's database (SQLite, or PostgreSQL
 * with `TEST_DATABASE=postgres`): both passes run the same cases and expect the same
 * answers. The clock is the test's own, so each window ends exactly when a case says.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/connection.js'
import type { Database } from '../../src/db/schema.js'
import { RateLimitStore, type Taken, type Window } from '../../src/rate-limits/rate-limit-store.js'
import { createMigratedTestDatabase, type MigratedTestDatabase, testDatabaseKind } from '../support/database.js'
import { manualClock } from '../support/manual-clock.js'

const MINUTE_MS = 60_000

let database: MigratedTestDatabase
let db: Database
/** A second connection (pool) to the same database: another replica. */
let replica: Database
const statements: string[] = []

beforeAll(async () => {
  database = await createMigratedTestDatabase({ onQuery: (statement) => statements.push(statement) })
  db = database.db
  replica = openDatabase(database.url)
})

afterAll(async () => {
  await replica?.destroy()
  await database?.close()
})

let windowCounter = 0

/** A window of its own for each case, so that cases never share counters. */
function window(points: number, seconds = 60): Window {
  return { name: `case${++windowCounter}`, points, seconds }
}

function store(clock = manualClock(), on: Database = db): RateLimitStore {
  return new RateLimitStore(on, { clock: clock.now })
}

const granted = (remaining: number, msBeforeReset: number): Taken => ({ granted: true, remaining, msBeforeReset })
const refused = (msBeforeReset: number): Taken => ({ granted: false, remaining: 0, msBeforeReset })

describe('take', () => {
  it('5 points per minute: five granted (4 ... 0 left), the sixth refused, all with the minute that remains', async () => {
    const clock = manualClock()
    const counters = store(clock)
    const five = window(5)
    const takes: Taken[] = []
    for (let i = 0; i < 5; i++) takes.push(await counters.take(five, 'alice'))
    expect(takes).toEqual([4, 3, 2, 1, 0].map((left) => granted(left, MINUTE_MS)))

    clock.advance(15_000)
    expect(await counters.take(five, 'alice')).toEqual(refused(45_000))
    expect(await counters.take(five, 'alice')).toEqual(refused(45_000))
  })

  it('a window ends when its time is up, to the millisecond; the next take starts a new one', async () => {
    const clock = manualClock()
    const counters = store(clock)
    const one = window(1, 10)
    expect(await counters.take(one, 'bob')).toEqual(granted(0, 10_000))
    clock.advance(9_999)
    expect(await counters.take(one, 'bob')).toEqual(refused(1))
    clock.advance(1)
    expect(await counters.take(one, 'bob')).toEqual(granted(0, 10_000))
    expect(await counters.take(one, 'bob')).toEqual(refused(10_000))
  })

  it('is one statement, stored with timestamps in the one shape', async () => {
    const counters = store()
    const three = window(3)
    await counters.take(three, 'carol')
    statements.length = 0
    await counters.take(three, 'carol')
    expect(statements).toHaveLength(1)
    expect(statements[0]).toMatch(/^insert into "rate_limits" .* on conflict \("key"\) do update set .* returning "points", "expires_at"$/)
    const rows = await db.selectFrom('rate_limits').selectAll().where('key', 'like', `${three.name}:%`).execute()
    expect(rows).toEqual([{ key: expect.stringMatching(new RegExp(`^${three.name}:[A-Za-z0-9_-]{43}$`)), points: 2, expires_at: '2026-12-05T12:01:00.000Z' }])
  })

  it('a window of any length ends by the last stored timestamp, 9999-12-31', async () => {
    const counters = store()
    const forever = window(1, Number.MAX_SAFE_INTEGER)
    const until = Date.parse('9999-12-31T23:59:59.999Z') - Date.parse('2026-12-05T12:00:00.000Z')
    expect(await counters.take(forever, 'trent')).toEqual(granted(0, until))
    expect(await counters.take(forever, 'trent')).toEqual(refused(until))
  })

  it('counts each name and each subject apart; a subject of any length makes a short key', async () => {
    const counters = store()
    const [a, b] = [window(1), window(1)]
    const long = 'x'.repeat(100_000)
    for (const subject of ['dave', 'Dave', long]) {
      expect(await counters.take(a, subject), subject.slice(0, 10)).toEqual(granted(0, MINUTE_MS))
      expect(await counters.take(b, subject), subject.slice(0, 10)).toEqual(granted(0, MINUTE_MS))
      expect((await counters.take(a, subject)).granted).toBe(false)
    }
  })
})

describe('giveBack and forget', () => {
  it('giveBack returns one point to the running window, and never takes the count below zero', async () => {
    const counters = store()
    const two = window(2)
    await counters.take(two, 'erin')
    await counters.take(two, 'erin')
    expect((await counters.take(two, 'erin')).granted).toBe(false)
    // Three taken (the refused one counts too): two back, and one is free again.
    await counters.giveBack(two, 'erin')
    await counters.giveBack(two, 'erin')
    expect(await counters.take(two, 'erin')).toEqual(granted(0, MINUTE_MS))
    for (let i = 0; i < 5; i++) await counters.giveBack(two, 'erin')
    expect(await counters.take(two, 'erin')).toEqual(granted(1, MINUTE_MS))
    // A subject never seen gets nothing to spend ahead.
    await counters.giveBack(two, 'frank')
    expect(await counters.take(two, 'frank')).toEqual(granted(1, MINUTE_MS))
  })

  it('giveBack after the window has ended gives nothing to the next one', async () => {
    const clock = manualClock()
    const counters = store(clock)
    const one = window(1, 10)
    await counters.take(one, 'grace')
    clock.advance(10_000)
    await counters.giveBack(one, 'grace')
    expect(await counters.take(one, 'grace')).toEqual(granted(0, 10_000))
    expect((await counters.take(one, 'grace')).granted).toBe(false)
  })

  it('forget starts the subject afresh, and only that subject', async () => {
    const clock = manualClock()
    const counters = store(clock)
    const one = window(1)
    await counters.take(one, 'heidi')
    await counters.take(one, 'ivan')
    clock.advance(30_000)
    await counters.forget(one, 'heidi')
    expect(await counters.take(one, 'heidi')).toEqual(granted(0, MINUTE_MS))
    expect(await counters.take(one, 'ivan')).toEqual(refused(30_000))
  })
})

describe('shared by replicas', () => {
  it('two stores on two connections to one database count one window', async () => {
    const clock = manualClock()
    const [here, there] = [store(clock, db), store(clock, replica)]
    const three = window(3)
    expect(await here.take(three, 'judy')).toEqual(granted(2, MINUTE_MS))
    expect(await there.take(three, 'judy')).toEqual(granted(1, MINUTE_MS))
    expect(await here.take(three, 'judy')).toEqual(granted(0, MINUTE_MS))
    expect((await there.take(three, 'judy')).granted).toBe(false)
    await there.forget(three, 'judy')
    expect(await here.take(three, 'judy')).toEqual(granted(2, MINUTE_MS))
  })

  it('40 takes at once over two stores, 5 points: exactly 5 granted, each remaining count once', async () => {
    const clock = manualClock()
    const [here, there] = [store(clock, db), store(clock, replica)]
    const five = window(5)
    const takes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? here : there).take(five, 'mallory')))
    const grantedTakes = takes.filter((take) => take.granted)
    expect(grantedTakes.map((take) => take.remaining).sort()).toEqual([0, 1, 2, 3, 4])
    expect(takes.filter((take) => !take.granted)).toHaveLength(35)
  })
})

describe('clean-up', () => {
  async function keysOf(names: readonly Window[]): Promise<string[]> {
    const rows = await db.selectFrom('rate_limits').select('key').execute()
    return rows
      .map((row) => row.key.split(':')[0] ?? '')
      .filter((name) => names.some((w) => w.name === name))
      .sort()
  }

  it('ended windows are deleted by a take, at most once per interval (a minute); running ones are kept', async () => {
    const clock = manualClock('2026-12-05T13:00:00.000Z')
    const counters = new RateLimitStore(db, { clock: clock.now })
    const [short, long] = [window(1, 10), window(1, 3_600)]
    await counters.take(short, 'niaj')
    await counters.take(long, 'niaj')
    expect(await keysOf([short, long])).toEqual([short.name, long.name].sort())

    // The short window has ended, but the last clean-up (the first take) was under a minute ago.
    clock.advance(30_000)
    await counters.take(long, 'olivia')
    expect(await keysOf([short, long])).toEqual([short.name, long.name, long.name].sort())

    clock.advance(30_000)
    await counters.take(long, 'olivia')
    expect(await keysOf([short, long])).toEqual([long.name, long.name])
  })

  it('a clean-up is one delete on the expires_at index', async () => {
    const now = '2030-01-01T00:00:00.000Z'
    const ended = async () => {
      const { rows } = await sql<{ n: number }>`select count(*) as n from rate_limits where expires_at <= ${now}`.execute(db)
      return Number(rows[0]?.n)
    }
    // A window of its own opened in 2026 (whatever the earlier cases left) has ended by 2030.
    await new RateLimitStore(db, { clock: manualClock('2026-06-01T00:00:00.000Z').now }).take(window(1), 'olga')
    expect(await ended()).toBeGreaterThan(0)
    const counters = new RateLimitStore(db, { clock: manualClock(now).now })
    statements.length = 0
    await counters.take(window(1), 'peggy')
    expect(statements).toHaveLength(2)
    expect(statements[0]).toBe(`delete from "rate_limits" where "expires_at" <= ${testDatabaseKind === 'postgres' ? '$1' : '?'}`)
    expect(await ended()).toBe(0)
  })
})
