/**
 * What a money request may not say: 422 with one errors[] entry per invalid field, and 400
 * for query parameters. Nothing is recorded by any. Malformed bodies and ids, 413 and 415
 * are the shared suite's (test/support/resource-suites.ts, run by transactions-refusals.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, parametersOf, pointersOf } from '../support/expect.js'
import { BALANCE, TRANSACTIONS, withQuery } from '../support/paths.js'
import { type Problem, signUp, type TestUser, useTestServer } from '../support/server.js'
import { EXPENSES, INCOMES, transactionRequests } from './transaction-requests.js'

const server = useTestServer()

const { list, balanceOf } = transactionRequests(() => server)

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
