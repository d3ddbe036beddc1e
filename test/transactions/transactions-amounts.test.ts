/**
 * Amounts: the per-user total limit on income and on expenses, and exact money (to the
 * cent, never through floats). Where a test needs many rows, it writes them straight into
 * `transactions`.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { expectProblem, pointersOf } from '../support/expect.js'
import { BALANCE, TRANSACTIONS } from '../support/paths.js'
import { mulberry32 } from '../support/random.js'
import { type Balance, type Problem, signUp, type TestUser, type Transaction, useTestServer } from '../support/server.js'
import { SENDS_THOUSANDS_OF_REQUESTS } from '../support/timeouts.js'
import { centsOf, EXPENSES, INCOMES, inPool, MAX_AMOUNT_CENTS, MAX_TOTAL_CENTS, type Type, transactionPath, transactionRequests } from './transaction-requests.js'

const server = useTestServer()

const { record, list, balanceOf, seedMany } = transactionRequests(() => server)

describe('the total limit: 9,999,999,999,999.99 of income, and of expenses, per user', () => {
  describe('incomes', () => {
    let me: TestUser
    // Each test starts from its own user, 999,999,999.99 short of the limit (rows written in bulk, so cheap).
    beforeEach(async () => {
      me = await signUp(server.api)
      // 9,999 of the largest income: 9,999,000,000,000 in all, 999,999,999.99 short of the limit.
      await seedMany(me, 'income', 9_999, MAX_AMOUNT_CENTS)
    })
    /** The last cent that fits: the user is then exactly at the limit. */
    const reachTheLimit = () => record(me, 'income', { description: 'the last cent', amount: 999_999_999.99 })

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
      await reachTheLimit()
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
      await reachTheLimit()
      await record(me, 'expense', { description: 'spent', amount: 1_000_000_000 })
      expect(await balanceOf(me)).toEqual({ income: 9_999_999_999_999.99, expenses: -1_000_000_000, balance: 9_998_999_999_999.99 })
    })

    it('another user is not limited by this one', async () => {
      const other = await signUp(server.api)
      const income = await record(other, 'income', { description: 'mine', amount: 1_000_000_000 })
      expect(income.amount).toBe(1_000_000_000)
    })

    it('deleting an income makes room again', async () => {
      await reachTheLimit()
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
    // Each test starts from its own user, 999,999,999.99 short of the limit.
    beforeEach(async () => {
      me = await signUp(server.api)
      await seedMany(me, 'expense', 9_999, -MAX_AMOUNT_CENTS)
    })
    /** The last cent that fits: the user is then exactly at the limit. */
    const reachTheLimit = () => record(me, 'expense', { description: 'the last cent', amount: -999_999_999.99 })

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
      await reachTheLimit()
      for (const amount of [0.01, -0.01]) {
        const res = await server.api.post<Problem>(EXPENSES, { auth: me.bearer, json: { description: 'a cent', amount } })
        expectProblem(res, 422, 'VALIDATION_ERROR')
        expect(pointersOf(res.body)).toEqual(['/amount'])
      }
      expect((await list(me, EXPENSES, { per_page: 1 })).body.meta.total).toBe(10_000)
    })

    it('incomes are still taken, up to their own limit: both at the limit is a balance of exactly 0', async () => {
      await reachTheLimit()
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
