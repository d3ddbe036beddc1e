/**
 * Money rules: amounts become signed whole cents (an expense is always negative), and
 * no total may grow past what a JSON number carries exactly.
 */
import type { Database } from '../db/schema.js'
import type { TransactionRow, TransactionType } from '../db/tables/transactions.table.js'
import { inUserTransaction } from '../db/transaction.js'
import { invalidFields } from '../errors.js'
import { type Clock, currentTimestamp } from '../timestamps.js'
import { fromCents, MAX_TOTAL_CENTS, toCents } from './money.js'
import { insertTransaction, sumTransactions } from './transactions.repository.js'

export async function recordTransaction(
  db: Database,
  clock: Clock,
  userId: number,
  type: TransactionType,
  input: { description: string; amount: number },
): Promise<TransactionRow> {
  const size = Math.abs(toCents(input.amount))
  const amountCents = type === 'income' ? size : -size
  return inUserTransaction(db, userId, async (trx) => {
    const totals = await sumTransactions(trx, userId, { type })
    const total = Math.abs(type === 'income' ? totals.incomeCents : totals.expenseCents)
    if (total + size > MAX_TOTAL_CENTS) {
      throw invalidFields([
        {
          pointer: '/amount',
          detail: `would take your total ${type === 'income' ? 'income' : 'expenses'} past ${fromCents(MAX_TOTAL_CENTS)}`,
        },
      ])
    }
    return insertTransaction(trx, userId, { type, description: input.description, amount_cents: amountCents }, currentTimestamp(clock))
  })
}
