/**
 * Strong ETags, as a client sees them: one on every resource, list, tree and balance,
 * moving exactly when what it tags does, and with nothing else. Each test is a transcript:
 * request -> status -> headers and body, every response held to `openapi.yaml` by the client.
 */
import { describe, expect, it } from 'vitest'
import { tick } from '../support/expect.js'
import { BALANCE, GOALS, ME, TASKS, TREE } from '../support/paths.js'
import {
  type Balance,
  type Goal,
  type GoalList,
  type GoalTree,
  signUp,
  type Task,
  type TaskList,
  type Token,
  type Transaction,
  type TransactionList,
  type User,
  useTestServer,
} from '../support/server.js'
import { conditionalRequests, etagOf, ifNoneMatch, unique } from './conditional-requests.js'

const server = useTestServer()

const { get, read, tagAt, newTask, newGoal, newIncome, newExpense, patch, remove } = conditionalRequests(() => server)

describe('a strong ETag on every resource, moving exactly when the resource does', () => {
  it('task: POST, GET, PATCH {} and PATCH of each field, PUT', async () => {
    const me = await signUp(server.api)
    const post = await newTask(me, { title: 'Buy groceries', description: 'Milk, Cheese' })
    const path = `${TASKS}/${post.body.id}`
    const seen = new Set([etagOf(post)])

    // GET -> 200, the tag of the POST that made this state; re-reading keeps it.
    const first = await read<Task>(me, path)
    expect(first.body).toEqual(post.body)
    expect(etagOf(first)).toBe(etagOf(post))
    expect(await tagAt(me, path)).toBe(etagOf(post))

    // PATCH {} changes nothing, so neither does the tag.
    const nothing = await patch<Task>(me, path, {})
    expect(nothing.body).toEqual(post.body)
    expect(etagOf(nothing)).toBe(etagOf(post))
    expect(await tagAt(me, path)).toBe(etagOf(post))

    for (const change of [{ title: 'Buy milk' }, { description: 'Semi-skimmed' }, { done: true }, { done: false }]) {
      await tick()
      const changed = await patch<Task>(me, path, change)
      expect(changed.body).toMatchObject(change)
      const tag = etagOf(changed)
      expect(seen.has(tag), `${JSON.stringify(change)} gave a tag seen before`).toBe(false)
      seen.add(tag)
      const again = await read<Task>(me, path)
      expect(again.body).toEqual(changed.body)
      expect(etagOf(again)).toBe(tag)
    }

    await tick()
    const put = await server.api.put<Task>(path, { auth: me.bearer, json: { title: 'Buy bread', description: '', done: true } })
    expect(put.status).toBe(200)
    expect(seen.has(etagOf(put))).toBe(false)
    const afterPut = await read<Task>(me, path)
    expect(afterPut.body).toEqual(put.body)
    expect(etagOf(afterPut)).toBe(etagOf(put))
  })

  it('goal: POST, GET, PATCH {} and PATCH of each field, complete, re-open, PUT', async () => {
    const me = await signUp(server.api)
    const parent = await newGoal(me, { name: 'Get fit' })
    const post = await newGoal(me, { name: 'Run a marathon' })
    const path = `${GOALS}/${post.body.id}`
    const seen = new Set([etagOf(parent), etagOf(post)])

    const first = await read<Goal>(me, path)
    expect(first.body).toEqual(post.body)
    expect(etagOf(first)).toBe(etagOf(post))
    expect(await tagAt(me, path)).toBe(etagOf(post))

    const nothing = await patch<Goal>(me, path, {})
    expect(nothing.body).toEqual(post.body)
    expect(etagOf(nothing)).toBe(etagOf(post))

    const changes: Array<[string, Record<string, unknown>]> = [
      ['name', { name: 'Run a half marathon' }],
      ['description', { description: 'before the spring' }],
      ['parent_id', { parent_id: parent.body.id }],
      ['complete', { end: post.body.start }],
      ['re-open', { end: null }],
      ['back to the top level', { parent_id: null }],
    ]
    for (const [what, change] of changes) {
      await tick()
      const changed = await patch<Goal>(me, path, change)
      expect(changed.body, what).toMatchObject(change)
      const tag = etagOf(changed)
      expect(seen.has(tag), `${what} gave a tag seen before`).toBe(false)
      seen.add(tag)
      const again = await read<Goal>(me, path)
      expect(again.body).toEqual(changed.body)
      expect(etagOf(again), what).toBe(tag)
    }

    await tick()
    const put = await server.api.put<Goal>(path, { auth: me.bearer, json: { name: 'Run 10 km' } })
    expect(put.status).toBe(200)
    expect(seen.has(etagOf(put))).toBe(false)
    expect(await tagAt(me, path)).toBe(etagOf(put))
    // The parent did not change, and neither did its tag.
    expect(await tagAt(me, `${GOALS}/${parent.body.id}`)).toBe(etagOf(parent))
  })

  it('transaction: POST income or expense, GET; each its own tag, stable on re-reading', async () => {
    const me = await signUp(server.api)
    const income = await newIncome(me, 5000)
    const expense = await newExpense(me, 12.5)
    for (const post of [income, expense]) {
      const path = `/api/v1/transactions/${post.body.id}`
      const got = await read<Transaction>(me, path)
      expect(got.body).toEqual(post.body)
      expect(etagOf(got)).toBe(etagOf(post))
      expect(await tagAt(me, path)).toBe(etagOf(post))
    }
    expect(etagOf(income)).not.toBe(etagOf(expense))
  })

  it('user: POST /users, GET /users/me and /users/{id} share a tag; PATCH {} keeps it; PATCH email moves it', async () => {
    const username = unique('tagged')
    const password = `${username}-secret-pw`
    const registered = await server.api.post<User>('/api/v1/users', { json: { username, email: `${username}@example.com`, password } })
    expect(registered.status, registered.text).toBe(201)
    const token = await server.api.post<Token>('/api/v1/tokens', { auth: { basic: [username, password] } })
    expect(token.status).toBe(201)
    const auth = { bearer: token.body.token }
    const byId = `/api/v1/users/${registered.body.id}`

    const me = await server.api.get<User>(ME, { auth })
    expect(me.status).toBe(200)
    expect(me.body).toEqual(registered.body)
    expect(etagOf(me)).toBe(etagOf(registered))
    const mine = await server.api.get<User>(byId, { auth })
    expect(mine.status).toBe(200)
    expect(etagOf(mine)).toBe(etagOf(registered))

    const nothing = await server.api.patch<User>(ME, { auth, json: {} })
    expect(nothing.status).toBe(200)
    expect(etagOf(nothing)).toBe(etagOf(registered))

    const changed = await server.api.patch<User>(ME, { auth, json: { email: `${username}@example.org` } })
    expect(changed.status).toBe(200)
    expect(changed.body.email).toBe(`${username}@example.org`)
    expect(etagOf(changed)).not.toBe(etagOf(registered))
    for (const path of [ME, byId]) {
      const again = await server.api.get<User>(path, { auth })
      expect(again.body).toEqual(changed.body)
      expect(etagOf(again)).toBe(etagOf(changed))
    }
  })
})

