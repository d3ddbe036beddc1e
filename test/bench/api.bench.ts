/**
 * Request throughput over real HTTP, for `npm run bench` (never part of `npm test`).
 * Each case is one request through the whole stack: Express, openapi-backend routing,
 * auth, validation, handler, Kysely and SQLite.
 */
import { afterAll, beforeAll, bench, describe } from 'vitest'
import { type Goal, signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'

let server: TestServer
let me: TestUser
let task: Task
let headers: Record<string, string>
/** A second user with 1,000 goals (ten trees of 100, in chains up to 20 deep) and 1,000 transactions. */
let planner: TestUser
let plannerHeaders: Record<string, string>

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'silent' })
  me = await signUp(server.api, 'bencher')
  headers = { authorization: `Bearer ${me.token}` }
  for (let i = 0; i < 50; i++) {
    const created = await server.api.post<Task>('/api/v1/tasks', { auth: me.bearer, json: { title: `Task ${i}` } })
    task = created.body
  }
  planner = await signUp(server.api, 'planner')
  plannerHeaders = { authorization: `Bearer ${planner.token}` }
  const goalIds: number[] = []
  for (let i = 0; i < 1000; i++) {
    const k = i % 100
    const parentIndex = k === 0 ? undefined : k % 20 === 0 ? i - k : i - 1
    const parent_id = parentIndex === undefined ? null : (goalIds[parentIndex] ?? null)
    const goal = await server.api.post<Goal>('/api/v1/goals', { auth: planner.bearer, json: { name: `Goal ${i}`, parent_id } })
    goalIds.push(goal.body.id)
    const money = i % 3 === 0 ? '/api/v1/incomes' : '/api/v1/expenses'
    await server.api.post(money, { auth: planner.bearer, json: { description: `Item ${i}`, amount: (i % 997) + 0.01 } })
  }
  // Two thousand requests through the whole stack: far more than the config's 10 s hook timeout allows.
}, 180_000)
afterAll(() => server.close())

describe('requests', () => {
  bench('GET /healthz (routing only)', async () => {
    await (await fetch(`${server.baseUrl}/healthz`)).text()
  })

  bench('GET /api/v1/tasks/{taskId} (bearer)', async () => {
    await (await fetch(`${server.baseUrl}/api/v1/tasks/${task.id}`, { headers })).text()
  })

  bench('GET /api/v1/tasks?per_page=20 (bearer)', async () => {
    await (await fetch(`${server.baseUrl}/api/v1/tasks?per_page=20`, { headers })).text()
  })

  bench('PATCH /api/v1/tasks/{taskId} (bearer)', async () => {
    await (
      await fetch(`${server.baseUrl}/api/v1/tasks/${task.id}`, {
        method: 'PATCH',
        headers: { ...headers, 'content-type': 'application/merge-patch+json' },
        body: '{"done":true}',
      })
    ).text()
  })

  bench('GET /api/v1/goals/tree, 1,000 goals (bearer)', async () => {
    await (await fetch(`${server.baseUrl}/api/v1/goals/tree`, { headers: plannerHeaders })).text()
  })

  bench('GET /api/v1/balance, 1,000 transactions (bearer)', async () => {
    await (await fetch(`${server.baseUrl}/api/v1/balance`, { headers: plannerHeaders })).text()
  })
})
