import { type Kysely, sql } from 'kysely'
import { isPostgres } from './dialect.js'

/**
 * Indexes that let a cursor page of every list and every sort order read only its own
 * rows: (user_id, sort key, id), the order the keyset query walks. Tasks sort by
 * `lower(title)` too, and may be filtered by `done`; goals and transactions already
 * have theirs (0003, 0004). `lower` is the Unicode-aware function that the connection
 * defines (db/connection.ts): a tool that writes tasks with SQLite's ASCII-only
 * `lower` would leave entries this index cannot find. On PostgreSQL the key is the same
 * lowering under ICU's root locale, ordered by code point: exactly the expression
 * `unicodeLower` in db/dialect-specific.ts builds, or the planner could not use it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const lowerTitle = isPostgres(db) ? sql`(lower(title::text collate "und-x-icu") collate "C")` : sql`lower(title)`
  await sql`create index tasks_user_title on tasks (user_id, ${lowerTitle}, id)`.execute(db)
  await db.schema.createIndex('tasks_user_done_created').on('tasks').columns(['user_id', 'done', 'created_at', 'id']).execute()
  await sql`create index tasks_user_done_title on tasks (user_id, done, ${lowerTitle}, id)`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tasks_user_done_title').execute()
  await db.schema.dropIndex('tasks_user_done_created').execute()
  await db.schema.dropIndex('tasks_user_title').execute()
}
