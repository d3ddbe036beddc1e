/**
 * The error surface, across every operation in the spec: each status below is declared
 * on the operations that can return it, and comes back as problem+json, never HTML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Credentials } from '../support/client.js'
import { BARE_INTERNAL_ERROR } from '../support/expect.js'
import { rawRequest } from '../support/raw.js'
import { type Problem, signUp, startTestServer, type TestServer, type TestUser } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

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
    expect(res.headers.get('allow')).toBe('GET, DELETE, PATCH, HEAD, OPTIONS')
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED')
  })

  it('DELETE /api/v1/tasks is 405 with Allow: GET, POST', async () => {
    const res = await server.api.delete<Problem>('/api/v1/tasks')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS')
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
  it('answers every operation that needs credentials with 401, challenging with the schemes it takes', async () => {
    const secured = server.api.contract.operations().filter(({ operation }) => securityOf(operation, server.api.contract.document).length > 0)
    expect(secured.length).toBeGreaterThan(10)
    const challenges = { basicAuth: 'Basic realm="achiever", charset="UTF-8"', bearerAuth: 'Bearer realm="achiever"' }
    for (const { method, path, operationId, operation } of secured) {
      const res = await server.api.request<Problem>(method, concrete(path))
      expect(res.status, operationId).toBe(401)
      const schemes = securityOf(operation, server.api.contract.document) as Array<keyof typeof challenges>
      expect(res.headers.get('www-authenticate'), operationId).toBe(schemes.map((s) => challenges[s]).join(', '))
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
  it('answers every Basic operation with 429 and Retry-After once a username is throttled', STARTS_A_SERVER, async () => {
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
  it('answers every database-backed operation with a bare 500 when the database is gone', STARTS_A_SERVER, async () => {
    const broken = await startTestServer()
    const victim = await signUp(broken.api)
    await broken.db.destroy()
    const needsDatabase = broken.api.contract.operations().filter(({ operation }) => operation.tags && !(operation.tags as string[]).includes('Service'))
    const auth: Record<string, Credentials> = { revokeCurrentToken: victim.bearer }
    try {
      for (const { method, path, operationId } of needsDatabase) {
        const json = method === 'POST' || method === 'PUT' || method === 'PATCH' ? bodyFor(operationId) : undefined
        const res = await broken.api.request<Problem>(method, concrete(path), { auth: auth[operationId] ?? victim.basic, json })
        expect(res.status, operationId).toBe(500)
        expect(res.body).toEqual(BARE_INTERNAL_ERROR)
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

describe('400 Bad Request, from any operation', () => {
  it('rejects a query parameter the operation does not take, even where it takes none', async () => {
    for (const path of ['/healthz', '/api/v1/users/me', '/api/v1/tasks']) {
      const res = await server.api.get<Problem>(`${path}?colour=red`, { auth: me.bearer })
      expect(res.status, path).toBe(400)
      expect(res.body.errors).toEqual([{ parameter: 'colour', detail: 'is not a parameter of this operation' }])
    }
  })

  it('takes integers in plain decimal only', async () => {
    for (const id of ['0x1', '1e0', '1.0', '01', '%201', '+1']) {
      const res = await server.api.get<Problem>(`/api/v1/tasks/${id}`, { auth: me.bearer })
      expect(res.status, id).toBe(400)
      expect(res.body.errors).toEqual([{ parameter: 'taskId', detail: 'must be an integer in plain decimal notation' }])
    }
    const page = await server.api.get<Problem>('/api/v1/tasks?page=0x2&per_page=1e1', { auth: me.bearer })
    expect(page.status).toBe(400)
    expect(page.body.errors?.map((e) => e.parameter)).toEqual(['page', 'per_page'])
  })

  it('answers a malformed percent-escape in a path parameter with 400, not 500', async () => {
    for (const path of ['/api/v1/tasks/%ZZ', '/api/v1/users/%C0%AF']) {
      const res = await server.api.get<Problem>(path, { auth: me.bearer })
      expect(res.status, path).toBe(400)
      expect(res.body.code).toBe('BAD_REQUEST')
    }
    expect(server.logs()).not.toContain('URIError')
  })

  it('refuses a body that is not UTF-8, or holds a lone surrogate, instead of mangling it', async () => {
    const notUtf8 = await server.api.post<Problem>('/api/v1/tasks', {
      auth: me.bearer,
      raw: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      contentType: 'application/json',
    })
    expect(notUtf8.status).toBe(400)
    expect(notUtf8.body.detail).toBe('The body is not valid UTF-8.')
    const surrogate = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, raw: '{"title":"\\ud800"}', contentType: 'application/json' })
    expect(surrogate.status).toBe(400)
    const formSurrogate = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, raw: 'title=%ED%A0%80', contentType: 'application/x-www-form-urlencoded' })
    expect(formSurrogate.status).toBe(400)
    const emoji = await server.api.post<{ title: string }>('/api/v1/tasks', { auth: me.bearer, json: { title: 'Read 📚 \ud83d\ude00' } })
    expect(emoji.status).toBe(201)
  })

  it('refuses a Host header that is not a host name, since it would end up in uri and Location', async () => {
    const body = '{"title":"x"}'
    const res = await rawRequest(
      server.baseUrl,
      `POST /api/v1/tasks HTTP/1.1\r\nHost: evil>; rel="next", <http://x\r\nAuthorization: Bearer ${me.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    )
    server.api.contract.check({ method: 'POST', path: '/api/v1/tasks', ...res })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toMatchObject({ code: 'BAD_REQUEST', errors: [{ parameter: 'Host', detail: 'is not a valid host name' }] })
  })

  it('uses PUBLIC_URL, not the Host header, when it is configured', STARTS_A_SERVER, async () => {
    const behindProxy = await startTestServer({ publicUrl: 'https://api.example.com' })
    try {
      const user = await signUp(behindProxy.api)
      const res = await behindProxy.api.post<{ uri: string }>('/api/v1/tasks', { auth: user.bearer, json: { title: 'x' } })
      expect(res.body.uri).toMatch(/^https:\/\/api\.example\.com\/api\/v1\/tasks\/\d+$/)
      expect(res.headers.get('location')).toBe(res.body.uri)
    } finally {
      await behindProxy.close()
    }
  })
})

describe('requests the HTTP parser rejects', () => {
  it('answers headers over 16 KiB with a 431 problem', async () => {
    const res = await rawRequest(server.baseUrl, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(res.status).toBe(431)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(JSON.parse(res.text)).toMatchObject({ status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' })
  })

  it('answers garbage with a 400 problem', async () => {
    const res = await rawRequest(server.baseUrl, 'HELLO THERE\r\n\r\n')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toMatchObject({ status: 400, code: 'BAD_REQUEST' })
  })
})

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
