/**
 * Request throughput over real HTTP, for `npm run bench` (never part of `npm test`).
 * Each case is one request through the whole stack: Express, openapi-backend routing,
 * auth, validation, handler, Kysely and SQLite.
 */
import { afterAll, beforeAll, bench, describe } from 'vitest'
import { signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'

let server: TestServer
let me: TestUser
let task: Task
let headers: Record<string, string>

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'silent' })
  me = await signUp(server.api, 'bencher')
  headers = { authorization: `Bearer ${me.token}` }
  for (let i = 0; i < 50; i++) {
    const created = await server.api.post<Task>('/api/v1/tasks', { auth: me.bearer, json: { title: `Task ${i}` } })
    task = created.body
  }
})
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
})
