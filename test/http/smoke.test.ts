import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signUp, startTestServer, type TestServer } from '../support/server.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

describe('smoke', () => {
  it('registers, creates and lists', async () => {
    const me = await signUp(server.api)
    const created = await server.api.post('/api/v1/tasks', { auth: me.bearer, form: { title: 'Read a book' } })
    expect(created.status).toBe(201)
    const list = await server.api.get('/api/v1/tasks', { auth: me.bearer })
    expect(list.status).toBe(200)
  })
})
