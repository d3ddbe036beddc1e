/**
 * Every SQL statement on `transactions`. Each one is scoped to the owner: there is no
 * way to reach an income or expense without naming the user it belongs to.
 */
import { sql } from 'kysely'
import { afterPosition, type RowRange } from '../db/keyset.js'
import type { Database } from '../db/schema.js'
import type { TimeRange } from './time-range.js'
import type { TransactionRow, TransactionType } from './transactions.table.js'

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
  let query = filtered(db, userId, filter).selectAll()
  const { after } = range
  if (after) query = query.where((eb) => afterPosition(eb, eb.ref('created_at'), eb.val(after.key), eb.ref('id'), after, 'asc'))
  query = query.orderBy('created_at').orderBy('id').limit(range.limit)
  return (range.offset ? query.offset(range.offset) : query).execute()
}

export async function countTransactions(db: Database, userId: number, filter: TransactionFilter): Promise<number> {
  const count = await filtered(db, userId, filter).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
  return Number(count.total)
}

export function selectTransaction(db: Database, userId: number, id: number): Promise<TransactionRow | undefined> {
  return db.selectFrom('transactions').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst()
}

/** Income and expense totals in cents: SQLite sums integers exactly (64-bit). */
export async function sumTransactions(
  db: Database,
  userId: number,
  filter: TransactionFilter,
): Promise<{ incomeCents: number; expenseCents: number }> {
  const sums = await filtered(db, userId, filter)
    .select([
      sql<number>`coalesce(sum(case when type = 'income' then amount_cents end), 0)`.as('income'),
      sql<number>`coalesce(sum(case when type = 'expense' then amount_cents end), 0)`.as('expense'),
    ])
    .executeTakeFirstOrThrow()
  return { incomeCents: sums.income, expenseCents: sums.expense }
}

export function insertTransaction(db: Database, userId: number, fields: TransactionFields, now: string): Promise<TransactionRow> {
  return db
    .insertInto('transactions')
    .values({ user_id: userId, ...fields, created_at: now })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function deleteTransaction(db: Database, userId: number, id: number): Promise<boolean> {
  const result = await db.deleteFrom('transactions').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
