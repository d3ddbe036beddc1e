import { type Kysely, sql } from 'kysely'
import { generatedId, idType, isPostgres } from './dialect.js'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', idType(db), generatedId(db))
    .addColumn('username', 'text', (col) => col.notNull().unique())
    // Unique ignoring ASCII letter case: SQLite's NOCASE; on PostgreSQL the index below.
    .addColumn('email', 'text', (col) => (isPostgres(db) ? col.notNull() : col.notNull().unique().modifyFront(sql`collate nocase`)))
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute()
  if (isPostgres(db)) {
    // lower() under "C" folds ASCII letters only, as NOCASE does (db/dialect-specific.ts emailKey).
    await sql`create unique index users_email_key on users (lower(email::text collate "C"))`.execute(db)
  }

  await db.schema
    .createTable('tokens')
    .addColumn('id', idType(db), generatedId(db))
    .addColumn('user_id', idType(db), (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute()
  await db.schema.createIndex('tokens_user_id').on('tokens').column('user_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tokens').execute()
  await db.schema.dropTable('users').execute()
}
