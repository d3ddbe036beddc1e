/**
 * The error surface, across every operation in the spec: each status below is declared
 * on the operations that can return it, and comes back as problem+json, never HTML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Credentials } from '../support/client.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser } from '../support/server.js'

let server: TestServer
let me: TestUser

beforeAll(async () => {
  server = await startTestServer()
  me = await signUp(server.api)
})
afterAll(() => server.close())

/** A concrete path for a spec path template: every id is 1. */
function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, '1')
}

function securityOf(operation: Record<string, unknown>, document: Record<string, unknown>): string[] {
  const requirements = (operation.security ?? document.security ?? []) as Array<Record<string, unknown>>
  return requirements.flatMap((r) => Object.keys(r))
}

describe('unknown routes and methods', () => {
  it('GET /nope is a 404 problem', async () => {
    const res = await server.api.get<Problem>('/nope')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404, code: 'NOT_FOUND' })
  })

  it('GET /api/v1/tasks/1/extra is a 404 problem', async () => {
    expect((await server.api.get('/api/v1/tasks/1/extra', { auth: me.bearer })).status).toBe(404)
  })

  it('PUT /api/v1/users/me is 405 with Allow listing the path item methods', async () => {
    const res = await server.api.put<Problem>('/api/v1/users/me', { auth: me.bearer, json: {} })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, DELETE, PATCH')
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED')
  })

  it('DELETE /api/v1/tasks is 405 with Allow: GET, POST', async () => {
    const res = await server.api.delete<Problem>('/api/v1/tasks')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, POST')
  })
})

describe('406 Not Acceptable, on every operation', () => {
  it('answers every operation that is asked for XML with 406', async () => {
    for (const { method, path, operationId } of server.api.contract.operations()) {
      const res = await server.api.request<Problem>(method, concrete(path), {
        auth: me.bearer,
        headers: { accept: 'application/xml' },
      })
      expect(res.status, operationId).toBe(406)
      expect(res.body.code).toBe('NOT_ACCEPTABLE')
    }
  })

  it('is 406 for a client that takes only problem+json: success bodies are JSON', async () => {
    const res = await server.api.get<Problem>('/api/v1/tasks', { auth: me.bearer, headers: { accept: 'application/problem+json' } })
    expect(res.status).toBe(406)
    expect(res.body.detail).toBe('This resource is available as application/json only.')
  })

  it('accepts */*, application/*, and problem+json alongside json', async () => {
    for (const accept of ['*/*', 'application/*', 'application/json, application/problem+json', 'text/html;q=0.1, application/json']) {
      expect((await server.api.get('/api/v1/tasks', { auth: me.bearer, headers: { accept } })).status, accept).toBe(200)
    }
  })
})

describe('401 Unauthorized, on every secured operation', () => {
  it('answers every operation that needs credentials with 401 and both challenges', async () => {
    const secured = server.api.contract
      .operations()
      .filter(({ operation }) => securityOf(operation, server.api.contract.document).length > 0)
    expect(secured.length).toBeGreaterThan(10)
    for (const { method, path, operationId } of secured) {
      const res = await server.api.request<Problem>(method, concrete(path))
      expect(res.status, operationId).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="achiever".*, Bearer realm="achiever"/)
    }
  })
})

describe('request bodies, on every operation that takes one', () => {
  const withBody = () => server.api.contract.operations().filter(({ operation }) => operation.requestBody !== undefined)

  it('answers malformed JSON with 400', async () => {
    expect(withBody().length).toBeGreaterThanOrEqual(5)
    for (const { method, path, operationId } of withBody()) {
      const res = await server.api.request<Problem>(method, concrete(path), { auth: me.bearer, raw: '{"title": ', contentType: 'application/json' })
      expect(res.status, operationId).toBe(400)
      expect(res.body.detail).toMatch(/^The body is not valid JSON/)
    }
  })

  it('answers a media type the operation does not take with 415, naming the ones it does', async () => {
    for (const { method, path, operationId } of withBody()) {
      const res = await server.api.request<Problem>(method, concrete(path), { auth: me.bearer, raw: 'title=x', contentType: 'text/plain' })
      expect(res.status, operationId).toBe(415)
      expect(res.body.detail).toContain('application/json')
    }
  })

  it('answers a charset other than UTF-8 with 415', async () => {
    const res = await server.api.post<Problem>('/api/v1/tasks', {
      auth: me.bearer,
      raw: '{"title":"x"}',
      contentType: 'application/json; charset=latin1',
    })
    expect(res.status).toBe(415)
  })

  it('answers a body over 1 MiB with 413, and takes one just under it', async () => {
    for (const { method, path, operationId } of withBody()) {
      const res = await server.api.request<Problem>(method, concrete(path), { auth: me.bearer, json: { title: 'x'.repeat(1024 * 1024) } })
      expect(res.status, operationId).toBe(413)
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE')
    }
    const justUnder = await server.api.post<Problem>('/api/v1/tasks', {
      auth: me.bearer,
      json: { title: 'x', description: 'y'.repeat(1024 * 1024 - 100) },
    })
    expect(justUnder.status).toBe(422) // read and parsed; the description is simply too long
    expect(justUnder.body.errors).toEqual([{ pointer: '/description', detail: 'must NOT have more than 2000 characters' }])
  })
})

