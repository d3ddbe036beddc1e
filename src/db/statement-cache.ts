/**
 * SQLite statements prepared once per SQL text and reused.
 *
 * Preparing parses and plans the SQL: for a lookup by id it costs more than running it.
 * Kysely hands the driver the same SQL text for a query of the same shape (prepared
 * queries, db/prepared-query.ts, always do), so the statement made for that text the
 * first time serves every later run. SQLite re-prepares a statement by itself when the
 * schema changes under it (sqlite3_prepare_v2), so a cached one never runs stale SQL.
 *
 * Bounded: lists with optional filters have a few shapes each, but the number of texts is
 * the caller's to grow, so past {@link STATEMENT_CACHE_CAPACITY} the oldest statement goes
 * (first in, first out: a hot one evicted is prepared again on its next run, and a hit
 * costs one Map lookup, where keeping the order of use would cost two more).
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Statements kept by default: every fixed shape the service runs fits many times over. */
const STATEMENT_CACHE_CAPACITY = 256

export class StatementCache {
  /** In the order they were prepared: a Map iterates in insertion order. */
  readonly #statements = new Map<string, SqliteStatement>()

  constructor(
    private readonly database: SqliteDatabase,
    private readonly capacity = STATEMENT_CACHE_CAPACITY,
  ) {}

  /** The statement for `sql`, prepared on first use. */
  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql)
    if (cached !== undefined) return cached
    const statement = this.database.prepare(sql)
    this.#statements.set(sql, statement)
    if (this.#statements.size > this.capacity) {
      const oldest = this.#statements.keys().next().value as string
      this.#statements.delete(oldest)
    }
    return statement
  }

  get size(): number {
    return this.#statements.size
  }
}
