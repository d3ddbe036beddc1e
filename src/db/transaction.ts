import type { Database } from './schema.js'

/**
 * Runs `work` in a transaction of its own, or inside the caller's when `db` already is
 * one: the HTTP layer wraps a whole request in a transaction for `If-Match` and
 * `Idempotency-Key`, and the rules inside it must then join that transaction.
 */
export function inTransaction<T>(db: Database, work: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work)
}
