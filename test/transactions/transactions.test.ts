/**
 * Money, as a client exercises it: each test is a request, the status, and the body.
 * Every response is also held to `openapi.yaml` by the client. Where a test needs many
 * rows, or rows at chosen moments, it writes them straight into `transactions`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse, RequestOptions } from '../support/client.js'
import { BARE_INTERNAL_ERROR, expectProblem, parametersOf, parseLinks, pointersOf } from '../support/expect.js'
import { mulberry32 } from '../support/random.js'
import {
  type Balance,
  type Problem,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  type Transaction,
  type TransactionList,
} from '../support/server.js'
import { SENDS_THOUSANDS_OF_REQUESTS } from '../support/timeouts.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const INCOMES = '/api/v1/incomes'
const EXPENSES = '/api/v1/expenses'
const TRANSACTIONS = '/api/v1/transactions'
const BALANCE = '/api/v1/balance'
const TRANSACTION_FIELDS = ['amount', 'created_at', 'description', 'id', 'type', 'uri']
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** The most a user's total income (or total expenses) may hold: 9,999,999,999,999.99. */
const MAX_TOTAL_CENTS = 999_999_999_999_999
/** The largest single amount, 1,000,000,000, in cents. */
const MAX_AMOUNT_CENTS = 100_000_000_000

type Type = Transaction['type']
type Query = Record<string, string | number>

const transactionPath = (id: number | string) => `${TRANSACTIONS}/${id}`

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) params.set(name, String(value))
  const search = params.toString()
  return search ? `${path}?${search}` : path
}

async function record(user: TestUser, type: Type, json: Record<string, unknown>): Promise<Transaction> {
  const res = await server.api.post<Transaction>(type === 'income' ? INCOMES : EXPENSES, { auth: user.bearer, json })
  expect(res.status, res.text).toBe(201)
  return res.body
}

/**
 * A page by number (page 1 unless the query says otherwise), whose meta carries the
 * total; cursor pages, the default without `page`, are walked in test/http/cursor-pages.test.ts.
 */
async function list(user: TestUser, path: string, query: Query = {}): Promise<ApiResponse<TransactionList>> {
  const res = await server.api.get<TransactionList>(withQuery(path, { page: 1, ...query }), { auth: user.bearer })
  expect(res.status, res.text).toBe(200)
  return res
}

async function balanceOf(user: TestUser, query: Query = {}): Promise<Balance> {
  const res = await server.api.get<Balance>(withQuery(BALANCE, query), { auth: user.bearer })
  expect(res.status, res.text).toBe(200)
  return res.body
}

const idsOf = (res: ApiResponse<TransactionList>) => res.body.data.map((t) => t.id)

function expectValidTransaction(transaction: Transaction): void {
  expect(Object.keys(transaction).sort()).toEqual(TRANSACTION_FIELDS)
  expect(Number.isInteger(transaction.id)).toBe(true)
  expect(transaction.uri).toBe(`${server.baseUrl}${transactionPath(transaction.id)}`)
  expect(transaction.created_at).toMatch(RFC3339_UTC_MS)
}

/**
 * The exact cents a JSON number stands for, read from the decimal JavaScript prints for
 * it (which is what came over the wire): never through float arithmetic.
 */
function centsOf(amount: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount))
  if (!match) throw new Error(`${amount} is not an amount with at most two decimal places`)
  const [, sign = '', whole = '', fraction = ''] = match
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
  return sign === '-' ? -cents : cents
}

interface SeedRow {
  readonly type: Type
  readonly amount_cents: number
  readonly created_at: string
  readonly description?: string
}

