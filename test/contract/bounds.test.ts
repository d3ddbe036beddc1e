/**
 * Every bound the spec declares on a request (`maxLength`, `minLength`, `maximum`,
 * `minimum`, their exclusive forms, `maxItems`, `minItems`, on parameters and body fields)
 * is found by walking openapi.yaml, and held at its edge: a value at the bound is taken,
 * one past it is refused and the problem names the field (a parameter: 400 BAD_REQUEST;
 * a body field: 422 VALIDATION_ERROR). A bound added to the spec is tested here with no
 * new line of test code; one this file cannot build a value for fails loudly.
 *
 * Then the response side: what the server builds from client input (URLs from the Host
 * or PUBLIC_URL and the list's filters, problems quoting what was sent) stays within the
 * lengths the spec declares, at the longest input the server accepts. The contract
 * checker validates every body and header against its schema; the lengths are also
 * checked here by name, so that a loosened schema cannot hide a broken bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse, RequestOptions } from '../support/client.js'
import { Contract } from '../support/contract.js'
import { expectProblem } from '../support/expect.js'
import { type PlannedRequest, VALID_REQUESTS } from '../support/operation-requests.js'
import { mulberry32 } from '../support/random.js'
import { rawRequest } from '../support/raw.js'
import { type Problem, signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'

type Schema = Record<string, unknown>
type Where = 'path' | 'query' | 'header' | 'body'

/** A parameter (by name) or a body field (by JSON Pointer) and its schema. */
interface Field {
  readonly where: Where
  readonly name: string
  readonly schema: Schema
}

interface BoundCase {
  readonly operationId: string
  readonly field: Field
  /** The keyword and its value, e.g. `maxLength 200`. */
  readonly bound: string
  readonly at: unknown
  readonly past: unknown
}

const contract = new Contract()
const random = mulberry32(20261205)
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789'

function resolved(node: unknown): Schema {
  return contract.resolve(node as Parameters<Contract['resolve']>[0]) ?? {}
}

function randomText(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[random() % ALPHANUMERIC.length]).join('')
}

/** The schema's type, leaving out `null`. */
function typeOf(schema: Schema): string | undefined {
  const type = schema.type
  return Array.isArray(type) ? type.find((t) => t !== 'null') : (type as string | undefined)
}

/** A string of exactly `length` characters that meets the rest of the schema. */
function text(schema: Schema, length: number): string {
  const fail = (why: string) => new Error(`cannot build a ${length}-character string for ${JSON.stringify(schema)}: ${why}`)
  let value: string
  if (schema.format === 'date-time') {
    // Far in the future, so that no rule (a goal's end before its start) refuses it.
    if (length === 20) value = '2999-12-31T23:59:59Z'
    else if (length >= 22) value = `2999-12-31T23:59:59.${'9'.repeat(length - 21)}Z`
    else throw fail('too short for a date-time')
  } else if (schema.format === 'email') {
    const domain = '@example.com'
    if (length <= domain.length) throw fail('too short for an address')
    value = `${randomText(length - domain.length)}${domain}`
  } else if (schema.format === undefined || schema.format === 'password') {
    value = randomText(length)
  } else {
    throw fail(`no generator for format ${String(schema.format)}`)
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) throw fail(`${value} breaks ${schema.pattern}`)
  return value
}

/** Some valid value of a schema, for the items of an array. */
function sample(schema: Schema): unknown {
  switch (typeOf(schema)) {
    case 'string':
      return text(schema, Math.max(1, Number(schema.minLength ?? 1)))
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? 1)
    case 'boolean':
      return true
    default:
      throw new Error(`cannot sample ${JSON.stringify(schema)}`)
  }
}

/** `n + delta`, rounded to the step's decimals (so 1e9 + 0.01 is 1000000000.01). */
function offset(n: number, delta: number, step: number): number {
  const decimals = (String(step).split('.')[1] ?? '').length
  return Number((n + delta).toFixed(decimals))
}