describe('list, tree and balance tags move with what the page shows, and with nothing else', () => {
  it('GET /api/v1/tasks?per_page=2: an item on the page or the total changes it; an item on page 2 does not', async () => {
    const me = await signUp(server.api)
    const first = await newTask(me, { title: 'First' })
    const second = await newTask(me, { title: 'Second' })
    const third = await newTask(me, { title: 'Third' })
    const page = `${TASKS}?page=1&per_page=2`
    const t0 = await tagAt(me, page)
    expect(await tagAt(me, page)).toBe(t0)

    await patch(me, `${TASKS}/${third.body.id}`, { title: 'Third, renamed' })
    expect(await tagAt(me, page), 'an item on page 2 changed').toBe(t0)

    await patch(me, `${TASKS}/${second.body.id}`, { done: true })
    const t1 = await tagAt(me, page)
    expect(t1, 'an item on the page changed').not.toBe(t0)
    expect((await get(me, page, ifNoneMatch(t0))).status).toBe(200)
    expect((await get(me, page, ifNoneMatch(t1))).status).toBe(304)

    const fourth = await newTask(me, { title: 'Fourth' })
    const grown = await read<TaskList>(me, page)
    expect(grown.body.data.map((t) => t.id)).toEqual([first.body.id, second.body.id])
    expect(grown.body.meta.total).toBe(4)
    const t2 = etagOf(grown)
    expect(t2, 'the total changed').not.toBe(t1)

    // Deleting it again gives the very same page, so the very same tag.
    await remove(me, `${TASKS}/${fourth.body.id}`)
    expect(await tagAt(me, page)).toBe(t1)
    // Each page has its own tag, and so does another sort of the same list.
    expect(await tagAt(me, `${TASKS}?page=2&per_page=2`)).not.toBe(t1)
    expect(await tagAt(me, `${page}&sort=-created_at`)).not.toBe(t1)
  })

  it('GET /api/v1/goals?per_page=2: the same', async () => {
    const me = await signUp(server.api)
    const first = await newGoal(me, { name: 'First' })
    const second = await newGoal(me, { name: 'Second' })
    const third = await newGoal(me, { name: 'Third' })
    const page = `${GOALS}?page=1&per_page=2`
    const t0 = await tagAt(me, page)
    expect(await tagAt(me, page)).toBe(t0)
    expect((await get(me, page, ifNoneMatch(t0))).status).toBe(304)

    await patch(me, `${GOALS}/${third.body.id}`, { description: 'on page 2' })
    expect(await tagAt(me, page), 'an item on page 2 changed').toBe(t0)

    await patch(me, `${GOALS}/${first.body.id}`, { end: first.body.start })
    const t1 = await tagAt(me, page)
    expect(t1, 'an item on the page changed').not.toBe(t0)
    expect((await get(me, page, ifNoneMatch(t0))).status).toBe(200)

    const fourth = await newGoal(me, { name: 'Fourth' })
    const grown = await read<GoalList>(me, page)
    expect(grown.body.data.map((g) => g.id)).toEqual([first.body.id, second.body.id])
    expect(grown.body.meta.total).toBe(4)
    expect(etagOf(grown), 'the total changed').not.toBe(t1)

    await remove(me, `${GOALS}/${fourth.body.id}`)
    expect(await tagAt(me, page)).toBe(t1)
  })

  it('GET /api/v1/goals/tree: any goal changing, or one more, changes it; PATCH {} does not', async () => {
    const me = await signUp(server.api)
    const parent = await newGoal(me, { name: 'Get fit' })
    const child = await newGoal(me, { name: 'Run 10 km', parent_id: parent.body.id })
    const t0 = await tagAt(me, TREE)
    expect(await tagAt(me, TREE)).toBe(t0)

    await patch(me, `${GOALS}/${child.body.id}`, {})
    expect(await tagAt(me, TREE)).toBe(t0)

    await patch(me, `${GOALS}/${child.body.id}`, { name: 'Run 5 km' })
    const t1 = await tagAt(me, TREE)
    expect(t1, 'a sub-goal changed').not.toBe(t0)

    const grandchild = await newGoal(me, { name: 'Run 1 km', parent_id: child.body.id })
    const t2 = await tagAt(me, TREE)
    expect(t2, 'a goal was added').not.toBe(t1)
    expect((await get(me, TREE, ifNoneMatch(t1))).status).toBe(200)
    expect((await get(me, TREE, ifNoneMatch(t2))).status).toBe(304)

    await remove(me, `${GOALS}/${grandchild.body.id}`)
    expect(await tagAt(me, TREE)).toBe(t1)
    const tree = await read<GoalTree>(me, TREE)
    expect(tree.body.data.map((g) => g.id)).toEqual([parent.body.id])
  })

  it('GET /api/v1/transactions?per_page=2, /incomes and /expenses: each moves with its own items only', async () => {
    const me = await signUp(server.api)
    const first = await newIncome(me, 100)
    await newExpense(me, 20)
    await newIncome(me, 300)
    const page = '/api/v1/transactions?page=1&per_page=2'
    const incomes = '/api/v1/incomes'
    const expenses = '/api/v1/expenses'
    const t0 = await tagAt(me, page)
    const i0 = await tagAt(me, incomes)
    const e0 = await tagAt(me, expenses)
    expect(await tagAt(me, page)).toBe(t0)

    // One more expense, on page 2: the total changes, and so do the expenses; not the incomes.
    const extra = await newExpense(me, 40)
    const grown = await read<TransactionList>(me, page)
    expect(grown.body.meta.total).toBe(4)
    const t1 = etagOf(grown)
    expect(t1).not.toBe(t0)
    expect(await tagAt(me, expenses)).not.toBe(e0)
    expect(await tagAt(me, incomes)).toBe(i0)

    // The first item goes: page 1 shows other items.
    await remove(me, `/api/v1/transactions/${first.body.id}`)
    const t2 = await tagAt(me, page)
    expect(t2).not.toBe(t1)
    expect(await tagAt(me, incomes)).not.toBe(i0)
    expect((await get(me, page, ifNoneMatch(t1))).status).toBe(200)
    expect((await get(me, page, ifNoneMatch(t2))).status).toBe(304)

    // Taking the extra expense away again gives back the expenses list as it was.
    await remove(me, `/api/v1/transactions/${extra.body.id}`)
    expect(await tagAt(me, expenses)).toBe(e0)
  })

  it('GET /api/v1/balance: moves with every income or expense, and comes back with the same totals', async () => {
    const me = await signUp(server.api)
    await newIncome(me, 5000)
    const b0 = await tagAt(me, BALANCE)
    expect(await tagAt(me, BALANCE)).toBe(b0)

    const income = await newIncome(me, 100)
    const b1 = await tagAt(me, BALANCE)
    expect(b1).not.toBe(b0)

    const expense = await newExpense(me, 100)
    const balance = await read<Balance>(me, BALANCE)
    expect(balance.body).toEqual({ income: 5100, expenses: -100, balance: 5000 })
    const b2 = etagOf(balance)
    expect(b2).not.toBe(b1)
    expect(b2, 'same balance, other totals').not.toBe(b0)
    expect((await get(me, BALANCE, ifNoneMatch(b1))).status).toBe(200)
    expect((await get(me, BALANCE, ifNoneMatch(b2))).status).toBe(304)

    await remove(me, `/api/v1/transactions/${income.body.id}`)
    await remove(me, `/api/v1/transactions/${expense.body.id}`)
    expect(await tagAt(me, BALANCE)).toBe(b0)
  })
})