describe('429 Too Many Requests, on every operation that takes Basic credentials', () => {
  it('answers every Basic operation with 429 and Retry-After once a username is throttled', async () => {
    const throttled = await startTestServer({ loginMaxFailures: 1, loginWindowSeconds: 120 })
    try {
      const victim = await signUp(throttled.api)
      expect((await throttled.api.get('/api/v1/users/me', { auth: { basic: [victim.username, 'wrong password'] } })).status).toBe(401)
      const basicOperations = throttled.api.contract
        .operations()
        .filter(({ operation }) => securityOf(operation, throttled.api.contract.document).includes('basicAuth'))
      for (const { method, path, operationId } of basicOperations) {
        const res = await throttled.api.request<Problem>(method, concrete(path), { auth: victim.basic })
        expect(res.status, operationId).toBe(429)
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
        expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(120)
        expect(res.body.code).toBe('TOO_MANY_REQUESTS')
      }
    } finally {
      await throttled.close()
    }
  })
})

describe('500 Internal Server Error', () => {
  it('answers every database-backed operation with a bare 500 when the database is gone', async () => {
    const broken = await startTestServer()
    const victim = await signUp(broken.api)
    await broken.db.destroy()
    const needsDatabase = broken.api.contract
      .operations()
      .filter(({ operation }) => operation.tags && !(operation.tags as string[]).includes('Service'))
    const auth: Record<string, Credentials> = { revokeCurrentToken: victim.bearer }
    try {
      for (const { method, path, operationId } of needsDatabase) {
        const json = method === 'POST' || method === 'PUT' || method === 'PATCH' ? bodyFor(operationId) : undefined
        const res = await broken.api.request<Problem>(method, concrete(path), { auth: auth[operationId] ?? victim.basic, json })
        expect(res.status, operationId).toBe(500)
        expect(res.body).toEqual({
          type: '/problems/internal-error',
          title: 'Internal server error',
          status: 500,
          detail: 'Something went wrong on our side. Quote the X-Request-Id when you report it.',
          code: 'INTERNAL_ERROR',
        })
        expect(res.text).not.toMatch(/sqlite|select|insert|stack|at \w+ \(/i)
      }
      const logged = broken.logs()
      expect(logged).toContain('unhandled error')
      expect(logged).toContain(`"reqId"`)
    } finally {
      await broken.close()
    }
  })
})

function bodyFor(operationId: string): unknown {
  switch (operationId) {
    case 'createUser':
      return { username: 'someone', email: 'someone@example.com', password: 'long enough' }
    case 'updateCurrentUser':
      return { email: 'new@example.com' }
    default:
      return { title: 'A task' }
  }
}

describe('X-Request-Id', () => {
  it('echoes a sane request id', async () => {
    const res = await server.api.get('/healthz', { headers: { 'x-request-id': 'client-42.a:b_c' } })
    expect(res.headers.get('x-request-id')).toBe('client-42.a:b_c')
  })

  it('replaces an insane one with its own', async () => {
    const res = await server.api.get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } })
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is on errors too, and differs between requests', async () => {
    const a = await server.api.get('/nope')
    const b = await server.api.get('/nope')
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'))
  })
})

describe('never HTML', () => {
  it('answers a browser-like request to an unknown route with problem+json', async () => {
    const res = await server.api.get('/api/v1/unknown', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.text).not.toMatch(/<html/i)
  })
})