/** The at / past values of every bound a schema declares. */
function boundsOf(schema: Schema): Array<Pick<BoundCase, 'bound' | 'at' | 'past'>> {
  const found: Array<Pick<BoundCase, 'bound' | 'at' | 'past'>> = []
  const type = typeOf(schema)
  const number = (keyword: string) => (typeof schema[keyword] === 'number' ? (schema[keyword] as number) : undefined)
  if (type === 'string') {
    const max = number('maxLength')
    const min = number('minLength')
    if (max !== undefined) found.push({ bound: `maxLength ${max}`, at: text(schema, max), past: text(schema, max + 1) })
    if (min !== undefined && min > 0) found.push({ bound: `minLength ${min}`, at: text(schema, min), past: min === 1 ? '' : text(schema, min - 1) })
  }
  if (type === 'integer' || type === 'number') {
    const step = number('multipleOf') ?? (type === 'integer' ? 1 : undefined)
    const bounded = ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum'].filter((k) => number(k) !== undefined)
    if (bounded.length > 0 && step === undefined) throw new Error(`no step to go past the bounds of ${JSON.stringify(schema)}`)
    const s = step ?? 1
    const [max, min, xmax, xmin] = [number('maximum'), number('minimum'), number('exclusiveMaximum'), number('exclusiveMinimum')]
    if (max !== undefined) found.push({ bound: `maximum ${max}`, at: max, past: offset(max, s, s) })
    if (min !== undefined) found.push({ bound: `minimum ${min}`, at: min, past: offset(min, -s, s) })
    if (xmax !== undefined) found.push({ bound: `exclusiveMaximum ${xmax}`, at: offset(xmax, -s, s), past: xmax })
    if (xmin !== undefined) found.push({ bound: `exclusiveMinimum ${xmin}`, at: offset(xmin, s, s), past: xmin })
  }
  if (type === 'array') {
    const items = resolved(schema.items)
    const max = number('maxItems')
    const min = number('minItems')
    const list = (n: number) => Array.from({ length: n }, () => sample(items))
    if (max !== undefined) found.push({ bound: `maxItems ${max}`, at: list(max), past: list(max + 1) })
    if (min !== undefined && min > 0) found.push({ bound: `minItems ${min}`, at: list(min), past: list(min - 1) })
  }
  return found
}

/** A schema and the branches of its `anyOf` / `oneOf` (each may carry its own bounds). */
function branches(schema: Schema): Schema[] {
  const alternatives = [...((schema.anyOf as unknown[]) ?? []), ...((schema.oneOf as unknown[]) ?? [])].map(resolved)
  return [schema, ...alternatives]
}

/** Every field of a JSON body, nested ones included, by JSON Pointer. */
function* bodyFields(schema: Schema, pointer = ''): Generator<Field> {
  for (const [name, property] of Object.entries((schema.properties as Schema | undefined) ?? {})) {
    const child = resolved(property)
    const at = `${pointer}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`
    yield { where: 'body', name: at, schema: child }
    yield* bodyFields(child, at)
    if (typeOf(child) === 'array') yield* bodyFields(resolved(child.items), `${at}/0`)
  }
}

