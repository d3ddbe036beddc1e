import type { Kysely } from 'kysely'

/**
 * Which operation a key was first used with, in the clear (the request hash covers it
 * too): a registration retry must find only registration keys, never a task's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('idempotency_keys')
    .addColumn('operation_id', 'text', (col) => col.notNull().defaultTo(''))
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').dropColumn('operation_id').execute()
}
