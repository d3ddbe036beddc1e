/**
 * CORS, as a browser sees it: off by default; with `CORS_ORIGINS` configured, the listed
 * origins get `Access-Control-Allow-Origin` (and the response headers a script needs
 * exposed), preflights are answered for each path's methods and the request headers the
 * spec uses, and any other origin gets no CORS headers at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import type { ApiResponse } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import { TASKS } from '../support/paths.js'
import { type Problem, signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'

const APP = 'https://app.example.com'
const LOCAL = 'http://localhost:5173'
const EVIL = 'https://evil.example.com'

const PREFLIGHT_HEADERS = 'authorization, content-type, if-match, idempotency-key'

/** The names of the `Access-Control-*` headers of a response. */
function corsHeadersOf(res: ApiResponse): string[] {
  return [...res.headers.keys()].filter((name) => name.startsWith('access-control-'))
}

/** A comma-separated header as a list of lower-cased tokens. */
function tokens(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '')
}

function preflight(server: TestServer, path: string, origin: string, method = 'PATCH'): Promise<ApiResponse<Problem>> {
  return server.api.request<Problem>('OPTIONS', path, {
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': PREFLIGHT_HEADERS },
  })
}

describe('CORS off (the default)', () => {
  let server: TestServer
  let me: TestUser
  beforeAll(async () => {
    server = await startTestServer()
    me = await signUp(server.api)
  })
  afterAll(() => server.close())

  it('the default configuration lists no origins', () => {
    expect(server.config.corsOrigins).toEqual([])
  })

  it('GET /api/v1/tasks with an Origin -> 200 with no Access-Control-* headers, and no Vary: Origin', async () => {
    const res = await server.api.get(TASKS, { auth: me.bearer, headers: { Origin: APP } })
    expect(res.status).toBe(200)
    expect(corsHeadersOf(res)).toEqual([])
    expect(tokens(res.headers.get('vary'))).toEqual(['authorization'])
  })

  it('POST, errors and public operations with an Origin -> no Access-Control-* headers either', async () => {
    const created = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'x' }, headers: { Origin: APP } })
    expect(created.status).toBe(201)
    expect(corsHeadersOf(created)).toEqual([])
    const denied = await server.api.get<Problem>(TASKS, { headers: { Origin: APP } })
    expectProblem(denied, 401, 'UNAUTHORIZED')
    expect(corsHeadersOf(denied)).toEqual([])
    const health = await server.api.get('/healthz', { headers: { Origin: APP } })
    expect(health.status).toBe(200)
    expect(corsHeadersOf(health)).toEqual([])
  })

  it('a preflight -> 204 with Allow, and no Access-Control-* headers', async () => {
    const res = await preflight(server, `${TASKS}/1`, APP)
    expect(res.status).toBe(204)
    expect(res.headers.get('allow')).toBe('GET, PUT, DELETE, PATCH, HEAD, OPTIONS')
    expect(corsHeadersOf(res)).toEqual([])
  })
})