function* fieldsOf(path: string, operation: Schema): Generator<Field> {
  const pathItem = (contract.document.paths as Record<string, Schema>)[path] ?? {}
  for (const parameter of [...((pathItem.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map(resolved)) {
    yield { where: parameter.in as Where, name: String(parameter.name), schema: resolved(parameter.schema) }
  }
  const body = resolved(operation.requestBody)
  const json = (body.content as Record<string, Schema> | undefined)?.['application/json']
  if (json) yield* bodyFields(resolved(json.schema))
}

const CASES: BoundCase[] = contract
  .operations()
  .flatMap(({ operationId, path, operation }) =>
    [...fieldsOf(path, operation)].flatMap((field) => branches(field.schema).flatMap((schema) => boundsOf(schema).map((bound) => ({ operationId, field, ...bound })))),
  )

/** Sets `value` at a JSON Pointer, making the objects and arrays on the way. */
function setAt(root: Record<string, unknown>, pointer: string, value: unknown): Record<string, unknown> {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
  let node: Record<string, unknown> = root
  for (const [i, token] of tokens.entries()) {
    if (i === tokens.length - 1) node[token] = value
    else {
      node[token] ??= /^\d+$/.test(tokens[i + 1] ?? '') ? [] : {}
      node = node[token] as Record<string, unknown>
    }
  }
  return root
}

/** The planned request with the field set to `value`. */
function withField(planned: PlannedRequest, field: Field, value: unknown): PlannedRequest {
  const { method, path, options } = planned
  switch (field.where) {
    case 'path': {
      const url = new URL(path, 'http://x')
      const template = contract.match(method, url.pathname)?.template ?? ''
      const segments = url.pathname.split('/')
      const index = template.split('/').indexOf(`{${field.name}}`)
      if (index < 0) throw new Error(`${path} has no {${field.name}}`)
      segments[index] = encodeURIComponent(String(value))
      return { method, path: `${segments.join('/')}${url.search}`, options }
    }
    case 'query': {
      const url = new URL(path, 'http://x')
      url.searchParams.set(field.name, String(value))
      return { method, path: `${url.pathname}${url.search}`, options }
    }
    case 'header':
      return { method, path, options: { ...options, headers: { ...options.headers, [field.name]: String(value) } } }
    case 'body': {
      const json = setAt(structuredClone((options.json ?? {}) as Record<string, unknown>), field.name, value)
      return { method, path, options: { ...options, json } satisfies RequestOptions }
    }
  }
}

/** The errors of a problem that name the field. */
function naming(res: ApiResponse<Problem>, field: Field): NonNullable<Problem['errors']> {
  if (res.status !== 400 && res.status !== 422) return []
  return (res.body.errors ?? []).filter((e) => (field.where === 'body' ? e.pointer === field.name : e.parameter === field.name))
}

/**
 * At the bound, success, except where something other than the bound answers, and why.
 * The bound itself is never the reason: see the check on the detail below.
 */
function acceptedAtBound(field: Field, status: number): boolean {
  if (status >= 200 && status < 300) return true
  // An id at its bound names a resource that this user does not have.
  if (field.where === 'path') return status === 404
  // A made-up entity tag matches nothing: the precondition fails, the header was taken.
  if (field.name === 'If-Match') return status === 412
  // A goal id at its bound is not one of this user's goals: a rule, not the schema, says so.
  if (field.name === '/parent_id') return status === 422
  // A made-up cursor of that length is not one the server issued: another detail says so.
  if (field.name === 'cursor') return status === 400
  return false
}

/** Operations that change or end the account that sends them get an account of their own. */
const OWN_ACCOUNT = new Set(['updateCurrentUser', 'deleteCurrentUser', 'revokeCurrentToken'])

let server: TestServer
let shared: TestUser
beforeAll(async () => {
  server = await startTestServer()
  shared = await signUp(server.api)
})
afterAll(() => server.close())

it('finds the bounds of the spec (a walk that finds none would test nothing)', () => {
  const names = new Set(CASES.map((c) => `${c.operationId} ${c.field.name} ${c.bound}`))
  for (const expected of [
    'createTask /title maxLength 200',
    'listTasks per_page maximum 100',
    'listTasks q maxLength 200',
    'getTask taskId maximum 9007199254740991',
    'createUser /password minLength 8',
    'createIncome /amount exclusiveMinimum 0',
    'listGoals parent_id maximum 9007199254740991',
    'createTask Idempotency-Key maxLength 255',
    'listTransactions from maxLength 64',
  ]) {
    expect(names).toContain(expected)
  }
})

describe.each(CASES.map((c) => [`${c.operationId}: ${c.field.where} ${c.field.name}, ${c.bound}`, c] as const))('%s', (_title, c) => {
  it('one past the bound is refused, naming the field; at the bound it is taken', async () => {
    const user = OWN_ACCOUNT.has(c.operationId) ? await signUp(server.api) : shared
    const plan = VALID_REQUESTS[c.operationId]
    if (!plan) throw new Error(`no valid request for ${c.operationId} in test/support/operation-requests.ts`)
    const planned = await plan(user, server.api)

    // Past it first: it changes nothing, so the same user and resource serve both.
    const past = withField(planned, c.field, c.past)
    const refused = await server.api.request<Problem>(past.method, past.path, past.options)
    if (c.field.where === 'body') expectProblem(refused, 422, 'VALIDATION_ERROR')
    else expectProblem(refused, 400, 'BAD_REQUEST')
    const named = naming(refused, c.field)
    expect(named, refused.text).not.toEqual([])

    const at = withField(planned, c.field, c.at)
    const taken = await server.api.request<Problem>(at.method, at.path, at.options)
    expect(acceptedAtBound(c.field, taken.status), `${taken.status} ${taken.text}`).toBe(true)
    // Whatever else answered, it was not the bound.
    const refusedFor = new Set(named.map((e) => e.detail))
    expect(naming(taken, c.field).filter((e) => refusedFor.has(e.detail))).toEqual([])
  })
})

/** Length as `maxLength` counts it: in code points. */
const lengthOf = (text: string) => [...text].length

/** A DNS name of exactly `length` characters (labels of at most 63), with a port. */
function hostOf(length: number): string {
  const port = ':65535'
  let name = ''
  while (name.length < length - port.length) name += name === '' || name.length % 64 !== 63 ? 'a' : '.'
  return `${name.replace(/\.$/, 'a')}${port}`
}

/** A request over a raw socket (fetch cannot set Host), held to the contract like any other. */
async function rawJson(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const text = body === undefined ? '' : JSON.stringify(body)
  const head = Object.entries({ ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  const res = await rawRequest(server.baseUrl, `${method} ${path} HTTP/1.1\r\n${head}Connection: close\r\n\r\n${text}`)
  server.api.contract.check({ method, path, status: res.status, headers: res.headers, text: res.text })
  return { ...res, body: (res.text ? JSON.parse(res.text) : undefined) as Problem & Task }
}

describe('a problem quotes what was sent only within the lengths the spec declares', () => {
  it('a 10,000-character Content-Type -> 415 whose detail is cut at 1,024 characters', async () => {
    const res = await server.api.post<Problem>('/api/v1/tasks', { auth: shared.bearer, raw: '{}', contentType: `application/${'x'.repeat(10_000)}` })
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(lengthOf(res.body.detail)).toBe(1024)
    expect(res.body.detail.endsWith('…')).toBe(true)
  })

  it('unknown fields with names of 1,000 and 2,000 characters -> 422 naming the whole body (pointer ""), once', async () => {
    const json = { title: 'Fine', ['a'.repeat(1000)]: 1, ['b'.repeat(2000)]: 2, ['c'.repeat(255)]: 3 }
    const res = await server.api.post<Problem>('/api/v1/tasks', { auth: shared.bearer, json })
    expectProblem(res, 422, 'VALIDATION_ERROR')
    expect(res.body.errors).toEqual([
      { pointer: '', detail: 'a field whose name is too long to quote is not a field of this resource' },
      { pointer: `/${'c'.repeat(255)}`, detail: 'is not a field of this resource' },
    ])
  })

  it('an unknown query parameter with a 1,000-character name -> 400 that leaves the name out', async () => {
    const res = await server.api.get<Problem>(`/api/v1/tasks?${'q'.repeat(1000)}=1`, { auth: shared.bearer })
    expectProblem(res, 400, 'BAD_REQUEST')
    expect(res.body.errors).toEqual([{ detail: 'a parameter whose name is too long to quote is not a parameter of this operation' }])
  })
})

describe('URLs built from the Host header', () => {
  const auth = () => ({ Authorization: `Bearer ${shared.token}` })

  it(`a Host of ${hostOf(259).length} characters (a 253-character name and a port) -> 201 with a Location and uri on it`, async () => {
    const host = hostOf(259)
    const res = await rawJson('POST', '/api/v1/tasks', { Host: host, ...auth() }, { title: 'Far away' })
    expect(res.status, res.text).toBe(201)
    expect(res.headers.get('location')).toBe(res.body.uri)
    expect(res.body.uri.startsWith(`http://${host}/api/v1/tasks/`)).toBe(true)
  })

  it('a Host of 260 characters -> 400 BAD_REQUEST naming Host, before anything is built on it', async () => {
    const res = await rawJson('POST', '/api/v1/tasks', { Host: `a${hostOf(259)}`, ...auth() }, { title: 'Too far' })
    expect(res.status, res.text).toBe(400)
    expect(res.body.errors).toEqual([{ parameter: 'Host', detail: 'is not a valid host name' }])
  })
})

describe('URLs built on the longest PUBLIC_URL (1,024 characters), with the longest filters', () => {
  let far: TestServer
  let user: TestUser
  beforeAll(async () => {
    far = await startTestServer({ publicUrl: `http://achiever.example/${'p'.repeat(1024 - 24)}` })
    user = await signUp(far.api)
  })
  afterAll(() => far.close())

  /** The longest value a query parameter takes: astral characters (12 bytes once encoded) where any text goes. */
  function longest(schema: Schema): string {
    const alternatives = schema.anyOf || schema.oneOf ? branches(schema).slice(1) : [schema]
    const values = alternatives.map((branch): string => {
      if (Array.isArray(branch.enum)) return String([...branch.enum].sort((a, b) => String(b).length - String(a).length)[0])
      if (branch.const !== undefined) return String(branch.const)
      if (typeOf(branch) === 'boolean') return 'false'
      if (typeOf(branch) === 'integer' || typeOf(branch) === 'number') return String(branch.maximum)
      const max = Number(branch.maxLength)
      if (branch.format === undefined && branch.pattern === undefined) return '𝄞'.repeat(max)
      return text(branch, max)
    })
    return values.sort((a, b) => encodeURIComponent(b).length - encodeURIComponent(a).length)[0] ?? ''
  }

  const lists = contract.operations().filter(({ operation }) => {
    const ok = resolved((operation.responses as Schema)['200'])
    return Object.keys((ok.headers as Schema | undefined) ?? {}).includes('Link')
  })

  it.each(lists.map((l) => [l.operationId, l] as const))('%s with every filter at its longest -> a Link within 16,384 characters', async (_id, { path, operation }) => {
    const query = new URLSearchParams()
    // `cursor` is not sent with `page`, and a made-up one is refused: issued ones are bounded in test/http/cursor.test.ts.
    for (const field of fieldsOf(path, operation)) if (field.where === 'query' && field.name !== 'cursor') query.set(field.name, longest(field.schema))
    const res = await far.api.get(`${path}?${query.toString()}`, { auth: user.bearer })
    expect(res.status, res.text).toBe(200)
    expect(lengthOf(res.headers.get('link') ?? '')).toBeLessThanOrEqual(16_384)
  })

  it('four links (first, prev, next, last) of tasks found by a 200-character astral search -> within 16,384 characters; each Location within 2,048', async () => {
    const title = '𝄞'.repeat(200)
    for (let i = 0; i < 3; i++) {
      const created = await far.api.post<Task>('/api/v1/tasks', { auth: user.bearer, json: { title } })
      expect(created.status).toBe(201)
      expect(lengthOf(created.headers.get('location') ?? '')).toBeLessThanOrEqual(2048)
    }
    const query = new URLSearchParams({ q: title, done: 'false', sort: '-created_at', page: '2', per_page: '1' })
    const res = await far.api.get(`/api/v1/tasks?${query.toString()}`, { auth: user.bearer })
    expect(res.status).toBe(200)
    const link = res.headers.get('link') ?? ''
    expect([...link.matchAll(/rel="(\w+)"/g)].map((m) => m[1])).toEqual(['first', 'prev', 'next', 'last'])
    expect(lengthOf(link)).toBeGreaterThan(4 * (1024 + 2400))
    expect(lengthOf(link)).toBeLessThanOrEqual(16_384)
  })
})
