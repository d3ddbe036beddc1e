/** Row to API representation: the only place a transaction's public shape is decided. */
import type { components } from '../../generated/openapi.js'
import { transactionUri } from '../core/uris.js'
import type { TransactionRow } from '../db/tables/transactions.table.js'
import { fromCents } from './money.js'

export type TransactionResource = components['schemas']['Transaction']
export type TransactionList = components['schemas']['TransactionList']
export type BalanceResource = components['schemas']['Balance']

export function toTransactionResource(row: TransactionRow, baseUrl: string): TransactionResource {
  return {
    id: row.id,
    uri: transactionUri(baseUrl, row.id),
    type: row.type,
    description: row.description,
    amount: fromCents(row.amount_cents),
    created_at: row.created_at,
  }
}

export function toBalanceResource(totals: { incomeCents: number; expenseCents: number }): BalanceResource {
  return {
    income: fromCents(totals.incomeCents),
    expenses: fromCents(totals.expenseCents),
    balance: fromCents(totals.incomeCents + totals.expenseCents),
  }
}
