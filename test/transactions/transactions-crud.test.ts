/**
 * Money, as a client exercises it: recording an income or an expense, reading and
 * deleting one, and the balance. Each test is a request, the status, and the body; every
 * response is also held to `openapi.yaml` by the client.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem } from '../support/expect.js'
import { BALANCE, TRANSACTIONS } from '../support/paths.js'
import { type Balance, type Problem, signUp, type TestUser, type Transaction, useTestServer } from '../support/server.js'
import { answerOf, typedClient } from '../support/typed-client.js'
import { EXPENSES, INCOMES, transactionPath, transactionRequests } from './transaction-requests.js'

const server = useTestServer()

const { record, list, balanceOf, expectValidTransaction } = transactionRequests(() => server)

describe('POST /api/v1/incomes (createIncome)', () => {
  it('with JSON -> 201, the income, Location = uri', async () => {
    const me = await signUp(server.api)
    const res = answerOf(await typedClient(server.api, me).POST('/api/v1/incomes', { body: { description: 'Salary', amount: 5000 } }))
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
    const res = answerOf(await typedClient(server.api, me).POST('/api/v1/expenses', { body: { description: 'Pizza', amount: 12.5 } }))
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
    const res = answerOf(await typedClient(server.api, me).GET('/api/v1/transactions/{transactionId}', { params: { path: { transactionId: income.id } } }))
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

  it('PUT, PATCH or POST on a transaction -> 405 with Allow: GET, DELETE, HEAD, OPTIONS; nothing changes', async () => {
    for (const method of ['PUT', 'PATCH', 'POST']) {
      const res = await server.api.request<Problem>(method, transactionPath(income.id), { auth: me.bearer, json: { description: 'x', amount: 1 } })
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED')
      expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS')
    }
    expect(answerOf(await typedClient(server.api, me).GET('/api/v1/transactions/{transactionId}', { params: { path: { transactionId: income.id } } })).body).toEqual(
      income,
    )
  })
})

describe('DELETE /api/v1/transactions/{transactionId} (deleteTransaction)', () => {
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
