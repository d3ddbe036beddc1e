import type { Generated, Selectable } from 'kysely'

export type TransactionType = 'income' | 'expense'

/** The `transactions` table: incomes (positive) and expenses (negative), in whole cents. */
export interface TransactionsTable {
  id: Generated<number>
  user_id: number
  type: TransactionType
  description: string
  amount_cents: number
  created_at: string
}

export type TransactionRow = Selectable<TransactionsTable>
