/**
 * The money operations refusing a request whole. What every resource refuses alike (415,
 * 413, 406, malformed input, 401, another user's transaction) runs from the shared suites
 * in test/support/resource-suites.ts; what is money's own is here: balances that count only
 * one's own, a throttled username (429), a database that is gone (500), and a method a
 * path does not have (405).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BARE_INTERNAL_ERROR, expectProblem } from '../support/expect.js'
import { BALANCE, TRANSACTIONS } from '../support/paths.js'
import { describeResourceBasics } from '../support/resource-suites.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser, type Transaction, type TransactionList, useTestServer } from '../support/server.js'
import { SERVER_START_TIMEOUT_MS } from '../support/timeouts.js'
import { answerOf, typedClient } from '../support/typed-client.js'
import { EXPENSES, INCOMES, moneyOperations, transactionPath, transactionRequests, transactionResource } from './transaction-requests.js'

const server = useTestServer()

const { record, list, balanceOf } = transactionRequests(() => server)

describeResourceBasics(transactionResource(() => server))

describe('per-user isolation of balances', () => {
  let alice: TestUser
  let bob: TestUser
  let salary: Transaction
  let pizza: Transaction
  let bobs: Transaction
  // Each test writes or deletes: each starts from the same two users of its own.
  beforeEach(async () => {
    alice = await signUp(server.api)
    bob = await signUp(server.api)
    salary = await record(alice, 'income', { description: "Alice's salary", amount: 5000 })
    pizza = await record(alice, 'expense', { description: "Alice's pizza", amount: 12.5 })
    bobs = await record(bob, 'expense', { description: "Bob's own", amount: 1 })
  })

  it("the owner's transactions still exist, unchanged, and her balance counts them", async () => {
    // Another user's reads and deletes of them first: each a 404 that changes nothing.
    for (const id of [salary.id, pizza.id]) {
      expect((await server.api.get(`/api/v1/transactions/${id}`, { auth: bob.bearer })).status).toBe(404)
      expect((await server.api.delete(`/api/v1/transactions/${id}`, { auth: bob.bearer })).status).toBe(404)
    }
    expect(answerOf(await typedClient(server.api, alice).GET('/api/v1/transactions/{transactionId}', { params: { path: { transactionId: salary.id } } })).body).toEqual(
      salary,
    )
    expect(answerOf(await typedClient(server.api, alice).GET('/api/v1/transactions/{transactionId}', { params: { path: { transactionId: pizza.id } } })).body).toEqual(
      pizza,
    )
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

  it('Bob can delete his own, and Alice cannot see it before or after', async () => {
    expectProblem(await server.api.get<Problem>(transactionPath(bobs.id), { auth: alice.bearer }), 404, 'NOT_FOUND')
    expectProblem(await server.api.delete<Problem>(transactionPath(bobs.id), { auth: alice.bearer }), 404, 'NOT_FOUND')
    expect((await server.api.delete(transactionPath(bobs.id), { auth: bob.bearer })).status).toBe(204)
    expectProblem(await server.api.get<Problem>(transactionPath(bobs.id), { auth: alice.bearer }), 404, 'NOT_FOUND')
  })
})

describe('429 and 500 on every money operation', () => {
  it('the operations cover every operation tagged Money in the spec', () => {
    const money = server.api.contract
      .operations()
      .filter(({ operation }) => (operation.tags as string[] | undefined)?.includes('Money'))
      .map((op) => op.operationId)
    expect(money.sort()).toEqual(
      moneyOperations(() => '')
        .map((op) => op.name)
        .sort(),
    )
  })

  describe('on a server of their own', () => {
    let spare: TestServer
    let victim: TestUser
    let income: Transaction
    // One each: the 500 test destroys the server's database, which the 429 test needs.
    beforeEach(async () => {
      spare = await startTestServer({ loginMaxFailures: 1, loginWindowSeconds: 120 })
      victim = await signUp(spare.api)
      const res = await spare.api.post<Transaction>(INCOMES, { auth: victim.bearer, json: { description: 'x', amount: 1 } })
      expect(res.status).toBe(201)
      income = res.body
    }, SERVER_START_TIMEOUT_MS)
    afterEach(() => spare.close())

    it('once a username is throttled, every operation with its Basic credentials -> 429 with Retry-After', async () => {
      expectProblem(await spare.api.get<Problem>(BALANCE, { auth: { basic: [victim.username, 'wrong password'] } }), 401, 'UNAUTHORIZED')
      for (const { name: operationId, method, path, options } of moneyOperations(() => transactionPath(income.id))) {
        const res = await spare.api.request<Problem>(method, path(), { ...options, auth: victim.basic })
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
      for (const { name: operationId, method, path, options } of moneyOperations(() => transactionPath(income.id))) {
        const res = await spare.api.request<Problem>(method, path(), { ...options, auth: victim.bearer })
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
