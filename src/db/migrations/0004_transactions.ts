import { type Kysely, sql } from 'kysely'
import { centsType, generatedId, idType } from './dialect.js'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('transactions')
    .addColumn('id', idType(db), generatedId(db))
    .addColumn('user_id', idType(db), (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    // Money is whole cents, never a float.
    .addColumn('amount_cents', centsType(db), (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addCheckConstraint('transactions_signed_amount', sql`(type = 'income' and amount_cents > 0) or (type = 'expense' and amount_cents < 0)`)
    .addCheckConstraint('transactions_amount_bound', sql`abs(amount_cents) <= 100000000000`)
    .execute()
  // Serves every list (created_at, id order, with from/to) and every sum.
  await db.schema.createIndex('transactions_user_created').on('transactions').columns(['user_id', 'created_at', 'id']).execute()
  await db.schema.createIndex('transactions_user_type_created').on('transactions').columns(['user_id', 'type', 'created_at', 'id']).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('transactions').execute()
}
