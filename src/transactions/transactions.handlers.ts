/** One handler per money operation in `openapi.yaml`: incomes, expenses, transactions, balance. */

import { authenticatedUser } from '../auth/principal.js'
import type { OperationHandler, OperationRequest } from '../core/operations.js'
import { listPage } from '../core/pagination.js'
import { listUri, transactionUri } from '../core/uris.js'
import type { Database } from '../db/schema.js'
import type { TransactionRow, TransactionType } from '../db/tables/transactions.table.js'
import type { AppDeps } from '../deps.js'
import { NotFoundError } from '../errors.js'
import { timeRange } from './time-range.js'
import { countTransactions, deleteTransaction as deleteTransactionRow, selectTransaction, selectTransactions, sumTransactions } from './transactions.repository.js'
import { type TransactionList, type TransactionResource, toBalanceResource, toTransactionResource } from './transactions.resource.js'
import { recordTransaction } from './transactions.service.js'

/** The three lists differ only in their path and in which types they show. */
async function transactionPage(
  request: OperationRequest<'listIncomes' | 'listExpenses' | 'listTransactions'>,
  db: Database,
  path: 'incomes' | 'expenses' | 'transactions',
  type: TransactionType | undefined,
): Promise<{ headers: { Link: string }; body: TransactionList }> {
  const user = authenticatedUser(request)
  const { from, to } = request.query
  const filter = { type, ...timeRange({ from, to }) }
  const { rows, meta, link } = await listPage<TransactionRow>(request.query, {
    list: path,
    url: listUri(request.baseUrl, path),
    // Only /transactions takes `type`; the others must not get it back in their links.
    filters: path === 'transactions' ? { type, from, to } : { from, to },
    sortKey: (row) => row.created_at,
    rows: (range) => selectTransactions(db, user.userId, filter, range),
    count: () => countTransactions(db, user.userId, filter),
  })
  return {
    headers: { Link: link },
    body: { data: rows.map((row) => toTransactionResource(row, request.baseUrl)), meta },
  }
}

export const listIncomes: OperationHandler<'listIncomes'> = async (request, { db }) => ({
  status: 200,
  ...(await transactionPage(request, db, 'incomes', 'income')),
})

export const listExpenses: OperationHandler<'listExpenses'> = async (request, { db }) => ({
  status: 200,
  ...(await transactionPage(request, db, 'expenses', 'expense')),
})

export const listTransactions: OperationHandler<'listTransactions'> = async (request, { db }) => ({
  status: 200,
  ...(await transactionPage(request, db, 'transactions', request.query.type)),
})

/** Incomes and expenses are created alike; only the sign of the stored amount differs. */
async function recordedTransaction(
  request: OperationRequest<'createIncome' | 'createExpense'>,
  { db, clock }: AppDeps,
  type: TransactionType,
): Promise<{ headers: { Location: string }; body: TransactionResource }> {
  const user = authenticatedUser(request)
  const row = await recordTransaction(db, clock, user.userId, type, request.body)
  return { headers: { Location: transactionUri(request.baseUrl, row.id) }, body: toTransactionResource(row, request.baseUrl) }
}

export const createIncome: OperationHandler<'createIncome'> = async (request, deps) => ({
  status: 201,
  ...(await recordedTransaction(request, deps, 'income')),
})

export const createExpense: OperationHandler<'createExpense'> = async (request, deps) => ({
  status: 201,
  ...(await recordedTransaction(request, deps, 'expense')),
})

function noSuchTransaction(id: number): NotFoundError {
  return new NotFoundError(`There is no income or expense ${id}.`)
}

export const getTransaction: OperationHandler<'getTransaction'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const row = await selectTransaction(db, user.userId, request.params.transactionId)
  if (!row) throw noSuchTransaction(request.params.transactionId)
  return { status: 200, body: toTransactionResource(row, request.baseUrl) }
}

export const deleteTransaction: OperationHandler<'deleteTransaction'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (!(await deleteTransactionRow(db, user.userId, request.params.transactionId))) {
    throw noSuchTransaction(request.params.transactionId)
  }
  return { status: 204 }
}

export const getBalance: OperationHandler<'getBalance'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const totals = await sumTransactions(db, user.userId, timeRange(request.query))
  return { status: 200, body: toBalanceResource(totals) }
}