/** Writes rows straight into the table, in the order given, and returns them as the API shows them. */
async function seed(user: TestUser, rows: readonly SeedRow[]): Promise<Transaction[]> {
  const seeded: Transaction[] = []
  for (const row of rows) {
    const description = row.description ?? `${row.type} at ${row.created_at}`
    const { id } = await server.db
      .insertInto('transactions')
      .values({ user_id: user.id, type: row.type, description, amount_cents: row.amount_cents, created_at: row.created_at })
      .returning('id')
      .executeTakeFirstOrThrow()
    seeded.push({ id, uri: `${server.baseUrl}${transactionPath(id)}`, type: row.type, description, amount: row.amount_cents / 100, created_at: row.created_at })
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
    await server.db.insertInto('transactions').values(values).execute()
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results in the order of `items`. */
async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
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

describe('POST /api/v1/incomes (createIncome)', () => {
  it('with JSON -> 201, the income, Location = uri', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Transaction>(INCOMES, { auth: me.bearer, json: { description: 'Salary', amount: 5000 } })
    expect(res.status).toBe(201)
    expectValidTransaction(res.body)
    expect(res.body).toMatchObject({ type: 'income', description: 'Salary', amount: 5000 })
    expect(res.headers.get('location')).toBe(res.body.uri)
    expect(Date.parse(res.body.created_at)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('with a form body description=Lottery&amount=12.50 -> 201, amount 12.5', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Transaction>(INCOMES, { auth: me.basic, form: { description: 'Lottery', amount: '12.50' } })
    expect(res.status).toBe(201)
    expectValidTransaction(res.body)
    expect(res.body).toMatchObject({ type: 'income', description: 'Lottery', amount: 12.5 })
    expect(res.headers.get('location')).toBe(res.body.uri)
  })

  it('with the JSON text 12.50 -> 201, amount 12.5', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Transaction>(INCOMES, {
      auth: me.bearer,
      raw: '{"description": "Written out", "amount": 12.50}',
      contentType: 'application/json',
    })
    expect(res.status).toBe(201)
    expect(res.body.amount).toBe(12.5)
    expect(res.text).toMatch(/"amount":12\.5[,}]/)
  })

  it.each([0.01, 0.07, 0.1, 0.29, 4.35, 999_999_999.99, 1_000_000_000])('amount %d -> 201, recorded exactly', async (amount) => {
    const me = await signUp(server.api)
    const created = await record(me, 'income', { description: 'exact', amount })
    expect(created.amount).toBe(amount)
    const read = await server.api.get<Transaction>(created.uri, { auth: me.bearer })
    expect(read.status).toBe(200)
    expect(read.body).toEqual(created)
    expect(await balanceOf(me)).toEqual({ income: amount, expenses: 0, balance: amount })
  })

  it('a description of 200 characters, or 200 emoji, is fine', async () => {
    const me = await signUp(server.api)
    expect((await record(me, 'income', { description: 'd'.repeat(200), amount: 1 })).description).toBe('d'.repeat(200))
    expect([...(await record(me, 'income', { description: '💶'.repeat(200), amount: 1 })).description]).toHaveLength(200)
  })

  it('the new income can be read at its uri (an absolute URL)', async () => {
    const me = await signUp(server.api)
    const income = await record(me, 'income', { description: 'Follow me', amount: 42 })
    const res = await server.api.get<Transaction>(income.uri, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(income)
  })
})

describe('POST /api/v1/expenses (createExpense)', () => {
  it('amount 12.5 -> 201, recorded as -12.5', async () => {
    const me = await signUp(server.api)
    const res = await server.api.post<Transaction>(EXPENSES, { auth: me.bearer, json: { description: 'Pizza', amount: 12.5 } })
    expect(res.status).toBe(201)
    expectValidTransaction(res.body)
    expect(res.body).toMatchObject({ type: 'expense', description: 'Pizza', amount: -12.5 })
    expect(res.headers.get('location')).toBe(res.body.uri)
  })

  it('amount -12.5 -> 201, recorded as -12.5 too', async () => {
    const me = await signUp(server.api)
    const expense = await record(me, 'expense', { description: 'Pizza', amount: -12.5 })
    expect(expense).toMatchObject({ type: 'expense', amount: -12.5 })
    const read = await server.api.get<Transaction>(expense.uri, { auth: me.bearer })
    expect(read.body).toEqual(expense)
  })

  it('with a form body amount=-800 -> 201, -800; amount=12.50 -> -12.5', async () => {
    const me = await signUp(server.api)
    const rent = await server.api.post<Transaction>(EXPENSES, { auth: me.basic, form: { description: 'Rent', amount: '-800' } })
    expect(rent.status).toBe(201)
    expect(rent.body).toMatchObject({ type: 'expense', description: 'Rent', amount: -800 })
    expect(rent.headers.get('location')).toBe(rent.body.uri)
    const pizza = await server.api.post<Transaction>(EXPENSES, { auth: me.bearer, form: { description: 'Pizza', amount: '12.50' } })
    expect(pizza.status).toBe(201)
    expect(pizza.body.amount).toBe(-12.5)
  })

  it.each([
    [1_000_000_000, -1_000_000_000],
    [-1_000_000_000, -1_000_000_000],
    [999_999_999.99, -999_999_999.99],
    [0.01, -0.01],
    [-0.07, -0.07],
    [0.1, -0.1],
  ])('amount %d -> 201, recorded as %d', async (amount, recorded) => {
    const me = await signUp(server.api)
    const expense = await record(me, 'expense', { description: 'bound', amount })
    expect(expense.amount).toBe(recorded)
    expect(await balanceOf(me)).toEqual({ income: 0, expenses: recorded, balance: recorded })
  })
})

describe('422 VALIDATION_ERROR: one errors[] entry per invalid field', () => {
  type Case = { name: string; body: unknown; pointers: string[] }
  const bothCases: readonly Case[] = [
    { name: 'an amount of 0', body: { description: 'x', amount: 0 }, pointers: ['/amount'] },
    { name: 'an amount with three decimals (0.071)', body: { description: 'x', amount: 0.071 }, pointers: ['/amount'] },
    { name: 'an amount of 0.001', body: { description: 'x', amount: 0.001 }, pointers: ['/amount'] },
    { name: 'an amount of 1e-7', body: { description: 'x', amount: 1e-7 }, pointers: ['/amount'] },
    { name: 'an amount of 0.30000000000000004', body: { description: 'x', amount: 0.1 + 0.2 }, pointers: ['/amount'] },
    { name: 'an amount over 1,000,000,000 (1000000000.01)', body: { description: 'x', amount: 1_000_000_000.01 }, pointers: ['/amount'] },
    { name: 'an amount of 1e10', body: { description: 'x', amount: 1e10 }, pointers: ['/amount'] },
    { name: 'the amount as a string', body: { description: 'x', amount: '12.50' }, pointers: ['/amount'] },
    { name: 'the amount null', body: { description: 'x', amount: null }, pointers: ['/amount'] },
    { name: 'no amount', body: { description: 'x' }, pointers: ['/amount'] },
    { name: 'no description', body: { amount: 5 }, pointers: ['/description'] },
    { name: 'an empty description', body: { description: '', amount: 5 }, pointers: ['/description'] },
    { name: 'a blank description', body: { description: ' \t ', amount: 5 }, pointers: ['/description'] },
    { name: 'a description of 201 characters', body: { description: 'd'.repeat(201), amount: 5 }, pointers: ['/description'] },
    { name: 'a description that is a number', body: { description: 12, amount: 5 }, pointers: ['/description'] },
    { name: 'the unknown field id', body: { description: 'x', amount: 5, id: 1 }, pointers: ['/id'] },
    { name: 'the unknown field uri', body: { description: 'x', amount: 5, uri: 'http://example.com/api/v1/transactions/1' }, pointers: ['/uri'] },
    { name: 'the unknown field created_at', body: { description: 'x', amount: 5, created_at: '2020-01-01T00:00:00.000Z' }, pointers: ['/created_at'] },
    { name: 'the unknown field user_id', body: { description: 'x', amount: 5, user_id: 1 }, pointers: ['/user_id'] },
    { name: 'the unknown field amount_cents', body: { description: 'x', amount: 5, amount_cents: 1 }, pointers: ['/amount_cents'] },
    { name: 'an empty object', body: {}, pointers: ['/amount', '/description'] },
    { name: 'a JSON array as the body', body: [{ description: 'x', amount: 5 }], pointers: [''] },
    {
      name: 'several invalid fields at once',
      body: { description: '', amount: 0.071, id: 3, user_id: 1 },
      pointers: ['/amount', '/description', '/id', '/user_id'],
    },
  ]
  const incomeCases: readonly Case[] = [
    { name: 'a negative amount', body: { description: 'x', amount: -12.5 }, pointers: ['/amount'] },
    { name: 'an amount of -0.01', body: { description: 'x', amount: -0.01 }, pointers: ['/amount'] },
    { name: 'type "expense" (no mass assignment)', body: { description: 'x', amount: 5, type: 'expense' }, pointers: ['/type'] },
    { name: 'type "income", the same as the path says', body: { description: 'x', amount: 5, type: 'income' }, pointers: ['/type'] },
  ]
  const expenseCases: readonly Case[] = [
    { name: 'an amount under -1,000,000,000 (-1000000000.01)', body: { description: 'x', amount: -1_000_000_000.01 }, pointers: ['/amount'] },
    { name: 'an amount of -0.001', body: { description: 'x', amount: -0.001 }, pointers: ['/amount'] },
    { name: 'type "income" (no mass assignment)', body: { description: 'x', amount: 5, type: 'income' }, pointers: ['/type'] },
  ]
  const formCases: ReadonlyArray<{ name: string; form: Record<string, string>; pointers: string[] }> = [
    { name: 'amount=abc', form: { description: 'x', amount: 'abc' }, pointers: ['/amount'] },
    { name: 'amount=0.071', form: { description: 'x', amount: '0.071' }, pointers: ['/amount'] },
    { name: 'amount=0', form: { description: 'x', amount: '0' }, pointers: ['/amount'] },
    { name: 'amount= (empty)', form: { description: 'x', amount: '' }, pointers: ['/amount'] },
    { name: 'no amount', form: { description: 'x' }, pointers: ['/amount'] },
    { name: 'description= (empty)', form: { description: '', amount: '5' }, pointers: ['/description'] },
    { name: 'the unknown field user_id', form: { description: 'x', amount: '5', user_id: '1' }, pointers: ['/user_id'] },
  ]

  for (const { path, type, cases } of [
    { path: INCOMES, type: 'income', cases: [...bothCases, ...incomeCases] },
    { path: EXPENSES, type: 'expense', cases: [...bothCases, ...expenseCases] },
  ] as const) {
    describe(`POST ${path}`, () => {
      let me: TestUser
      beforeAll(async () => {
        me = await signUp(server.api)
      })

      it.each(cases)('$name -> 422 at $pointers', async ({ body, pointers }) => {
        const res = await server.api.post<Problem>(path, { auth: me.bearer, json: body })
        expectProblem(res, 422, 'VALIDATION_ERROR')
        expect(res.body.type).toBe('/problems/validation-error')
        expect(pointersOf(res.body)).toEqual(pointers)
      })

      it.each(formCases)('form body $name -> 422 at $pointers', async ({ form, pointers }) => {
        const res = await server.api.post<Problem>(path, { auth: me.bearer, form })
        expectProblem(res, 422, 'VALIDATION_ERROR')
        expect(pointersOf(res.body)).toEqual(pointers)
      })

      it.each(['0', '-0', '0.00', '-0.0', '0e5'])('the JSON number %s -> 422 at /amount', async (zero) => {
        const res = await server.api.post<Problem>(path, {
          auth: me.bearer,
          raw: `{"description": "nothing", "amount": ${zero}}`,
          contentType: 'application/json',
        })
        expectProblem(res, 422, 'VALIDATION_ERROR')
        expect(pointersOf(res.body)).toEqual(['/amount'])
      })

      it('form body amount=-0 -> 422 at /amount', async () => {
        const res = await server.api.post<Problem>(path, { auth: me.bearer, form: { description: 'nothing', amount: '-0' } })
        expectProblem(res, 422, 'VALIDATION_ERROR')
        expect(pointersOf(res.body)).toEqual(['/amount'])
      })

      it(`nothing was recorded by any rejected request: no ${type}, a zero balance`, async () => {
        const res = await list(me, TRANSACTIONS)
        expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
        expect(await balanceOf(me)).toEqual({ income: 0, expenses: 0, balance: 0 })
      })
    })
  }
})

describe('400, 413 and 415 on POST /api/v1/incomes and /api/v1/expenses', () => {
  let me: TestUser
  beforeAll(async () => {
    me = await signUp(server.api)
  })
  const creates = [INCOMES, EXPENSES] as const

  it.each(creates)('POST %s with malformed JSON -> 400', async (path) => {
    const res = await server.api.post<Problem>(path, { auth: me.bearer, raw: '{"description": "x", "amount": 1', contentType: 'application/json' })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.type).toBe('/problems/bad-request')
  })

  it.each(creates)('POST %s with a body that is not UTF-8 -> 400', async (path) => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"description": "'), 0xff, ...new TextEncoder().encode('", "amount": 1}')])
    const res = await server.api.post<Problem>(path, { auth: me.bearer, raw: bytes, contentType: 'application/json' })
    expectProblem(res, 400, 'BAD_REQUEST')
  })

  it.each(creates)('POST %s with a text/plain body -> 415', async (path) => {
    const res = await server.api.post<Problem>(path, { auth: me.bearer, raw: 'description=x&amount=1', contentType: 'text/plain' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(res.body.detail).toContain('application/json')
  })

  it.each(creates)('POST %s with a body and no Content-Type -> 415', async (path) => {
    // Bytes, not a string: fetch would label a string text/plain by itself.
    const res = await server.api.post<Problem>(path, { auth: me.bearer, raw: new TextEncoder().encode('{"description":"x","amount":1}') })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(creates)('POST %s with application/merge-patch+json -> 415', async (path) => {
    const res = await server.api.post<Problem>(path, { auth: me.bearer, json: { description: 'x', amount: 1 }, contentType: 'application/merge-patch+json' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(creates)('POST %s with charset=latin1 -> 415', async (path) => {
    const res = await server.api.post<Problem>(path, { auth: me.bearer, json: { description: 'x', amount: 1 }, contentType: 'application/json; charset=latin1' })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it.each(creates)('POST %s with a JSON body over 1 MiB -> 413', async (path) => {
    const res = await server.api.post<Problem>(path, { auth: me.bearer, json: { description: 'x'.repeat(1_100_000), amount: 1 } })
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it.each(creates)('POST %s with a form body over 1 MiB -> 413', async (path) => {
    const res = await server.api.post<Problem>(path, { auth: me.bearer, form: { description: 'x'.repeat(1_100_000), amount: '1' } })
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it('nothing was recorded', async () => {
    expect((await list(me, TRANSACTIONS)).body.meta.total).toBe(0)
  })
})

describe('the total limit: 9,999,999,999,999.99 of income, and of expenses, per user', () => {
  describe('incomes', () => {
    let me: TestUser
    beforeAll(async () => {
      me = await signUp(server.api)
      // 9,999 of the largest income: 9,999,000,000,000 in all, 999,999,999.99 short of the limit.
      await seedMany(me, 'income', 9_999, MAX_AMOUNT_CENTS)
    })

    it('the seeded total is 9,999,000,000,000', async () => {
      expect(await balanceOf(me)).toEqual({ income: 9_999_000_000_000, expenses: 0, balance: 9_999_000_000_000 })
    })

    it('one cent past the limit (an income of 1,000,000,000) -> 422 at /amount, and nothing is recorded', async () => {
      const res = await server.api.post<Problem>(INCOMES, { auth: me.bearer, json: { description: 'too much', amount: 1_000_000_000 } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/amount'])
      expect(res.body.errors?.[0]?.detail).toContain('9999999999999.99')
      expect((await list(me, INCOMES, { per_page: 1 })).body.meta.total).toBe(9_999)
      expect((await balanceOf(me)).income).toBe(9_999_000_000_000)
    })

    it('exactly reaching the limit (999,999,999.99) -> 201; the balance is exactly 9999999999999.99', async () => {
      const income = await record(me, 'income', { description: 'the last cent', amount: 999_999_999.99 })
      expect(income.amount).toBe(999_999_999.99)
      const res = await server.api.get<Balance>(BALANCE, { auth: me.bearer })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ income: 9_999_999_999_999.99, expenses: 0, balance: 9_999_999_999_999.99 })
      expect(res.text).toContain('"income":9999999999999.99')
      expect(centsOf(res.body.income)).toBe(BigInt(MAX_TOTAL_CENTS))
    })

    it('at the limit, even one more cent -> 422, and the same cent through a form -> 422', async () => {
      const json = await server.api.post<Problem>(INCOMES, { auth: me.bearer, json: { description: 'a cent', amount: 0.01 } })
      expectProblem(json, 422, 'VALIDATION_ERROR')
      expect(pointersOf(json.body)).toEqual(['/amount'])
      const form = await server.api.post<Problem>(INCOMES, { auth: me.bearer, form: { description: 'a cent', amount: '0.01' } })
      expectProblem(form, 422, 'VALIDATION_ERROR')
      expect(pointersOf(form.body)).toEqual(['/amount'])
      expect((await balanceOf(me)).income).toBe(9_999_999_999_999.99)
      expect((await list(me, INCOMES, { per_page: 1 })).body.meta.total).toBe(10_000)
    })

    it('the income limit does not limit expenses: an expense of 1,000,000,000 -> 201', async () => {
      await record(me, 'expense', { description: 'spent', amount: 1_000_000_000 })
      expect(await balanceOf(me)).toEqual({ income: 9_999_999_999_999.99, expenses: -1_000_000_000, balance: 9_998_999_999_999.99 })
    })

    it('another user is not limited by this one', async () => {
      const other = await signUp(server.api)
      const income = await record(other, 'income', { description: 'mine', amount: 1_000_000_000 })
      expect(income.amount).toBe(1_000_000_000)
    })

    it('deleting an income makes room again', async () => {
      const last = (await list(me, INCOMES, { per_page: 1, page: 10_000 })).body.data[0]
      expect(last?.amount).toBe(999_999_999.99)
      expect((await server.api.delete(transactionPath(last?.id ?? 0), { auth: me.bearer })).status).toBe(204)
      expect((await balanceOf(me)).income).toBe(9_999_000_000_000)
      await record(me, 'income', { description: 'again', amount: 999_999_999.99 })
      expect((await balanceOf(me)).income).toBe(9_999_999_999_999.99)
    })
  })

  describe('expenses', () => {
    let me: TestUser
    beforeAll(async () => {
      me = await signUp(server.api)
      await seedMany(me, 'expense', 9_999, -MAX_AMOUNT_CENTS)
    })

    it.each([1_000_000_000, -1_000_000_000])('one cent past the limit (an expense of %d) -> 422 at /amount, nothing recorded', async (amount) => {
      const res = await server.api.post<Problem>(EXPENSES, { auth: me.bearer, json: { description: 'too much', amount } })
      expectProblem(res, 422, 'VALIDATION_ERROR')
      expect(pointersOf(res.body)).toEqual(['/amount'])
      expect(res.body.errors?.[0]?.detail).toContain('9999999999999.99')
      expect(await balanceOf(me)).toEqual({ income: 0, expenses: -9_999_000_000_000, balance: -9_999_000_000_000 })
    })

    it('exactly reaching the limit (-999,999,999.99) -> 201; expenses exactly -9999999999999.99', async () => {
      await record(me, 'expense', { description: 'the last cent', amount: -999_999_999.99 })
      const res = await server.api.get<Balance>(BALANCE, { auth: me.bearer })
      expect(res.body).toEqual({ income: 0, expenses: -9_999_999_999_999.99, balance: -9_999_999_999_999.99 })
      expect(res.text).toContain('"expenses":-9999999999999.99')
    })

    it('at the limit, one more cent -> 422 whatever its sign', async () => {
      for (const amount of [0.01, -0.01]) {
        const res = await server.api.post<Problem>(EXPENSES, { auth: me.bearer, json: { description: 'a cent', amount } })
        expectProblem(res, 422, 'VALIDATION_ERROR')
        expect(pointersOf(res.body)).toEqual(['/amount'])
      }
      expect((await list(me, EXPENSES, { per_page: 1 })).body.meta.total).toBe(10_000)
    })

    it('incomes are still taken, up to their own limit: both at the limit is a balance of exactly 0', async () => {
      await seedMany(me, 'income', 9_999, MAX_AMOUNT_CENTS)
      await record(me, 'income', { description: 'the last cent', amount: 999_999_999.99 })
      expect(await balanceOf(me)).toEqual({ income: 9_999_999_999_999.99, expenses: -9_999_999_999_999.99, balance: 0 })
    })
  })

  it('concurrent incomes near the limit: exactly as many are taken as fit', async () => {
    const me = await signUp(server.api)
    await seedMany(me, 'income', 9_999, MAX_AMOUNT_CENTS)
    // 999,999,999.94 more leaves room for exactly five cents.
    await record(me, 'income', { description: 'nearly', amount: 999_999_999.94 })
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => server.api.post(INCOMES, { auth: me.bearer, json: { description: 'a cent', amount: 0.01 } })),
    ).then((responses) => responses.map((r) => r.status))
    expect(statuses.filter((s) => s === 201)).toHaveLength(5)
    expect(statuses.filter((s) => s === 422)).toHaveLength(7)
    expect((await balanceOf(me)).income).toBe(9_999_999_999_999.99)
  })
})

describe('exact money', () => {
  it('incomes 0.1 and 0.2 -> income exactly 0.3 (not 0.30000000000000004)', async () => {
    const me = await signUp(server.api)
    await record(me, 'income', { description: 'ten cents', amount: 0.1 })
    await record(me, 'income', { description: 'twenty cents', amount: 0.2 })
    const res = await server.api.get<Balance>(BALANCE, { auth: me.bearer })
    expect(res.body).toEqual({ income: 0.3, expenses: 0, balance: 0.3 })
    expect(res.text).toBe('{"income":0.3,"expenses":0,"balance":0.3}')
  })

  it('expenses 0.1 and 0.2 against an income of 0.3 -> a balance of exactly 0', async () => {
    const me = await signUp(server.api)
    await record(me, 'income', { description: 'in', amount: 0.3 })
    await record(me, 'expense', { description: 'out', amount: 0.1 })
    await record(me, 'expense', { description: 'out', amount: -0.2 })
    expect(await balanceOf(me)).toEqual({ income: 0.3, expenses: -0.3, balance: 0 })
  })

  it('2,000 seeded random amounts: each recorded and listed as sent, the balance their exact sum to the cent', SENDS_THOUSANDS_OF_REQUESTS, async () => {
    const COUNT = 2_000
    const me = await signUp(server.api)
    const next = mulberry32(0x5eed)
    const below = (bound: number) => ((next() & 0x1fffff) * 2 ** 32 + next()) % bound
    const SPECIAL_CENTS = [1, 7, 10, 20, 29, 30, 57, 435, 99_999_999_999, MAX_AMOUNT_CENTS]
    const randomCents = (): number => {
      const bucket = next() % 20
      if (bucket < 10) return 1 + below(99_999) // up to 999.99
      if (bucket < 16) return 1 + below(100_000_000) // up to 1,000,000.00
      if (bucket < 19) return 1 + below(MAX_AMOUNT_CENTS) // up to 1,000,000,000.00
      return SPECIAL_CENTS[next() % SPECIAL_CENTS.length] ?? 1
    }
    const planned = Array.from({ length: COUNT }, (_, i) => {
      const type: Type = next() % 2 === 0 ? 'income' : 'expense'
      const cents = randomCents()
      // Expenses go out with either sign; the service stores them negative.
      const sign = type === 'expense' && next() % 2 === 0 ? -1 : 1
      return { type, cents, sent: sign * Number((cents / 100).toFixed(2)), description: `random ${i}` }
    })

    const created = await inPool(planned, 20, async ({ type, sent, description }) => {
      const res = await server.api.post<Transaction>(type === 'income' ? INCOMES : EXPENSES, { auth: me.bearer, json: { description, amount: sent } })
      if (res.status !== 201) throw new Error(`${sent}: ${res.status} ${res.text}`)
      return res.body
    })

    const expectedCents = new Map<number, bigint>()
    let income = 0n
    let expenses = 0n
    const mismatches: string[] = []
    planned.forEach(({ type, cents, sent }, i) => {
      const signed = BigInt(type === 'income' ? cents : -cents)
      const transaction = created[i]
      if (transaction === undefined) throw new Error(`no response for ${i}`)
      if (transaction.type !== type || centsOf(transaction.amount) !== signed) mismatches.push(`sent ${sent}, got ${transaction.amount}`)
      expectedCents.set(transaction.id, signed)
      if (type === 'income') income += signed
      else expenses += signed
    })
    expect(mismatches).toEqual([])
    expect(income).toBeGreaterThan(0n)
    expect(expenses).toBeLessThan(0n)

    const balance = await balanceOf(me)
    expect(centsOf(balance.income)).toBe(income)
    expect(centsOf(balance.expenses)).toBe(expenses)
    expect(centsOf(balance.balance)).toBe(income + expenses)

    // Every page of the list, read back from storage, agrees to the cent.
    const listed = new Set<number>()
    for (let page = 1; page <= COUNT / 100; page++) {
      const res = await list(me, TRANSACTIONS, { page, per_page: 100 })
      expect(res.body.meta).toEqual({ page, per_page: 100, total: COUNT, pages: COUNT / 100 })
      for (const transaction of res.body.data) {
        if (centsOf(transaction.amount) !== expectedCents.get(transaction.id)) mismatches.push(`listed ${transaction.id}: ${transaction.amount}`)
        listed.add(transaction.id)
      }
    }
    expect(mismatches).toEqual([])
    expect(listed.size).toBe(COUNT)
  })
})

describe('GET /api/v1/incomes, /api/v1/expenses and /api/v1/transactions', () => {
  let me: TestUser
  let other: TestUser
  /** Oldest first: a, then c and b at the same moment (c has the smaller id), d, e. */
  let a: Transaction, b: Transaction, c: Transaction, d: Transaction, e: Transaction
  let othersOwn: Transaction

  beforeAll(async () => {
    me = await signUp(server.api)
    other = await signUp(server.api)
    // Inserted out of time order, so that id order is not created_at order.
    ;[e, c, a, d, b] = (await seed(me, [
      { type: 'income', amount_cents: 10, created_at: '2026-11-21T12:00:00.000Z', description: 'Interest' },
      { type: 'income', amount_cents: 7, created_at: '2026-11-21T10:00:00.000Z', description: 'Found' },
      { type: 'income', amount_cents: 500_000, created_at: '2026-11-21T09:59:59.999Z', description: 'Salary' },
      { type: 'expense', amount_cents: -80_000, created_at: '2026-11-21T11:59:59.999Z', description: 'Rent' },
      { type: 'expense', amount_cents: -1_250, created_at: '2026-11-21T10:00:00.000Z', description: 'Pizza' },
    ])) as [Transaction, Transaction, Transaction, Transaction, Transaction]
    ;[othersOwn] = (await seed(other, [{ type: 'income', amount_cents: 99, created_at: '2026-11-21T10:30:00.000Z' }])) as [Transaction]
  })

  it('GET /api/v1/transactions -> both types, ordered by created_at then id, exactly as recorded', async () => {
    const res = await list(me, TRANSACTIONS)
    expect(Object.keys(res.body).sort()).toEqual(['data', 'meta'])
    expect(res.body).toEqual({ data: [a, c, b, d, e], meta: { page: 1, per_page: 20, total: 5, pages: 1 } })
    expect(c.id).toBeLessThan(b.id)
    expect(e.id).toBeLessThan(a.id)
  })

  it('GET /api/v1/incomes -> only incomes, in order', async () => {
    const res = await list(me, INCOMES)
    expect(res.body).toEqual({ data: [a, c, e], meta: { page: 1, per_page: 20, total: 3, pages: 1 } })
  })

  it('GET /api/v1/expenses -> only expenses, negative, in order', async () => {
    const res = await list(me, EXPENSES)
    expect(res.body).toEqual({ data: [b, d], meta: { page: 1, per_page: 20, total: 2, pages: 1 } })
    expect(res.body.data.map((t) => t.amount)).toEqual([-12.5, -800])
  })

  it('type=income and type=expense filter /api/v1/transactions', async () => {
    expect((await list(me, TRANSACTIONS, { type: 'income' })).body.data).toEqual([a, c, e])
    expect((await list(me, TRANSACTIONS, { type: 'expense' })).body.data).toEqual([b, d])
  })

  it('transactions created over HTTP in quick succession list in the order they were made', async () => {
    const fresh = await signUp(server.api)
    const made: Transaction[] = []
    for (const [type, amount] of [['income', 1], ['expense', 2], ['income', 3], ['expense', 4]] as const) {
      made.push(await record(fresh, type, { description: `#${amount}`, amount }))
    }
    expect((await list(fresh, TRANSACTIONS)).body.data).toEqual(made)
  })

  it('an empty list -> 200, data [], total 0, pages 0, and a Link to page 1 only', async () => {
    const fresh = await signUp(server.api)
    for (const path of [INCOMES, EXPENSES, TRANSACTIONS]) {
      const res = await list(fresh, path)
      expect(res.body).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, pages: 0 } })
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last'])
      expect(new URL(links.last ?? '').searchParams.get('page')).toBe('1')
    }
  })

  describe('from (inclusive) and to (exclusive)', () => {
    it.each([
      ['from=10:00Z', { from: '2026-11-21T10:00:00.000Z' }, () => [c, b, d, e]],
      ['from=10:00Z without milliseconds', { from: '2026-11-21T10:00:00Z' }, () => [c, b, d, e]],
      ['from=12:00+02:00 (that is 10:00Z)', { from: '2026-11-21T12:00:00+02:00' }, () => [c, b, d, e]],
      ['from=05:00-05:00 (that is 10:00Z)', { from: '2026-11-21T05:00:00-05:00' }, () => [c, b, d, e]],
      ['from=09:59:59.999Z', { from: '2026-11-21T09:59:59.999Z' }, () => [a, c, b, d, e]],
      ['from=10:00:00.001Z', { from: '2026-11-21T10:00:00.001Z' }, () => [d, e]],
      ['to=10:00Z', { to: '2026-11-21T10:00:00.000Z' }, () => [a]],
      ['to=12:00Z', { to: '2026-11-21T12:00:00Z' }, () => [a, c, b, d]],
      ['to=07:00-05:00 (that is 12:00Z)', { to: '2026-11-21T07:00:00-05:00' }, () => [a, c, b, d]],
      ['from=10:00Z&to=12:00Z', { from: '2026-11-21T10:00:00Z', to: '2026-11-21T12:00:00Z' }, () => [c, b, d]],
      ['from = to', { from: '2026-11-21T10:00:00Z', to: '2026-11-21T10:00:00Z' }, () => []],
      ['from=12:00+02:00&to=11:00Z: to is after from, though it sorts before it as text', { from: '2026-11-21T12:00:00+02:00', to: '2026-11-21T11:00:00Z' }, () => [c, b]],
      ['from 2026-11-22', { from: '2026-11-22T00:00:00Z' }, () => []],
    ] as const)('GET /api/v1/transactions?%s', async (_name, query, expected) => {
      const res = await list(me, TRANSACTIONS, query)
      expect(res.body.data).toEqual(expected())
      expect(res.body.meta.total).toBe(expected().length)
    })

    it('a bound finer than a millisecond is honoured: from=09:59:59.9995Z excludes 09:59:59.999Z', async () => {
      expect(idsOf(await list(me, TRANSACTIONS, { from: '2026-11-21T09:59:59.9995Z' }))).toEqual([c, b, d, e].map((t) => t.id))
    })

    it('a bound finer than a millisecond is honoured: to=09:59:59.9995Z includes 09:59:59.999Z', async () => {
      expect(idsOf(await list(me, TRANSACTIONS, { to: '2026-11-21T09:59:59.9995Z' }))).toEqual([a.id])
    })

    it('the %2B of an offset in the query string is read as +', async () => {
      const res = await server.api.get<TransactionList>(`${TRANSACTIONS}?from=2026-11-21T12:00:00%2B02:00`, { auth: me.bearer })
      expect(res.status).toBe(200)
      expect(res.body.data).toEqual([c, b, d, e])
    })

    it('/api/v1/incomes and /api/v1/expenses take from and to too', async () => {
      const range = { from: '2026-11-21T10:00:00Z', to: '2026-11-21T12:00:00Z' }
      expect((await list(me, INCOMES, range)).body.data).toEqual([c])
      expect((await list(me, EXPENSES, range)).body.data).toEqual([b, d])
    })

    it('type, from and to combine', async () => {
      const res = await list(me, TRANSACTIONS, { type: 'expense', from: '2026-11-21T10:00:00Z', to: '2026-11-21T11:00:00Z' })
      expect(res.body).toEqual({ data: [b], meta: { page: 1, per_page: 20, total: 1, pages: 1 } })
    })
  })

  describe('pagination and the Link header', () => {
    it('/api/v1/transactions?per_page=2: pages of two, Link first, prev, next, last', async () => {
      const first = await list(me, TRANSACTIONS, { per_page: 2 })
      expect(first.body).toEqual({ data: [a, c], meta: { page: 1, per_page: 2, total: 5, pages: 3 } })
      const links = parseLinks(first.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next'])
      expect(new URL(links.next ?? '').searchParams.get('page')).toBe('2')
      expect(new URL(links.last ?? '').searchParams.get('page')).toBe('3')
      for (const url of Object.values(links)) {
        expect(url.startsWith(`${server.baseUrl}${TRANSACTIONS}?`)).toBe(true)
        expect(new URL(url).searchParams.get('per_page')).toBe('2')
      }

      const second = await list(me, TRANSACTIONS, { page: 2, per_page: 2 })
      expect(second.body).toEqual({ data: [b, d], meta: { page: 2, per_page: 2, total: 5, pages: 3 } })
      expect(Object.keys(parseLinks(second.headers.get('link'))).sort()).toEqual(['first', 'last', 'next', 'prev'])

      const third = await list(me, TRANSACTIONS, { page: 3, per_page: 2 })
      expect(third.body).toEqual({ data: [e], meta: { page: 3, per_page: 2, total: 5, pages: 3 } })
      const lastLinks = parseLinks(third.headers.get('link'))
      expect(lastLinks.next).toBeUndefined()
      expect(new URL(lastLinks.prev ?? '').searchParams.get('page')).toBe('2')
    })

    it('a page past the end -> 200, empty data, the right total', async () => {
      const res = await list(me, INCOMES, { page: 5, per_page: 2 })
      expect(res.body).toEqual({ data: [], meta: { page: 5, per_page: 2, total: 3, pages: 2 } })
      expect(parseLinks(res.headers.get('link')).next).toBeUndefined()
    })

    it.each([INCOMES, EXPENSES])('the links of %s point back to it and carry from and to, never type', async (path) => {
      const res = await list(me, path, { per_page: 1, from: '2026-11-21T09:00:00Z', to: '2026-11-21T13:00:00Z' })
      const links = parseLinks(res.headers.get('link'))
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next'])
      for (const url of Object.values(links)) {
        expect(url.startsWith(`${server.baseUrl}${path}?`)).toBe(true)
        expect(url).not.toContain('type=')
        const params = new URL(url).searchParams
        expect(params.get('from')).toBe('2026-11-21T09:00:00Z')
        expect(params.get('to')).toBe('2026-11-21T13:00:00Z')
      }
      // The link works as it stands: /incomes and /expenses would refuse a `type`.
      const next = await server.api.get<TransactionList>(links.next ?? '', { auth: me.bearer })
      expect(next.status).toBe(200)
      expect(next.body.meta).toMatchObject({ page: 2 })
    })

    it('the links of /api/v1/transactions keep type, from and to, and following them walks the filtered list', async () => {
      const query = { type: 'expense', from: '2026-11-21T12:00:00+02:00', to: '2026-11-21T13:00:00Z', per_page: 1 }
      const res = await list(me, TRANSACTIONS, query)
      expect(res.body).toEqual({ data: [b], meta: { page: 1, per_page: 1, total: 2, pages: 2 } })
      const links = parseLinks(res.headers.get('link'))
      for (const url of Object.values(links)) {
        const params = new URL(url).searchParams
        expect(params.get('type')).toBe('expense')
        expect(params.get('from')).toBe('2026-11-21T12:00:00+02:00')
        expect(params.get('to')).toBe('2026-11-21T13:00:00Z')
        expect(url).toContain('from=2026-11-21T12%3A00%3A00%2B02%3A00')
      }
      const next = await server.api.get<TransactionList>(links.next ?? '', { auth: me.bearer })
      expect(next.status).toBe(200)
      expect(next.body).toEqual({ data: [d], meta: { page: 2, per_page: 1, total: 2, pages: 2 } })
    })
  })

  it("never lists another user's transactions, and counts only one's own", async () => {
    for (const path of [INCOMES, EXPENSES, TRANSACTIONS]) {
      const res = await list(me, path)
      expect(idsOf(res)).not.toContain(othersOwn.id)
    }
    expect((await list(me, TRANSACTIONS)).body.meta.total).toBe(5)
    expect((await list(other, TRANSACTIONS)).body).toEqual({ data: [othersOwn], meta: { page: 1, per_page: 20, total: 1, pages: 1 } })
    expect((await list(other, EXPENSES)).body.meta.total).toBe(0)
    expect((await list(other, TRANSACTIONS, { from: '2026-11-21T10:00:00Z', to: '2026-11-21T12:00:00Z' })).body.data).toEqual([othersOwn])
  })

  describe('GET /api/v1/balance with from and to', () => {
    it('over everything', async () => {
      expect(await balanceOf(me)).toEqual({ income: 5000.17, expenses: -812.5, balance: 4187.67 })
    })

    it.each([
      [{ from: '2026-11-21T10:00:00Z' }, { income: 0.17, expenses: -812.5, balance: -812.33 }],
      [{ to: '2026-11-21T10:00:00Z' }, { income: 5000, expenses: 0, balance: 5000 }],
      [{ from: '2026-11-21T10:00:00Z', to: '2026-11-21T12:00:00Z' }, { income: 0.07, expenses: -812.5, balance: -812.43 }],
      [{ from: '2026-11-21T12:00:00+02:00', to: '2026-11-21T07:00:00-05:00' }, { income: 0.07, expenses: -812.5, balance: -812.43 }],
      [{ from: '2026-11-21T10:00:00Z', to: '2026-11-21T10:00:00Z' }, { income: 0, expenses: 0, balance: 0 }],
      [{ from: '2027-01-01T00:00:00Z' }, { income: 0, expenses: 0, balance: 0 }],
    ])('%o -> %o', async (query, expected) => {
      expect(await balanceOf(me, query)).toEqual(expected)
    })

    it("never counts another user's transactions", async () => {
      expect(await balanceOf(other)).toEqual({ income: 0.99, expenses: 0, balance: 0.99 })
      expect(await balanceOf(other, { from: '2026-11-21T11:00:00Z' })).toEqual({ income: 0, expenses: 0, balance: 0 })
    })
  })
})

describe('400 BAD_REQUEST for query parameters', () => {
  let me: TestUser
  beforeAll(async () => {
    me = await signUp(server.api)
  })
  const ranged = [INCOMES, EXPENSES, TRANSACTIONS, BALANCE] as const
  const lists = [INCOMES, EXPENSES, TRANSACTIONS] as const
  const badDateTimes = [
    'yesterday',
    '2026-11-21',
    '2026-11-21T10:00:00',
    '2026-13-01T00:00:00Z',
    '2026-11-31T00:00:00Z',
    '2026-11-21T24:00:00Z',
    '2026-12-31T23:59:60Z',
    '1700000000',
    '',
  ]

  for (const path of ranged) {
    it.each(badDateTimes)(`GET ${path}?from=%s -> 400 naming from`, async (value) => {
      const res = await server.api.get<Problem>(withQuery(path, { from: value }), { auth: me.bearer })
      expectProblem(res, 400, 'BAD_REQUEST')
      expect(parametersOf(res.body)).toEqual(['from'])
    })
  }

  it.each(ranged)('GET %s?to=<not a date-time> -> 400 naming to', async (path) => {
    const res = await server.api.get<Problem>(withQuery(path, { to: 'tomorrow' }), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['to'])
  })

  it.each(ranged)('GET %s with to before from -> 400 naming to', async (path) => {
    const res = await server.api.get<Problem>(withQuery(path, { from: '2026-11-21T10:00:00Z', to: '2026-11-21T09:59:59.999Z' }), {
      auth: me.bearer,
    })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.errors).toEqual([{ parameter: 'to', detail: 'must not be before from' }])
  })

  it.each(ranged)('GET %s with to before from once offsets are applied, though after it as text -> 400 naming to', async (path) => {
    const res = await server.api.get<Problem>(withQuery(path, { from: '2026-11-21T11:00:00Z', to: '2026-11-21T12:00:00+02:00' }), {
      auth: me.bearer,
    })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['to'])
  })

  it.each(ranged)('GET %s with both bounds invalid -> 400 naming both', async (path) => {
    const res = await server.api.get<Problem>(withQuery(path, { from: 'x', to: 'y' }), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['from', 'to'])
  })

  it.each(ranged)('GET %s?colour=red (a parameter it does not take) -> 400 naming it', async (path) => {
    const res = await server.api.get<Problem>(`${path}?colour=red`, { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.errors).toEqual([{ parameter: 'colour', detail: 'is not a parameter of this operation' }])
  })

  it.each([INCOMES, EXPENSES, BALANCE])('GET %s?type=income (only /transactions takes type) -> 400 naming type', async (path) => {
    const res = await server.api.get<Problem>(`${path}?type=income`, { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['type'])
  })

  it.each(['other', 'INCOME', 'incomes', ''])('GET /api/v1/transactions?type=%s -> 400 naming type', async (type) => {
    const res = await server.api.get<Problem>(withQuery(TRANSACTIONS, { type }), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['type'])
  })

  it.each(['page', 'per_page'])('GET /api/v1/balance?%s=1 (the balance is not paged) -> 400 naming it', async (name) => {
    const res = await server.api.get<Problem>(`${BALANCE}?${name}=1`, { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual([name])
  })

  for (const path of lists) {
    it.each([
      [{ page: 0 }, ['page']],
      [{ page: 'one' }, ['page']],
      [{ per_page: 0 }, ['per_page']],
      [{ per_page: 101 }, ['per_page']],
      [{ page: 0, per_page: 101 }, ['page', 'per_page']],
    ] as const)(`GET ${path}?%o -> 400 naming %o`, async (query, parameters) => {
      const res = await server.api.get<Problem>(withQuery(path, query), { auth: me.bearer })
      expectProblem(res, 400, 'BAD_REQUEST')
      expect(parametersOf(res.body)).toEqual(parameters)
    })
  }
})

describe('GET /api/v1/transactions/{transactionId} (getTransaction)', () => {
  let me: TestUser
  let income: Transaction
  let expense: Transaction
  beforeAll(async () => {
    me = await signUp(server.api)
    income = await record(me, 'income', { description: 'Salary', amount: 5000 })
    expense = await record(me, 'expense', { description: 'Pizza', amount: 12.5 })
  })

  it('an income -> 200, the income as a bare object', async () => {
    const res = await server.api.get<Transaction>(transactionPath(income.id), { auth: me.bearer })
    expect(res.status).toBe(200)
    expectValidTransaction(res.body)
    expect(res.body).toEqual(income)
  })

  it('an expense -> 200, with its negative amount; with Basic credentials too', async () => {
    const res = await server.api.get<Transaction>(transactionPath(expense.id), { auth: me.basic })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(expense)
    expect(res.body.amount).toBe(-12.5)
  })

  it('one that does not exist -> 404 NOT_FOUND', async () => {
    const res = await server.api.get<Problem>(transactionPath(999_999_999), { auth: me.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
    expect(res.body.type).toBe('/problems/not-found')
  })

  it.each(['abc', '0', '-1', '1.5', '1e3', '0x1', '01', '9007199254740992'])('/api/v1/transactions/%s -> 400 naming transactionId', async (id) => {
    const res = await server.api.get<Problem>(transactionPath(id), { auth: me.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['transactionId'])
  })

  it('9007199254740991 (the largest id) -> 404, not 400', async () => {
    const res = await server.api.get<Problem>(transactionPath('9007199254740991'), { auth: me.bearer })
    expectProblem(res, 404, 'NOT_FOUND')
  })

  it('PUT, PATCH or POST on a transaction -> 405 with Allow: GET, DELETE, HEAD, OPTIONS; nothing changes', async () => {
    for (const method of ['PUT', 'PATCH', 'POST']) {
      const res = await server.api.request<Problem>(method, transactionPath(income.id), { auth: me.bearer, json: { description: 'x', amount: 1 } })
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED')
      expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS')
    }
    expect((await server.api.get<Transaction>(transactionPath(income.id), { auth: me.bearer })).body).toEqual(income)
  })
})

describe('DELETE /api/v1/transactions/{transactionId} (deleteTransaction)', () => {
  let someone: TestUser
  beforeAll(async () => {
    someone = await signUp(server.api)
  })

  it('-> 204 with an empty body; then GET -> 404, a second DELETE -> 404, and the balance no longer counts it', async () => {
    const me = await signUp(server.api)
    const salary = await record(me, 'income', { description: 'Salary', amount: 5000 })
    const pizza = await record(me, 'expense', { description: 'Pizza', amount: 12.5 })
    const rent = await record(me, 'expense', { description: 'Rent', amount: 800 })
    expect(await balanceOf(me)).toEqual({ income: 5000, expenses: -812.5, balance: 4187.5 })

    const deleted = await server.api.delete(transactionPath(pizza.id), { auth: me.bearer })
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe('')

    expectProblem(await server.api.get<Problem>(transactionPath(pizza.id), { auth: me.bearer }), 404, 'NOT_FOUND')
    expectProblem(await server.api.delete<Problem>(transactionPath(pizza.id), { auth: me.bearer }), 404, 'NOT_FOUND')
    expect(await balanceOf(me)).toEqual({ income: 5000, expenses: -800, balance: 4200 })
    expect((await list(me, TRANSACTIONS)).body.data).toEqual([salary, rent])
    expect((await list(me, EXPENSES)).body.data).toEqual([rent])
  })

  it('an income, with Basic credentials -> 204; the income total drops', async () => {
    const me = await signUp(server.api)
    const salary = await record(me, 'income', { description: 'Salary', amount: 0.1 })
    await record(me, 'income', { description: 'Bonus', amount: 0.2 })
    const res = await server.api.delete(transactionPath(salary.id), { auth: me.basic })
    expect(res.status).toBe(204)
    expect(await balanceOf(me)).toEqual({ income: 0.2, expenses: 0, balance: 0.2 })
  })

  it('one that does not exist -> 404', async () => {
    expectProblem(await server.api.delete<Problem>(transactionPath(999_999_999), { auth: someone.bearer }), 404, 'NOT_FOUND')
  })

  it.each(['abc', '0', '-1', '1.5', '9007199254740992'])('/api/v1/transactions/%s -> 400 naming transactionId', async (id) => {
    const res = await server.api.delete<Problem>(transactionPath(id), { auth: someone.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(parametersOf(res.body)).toEqual(['transactionId'])
  })
})

describe('GET /api/v1/balance (getBalance)', () => {
  it('a user with no transactions -> 200, {income: 0, expenses: 0, balance: 0}', async () => {
    const me = await signUp(server.api)
    const res = await server.api.get<Balance>(BALANCE, { auth: me.bearer })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ income: 0, expenses: 0, balance: 0 })
    expect(res.text).toBe('{"income":0,"expenses":0,"balance":0}')
  })

  it('income 5000, expenses 12.5 and 800 -> {5000, -812.5, 4187.5}', async () => {
    const me = await signUp(server.api)
    await record(me, 'income', { description: 'Salary', amount: 5000 })
    await record(me, 'expense', { description: 'Pizza', amount: 12.5 })
    await record(me, 'expense', { description: 'Rent', amount: -800 })
    const res = await server.api.get<Balance>(BALANCE, { auth: me.basic })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['balance', 'expenses', 'income'])
    expect(res.body).toEqual({ income: 5000, expenses: -812.5, balance: 4187.5 })
  })

  it('a negative balance: expenses more than income', async () => {
    const me = await signUp(server.api)
    await record(me, 'income', { description: 'Pocket money', amount: 0.07 })
    await record(me, 'expense', { description: 'Sweets', amount: 0.1 })
    expect(await balanceOf(me)).toEqual({ income: 0.07, expenses: -0.1, balance: -0.03 })
  })

  it('from and to select what was recorded in that range (using the created_at values returned)', async () => {
    const me = await signUp(server.api)
    const first = await record(me, 'income', { description: 'first', amount: 1 })
    await new Promise<void>((resolve) => setTimeout(resolve, 5))
    const second = await record(me, 'expense', { description: 'second', amount: 2 })
    expect(second.created_at > first.created_at).toBe(true)
    expect(await balanceOf(me, { to: second.created_at })).toEqual({ income: 1, expenses: 0, balance: 1 })
    expect(await balanceOf(me, { from: second.created_at })).toEqual({ income: 0, expenses: -2, balance: -2 })
    expect(await balanceOf(me, { from: first.created_at, to: second.created_at })).toEqual({ income: 1, expenses: 0, balance: 1 })
    expect(await balanceOf(me, { from: first.created_at })).toEqual({ income: 1, expenses: -2, balance: -1 })
  })
})

describe('per-user isolation', () => {
  let alice: TestUser
  let bob: TestUser
  let salary: Transaction
  let pizza: Transaction
  let bobs: Transaction
  beforeAll(async () => {
    alice = await signUp(server.api)
    bob = await signUp(server.api)
    salary = await record(alice, 'income', { description: "Alice's salary", amount: 5000 })
    pizza = await record(alice, 'expense', { description: "Alice's pizza", amount: 12.5 })
    bobs = await record(bob, 'expense', { description: "Bob's own", amount: 1 })
  })

  it.each(['income', 'expense'] as const)("GET another user's %s -> 404, never 403", async (type) => {
    const target = type === 'income' ? salary : pizza
    expectProblem(await server.api.get<Problem>(transactionPath(target.id), { auth: bob.bearer }), 404, 'NOT_FOUND')
    expectProblem(await server.api.get<Problem>(target.uri, { auth: bob.basic }), 404, 'NOT_FOUND')
  })

  it.each(['income', 'expense'] as const)("DELETE another user's %s -> 404", async (type) => {
    const target = type === 'income' ? salary : pizza
    expectProblem(await server.api.delete<Problem>(transactionPath(target.id), { auth: bob.bearer }), 404, 'NOT_FOUND')
  })

  it("the owner's transactions still exist, unchanged, and her balance counts them", async () => {
    expect((await server.api.get<Transaction>(transactionPath(salary.id), { auth: alice.bearer })).body).toEqual(salary)
    expect((await server.api.get<Transaction>(transactionPath(pizza.id), { auth: alice.bearer })).body).toEqual(pizza)
    expect(await balanceOf(alice)).toEqual({ income: 5000, expenses: -12.5, balance: 4987.5 })
  })

  it('each user lists and sums only their own', async () => {
    expect((await list(bob, TRANSACTIONS)).body.data).toEqual([bobs])
    expect((await list(bob, INCOMES)).body.meta.total).toBe(0)
    expect((await list(bob, EXPENSES)).body.data).toEqual([bobs])
    expect(await balanceOf(bob)).toEqual({ income: 0, expenses: -1, balance: -1 })
    expect((await list(alice, TRANSACTIONS)).body.data).toEqual([salary, pizza])
  })

  it("recording as one user never touches another's totals", async () => {
    await record(bob, 'income', { description: 'Bob earns', amount: 100 })
    expect(await balanceOf(alice)).toEqual({ income: 5000, expenses: -12.5, balance: 4987.5 })
    expect(await balanceOf(bob)).toEqual({ income: 100, expenses: -1, balance: 99 })
  })

  it("Bob can delete his own, and Alice cannot see it before or after", async () => {
    expectProblem(await server.api.get<Problem>(transactionPath(bobs.id), { auth: alice.bearer }), 404, 'NOT_FOUND')
    expectProblem(await server.api.delete<Problem>(transactionPath(bobs.id), { auth: alice.bearer }), 404, 'NOT_FOUND')
    expect((await server.api.delete(transactionPath(bobs.id), { auth: bob.bearer })).status).toBe(204)
    expectProblem(await server.api.get<Problem>(transactionPath(bobs.id), { auth: alice.bearer }), 404, 'NOT_FOUND')
  })
})

/** Every money operation, with a request that would succeed given the right credentials. */
const OPERATIONS: ReadonlyArray<{ operationId: string; method: string; path: (id: number) => string; options: RequestOptions }> = [
  { operationId: 'listIncomes', method: 'GET', path: () => INCOMES, options: {} },
  { operationId: 'createIncome', method: 'POST', path: () => INCOMES, options: { json: { description: 'x', amount: 1 } } },
  { operationId: 'listExpenses', method: 'GET', path: () => EXPENSES, options: {} },
  { operationId: 'createExpense', method: 'POST', path: () => EXPENSES, options: { json: { description: 'x', amount: 1 } } },
  { operationId: 'listTransactions', method: 'GET', path: () => TRANSACTIONS, options: {} },
  { operationId: 'getTransaction', method: 'GET', path: transactionPath, options: {} },
  { operationId: 'deleteTransaction', method: 'DELETE', path: transactionPath, options: {} },
  { operationId: 'getBalance', method: 'GET', path: () => BALANCE, options: {} },
]

describe('401, 406, 429 and 500 on every money operation', () => {
  let owner: TestUser
  let kept: Transaction
  beforeAll(async () => {
    owner = await signUp(server.api)
    kept = await record(owner, 'income', { description: 'Private', amount: 10 })
  })

  it('covers every operation tagged Money in the spec', () => {
    const money = server.api.contract
      .operations()
      .filter(({ operation }) => (operation.tags as string[] | undefined)?.includes('Money'))
      .map((op) => op.operationId)
    expect(money.sort()).toEqual(OPERATIONS.map((op) => op.operationId).sort())
  })

  it.each(OPERATIONS)('$operationId with no credentials -> 401 with WWW-Authenticate offering Basic and Bearer', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(kept.id), options)
    expectProblem(res, 401, 'UNAUTHORIZED')
    const challenge = res.headers.get('www-authenticate') ?? ''
    expect(challenge).toMatch(/Basic/)
    expect(challenge).toMatch(/Bearer/)
  })

  it.each(OPERATIONS)('$operationId with a wrong token -> 401', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(kept.id), { ...options, auth: { bearer: 'not-a-real-token' } })
    expectProblem(res, 401, 'UNAUTHORIZED')
  })

  it('a wrong password -> 401', async () => {
    const res = await server.api.get<Problem>(BALANCE, { auth: { basic: [owner.username, 'not-the-password'] } })
    expectProblem(res, 401, 'UNAUTHORIZED')
  })

  it.each(OPERATIONS)('$operationId with Accept: application/xml -> 406', async ({ method, path, options }) => {
    const res = await server.api.request<Problem>(method, path(kept.id), { ...options, auth: owner.bearer, headers: { accept: 'application/xml' } })
    expectProblem(res, 406, 'NOT_ACCEPTABLE')
  })

  it('nothing changed: the transaction is still there, and nothing was added', async () => {
    expect((await server.api.get<Transaction>(transactionPath(kept.id), { auth: owner.bearer })).body).toEqual(kept)
    expect((await list(owner, TRANSACTIONS)).body.data).toEqual([kept])
  })

  describe('on a server of their own', () => {
    let spare: TestServer
    let victim: TestUser
    let income: Transaction
    beforeAll(async () => {
      spare = await startTestServer({ loginMaxFailures: 1, loginWindowSeconds: 120 })
      victim = await signUp(spare.api)
      const res = await spare.api.post<Transaction>(INCOMES, { auth: victim.bearer, json: { description: 'x', amount: 1 } })
      expect(res.status).toBe(201)
      income = res.body
    })
    afterAll(() => spare.close())

    it('once a username is throttled, every operation with its Basic credentials -> 429 with Retry-After', async () => {
      expectProblem(await spare.api.get<Problem>(BALANCE, { auth: { basic: [victim.username, 'wrong password'] } }), 401, 'UNAUTHORIZED')
      for (const { operationId, method, path, options } of OPERATIONS) {
        const res = await spare.api.request<Problem>(method, path(income.id), { ...options, auth: victim.basic })
        expectProblem(res, 429, 'TOO_MANY_REQUESTS')
        expect(Number(res.headers.get('retry-after')), operationId).toBeGreaterThanOrEqual(1)
        expect(Number(res.headers.get('retry-after')), operationId).toBeLessThanOrEqual(120)
      }
      // The bearer token still works, and nothing was recorded or deleted.
      const listed = await spare.api.get<TransactionList>(TRANSACTIONS, { auth: victim.bearer })
      expect(listed.body.data).toEqual([income])
    })

    it('when the database is gone, every operation -> a bare 500 with no internals', async () => {
      await spare.db.destroy()
      for (const { operationId, method, path, options } of OPERATIONS) {
        const res = await spare.api.request<Problem>(method, path(income.id), { ...options, auth: victim.bearer })
        expectProblem(res, 500, 'INTERNAL_ERROR')
        expect(res.body, operationId).toEqual(BARE_INTERNAL_ERROR)
        expect(res.text).not.toMatch(/sqlite|select|insert|transactions|stack|at \w+ \(/i)
      }
    })
  })
})

describe('405 on the money paths', () => {
  let me: TestUser
  beforeAll(async () => {
    me = await signUp(server.api)
  })

  it.each([
    ['PUT', INCOMES, 'GET, POST, HEAD, OPTIONS'],
    ['DELETE', EXPENSES, 'GET, POST, HEAD, OPTIONS'],
    ['POST', TRANSACTIONS, 'GET, HEAD, OPTIONS'],
    ['DELETE', BALANCE, 'GET, HEAD, OPTIONS'],
  ])('%s %s -> 405 with Allow: %s', async (method, path, allow) => {
    const res = await server.api.request<Problem>(method, path, { auth: me.bearer })
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED')
    expect(res.headers.get('allow')).toBe(allow)
  })
})
