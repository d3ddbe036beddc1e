/**
 * The money operations refusing a request whole: another user's transaction (404), no or
 * wrong credentials (401), an Accept they cannot meet (406), a throttled username (429), a
 * database that is gone (500), and a method a path does not have (405).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestOptions } from '../support/client.js'
import { BARE_INTERNAL_ERROR, expectProblem } from '../support/expect.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser, type Transaction, type TransactionList } from '../support/server.js'
import { BALANCE, EXPENSES, INCOMES, TRANSACTIONS, transactionPath, transactionRequests } from './transaction-requests.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const { record, list, balanceOf } = transactionRequests(() => server)

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
