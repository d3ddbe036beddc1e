/**
 * Property-based fuzzing of every operation in `openapi.yaml`, against a live server with
 * real credentials. Requests are generated from the spec's own schemas (see
 * `../support/arbitraries.ts`); nothing here names an operation, so operations, parameters,
 * media types and statuses that the spec gains are fuzzed without a change.
 *
 * For each operation, two properties:
 *  - valid: a request whose parameters and body satisfy the spec is answered 2xx. The
 *    only exceptions: 404 when a path parameter is a random id (not one the user made),
 *    409 when a body value is one already taken on this server (a unique name), and
 *    400 naming `cursor` when a made-up cursor was sent.
 *  - invalid: a request with exactly one part broken is answered 400 (a parameter, or a
 *    body that is not well-formed) or 422 (a well-formed body that breaks its schema).
 * And on every response, whatever it is: the ApiClient checks it against the contract
 * (declared status, media type, body schema, required headers), and a ContractViolation
 * it throws fails the property. So no 5xx and no undeclared status can pass.
 *
 * Which of valid and invalid a request is, is decided on what goes on the wire (after
 * form or query encoding), by the same Ajv that the server uses, not by how it was made.
 *
 * Seeded and bounded: FUZZ_RUNS (default 12) runs per property, FUZZ_SEED (default
 * 20261121) for another sequence; `FUZZ_RUNS=500 npx vitest run test/contract/fuzz.test.ts`
 * for a long run, FUZZ_STATS=1 for the statuses seen per operation.
 */
import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import type { ApiResponse, Credentials } from '../support/client.js'
import { ContractViolation } from '../support/contract.js'
import { invalidValue, validValue } from '../support/arbitraries.js'
import { isRecord, isWellFormedText, JsonLiteral, toJsonText } from '../support/json-text.js'
import { dateTime, text } from '../support/scalar-arbitraries.js'
import { resolveSchema, type Schema, validatorFor } from '../support/schemas.js'
import { type TestUser, signUp, startTestServer } from '../support/server.js'

