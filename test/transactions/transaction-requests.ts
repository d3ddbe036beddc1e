/**
 * What the money tests share: the paths, the limits, exact cents, and requests that must
 * succeed (record, through the typed client; a page, the balance) or rows written straight into the table, bound to
 * a file's own server, so each test reads as the request it is about.
 */
import { expect } from 'vitest'
import type { Schemas } from '../../src/client/index.js'
import type { ApiResponse } from '../support/client.js'
import { RFC3339_UTC_MS } from '../support/expect.js'
import { BALANCE, type Query, TRANSACTIONS, withQuery } from '../support/paths.js'
import type { Item, Operation, ResourceUnderTest, Write } from '../support/resource-suites.js'
import type { Balance, TestServer, TestUser, Transaction, TransactionList } from '../support/server.js'
import { answerOf, typedClient } from '../support/typed-client.js'

export const INCOMES = '/api/v1/incomes'
export const EXPENSES = '/api/v1/expenses'
const TRANSACTION_FIELDS = ['amount', 'created_at', 'description', 'id', 'type', 'uri']

/** The most a user's total income (or total expenses) may hold: 9,999,999,999,999.99. */
export const MAX_TOTAL_CENTS = 999_999_999_999_999
/** The largest single amount, 1,000,000,000, in cents. */
export const MAX_AMOUNT_CENTS = 100_000_000_000

export type Type = Transaction['type']

export const transactionPath = (id: number | string) => `${TRANSACTIONS}/${id}`

export const idsOf = (res: ApiResponse<TransactionList>) => res.body.data.map((t) => t.id)

/**
 * The exact cents a JSON number stands for, read from the decimal JavaScript prints for
 * it (which is what came over the wire): never through float arithmetic.
 */
export function centsOf(amount: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount))
  if (!match) throw new Error(`${amount} is not an amount with at most two decimal places`)
  const [, sign = '', whole = '', fraction = ''] = match
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
  return sign === '-' ? -cents : cents
}

export interface SeedRow {
  readonly type: Type
  readonly amount_cents: number
  readonly created_at: string
  readonly description?: string
}

