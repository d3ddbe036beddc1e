/**
 * Hostile input: requests built to cost the server more than they are worth. Each is
 * answered with a small problem, in work bounded by the request's own limits, and the
 * server keeps answering everyone else meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BODY_DEPTH, MAX_BODY_MEMBERS } from '../../src/http/body-limits.js'
import { MAX_PROBLEM_ERRORS } from '../../src/http/problems.js'
import { expectProblem } from '../support/expect.js'
import { slowRequest } from '../support/raw.js'
import { type Problem, signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'

let server: TestServer
let me: TestUser

beforeAll(async () => {
  server = await startTestServer()
  me = await signUp(server.api)
})
afterAll(() => server.close())

/** `count` distinct field names, as a form. */
function formWithFields(count: number): string {
  return Array.from({ length: count }, (_, i) => `f${i}=x`).join('&')
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** `count` distinct unknown keys of three characters, as a JSON object. */
function jsonWithKeys(count: number): string {
  const key = (i: number) => [i / 3844, i / 62, i].map((n) => ALPHABET[Math.floor(n) % 62]).join('')
  return `{${Array.from({ length: count }, (_, i) => `"${key(i)}":0`).join(',')}}`
}

describe('the limits, as the spec tells clients', () => {
  it('the guide names the field, nesting and errors[] limits the server enforces', async () => {
    const guide = (await server.api.get<{ info: { description: string } }>('/openapi.json')).body.info.description
    const row = guide.split('\n').find((line) => line.startsWith('| 422 | `VALIDATION_ERROR`'))
    expect(row).toContain(`more than ${MAX_BODY_MEMBERS} fields`)
    expect(row).toContain(`more than ${MAX_BODY_DEPTH} levels`)
    expect(row).toContain(`at most ${MAX_PROBLEM_ERRORS}`)
  })
})

describe('forms with many fields', () => {
  it(`registration with ${MAX_BODY_MEMBERS + 1} fields is a 422 naming the limit`, async () => {
    const res = await server.api.post<Problem>('/api/v1/users', { raw: formWithFields(MAX_BODY_MEMBERS + 1), contentType: 'application/x-www-form-urlencoded' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.detail).toContain(`more than ${MAX_BODY_MEMBERS} fields`)
  })

  it('200,000 field names (under 1 MiB) are refused without reading them all, and the server keeps answering', async () => {
    const body = formWithFields(200_000).slice(0, 1024 * 1024 - 1)
    const [res, health] = await Promise.all([
      server.api.post<Problem>('/api/v1/users', { raw: body, contentType: 'application/x-www-form-urlencoded' }),
      server.api.get('/healthz'),
    ])
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(health.status).toBe(200)
  })

  it('a form of empty pairs between real ones still counts every field', async () => {
    const body = `${'&'.repeat(100_000)}${formWithFields(MAX_BODY_MEMBERS + 1)}`
    const res = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, raw: body, contentType: 'application/x-www-form-urlencoded' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
  })

  it(`a form with ${MAX_BODY_MEMBERS} fields is validated as usual`, async () => {
    const res = await server.api.post<Problem>('/api/v1/tasks', {
      auth: me.bearer,
      raw: `title=ok&${formWithFields(MAX_BODY_MEMBERS - 1)}`,
      contentType: 'application/x-www-form-urlencoded',
    })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.errors).toHaveLength(MAX_PROBLEM_ERRORS)
    expect(res.body.errors_omitted).toBe(MAX_BODY_MEMBERS - 1 - MAX_PROBLEM_ERRORS)
  })
})

describe('deeply nested JSON', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

  it('3,000 levels (6 KB) is a 422, not a 500', async () => {
    const res = await server.api.post<Problem>('/api/v1/users', { raw: nested(3000), contentType: 'application/json' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.detail).toContain(`more than ${MAX_BODY_DEPTH} levels`)
  })

  it('80,000 levels of objects keyed by lone surrogates is a 422 too', async () => {
    const body = `${'{"\\ud800":'.repeat(80_000)}1${'}'.repeat(80_000)}`
    expect(body.length).toBeLessThan(1024 * 1024)
    const res = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, raw: body, contentType: 'application/json' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
  })

  it(`${MAX_BODY_DEPTH} levels are parsed and validated as usual`, async () => {
    const res = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, json: { title: JSON.parse(nested(MAX_BODY_DEPTH - 1)) } })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.errors).toEqual([{ pointer: '/title', detail: 'must be string' }])
  })

  it('strings that look like brackets do not count as nesting', async () => {
    const res = await server.api.post<Task>('/api/v1/tasks', { auth: me.bearer, json: { title: '[[[{{{', description: `${'['.repeat(1000)}\\"{` } })
    expect(res.status).toBe(201)
    expect(res.body.description).toBe(`${'['.repeat(1000)}\\"{`)
  })
})

describe('many unknown fields in JSON', () => {
  it('120,000 unknown keys (under 1 MiB) get a small 422', async () => {
    const body = jsonWithKeys(120_000)
    expect(body.length).toBeLessThan(1024 * 1024)
    const res = await server.api.post<Problem>('/api/v1/users', { raw: body, contentType: 'application/json' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.text.length).toBeLessThan(1000)
  })

  it(`errors[] lists at most ${MAX_PROBLEM_ERRORS} fields and says how many more it left out`, async () => {
    const res = await server.api.post<Problem>('/api/v1/tasks', { auth: me.bearer, raw: jsonWithKeys(250), contentType: 'application/json' })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.detail).toBe('251 fields are invalid')
    expect(res.body.errors).toHaveLength(MAX_PROBLEM_ERRORS)
    expect(res.body.errors_omitted).toBe(251 - MAX_PROBLEM_ERRORS)
  })
})

describe('slow clients', () => {
  let timed: TestServer
  let user: TestUser
  beforeAll(async () => {
    timed = await startTestServer({ headersTimeoutSeconds: 1, bodyTimeoutSeconds: 1 })
    user = await signUp(timed.api)
  })
  afterAll(() => timed.close())

  it('headers trickled a line at a time get a 408 problem once the headers timeout is up, and the connection closes', { timeout: 20_000 }, async () => {
    const res = await slowRequest(timed.baseUrl, 'GET /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\n', { trickle: 'X-Slow: 1\r\n', everyMs: 100 })
    expect(res.status).toBe(408)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('connection')).toBe('close')
    expect(JSON.parse(res.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT', detail: 'The request headers did not arrive within 1 seconds.' })
  })

  it('a body trickled a byte at a time gets a 408 problem once the body timeout is up, and the connection closes', { timeout: 20_000 }, async () => {
    const head =
      'POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n' +
      `Authorization: Bearer ${user.token}\r\n\r\n{"title":"`
    const res = await slowRequest(timed.baseUrl, head, { trickle: 'a', everyMs: 100 })
    expect(res.status).toBe(408)
    expect(res.headers.get('connection')).toBe('close')
    expect(JSON.parse(res.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT', detail: 'The request body did not arrive within 1 seconds.' })
    const tasks = await timed.api.get<{ meta: { total: number } }>('/api/v1/tasks?include_total=true', { auth: user.bearer })
    expect(tasks.body.meta.total).toBe(0)
  })
})