function envInteger(name: string): number | undefined {
  const value = process.env[name]
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, not ${value}`)
  return Number(value)
}

/** Small enough that the whole file runs in about ten seconds; FUZZ_RUNS=500 for a long run. */
const RUNS = envInteger('FUZZ_RUNS') ?? 12
const SEED = envInteger('FUZZ_SEED') ?? 20261121
/**
 * A user holds at most this many runs' worth of data, so lists stay small and money totals
 * stay far below their limit (a 422 for valid data): a run records a few amounts of at
 * most 1e9, and the limit is 1e13.
 */
const ROTATE_EVERY = 1000
/** Resources of each kind made for a user up front, for safe methods and references. */
const ANCHORS = 2

const server = await startTestServer({ logLevel: 'warn' })
afterAll(async () => {
  if (process.env.FUZZ_STATS) console.log(summary())
  await server.close()
})
const api = server.api
const contract = api.contract
const root: object = contract.document
const validator = validatorFor(root)

// ---------------------------------------------------------------------------------------
// The operations, as the spec describes them.

type Location = 'path' | 'query' | 'header' | 'cookie'
type Scheme = 'basic' | 'bearer'

interface ParameterModel {
  readonly name: string
  readonly in: Location
  readonly required: boolean
  readonly schema: Schema
}

interface OperationModel {
  readonly id: string
  readonly method: string
  readonly path: string
  readonly parameters: readonly ParameterModel[]
  readonly body: { readonly required: boolean; readonly media: ReadonlyArray<{ type: string; schema: Schema }> } | undefined
  /** The schemes it takes; empty for a public operation. */
  readonly auth: readonly Scheme[]
  readonly declared: ReadonlySet<number>
  /** GET and HEAD change nothing (RFC 9110), so they may use shared resources. */
  readonly safe: boolean
  readonly responses: Readonly<Record<string, unknown>>
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : {}
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : []
}

function parametersOf(path: string, operation: Readonly<Record<string, unknown>>): ParameterModel[] {
  const byKey = new Map<string, ParameterModel>()
  // Operation-level parameters override path-level ones with the same name and location.
  for (const node of [...list(record(record(record(root).paths)[path]).parameters), ...list(operation.parameters)]) {
    const p = resolveSchema(node, root)
    const where = String(p.in) as Location
    byKey.set(`${where}:${String(p.name)}`, { name: String(p.name), in: where, required: p.required === true || where === 'path', schema: resolveSchema(p.schema, root) })
  }
  return [...byKey.values()]
}

function authOf(id: string, operation: Readonly<Record<string, unknown>>): Scheme[] {
  const requirements = list(operation.security ?? record(root).security).map(record)
  if (requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return []
  const schemes = record(record(record(root).components).securitySchemes)
  const usable = requirements.flatMap((requirement): Scheme[] => {
    const names = Object.keys(requirement)
    const scheme = names.length === 1 ? resolveSchema(schemes[names[0] ?? ''], root) : {}
    if (scheme.type !== 'http' || typeof scheme.scheme !== 'string') return []
    const name = scheme.scheme.toLowerCase()
    return name === 'basic' || name === 'bearer' ? [name] : []
  })
  if (usable.length === 0) throw new Error(`${id}: no security requirement that HTTP Basic or a Bearer token satisfies`)
  return [...new Set(usable)]
}

const operations: OperationModel[] = contract.operations().map(({ operationId, method, path, operation }) => {
  const body = resolveSchema(operation.requestBody, root)
  const content = record(body.content)
  return {
    id: operationId,
    method,
    path,
    parameters: parametersOf(path, operation),
    body:
      operation.requestBody === undefined
        ? undefined
        : { required: body.required === true, media: Object.entries(content).map(([type, media]) => ({ type, schema: resolveSchema(record(media).schema, root) })) },
    auth: authOf(operationId, operation),
    declared: new Set(contract.declaredStatuses(operationId)),
    safe: method === 'GET' || method === 'HEAD',
    responses: record(operation.responses),
  }
})

/**
 * Where ids for a path parameter come from: the operations whose success responses link
 * to it (`links: ... parameters: {taskId: $response.body#/id}`), read from the spec.
 */
interface Producer {
  readonly op: OperationModel
  /** JSON Pointer to the id in the producer's response body. */
  readonly pointer: string
}

const producers = new Map<string, Producer[]>()
for (const op of operations) {
  for (const [status, response] of Object.entries(op.responses)) {
    if (!status.startsWith('2')) continue
    for (const link of Object.values(record(resolveSchema(response, root).links))) {
      for (const [name, expression] of Object.entries(record(resolveSchema(link, root).parameters))) {
        if (typeof expression !== 'string' || !expression.startsWith('$response.body#')) continue
        // A producer that needs ids itself (a nested collection) would need its own parent first.
        if (op.parameters.some((p) => p.in === 'path')) continue
        const known = producers.get(name) ?? []
        if (!known.some((p) => p.op === op)) producers.set(name, [...known, { op, pointer: expression.slice('$response.body#'.length) }])
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Rules that the schemas cannot express. Valid requests are made to keep them, so that
// "valid data is accepted" holds without excusing any 422.

/** One of the caller's own resources, by the path parameter that names that kind. */
class OwnedRef {
  constructor(
    readonly kind: string,
    readonly index: number,
  ) {}
  [fc.toStringMethod](): string {
    return `OwnedRef(${this.kind}#${this.index})`
  }
}

/** A year from now: after the start of any goal this run makes. */
const LATER = Date.now() + 365 * 24 * 3600 * 1000

/**
 * By body property name: `parent_id` must be one of the caller's goals (or null), and a
 * goal's `end` must not be before its `start` (the moment it was made), so it is drawn
 * from a year on (or null).
 */
const BODY_RULES: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  parent_id: fc.option(
    fc.nat().map((i) => new OwnedRef('goalId', i)),
    { nil: null },
  ),
  end: fc.option(dateTime(LATER), { nil: null }),
}

/**
 * Header parameters by lower-case name. Valid requests leave optional headers out:
 * conditional ones (If-Match, If-None-Match) hinge on the resource's current ETag, which a
 * schema cannot say. Should If-Match become required, `*` meets it for any resource that
 * exists (RFC 9110, 13.1.1).
 */
const HEADER_RULES: Readonly<Record<string, fc.Arbitrary<string>>> = {
  'if-match': fc.constant('*'),
}

/** `to` must not be before `from` (400): when both are drawn, they are put in order. */
function queryRules(query: Array<readonly [string, string]>): Array<readonly [string, string]> {
  const from = query.find(([name]) => name === 'from')
  const to = query.find(([name]) => name === 'to')
  if (!from || !to || Date.parse(to[1]) >= Date.parse(from[1])) return query
  return query.map(([name, value]) => [name, name === 'from' ? to[1] : name === 'to' ? from[1] : value] as const)
}

/**
 * Values that unique constraints may have taken (a username, an email address, a goal
 * name), as `field=value` ignoring case (emails are unique ignoring case): every string
 * that a successful change sent or got back, and each sign-up's. A 409 for a valid
 * request is excused only when it sent one of these.
 */
const taken = new Set<string>()

function remember(value: unknown): void {
  if (Array.isArray(value)) value.forEach(remember)
  else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string') taken.add(`${key}=${child.toLowerCase()}`)
      else remember(child)
    }
  }
}

function takesTakenValue(body: unknown): boolean {
  return isRecord(body) && Object.entries(body).some(([key, value]) => typeof value === 'string' && taken.has(`${key}=${value.toLowerCase()}`))
}

// ---------------------------------------------------------------------------------------
// What the server sees: parameters and bodies as they are on the wire.

function typesAllowed(schema: Schema): Set<string> {
  const branches = list(schema.anyOf ?? schema.oneOf)
  if (branches.length > 0) return new Set(branches.flatMap((b) => [...typesAllowed(resolveSchema(b, root))]))
  if (typeof schema.type === 'string') return new Set([schema.type])
  if (Array.isArray(schema.type)) return new Set(schema.type.map(String))
  if ('const' in schema) return new Set([schema.const === null ? 'null' : typeof schema.const])
  return new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'])
}

/**
 * Whether a parameter's text means a value its schema accepts: as text, as an integer
 * written in plain decimal (the spec's 400: "integers in plain decimal only"), as a JSON
 * number where numbers are allowed, or as `true` / `false`.
 */
function parameterAccepts(raw: string, schema: Schema): boolean {
  const types = typesAllowed(schema)
  const readings: unknown[] = [raw]
  if (types.has('integer') && /^-?(0|[1-9]\d*)$/.test(raw)) readings.push(Number(raw))
  if (types.has('number') && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) readings.push(Number(raw))
  if (types.has('boolean') && (raw === 'true' || raw === 'false')) readings.push(raw === 'true')
  return readings.some((reading) => validator.isValid(schema, reading))
}

/** A JSON value as parameter or form text. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null) return 'null'
  if (value instanceof JsonLiteral) return value.text
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return toJsonText(value)
}

/** What a query value is once through URL encoding (a lone surrogate becomes U+FFFD). */
function throughQuery(value: string): string {
  return new URLSearchParams(new URLSearchParams([['k', value]]).toString()).get('k') ?? ''
}

const HEADER_SAFE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/

interface WireProblem {
  readonly status: 400 | 422
  readonly what: string
}

interface Wire {
  readonly path: Readonly<Record<string, string>>
  readonly query: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: { readonly mediaType: string; readonly content: string | Uint8Array } | undefined
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A form body as the spec's schema types read it: '' is null where null is allowed, and so on. */
function decodeForm(content: string, schema: Schema): Record<string, unknown> | undefined {
  const fields = new Map<string, string[]>()
  try {
    for (const pair of content.split('&')) {
      if (pair === '') continue
      const equals = pair.indexOf('=')
      const decode = (part: string) => decodeURIComponent(part.replaceAll('+', ' '))
      const name = decode(equals < 0 ? pair : pair.slice(0, equals))
      fields.set(name, [...(fields.get(name) ?? []), equals < 0 ? '' : decode(pair.slice(equals + 1))])
    }
  } catch {
    return undefined
  }
  const properties = record(schema.properties)
  const body: Record<string, unknown> = {}
  for (const [name, values] of fields) {
    const types = name in properties ? typesAllowed(resolveSchema(properties[name], root)) : new Set<string>()
    const read = (value: string): unknown => {
      if (types.has('null') && value === '') return null
      if (types.has('boolean') && (value === 'true' || value === 'false')) return value === 'true'
      if ((types.has('integer') || types.has('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value)
      return value
    }
    const read_ = values.map(read)
    Object.defineProperty(body, name, { value: read_.length === 1 ? read_[0] : read_, enumerable: true, writable: true, configurable: true })
  }
  return body
}

/** The body the server should see, or why it cannot see one. */
function decodeBody(op: OperationModel, body: NonNullable<Wire['body']>): { value: unknown } | WireProblem {
  const media = op.body?.media.find((m) => m.type === body.mediaType)
  if (!media) throw new Error(`${op.id} takes no ${body.mediaType}`)
  let content: string
  try {
    content = typeof body.content === 'string' ? body.content : utf8.decode(body.content)
  } catch {
    return { status: 400, what: 'the body is not UTF-8' }
  }
  if (body.mediaType === 'application/x-www-form-urlencoded') {
    const value = decodeForm(content, media.schema)
    return value === undefined ? { status: 400, what: 'the form is not valid percent-encoding' } : { value }
  }
  try {
    const value: unknown = JSON.parse(content)
    return isWellFormedText(value) ? { value } : { status: 400, what: 'the JSON holds a lone surrogate' }
  } catch {
    return { status: 400, what: 'the body is not JSON' }
  }
}

/** Every way the request breaks the spec, as the server should judge it. */
function wireProblems(op: OperationModel, wire: Wire): { problems: WireProblem[]; body: unknown } {
  const problems: WireProblem[] = []
  for (const p of op.parameters.filter((p) => p.in === 'path')) {
    const value = wire.path[p.name]
    if (value === undefined || !parameterAccepts(value, p.schema)) problems.push({ status: 400, what: `path ${p.name}=${JSON.stringify(value)}` })
  }
  const query = new URLSearchParams(wire.query)
  for (const name of new Set(query.keys())) {
    const p = op.parameters.find((q) => q.in === 'query' && q.name === name)
    const values = query.getAll(name)
    if (!p) problems.push({ status: 400, what: `query ${JSON.stringify(name)} is not a parameter of ${op.id}` })
    else if (values.length > 1 && !typesAllowed(p.schema).has('array')) problems.push({ status: 400, what: `query ${name} sent ${values.length} times` })
    else if (!values.every((v) => parameterAccepts(v, p.schema))) problems.push({ status: 400, what: `query ${name}=${JSON.stringify(values[0])}` })
  }
  for (const p of op.parameters.filter((p) => p.in === 'query' && p.required)) {
    if (!query.has(p.name)) problems.push({ status: 400, what: `query ${p.name} is missing` })
  }
  for (const p of op.parameters.filter((p) => p.in === 'header')) {
    const sent = wire.headers.find(([name]) => name.toLowerCase() === p.name.toLowerCase())
    if (!sent && p.required) problems.push({ status: 400, what: `header ${p.name} is missing` })
    if (sent && !parameterAccepts(sent[1], p.schema)) problems.push({ status: 400, what: `header ${p.name}: ${JSON.stringify(sent[1])}` })
  }
  let body: unknown
  // Zero bytes are no body, whatever the Content-Type says.
  if (wire.body === undefined || wire.body.content.length === 0) {
    if (op.body?.required) problems.push({ status: 422, what: 'no body' })
  } else {
    const decoded = decodeBody(op, wire.body)
    if ('status' in decoded) problems.push(decoded)
    else {
      body = decoded.value
      const schema = op.body?.media.find((m) => m.type === wire.body?.mediaType)?.schema ?? {}
      for (const error of validator.errors(schema, body)) problems.push({ status: 422, what: `body ${error}` })
    }
  }
  return { problems, body }
}

// ---------------------------------------------------------------------------------------
// Requests, as generated.

type PathArg =
  /** One of the user's anchors (made up front), by index. */
  | { readonly kind: 'owned'; readonly index: number }
  /** Made by a producer just before the request (for methods that change or delete it). */
  | { readonly kind: 'fresh'; readonly producer: number; readonly plan: Plan }
  /** Any text: a random id, or a broken one. */
  | { readonly kind: 'text'; readonly text: string }

type BodyPlan =
  | { readonly kind: 'value'; readonly mediaType: string; readonly contentType: string; readonly value: unknown }
  | { readonly kind: 'raw'; readonly mediaType: string; readonly content: string | Uint8Array }

interface Plan {
  readonly auth: Scheme | undefined
  readonly path: Readonly<Record<string, PathArg>>
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: BodyPlan | undefined
  /** For an invalid request: the part broken, and how. */
  readonly broken?: string
}

const FORM = 'application/x-www-form-urlencoded'

/** A form body's text; undefined for a value no form can carry (not an object). */
function formText(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined
  const params = new URLSearchParams()
  for (const [name, field] of Object.entries(value)) {
    for (const item of Array.isArray(field) ? field : [field]) params.append(name, item === null ? '' : asText(item))
  }
  return params.toString()
}

/**
 * `arb.filter(keep)`, or undefined when 300 draws hold no value it keeps: a filter that
 * never passes would make fast-check draw forever.
 */
function feasible<T>(arb: fc.Arbitrary<T>, keep: (value: T) => boolean): fc.Arbitrary<T> | undefined {
  return fc.sample(arb, { seed: SEED, numRuns: 300 }).some(keep) ? arb.filter(keep) : undefined
}

const validParameters = new Map<ParameterModel, fc.Arbitrary<string>>()

function validParameter(p: ParameterModel): fc.Arbitrary<string> {
  let arb = validParameters.get(p)
  if (!arb) {
    arb = feasible(validValue(p.schema, { root }).map(asText), (t) => {
      if (p.in === 'header' && !HEADER_SAFE.test(t)) return false
      if (p.in === 'path' && (t === '' || t === '.' || t === '..' || !isWellFormedText(t))) return false
      return parameterAccepts(p.in === 'query' ? throughQuery(t) : t, p.schema)
    })
    if (!arb) throw new Error(`cannot make a valid ${p.in} parameter ${p.name} from its schema`)
    validParameters.set(p, arb)
  }
  return arb
}

/** Texts that trip up parameter parsing, whatever the schema. */
const ODD_PARAMETER_TEXT = ['', ' ', '0x10', '1e3', '+1', '01', '1.0', ' 1', '1 ', '-0', 'null', 'NULL', 'undefined', 'true', '[]', '{}', '%', '%00', 'é', '\u{1f600}', '9'.repeat(400), '١٢', '\u0000', '1\u200f']

/** A broken value for the parameter; undefined when nothing that can be sent breaks its schema. */
function invalidParameter(p: ParameterModel): fc.Arbitrary<{ text: string; why: string }> | undefined {
  const fromSchema = invalidValue(p.schema, { root })?.map((c) => ({ text: asText(c.value), why: c.why }))
  const odd = fc.constantFrom(...ODD_PARAMETER_TEXT).map((t) => ({ text: t, why: `odd text ${JSON.stringify(t)}` }))
  return feasible(fromSchema ? fc.oneof(fromSchema, odd) : odd, ({ text: t }) => {
    if (p.in === 'path' && (t === '' || t === '.' || t === '..' || !isWellFormedText(t))) return false
    if (p.in === 'header' && !HEADER_SAFE.test(t)) return false
    return !parameterAccepts(p.in === 'query' ? throughQuery(t) : t, p.schema)
  })
}

function authArb(op: OperationModel): fc.Arbitrary<Scheme | undefined> {
  return op.auth.length === 0 ? fc.constant(undefined) : fc.constantFrom(...op.auth)
}

function validBody(op: OperationModel): fc.Arbitrary<BodyPlan | undefined> {
  if (!op.body || op.body.media.length === 0) return fc.constant(undefined)
  const required = op.body.required
  const bodies = op.body.media.map((m) =>
    fc.record({
      // An empty form is zero bytes, which HTTP cannot tell from no body at all.
      value: validValue(m.schema, { root, overrides: BODY_RULES }).filter((v) => !(required && m.type === FORM && isRecord(v) && Object.keys(v).length === 0)),
      contentType: fc.constantFrom(m.type, `${m.type}; charset=utf-8`),
    }).map(({ value, contentType }): BodyPlan => ({ kind: 'value', mediaType: m.type, contentType, value })),
  )
  const body = fc.oneof(...bodies)
  return required ? body : fc.option(body, { nil: undefined })
}

const validPlans = new Map<string, fc.Arbitrary<Plan>>()

/**
 * A valid request. Path parameters are the user's own resources (fresh ones for methods
 * that change them) or, less often, random ids; optional query parameters come and go;
 * optional headers are left out (see HEADER_RULES).
 */
function validPlan(op: OperationModel, fresh: boolean): fc.Arbitrary<Plan> {
  const key = `${op.id}:${fresh}`
  const known = validPlans.get(key)
  if (known) return known
  const plan = makeValidPlan(op, fresh)
  validPlans.set(key, plan)
  return plan
}

function makeValidPlan(op: OperationModel, fresh: boolean): fc.Arbitrary<Plan> {
  const path: Record<string, fc.Arbitrary<PathArg>> = {}
  for (const p of op.parameters.filter((p) => p.in === 'path')) {
    const random = validParameter(p).map((t): PathArg => ({ kind: 'text', text: t }))
    const made = producers.get(p.name) ?? []
    const secured = made.filter((m) => m.op.auth.length > 0)
    let owned: fc.Arbitrary<PathArg> | undefined
    if (fresh && !op.safe && secured.length > 0) {
      owned = fc.nat({ max: secured.length - 1 }).chain((i) => validPlan(secured[i]?.op ?? op, false).map((plan): PathArg => ({ kind: 'fresh', producer: i, plan })))
    } else if (made.length > 0) {
      owned = fc.nat().map((index): PathArg => ({ kind: 'owned', index }))
    }
    path[p.name] = owned ? fc.oneof({ weight: 3, arbitrary: owned }, { weight: 1, arbitrary: random }) : random
  }
  const query = fc
    .tuple(
      ...op.parameters
        .filter((p) => p.in === 'query')
        .map((p) => {
          const entry = validParameter(p).map((t) => [[p.name, t] as const])
          return p.required ? entry : fc.option(entry, { nil: [] })
        }),
    )
    .map((parts) => queryRules(parts.flat()))
  const headers = fc.tuple(
    ...op.parameters.filter((p) => p.in === 'header' && p.required).map((p) => (HEADER_RULES[p.name.toLowerCase()] ?? validParameter(p)).map((t) => [p.name, t] as const)),
  )
  return fc.record({ auth: authArb(op), path: fc.record(path), query, headers, body: validBody(op) })
}

/** Malformed bodies: not JSON, not UTF-8, not percent-encoding. */
function malformedBody(mediaType: string): fc.Arbitrary<BodyPlan> {
  const bytes = (...b: number[]) => Uint8Array.from(b)
  const contents: Array<string | Uint8Array> =
    mediaType === FORM
      ? ['a=%ZZ', 'a=%E0%A4%A', 'a=%ED%A0%80', '%=1', bytes(0x61, 0x3d, 0xff), bytes(0x61, 0x3d, 0xc0, 0xaf)]
      : ['{', '{"a":1,}', "{'a': 1}", '{"a": NaN}', '[1, 2', '{"a": "\\ud800"}', '{"a": "\\x41"}', '\u0000', 'nul', bytes(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d), bytes(0x22, 0xed, 0xa0, 0x80, 0x22)]
  return fc.constantFrom(...contents).map((content): BodyPlan => ({ kind: 'raw', mediaType, content }))
}

/** A request with exactly one part broken: a parameter, an unknown or repeated query parameter, or the body. */
function invalidPlan(op: OperationModel): fc.Arbitrary<Plan> {
  const base = validPlan(op, false)
  const parts: Array<fc.Arbitrary<Plan>> = []
  const declaredQuery = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name))

  for (const p of op.parameters.filter((p) => p.in !== 'cookie')) {
    const broken = invalidParameter(p)
    if (!broken) continue
    parts.push(
      fc.tuple(base, broken).map(([plan, bad]): Plan => {
        const broken = `${p.in} ${p.name}: ${bad.why}`
        if (p.in === 'path') return { ...plan, path: { ...plan.path, [p.name]: { kind: 'text', text: bad.text } }, broken }
        if (p.in === 'query') return { ...plan, query: [...plan.query.filter(([n]) => n !== p.name), [p.name, bad.text]], broken }
        return { ...plan, headers: [...plan.headers.filter(([n]) => n !== p.name), [p.name, bad.text]], broken }
      }),
    )
  }
  const unknownName = fc
    .oneof(fc.constantFrom('foo', 'PAGE', 'page ', 'per-page', 'sort_by', 'q[]', 'a[b]', '__proto__', 'constructor', 'hasOwnProperty', 'toString', '$where', 'limit', 'offset', 'a.b'), text(1, 12))
    .filter((n) => throughQuery(n) !== '' && !declaredQuery.has(throughQuery(n)))
  parts.push(fc.tuple(base, unknownName, text(0, 8)).map(([plan, name, value]) => ({ ...plan, query: [...plan.query, [name, value]], broken: `unknown query parameter ${JSON.stringify(name)}` })))
  const queryParams = op.parameters.filter((p) => p.in === 'query')
  if (queryParams.length > 0) {
    const twice = fc.constantFrom(...queryParams).chain((p) => fc.tuple(fc.constant(p.name), validParameter(p), validParameter(p)))
    parts.push(
      fc.tuple(base, twice).map(([plan, [name, a, b]]) => ({ ...plan, query: [...plan.query.filter(([n]) => n !== name), [name, a], [name, b]], broken: `query ${name} sent twice` })),
    )
  }
  for (const media of op.body?.media ?? []) {
    const bad = invalidValue(media.schema, { root, overrides: BODY_RULES })
    if (bad) {
      const value = media.type === FORM ? bad.filter((c) => isRecord(c.value)) : bad
      parts.push(fc.tuple(base, value).map(([plan, c]) => ({ ...plan, body: { kind: 'value', mediaType: media.type, contentType: media.type, value: c.value }, broken: `${media.type} body ${c.why}` })))
    }
    parts.push(fc.tuple(base, malformedBody(media.type)).map(([plan, body]) => ({ ...plan, body, broken: `malformed ${media.type} body` })))
  }
  if (op.body?.required) parts.push(base.map((plan) => ({ ...plan, body: undefined, broken: 'no body' })))
  return fc.oneof(...parts)
}

// ---------------------------------------------------------------------------------------
// Sending them.

interface Context {
  readonly user: TestUser
  /** Path parameter name to ids of the user's anchors. */
  readonly owned: Map<string, number[]>
  runs: number
}

interface Exchange {
  readonly request: string
  readonly response: ApiResponse
  readonly problems: readonly WireProblem[]
  readonly body: unknown
}

function credentials(ctx: Context | undefined, scheme: Scheme | undefined): Credentials | undefined {
  if (scheme === 'basic') return need(ctx).user.basic
  if (scheme === 'bearer') return need(ctx).user.bearer
  return undefined
}

function need(ctx: Context | undefined): Context {
  if (!ctx) throw new Error('this request needs a user, and the operation was thought public')
  return ctx
}

/** The property is skipped (the run does not count) when a precondition fails. */
class Skip extends Error {}

/** What was sent and answered, for FUZZ_STATS=1. */
const stats = { users: 0, skipped: 0, statuses: new Map<string, number>() }

function summary(): string {
  const byOperation = new Map<string, string[]>()
  for (const [key, count] of [...stats.statuses].sort()) {
    const [id = '', status = ''] = key.split(' ')
    byOperation.set(id, [...(byOperation.get(id) ?? []), `${status}x${count}`])
  }
  const requests = [...stats.statuses.values()].reduce((a, b) => a + b, 0)
  const lines = [...byOperation].map(([id, counts]) => `  ${id.padEnd(22)} ${counts.join(' ')}`)
  return [`fuzz: ${requests} requests, ${stats.users} users, ${stats.skipped} runs skipped; statuses by operation:`, ...lines].join('\n')
}

async function newContext(): Promise<Context> {
  stats.users++
  const user = await signUp(api)
  remember({ username: user.username, email: user.email })
  return { user, owned: new Map(), runs: 0 }
}

/** Ids of the user's anchors of one kind, made on first use with sampled valid requests. */
async function anchors(ctx: Context, kind: string): Promise<number[]> {
  const known = ctx.owned.get(kind)
  if (known) return known
  const ids: number[] = []
  ctx.owned.set(kind, ids)
  for (const [i, producer] of (producers.get(kind) ?? []).entries()) {
    // The sign-up is the one request of a public producer (createUser) whose result the user owns.
    if (producer.op.auth.length === 0) {
      ids.push(ctx.user.id)
      continue
    }
    const plans = fc.sample(validPlan(producer.op, false), { seed: SEED + ids.length * 7919 + i, numRuns: 20 })
    for (const plan of plans) {
      if (ids.length >= ANCHORS * (i + 1)) break
      const id = await produce(ctx, producer, plan).catch((error: unknown) => {
        if (error instanceof Skip) return undefined
        throw error
      })
      if (id !== undefined) ids.push(id)
    }
  }
  return ids
}

/** Runs a valid request of a producer and returns the id of what it made. */
async function produce(ctx: Context, producer: Producer, plan: Plan): Promise<number> {
  const exchange = await perform(ctx, producer.op, plan, 'valid')
  judgeValid(producer.op, plan, exchange)
  const id = producer.pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), exchange.response.body)
  if (typeof id !== 'number') throw new Error(`${producer.op.id}: no id at ${producer.pointer} in ${exchange.response.text}`)
  return id
}

async function resolveRefs(ctx: Context | undefined, value: unknown): Promise<unknown> {
  if (value instanceof OwnedRef) {
    const ids = await anchors(need(ctx), value.kind)
    return ids.length === 0 ? null : ids[value.index % ids.length]
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveRefs(ctx, v)))
  if (isRecord(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: await resolveRefs(ctx, child), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

async function pathText(ctx: Context | undefined, name: string, arg: PathArg): Promise<string> {
  if (arg.kind === 'text') return arg.text
  if (arg.kind === 'owned') {
    const ids = await anchors(need(ctx), name)
    if (ids.length === 0) throw new Error(`no ${name} could be made`)
    return String(ids[arg.index % ids.length])
  }
  const producer = producers.get(name)?.filter((m) => m.op.auth.length > 0)[arg.producer]
  if (!producer) throw new Error(`no producer ${arg.producer} for ${name}`)
  return String(await produce(need(ctx), producer, arg.plan))
}

/**
 * Sends the request, once it is known to be what it was meant to be: a valid request that
 * breaks the spec is a fuzzer bug, and an invalid one that encoding mended (a number sent
 * in a form is text, a lone surrogate in a URL becomes U+FFFD) is not sent at all.
 */
async function perform(ctx: Context | undefined, op: OperationModel, plan: Plan, meant: 'valid' | 'invalid'): Promise<Exchange> {
  const path: Record<string, string> = {}
  for (const [name, arg] of Object.entries(plan.path)) path[name] = await pathText(ctx, name, arg)
  const url = op.path.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(path[name] ?? ''))
  const query = new URLSearchParams(plan.query.map(([n, v]): [string, string] => [n, v])).toString()
  let body: Wire['body']
  let contentType: string | undefined
  if (plan.body?.kind === 'raw') {
    body = { mediaType: plan.body.mediaType, content: plan.body.content }
    contentType = plan.body.mediaType
  } else if (plan.body?.kind === 'value') {
    const value = await resolveRefs(ctx, plan.body.value)
    const content = plan.body.mediaType === FORM ? formText(value) : toJsonText(value)
    if (content === undefined) throw new Skip()
    body = { mediaType: plan.body.mediaType, content }
    contentType = plan.body.contentType
  }
  const { problems, body: decoded } = wireProblems(op, { path, query, headers: plan.headers, body })
  const target = query === '' ? url : `${url}?${query}`
  if (meant === 'invalid' && problems.length === 0) throw new Skip()
  if (meant === 'valid' && problems.length > 0) {
    throw new Error(`fuzzer bug: a request meant to be valid breaks the spec: ${problems.map((p) => p.what).join('; ')}\n${op.method} ${target}`)
  }
  const request = [
    `${op.method} ${target}`,
    plan.auth ? `  auth: ${plan.auth}` : '',
    ...plan.headers.map(([n, v]) => `  ${n}: ${v}`),
    contentType ? `  content-type: ${contentType}` : '',
    body ? `  body: ${(typeof body.content === 'string' ? body.content : `bytes ${Buffer.from(body.content).toString('hex')}`).slice(0, 600)}` : '',
  ]
    .filter((line) => line !== '')
    .join('\n')
  const auth = credentials(ctx, plan.auth)
  let response: ApiResponse
  try {
    response = await api.request(op.method, target, {
      ...(body ? { raw: body.content } : {}),
      ...(contentType ? { contentType } : {}),
      ...(auth ? { auth } : {}),
      headers: Object.fromEntries(plan.headers.map(([n, v]) => [n, v])),
    })
  } catch (error) {
    if (error instanceof ContractViolation) throw new ContractViolation(`${op.id}: the response breaks the contract\n${request}\n${error.message}${serverLog(error.message)}`)
    throw error
  }
  const key = `${op.id} ${response.status}`
  stats.statuses.set(key, (stats.statuses.get(key) ?? 0) + 1)
  // Only a change can take a value (GET /openapi.json returns the whole spec, taking nothing).
  if (response.status >= 200 && response.status < 300 && !op.safe) {
    remember(decoded)
    remember(response.body)
  }
  return { request, response, problems, body: decoded }
}

/** The server's log lines for a failed request (it logs 5xx with the request id). */
function serverLog(about: string): string {
  const ids = [...about.matchAll(/"?x-request-id"?\W+([A-Za-z0-9._:-]{8,})/gi)].map((m) => m[1])
  const lines = server.logs().split('\n').filter((line) => ids.some((id) => id && line.includes(id)) || /"level":(50|60)/.test(line))
  return lines.length === 0 ? '' : `\nserver log:\n${lines.slice(-3).join('\n').slice(0, 2000)}`
}

function failure(op: OperationModel, exchange: Exchange, expected: string): Error {
  const { response } = exchange
  return new Error(
    `${op.id}: expected ${expected}, got ${response.status}\n${exchange.request}\n` +
      `  problems the fuzzer saw: ${exchange.problems.map((p) => `${p.status} ${p.what}`).join('; ') || 'none'}\n` +
      `response: ${response.status} ${response.text.slice(0, 800)}${response.status >= 500 ? serverLog(`x-request-id ${response.headers.get('x-request-id') ?? ''}`) : ''}`,
  )
}

/** 2xx; 404 only for a random id; 409 only when a value sent is one already taken. */
function judgeValid(op: OperationModel, plan: Plan, exchange: Exchange): void {
  const status = exchange.response.status
  if (status >= 200 && status < 300) return
  const randomId = Object.values(plan.path).some((arg) => arg.kind === 'text')
  if (status === 404 && randomId) return
  // If-Match: * fails for a resource that does not exist (RFC 9110, 13.1.1).
  if (status === 412 && randomId && plan.headers.some(([name, value]) => name.toLowerCase() === 'if-match' && value === '*')) return
  if (status === 409 && takesTakenValue(exchange.body)) throw new Skip()
  // A made-up `cursor` fits its schema but is not one the server issued (nor goes with `page`): 400 naming it.
  if (status === 400 && plan.query.some(([name]) => name === 'cursor') && /"parameter":"cursor"/.test(exchange.response.text)) return
  throw failure(op, exchange, `2xx${randomId ? ' or 404 (a random id)' : ''}`)
}

/** After a change, are the user's credentials still good (a password change, a revoked token, a deleted account)? */
const probe = operations.find((o) => o.method === 'GET' && o.auth.includes('bearer') && !o.parameters.some((p) => p.required))

async function stillSignedIn(ctx: Context): Promise<boolean> {
  if (!probe) return false
  const response = await api.request(probe.method, probe.path, { auth: ctx.user.bearer })
  if (response.status === 401) return false
  if (response.status >= 200 && response.status < 300) return true
  throw new Error(`${probe.id} as the fuzzing user: ${response.status} ${response.text}`)
}

// ---------------------------------------------------------------------------------------
// The properties.

function seedFor(name: string): number {
  let hash = 0x811c9dc5 ^ SEED
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193)
  return hash >>> 0
}

/**
 * The user an operation's properties run as: a fresh one per operation (so no property
 * sees what another operation left), replaced when a request took its credentials away
 * (a new password, a revoked token, a deleted account) and every ROTATE_EVERY runs.
 */
class Session {
  private ctx: Context | undefined

  constructor(private readonly op: OperationModel) {}

  async current(): Promise<Context | undefined> {
    // A public operation without ids in its path runs as nobody.
    if (this.op.auth.length === 0 && !this.op.parameters.some((p) => p.in === 'path')) return undefined
    if (!this.ctx || this.ctx.runs >= ROTATE_EVERY) this.ctx = await newContext()
    this.ctx.runs++
    return this.ctx
  }

  async afterChange(ctx: Context): Promise<void> {
    if (!(await stillSignedIn(ctx))) this.ctx = undefined
  }
}

async function check(
  session: Session,
  name: string,
  filter: string,
  arbitrary: fc.Arbitrary<Plan>,
  run: (ctx: Context | undefined, plan: Plan) => Promise<'changed' | 'unchanged'>,
): Promise<void> {
  const seed = seedFor(name)
  // Shrinking replays requests against a server whose state has moved on (a 401 can turn
  // into a 429 after a few replays), so the first failure is kept to be reported too.
  let first: { plan: Plan; message: string } | undefined
  const property = fc.asyncProperty(arbitrary, async (plan) => {
    const ctx = await session.current()
    try {
      if ((await run(ctx, plan)) === 'changed' && ctx) await session.afterChange(ctx)
    } catch (error) {
      if (error instanceof Skip) {
        stats.skipped++
        fc.pre(false)
      }
      first ??= { plan, message: error instanceof Error ? error.message : String(error) }
      throw error
    }
  })
  try {
    await fc.assert(property, { seed, numRuns: RUNS })
  } catch (error) {
    const hint = `Reproduce: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx vitest run test/contract/fuzz.test.ts -t '${filter}' (property seed ${seed})`
    const original = first ? `\nFirst failure, before shrinking: ${fc.stringify(first.plan)}\n${first.message}\n` : ''
    if (error instanceof Error) error.message = `${hint}${original}\nAfter shrinking: ${error.message}`
    throw error
  }
}

const TIMEOUT = 30_000 + RUNS * 400

describe.each(operations.map((op) => [`${op.id} (${op.method} ${op.path})`, op] as const))('fuzz %s', (label, op) => {
  const session = new Session(op)

  it('answers valid requests 2xx (404 only for a random id, 409 only for a taken name)', async () => {
    await check(session, `${label} valid`, `${op.id} .*valid requests`, validPlan(op, true), async (ctx, plan) => {
      const exchange = await perform(ctx, op, plan, 'valid')
      judgeValid(op, plan, exchange)
      const ok = exchange.response.status < 300
      return ok && !op.safe && op.auth.length > 0 ? 'changed' : 'unchanged'
    })
  }, TIMEOUT)

  it('answers requests with one part broken 400 (parameter, malformed body) or 422 (body), never 2xx or 5xx', async () => {
    await check(session, `${label} invalid`, `${op.id} .*one part broken`, invalidPlan(op), async (ctx, plan) => {
      const exchange = await perform(ctx, op, plan, 'invalid')
      const expected = exchange.problems.some((p) => p.status === 400) ? 400 : 422
      if (exchange.response.status !== expected) throw failure(op, exchange, `${expected} (${plan.broken ?? 'broken'})`)
      return 'unchanged'
    })
  }, TIMEOUT)
})
