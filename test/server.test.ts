/**
 * The process (src/server.ts) on SIGTERM: it drains every connection it can and exits 0,
 * whatever its clients are doing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from './support/process.js'
import { slowRequest } from './support/raw.js'
import { signUp } from './support/server.js'
import { STARTS_A_SERVER } from './support/timeouts.js'

let dir: string
let server: ServerProcess | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'achiever-process-'))
})
afterEach(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const start = (env: Record<string, string> = {}) => startServerProcess({ DATABASE_URL: join(dir, 'db.sqlite'), ...env })

/** A keep-alive connection that has had one answered request and now sits idle. */
function idleConnection(baseUrl: string): Promise<{ closed: Promise<void> }> {
  const { port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.once('error', reject)
    socket.once('data', () => resolve({ closed }))
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  })
}

describe('SIGTERM', () => {
  it('exits 0 while clients hold half-sent headers, a stalled body and an idle connection: each is ended', STARTS_A_SERVER, async () => {
    server = await start({ SHUTDOWN_TIMEOUT_SECONDS: '1', HEADERS_TIMEOUT_SECONDS: '60', BODY_TIMEOUT_SECONDS: '60' })
    const idle = await idleConnection(server.baseUrl)
    const halfHeaders = slowRequest(server.baseUrl, 'GET /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const stalledBody = slowRequest(
      server.baseUrl,
      'POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user',
    )
    // Both have reached the server once a later request is answered on a new connection.
    expect((await server.api.get('/healthz')).status).toBe(200)

    const code = await server.stop()
    expect(code).toBe(0)
    await idle.closed
    await Promise.all([halfHeaders, stalledBody])
  })

  it('lets a request in flight finish, answered with Connection: close, then exits 0', STARTS_A_SERVER, async () => {
    server = await start({ SHUTDOWN_TIMEOUT_SECONDS: '30' })
    const user = await signUp(server.api)
    const body = JSON.stringify({ title: 'Written while shutting down' })
    const { port } = new URL(server.baseUrl)
    const socket = connect(Number(port), '127.0.0.1')
    const answer = new Promise<string>((resolve) => {
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    })
    socket.write(
      `POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${user.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    )
    // The request is in flight (its body half sent) when the signal arrives.
    await server.api.get('/healthz')
    const stopped = server.stop()
    await server.logged((entry) => entry.msg === 'shutting down')
    socket.write(body.slice(5))

    const response = await answer
    expect(response).toMatch(/^HTTP\/1\.1 201 Created\r\n/)
    expect(response).toMatch(/\r\nConnection: close\r\n/i)
    expect(response).toContain('"title":"Written while shutting down"')
    expect(await stopped).toBe(0)
  })
})

describe('DATABASE_URL=:memory:', () => {
  it('serves the database it migrated (a second open of :memory: would be a new, empty one)', STARTS_A_SERVER, async () => {
    server = await start({ DATABASE_URL: ':memory:' })
    const user = await signUp(server.api)
    const me = await server.api.get<{ username: string }>('/api/v1/users/me', { auth: user.bearer })
    expect(me.status, me.text).toBe(200)
    expect(me.body.username).toBe(user.username)
  })
})
