/**
 * Every SQL statement on `rate_limits`. Each change is one statement, atomic on both
 * databases: SQLite runs one writer at a time, and PostgreSQL's `on conflict do update`
 * locks the row it updates, so takes racing on any replicas are counted one by one.
 * Times are stored timestamps (timestamps.ts), compared as text.
 */
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'

/** A counter after a take: its points in the window, and when the window ends. */
export interface CounterState {
  readonly points: number
  readonly expires_at: string
}

type Take = { key: string; now: string; expiresAt: string }

/**
 * One point more in the key's window; a window that has ended (or a key never seen)
 * starts afresh with this point and ends at `expiresAt`. Every SET expression reads the
 * row as it was, so the two CASEs agree on whether the window had ended.
 */
const takePointQuery = prepareQuery((db, p: Placeholders<Take>) =>
  db
    .insertInto('rate_limits')
    .values({ key: p('key'), points: 1, expires_at: p('expiresAt') })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet((eb) => ({
        points: eb
          .case()
          .when('rate_limits.expires_at', '<=', p('now'))
          .then(eb.lit(1))
          .else(eb('rate_limits.points', '+', eb.lit(1)))
          .end(),
        expires_at: eb.case().when('rate_limits.expires_at', '<=', p('now')).then(p('expiresAt')).else(eb.ref('rate_limits.expires_at')).end(),
      })),
    )
    .returning(['points', 'expires_at']),
)

export function takePoint(db: Database, key: string, now: string, expiresAt: string): Promise<CounterState> {
  return takePointQuery.executeTakeFirstOrThrow(db, { key, now, expiresAt })
}

/** One point back, only into a window that is still running and only down to zero. */
const givePointBackQuery = prepareQuery((db, p: Placeholders<{ key: string; now: string }>) =>
  db
    .updateTable('rate_limits')
    .set((eb) => ({ points: eb('points', '-', eb.lit(1)) }))
    .where('key', '=', p('key'))
    .where('points', '>', 0)
    .where('expires_at', '>', p('now')),
)

export async function givePointBack(db: Database, key: string, now: string): Promise<void> {
  await givePointBackQuery.execute(db, { key, now })
}

const deleteCounterQuery = prepareQuery((db, p: Placeholders<{ key: string }>) => db.deleteFrom('rate_limits').where('key', '=', p('key')))

export async function deleteCounter(db: Database, key: string): Promise<void> {
  await deleteCounterQuery.execute(db, { key })
}

const deleteExpiredCountersQuery = prepareQuery((db, p: Placeholders<{ now: string }>) => db.deleteFrom('rate_limits').where('expires_at', '<=', p('now')))

/** Forgets every counter whose window ended at or before `now` (the index on `expires_at` finds them). */
export async function deleteExpiredCounters(db: Database, now: string): Promise<void> {
  await deleteExpiredCountersQuery.execute(db, { now })
}
