/**
 * Listing money: /incomes, /expenses and /transactions in order, the from/to range, pages
 * and the Link header, and the balance over a range. Where a test needs rows at chosen
 * moments, it writes them straight into `transactions`.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { parseLinks } from '../support/expect.js'
import { TRANSACTIONS } from '../support/paths.js'
import { signUp, type TestUser, type Transaction, type TransactionList, useTestServer } from '../support/server.js'
import { EXPENSES, INCOMES, idsOf, transactionRequests } from './transaction-requests.js'

const server = useTestServer()

const { record, list, balanceOf, seed } = transactionRequests(() => server)

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
    for (const [type, amount] of [
      ['income', 1],
      ['expense', 2],
      ['income', 3],
      ['expense', 4],
    ] as const) {
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
      [
        'from=12:00+02:00&to=11:00Z: to is after from, though it sorts before it as text',
        { from: '2026-11-21T12:00:00+02:00', to: '2026-11-21T11:00:00Z' },
        () => [c, b],
      ],
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
      [
        { from: '2026-11-21T10:00:00Z', to: '2026-11-21T12:00:00Z' },
        { income: 0.07, expenses: -812.5, balance: -812.43 },
      ],
      [
        { from: '2026-11-21T12:00:00+02:00', to: '2026-11-21T07:00:00-05:00' },
        { income: 0.07, expenses: -812.5, balance: -812.43 },
      ],
      [
        { from: '2026-11-21T10:00:00Z', to: '2026-11-21T10:00:00Z' },
        { income: 0, expenses: 0, balance: 0 },
      ],
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