describe('CORS on, for two origins', () => {
  let server: TestServer
  let me: TestUser
  beforeAll(async () => {
    server = await startTestServer({ corsOrigins: [APP, LOCAL] })
    me = await signUp(server.api)
  })
  afterAll(() => server.close())

  describe('simple requests', () => {
    it('GET from an allowed origin -> 200, Access-Control-Allow-Origin echoing it, Vary: Origin', async () => {
      const res = await server.api.get(TASKS, { auth: me.bearer, headers: { Origin: APP } })
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(tokens(res.headers.get('vary'))).toEqual(expect.arrayContaining(['origin', 'authorization']))
      // No cookies are involved: the token is sent by the script itself.
      expect(res.headers.get('access-control-allow-credentials')).toBeNull()

      const other = await server.api.get(TASKS, { auth: me.bearer, headers: { Origin: LOCAL } })
      expect(other.headers.get('access-control-allow-origin')).toBe(LOCAL)
    })

    it('the response headers a script needs are exposed: Location, Link, ETag, X-Request-Id, Retry-After, the RateLimit fields, Idempotent-Replayed', async () => {
      const res = await server.api.get(TASKS, { auth: me.bearer, headers: { Origin: APP } })
      const exposed = tokens(res.headers.get('access-control-expose-headers'))
      expect(exposed).toEqual(
        expect.arrayContaining([
          'location',
          'link',
          'etag',
          'x-request-id',
          'retry-after',
          'ratelimit',
          'ratelimit-policy',
          'idempotent-replayed',
          'www-authenticate',
          'allow',
        ]),
      )
      // Request-only headers are not response headers.
      expect(exposed).not.toContain('authorization')
      expect(exposed).not.toContain('if-match')
    })

    it('POST from an allowed origin -> 201 with its Location readable by the script', async () => {
      const res = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'From the browser' }, headers: { Origin: APP } })
      expect(res.status).toBe(201)
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(tokens(res.headers.get('access-control-expose-headers'))).toContain('location')
      expect(res.headers.get('location')).toBe(res.body.uri)
    })

    it('errors from an allowed origin carry CORS headers too, so the script can read the problem', async () => {
      const res = await server.api.get<Problem>(TASKS, { headers: { Origin: APP } })
      expectProblem(res, 401, 'UNAUTHORIZED')
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(tokens(res.headers.get('access-control-expose-headers'))).toContain('www-authenticate')
      expect(tokens(res.headers.get('vary'))).toContain('origin')

      const missing = await server.api.get<Problem>(`${TASKS}/999999`, { auth: me.bearer, headers: { Origin: APP } })
      expectProblem(missing, 404, 'NOT_FOUND')
      expect(missing.headers.get('access-control-allow-origin')).toBe(APP)
    })

    it('an unknown path from an allowed origin -> 404 NOT_FOUND that the script can read', async () => {
      const res = await server.api.get<Problem>('/api/v1/nothing-here', { auth: me.bearer, headers: { Origin: APP } })
      expectProblem(res, 404, 'NOT_FOUND')
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(tokens(res.headers.get('access-control-expose-headers'))).toContain('x-request-id')
      const elsewhere = await server.api.get<Problem>('/api/v1/nothing-here', { auth: me.bearer, headers: { Origin: EVIL } })
      expectProblem(elsewhere, 404, 'NOT_FOUND')
      expect(corsHeadersOf(elsewhere)).toEqual([])
    })

    it.each([
      ['another site', EVIL],
      ['the same host over http', 'http://app.example.com'],
      ['the same host on another port', 'https://app.example.com:8443'],
      ['a longer host name', 'https://app.example.com.evil.com'],
      ['a sub-domain', 'https://www.app.example.com'],
      ['the opaque origin', 'null'],
    ])('a disallowed origin (%s) -> the same 200, with no Access-Control-* headers but Vary: Origin', async (_label, origin) => {
      const res = await server.api.get(TASKS, { auth: me.bearer, headers: { Origin: origin } })
      expect(res.status).toBe(200)
      expect(corsHeadersOf(res)).toEqual([])
      expect(tokens(res.headers.get('vary'))).toContain('origin')
    })

    it('a disallowed origin gets no CORS headers on errors either', async () => {
      const res = await server.api.get<Problem>(TASKS, { headers: { Origin: EVIL } })
      expectProblem(res, 401, 'UNAUTHORIZED')
      expect(corsHeadersOf(res)).toEqual([])
    })

    it('a request without Origin (not from a browser) -> no Access-Control-* headers, Vary: Origin', async () => {
      const res = await server.api.get(TASKS, { auth: me.bearer })
      expect(res.status).toBe(200)
      expect(corsHeadersOf(res)).toEqual([])
      expect(tokens(res.headers.get('vary'))).toContain('origin')
    })
  })

  describe('preflights', () => {
    it('OPTIONS /api/v1/tasks/{id} from an allowed origin -> 204 with the path methods, the spec request headers, Max-Age and Allow; no credentials needed', async () => {
      const res = await preflight(server, `${TASKS}/1`, APP)
      expect(res.status).toBe(204)
      expect(res.text).toBe('')
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      const methods = tokens(res.headers.get('access-control-allow-methods'))
      expect([...methods].sort()).toEqual(['delete', 'get', 'head', 'options', 'patch', 'put'])
      expect([...methods].sort()).toEqual(tokens(res.headers.get('allow')).sort())
      expect(tokens(res.headers.get('access-control-allow-headers'))).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id']),
      )
      const maxAge = Number(res.headers.get('access-control-max-age'))
      expect(Number.isInteger(maxAge) && maxAge > 0).toBe(true)
      expect(res.headers.get('allow')).toBe('GET, PUT, DELETE, PATCH, HEAD, OPTIONS')
      expect(tokens(res.headers.get('vary'))).toContain('origin')
    })

    it('OPTIONS /api/v1/tasks -> the methods of that path (POST, not PUT)', async () => {
      const res = await preflight(server, TASKS, LOCAL, 'POST')
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBe(LOCAL)
      expect(tokens(res.headers.get('access-control-allow-methods')).sort()).toEqual(['get', 'head', 'options', 'post'])
      expect(res.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS')
    })

    it('OPTIONS /api/v1/goals/tree -> the literal path methods (GET only), not those of /api/v1/goals/{goalId}', async () => {
      const res = await preflight(server, '/api/v1/goals/tree', APP, 'GET')
      expect(res.status).toBe(204)
      expect(tokens(res.headers.get('access-control-allow-methods')).sort()).toEqual(['get', 'head', 'options'])
    })

    it('a preflight from a disallowed origin -> 204 with Allow but no Access-Control-* headers', async () => {
      const res = await preflight(server, `${TASKS}/1`, EVIL)
      expect(res.status).toBe(204)
      expect(res.headers.get('allow')).toBe('GET, PUT, DELETE, PATCH, HEAD, OPTIONS')
      expect(corsHeadersOf(res)).toEqual([])
    })

    it('a preflight on an unknown path -> 404 NOT_FOUND, without CORS headers', async () => {
      const res = await preflight(server, '/api/v1/nothing-here', APP)
      expectProblem(res, 404, 'NOT_FOUND')
      expect(corsHeadersOf(res)).toEqual([])
    })
  })
})

describe('loadConfig: CORS_ORIGINS', () => {
  it('is empty unless set', () => {
    expect(loadConfig({}).corsOrigins).toEqual([])
    expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([])
    expect(loadConfig({ CORS_ORIGINS: '  ' }).corsOrigins).toEqual([])
  })

  it('reads a comma-separated list of origins, trimmed, a trailing slash dropped', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com' }).corsOrigins).toEqual(['https://app.example.com'])
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173 ,https://admin.example.com:8443' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'https://admin.example.com:8443',
    ])
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com/' }).corsOrigins).toEqual(['https://app.example.com'])
  })

  it.each([
    ['not a url'],
    ['https://x.com/path'],
    ['https://x.com?query=1'],
    ['https://x.com#fragment'],
    ['app.example.com'],
    ['*'],
    ['https://app.example.com, https://x.com/path'],
  ])('refuses %j with a ConfigError naming CORS_ORIGINS', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError)
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/)
  })
})