/** Runs `task` over `items` with at most `limit` in flight; results in the order of `items`. */
export async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** The requests and rows a test takes for granted, on the server `server()` returns (started in the file's beforeAll). */
export function transactionRequests(server: () => TestServer) {
  async function record(user: TestUser, type: Type, json: Schemas['IncomeWrite'] | Schemas['ExpenseWrite']): Promise<Transaction> {
    const client = typedClient(server().api, user)
    const res = answerOf(type === 'income' ? await client.POST('/api/v1/incomes', { body: json }) : await client.POST('/api/v1/expenses', { body: json }))
    expect(res.status).toBe(201)
    return res.body
  }

  /**
   * A page by number (page 1 unless the query says otherwise), whose meta carries the
   * total; cursor pages, the default without `page`, are walked in test/http/cursor-pages.test.ts.
   */
  async function list(user: TestUser, path: string, query: Query = {}): Promise<ApiResponse<TransactionList>> {
    const res = await server().api.get<TransactionList>(withQuery(path, { page: 1, ...query }), { auth: user.bearer })
    expect(res.status, res.text).toBe(200)
    return res
  }

  async function balanceOf(user: TestUser, query: Query = {}): Promise<Balance> {
    const res = await server().api.get<Balance>(withQuery(BALANCE, query), { auth: user.bearer })
    expect(res.status, res.text).toBe(200)
    return res.body
  }

  function expectValidTransaction(transaction: Transaction): void {
    expect(Object.keys(transaction).sort()).toEqual(TRANSACTION_FIELDS)
    expect(Number.isInteger(transaction.id)).toBe(true)
    expect(transaction.uri).toBe(`${server().baseUrl}${transactionPath(transaction.id)}`)
    expect(transaction.created_at).toMatch(RFC3339_UTC_MS)
  }

  /** Writes rows straight into the table, in the order given, and returns them as the API shows them. */
  async function seed(user: TestUser, rows: readonly SeedRow[]): Promise<Transaction[]> {
    const seeded: Transaction[] = []
    for (const row of rows) {
      const description = row.description ?? `${row.type} at ${row.created_at}`
      const { id } = await server()
        .db.insertInto('transactions')
        .values({ user_id: user.id, type: row.type, description, amount_cents: row.amount_cents, created_at: row.created_at })
        .returning('id')
        .executeTakeFirstOrThrow()
      seeded.push({ id, uri: `${server().baseUrl}${transactionPath(id)}`, type: row.type, description, amount: row.amount_cents / 100, created_at: row.created_at })
    }
    return seeded
  }

  /** `count` rows of the same signed amount, in a few multi-row inserts. */
  async function seedMany(user: TestUser, type: Type, count: number, amountCents: number): Promise<void> {
    const CHUNK = 500
    for (let start = 0; start < count; start += CHUNK) {
      const values = Array.from({ length: Math.min(CHUNK, count - start) }, (_, i) => ({
        user_id: user.id,
        type,
        description: `seeded ${start + i}`,
        amount_cents: amountCents,
        created_at: '2000-01-01T00:00:00.000Z',
      }))
      await server().db.insertInto('transactions').values(values).execute()
    }
  }

  return { record, list, balanceOf, expectValidTransaction, seed, seedMany }
}

/** Every money operation, with a request that would succeed given the right credentials, on the transaction at `itemPath()`. */
export function moneyOperations(itemPath: () => string): readonly Operation[] {
  return [
    { name: 'listIncomes', method: 'GET', path: () => INCOMES, options: {} },
    { name: 'createIncome', method: 'POST', path: () => INCOMES, options: { json: { description: 'x', amount: 1 } } },
    { name: 'listExpenses', method: 'GET', path: () => EXPENSES, options: {} },
    { name: 'createExpense', method: 'POST', path: () => EXPENSES, options: { json: { description: 'x', amount: 1 } } },
    { name: 'listTransactions', method: 'GET', path: () => TRANSACTIONS, options: {} },
    { name: 'getTransaction', method: 'GET', path: itemPath, options: {} },
    { name: 'deleteTransaction', method: 'DELETE', path: itemPath, options: {} },
    { name: 'getBalance', method: 'GET', path: () => BALANCE, options: {} },
  ]
}

/** Transactions (an income and an expense) for the suites every resource runs (test/support/resource-suites.ts). */
export function transactionResource(server: () => TestServer): ResourceUnderTest {
  const { record } = transactionRequests(server)
  const item = (transaction: Transaction): Item => ({ path: transactionPath(transaction.id), uri: transaction.uri, body: transaction })
  return {
    name: 'transaction',
    server,
    makeItems: async (owner) => [
      item(await record(owner, 'income', { description: 'Salary', amount: 5000 })),
      item(await record(owner, 'expense', { description: 'Pizza', amount: 12.5 })),
    ],
    lists: [
      { path: INCOMES, shows: (shown) => shown.body.type === 'income' },
      { path: EXPENSES, shows: (shown) => shown.body.type === 'expense' },
      { path: TRANSACTIONS, shows: () => true },
    ],
    itemParameter: 'transactionId',
    itemRequests: [
      { name: 'GET', method: 'GET', options: {} },
      { name: 'DELETE', method: 'DELETE', options: {} },
    ],
    operations: (target) => moneyOperations(() => target().path),
    writes: (): Write[] => [
      { name: 'createIncome', method: 'POST', path: () => INCOMES, json: { description: 'x', amount: 1 }, jsonTypes: ['application/json'] },
      { name: 'createExpense', method: 'POST', path: () => EXPENSES, json: { description: 'x', amount: 1 }, jsonTypes: ['application/json'] },
    ],
    malformedJson: '{"description": "x", "amount": 1',
  }
}
