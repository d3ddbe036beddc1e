import { accountGone } from './account-gone.js'
import { dialectOf } from './dialect-specific.js'
import { type Placeholders, prepareQuery } from './prepared-query.js'
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
 * The user's row, locked on PostgreSQL until the transaction ends. `for no key update`
 * conflicts with itself and with the `for update` a DELETE of the user takes, yet not with
 * the `for key share` that inserting a row which merely references the user takes.
 */
const lockUserQuery = prepareQuery((db, p: Placeholders<{ userId: number }>) => {
  const user = db.selectFrom('users').select('id').where('id', '=', p('userId'))
  return dialectOf(db) === 'postgres' ? user.forNoKeyUpdate() : user
})

/** The transactions that hold a user's lock, and whose: work nested in one needs no second round trip. */
const lockedUserOf = new WeakMap<Database, number>()

/**
 * {@link inTransaction}, run as the only writer of one user's data, on every replica: for
 * the rules that read and then write on the strength of what they read (a goal move that
 * must not close a cycle, a total that must stay within its limit, an If-Match or
 * Idempotency-Key check). Throws the 401 of {@link accountGone} if the account was
 * deleted before the transaction got its turn, instead of letting a write fail its
 * foreign key (a 500) or a check blame a field (a 422).
 *
 * SQLite gives one writer at a time to every transaction already: `begin immediate`
 * (sqlite-dialect.ts). PostgreSQL runs writers side by side, so there the transaction
 * first takes a row lock on the user, which queues behind the same lock taken on any
 * replica. Why a row lock:
 * - not SERIALIZABLE with retry: these transactions all touch one user's rows and conflict
 *   whenever they run at once, so retries would be the rule, each redoing the work (and
 *   the 412, 422 or replay they end in is what waiting in turn gives at once);
 * - not an advisory lock on the user's id: that queues writers just as well, but a DELETE
 *   of the user would not wait for it, nor tell a writer that the account went meanwhile;
 *   the row lock does both, in the statement that takes it.
 * READ COMMITTED reads each statement afresh, so what the transaction reads after the
 * lock includes everything the previous holder committed. Work nested in a transaction
 * that already holds the lock (an `If-Match` or `Idempotency-Key` request around a rule
 * that takes it too) joins it without asking again.
 */
export function inUserTransaction<T>(db: Database, userId: number, work: (trx: Database) => Promise<T>): Promise<T> {
  if (db.isTransaction && lockedUserOf.get(db) === userId) return work(db)
  return inTransaction(db, async (trx) => {
    if (!(await lockUserQuery.executeTakeFirst(trx, { userId }))) throw accountGone()
    lockedUserOf.set(trx, userId)
    return work(trx)
  })
}
