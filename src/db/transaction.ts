import { dialectOf } from './dialect-specific.js'
import type { Database } from './schema.js'

/**
 * Runs `work` in a transaction of its own, or inside the caller's when `db` already is
 * one: the HTTP layer wraps a whole request in a transaction for `If-Match` and
 * `Idempotency-Key`, and the rules inside it must then join that transaction.
 */
export function inTransaction<T>(db: Database, work: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work)
}

/**
 * {@link inTransaction}, run as the only writer of one user's data: for the rules that
 * read and then write on the strength of what they read (a goal move that must not close
 * a cycle, a total that must stay within its limit, an If-Match or Idempotency-Key check).
 *
 * SQLite gives that to every transaction already: `begin immediate` lets one writer in at
 * a time (sqlite-dialect.ts). PostgreSQL runs writers side by side, so there the
 * transaction first takes a row lock on the user (`for no key update`: it queues behind
 * the same lock taken by any replica, yet lets rows that merely reference the user be
 * inserted meanwhile). A row lock rather than SERIALIZABLE: these transactions all touch
 * one user's rows and conflict whenever they run at once, and retrying them would cost
 * more than waiting in turn. READ COMMITTED reads each statement afresh, so what the
 * transaction reads after the lock includes everything the previous holder committed.
 */
export function inUserTransaction<T>(db: Database, userId: number, work: (trx: Database) => Promise<T>): Promise<T> {
  if (dialectOf(db) === 'sqlite') return inTransaction(db, work)
  return inTransaction(db, async (trx) => {
    await trx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().execute()
    return work(trx)
  })
}
