import type { Kysely } from 'kysely'

/**
 * The fixed-window counters of the login throttle and the per-user request limit, in the
 * database so that every replica counts the same attempts. `key` is the counter's name
 * and a hash of what it counts (a username, an address, a user id), so it stays short
 * whatever a client sends; `expires_at` (a stored timestamp) ends the window, and the
 * index lets expired rows be deleted without reading the live ones. (`not null` on the key:
 * SQLite's primary keys other than integer ones allow null, PostgreSQL's never do.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (col) => col.primaryKey().notNull())
    .addColumn('points', 'integer', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute()
  await db.schema.createIndex('rate_limits_expires_at').on('rate_limits').column('expires_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute()
}
