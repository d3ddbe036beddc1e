/**
 * Every SQL statement on `transactions`. Each one is scoped to the owner: there is no
 * way to reach an income or expense without naming the user it belongs to.
 */
import { sql } from 'kysely'
import { countRows, inCreatedOrder, type RowRange } from '../db/keyset.js'
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'
import type { TransactionRow, TransactionType } from '../db/tables/transactions.table.js'
import type { TimeRange } from './time-range.js'

export interface TransactionFilter extends TimeRange {
  readonly type?: TransactionType
}

export interface TransactionFields {
  readonly type: TransactionType
  readonly description: string
  readonly amount_cents: number
}

function filtered(db: Database, userId: number, filter: TransactionFilter) {
  let query = db.selectFrom('transactions').where('user_id', '=', userId)
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from)
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to)
  return query
}

/**
 * A page of transactions in (created_at, id) order: by offset, or after a keyset position
 * (served by the (user_id, created_at, id) and (user_id, type, created_at, id) indexes).
 */
export function selectTransactions(db: Database, userId: number, filter: TransactionFilter, range: RowRange): Promise<TransactionRow[]> {
  return inCreatedOrder(filtered(db, userId, filter).selectAll(), range).execute()
}

export function countTransactions(db: Database, userId: number, filter: TransactionFilter): Promise<number> {
  return countRows(filtered(db, userId, filter))
}

type TransactionKey = { userId: number; id: number }

const selectTransactionQuery = prepareQuery((db, p: Placeholders<TransactionKey>) =>
  db.selectFrom('transactions').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')),
)

export function selectTransaction(db: Database, userId: number, id: number): Promise<TransactionRow | undefined> {
  return selectTransactionQuery.executeTakeFirst(db, { userId, id })
}

/**
 * Income and expense totals in cents, summed exactly: SQLite in 64-bit integers;
 * PostgreSQL in `numeric`, cast back to `bigint` so the pool reads it as an exact number.
 */
export async function sumTransactions(db: Database, userId: number, filter: TransactionFilter): Promise<{ incomeCents: number; expenseCents: number }> {
  const sums = await filtered(db, userId, filter)
    .select([
      sql<number>`cast(coalesce(sum(case when type = 'income' then amount_cents end), 0) as bigint)`.as('income'),
      sql<number>`cast(coalesce(sum(case when type = 'expense' then amount_cents end), 0) as bigint)`.as('expense'),
    ])
    .executeTakeFirstOrThrow()
  return { incomeCents: sums.income, expenseCents: sums.expense }
}

const insertTransactionQuery = prepareQuery((db, p: Placeholders<{ userId: number; type: TransactionType; description: string; amountCents: number; now: string }>) =>
  db
    .insertInto('transactions')
    .values({
      user_id: p('userId'),
      type: p('type'),
      description: p('description'),
      amount_cents: p('amountCents'),
      created_at: p('now'),
    })
    .returningAll(),
)

export function insertTransaction(db: Database, userId: number, fields: TransactionFields, now: string): Promise<TransactionRow> {
  const { type, description, amount_cents: amountCents } = fields
  return insertTransactionQuery.executeTakeFirstOrThrow(db, { userId, type, description, amountCents, now })
}

const deleteTransactionQuery = prepareQuery((db, p: Placeholders<TransactionKey>) =>
  db.deleteFrom('transactions').where('user_id', '=', p('userId')).where('id', '=', p('id')),
)

export async function deleteTransaction(db: Database, userId: number, id: number): Promise<boolean> {
  const { numAffectedRows } = await deleteTransactionQuery.execute(db, { userId, id })
  return (numAffectedRows ?? 0n) > 0n
}
