/**
 * The request log (src/http/request-log.ts): one compact JSON line per request, and no
 * secret in any line, whether it came in a header or in the query string
 * (`?access_token=...` was once logged verbatim, issue 9).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerProcess } from '../support/process.js'
import { signUp, startTestServer, type Task, type TestUser, useTestServer } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

const server = useTestServer()
let me: TestUser
beforeAll(async () => {
  me = await signUp(server.api)
})

/** The log line of the request sent with this X-Request-Id. */
function lineOf(logs: string, requestId: string): Record<string, unknown> {
  const line = logs.split('\n').find((l) => l.includes(`"reqId":"${requestId}"`))
  if (!line) throw new Error(`no log line for ${requestId} in:\n${logs}`)
  return JSON.parse(line) as Record<string, unknown>
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Query parameter names that carry secrets, as clients spell them. */
const SECRET_PARAMETERS = ['access_token', 'token', 'api_key', 'apiKey', 'password', 'client_secret', 'refresh_token', 'X-Api-Key', 'access%5Ftoken']

describe('a request line', () => {
  it('is one line: time, request id, method, route template, status, duration, user; no headers', async () => {
    const task = await server.api.post<Task>('/api/v1/tasks', { auth: me.bearer, json: { title: 'Logged' } })
    const res = await server.api.get(`/api/v1/tasks/${task.body.id}`, {
      auth: me.bearer,
      headers: { 'x-request-id': 'log-shape', 'user-agent': 'agent-not-for-the-log', 'x-extra': 'header-not-for-the-log' },
    })
    expect(res.status).toBe(200)
    const line = lineOf(server.logs(), 'log-shape')
    expect(Object.keys(line).sort()).toEqual(['level', 'method', 'ms', 'msg', 'reqId', 'route', 'status', 'time', 'userId'])
    expect(line).toMatchObject({ level: 30, method: 'GET', route: '/api/v1/tasks/{taskId}', status: 200, userId: me.id, msg: 'request' })
    expect(line.time).toMatch(ISO_TIME)
    expect(line.ms).toBeGreaterThanOrEqual(0)
    expect(server.logs()).not.toContain('agent-not-for-the-log')
    expect(server.logs()).not.toContain('header-not-for-the-log')
  })

  it('names the path, without its query, when no operation matched', async () => {
    const res = await server.api.get('/no/such/route?colour=red', { headers: { 'x-request-id': 'log-unrouted' } })
    expect(res.status).toBe(404)
    expect(lineOf(server.logs(), 'log-unrouted')).toMatchObject({ method: 'GET', path: '/no/such/route', status: 404 })
  })

  it('leaves out the user when nobody signed in', async () => {
    await server.api.get('/healthz', { headers: { 'x-request-id': 'log-anonymous' } })
    const line = lineOf(server.logs(), 'log-anonymous')
    expect(line).toMatchObject({ route: '/healthz', status: 200 })
    expect(line).not.toHaveProperty('userId')
  })
})

describe('secrets in the query string', () => {
  it.each(SECRET_PARAMETERS)('?%s=... never reaches the log, on any route', async (name) => {
    const secret = `query-secret-${name.replace(/\W/g, '')}-${Date.now()}`
    for (const path of ['/api/v1/tasks', '/api/v1/users/me', '/healthz', '/no/such/route']) {
      const res = await server.api.get(`${path}?${name}=${secret}&page=1`, { auth: me.bearer })
      expect(res.status, path).toBeGreaterThanOrEqual(200)
    }
    expect(server.logs()).not.toContain(secret)
  })

  it('never reaches the log of a failure either (a 500 logs the error with its request id)', STARTS_A_SERVER, async () => {
    const broken = await startTestServer()
    try {
      const victim = await signUp(broken.api)
      await broken.db.destroy()
      const secret = `query-secret-on-a-500-${Date.now()}`
      const res = await broken.api.get(`/api/v1/tasks?access_token=${secret}`, { auth: victim.bearer })
      expect(res.status).toBe(500)
      expect(broken.logs()).toContain('unhandled error')
      expect(broken.logs()).not.toContain(secret)
    } finally {
      await broken.close()
    }
  })
})

describe('the process (src/server.ts), logging to stdout as in production', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'achiever-log-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes JSON lines with an ISO time and no secret, and flushes them all before it exits', STARTS_A_SERVER, async () => {
    const serverProcess = await startServerProcess({ DATABASE_URL: join(dir, 'db.sqlite') })
    const user = await signUp(serverProcess.api, 'log-process')
    const secret = `process-query-secret-${Date.now()}`
    for (let i = 0; i < 20; i++) {
      await serverProcess.api.get(`/api/v1/tasks?access_token=${secret}`, { auth: user.bearer, headers: { 'x-request-id': `process-${i}` } })
    }
    expect(await serverProcess.stop()).toBe(0)

    const lines = serverProcess.output()
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    for (const entry of entries) {
      expect(entry.time).toMatch(ISO_TIME)
      expect(entry).not.toHaveProperty('pid')
      expect(entry).not.toHaveProperty('hostname')
    }
    for (let i = 0; i < 20; i++) expect(entries.filter((e) => e.reqId === `process-${i}`)).toHaveLength(1)
    expect(entries.at(-1)?.msg).toBe('stopped')
    const output = lines.join('\n')
    expect(output).not.toContain(secret)
    expect(output).not.toContain(user.token)
    expect(output).not.toContain(user.password)
  })
})
