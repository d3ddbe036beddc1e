/**
 * Requests as the fuzzer generates them, from the spec's own schemas: valid ones (keeping
 * the rules a schema cannot express) and ones with exactly one part broken.
 */
import fc from 'fast-check'
import { invalidValue, validValue } from '../support/arbitraries.js'
import { isRecord, isWellFormedText } from '../support/json-text.js'
import { dateTime, text } from '../support/scalar-arbitraries.js'
import { type OperationModel, type ParameterModel, producers, root, type Scheme } from './fuzz-operations.js'
import { SEED } from './fuzz-settings.js'
import { asText, FORM, HEADER_SAFE, parameterAccepts, throughQuery } from './fuzz-wire.js'

// Rules that the schemas cannot express. Valid requests are made to keep them, so that
// "valid data is accepted" holds without excusing any 422.

/** One of the caller's own resources, by the path parameter that names that kind. */
export class OwnedRef {
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

// ---------------------------------------------------------------------------------------
// Requests, as generated.

export type PathArg =
  /** One of the user's anchors (made up front), by index. */
  | { readonly kind: 'owned'; readonly index: number }
  /** Made by a producer just before the request (for methods that change or delete it). */
  | { readonly kind: 'fresh'; readonly producer: number; readonly plan: Plan }
  /** Any text: a random id, or a broken one. */
  | { readonly kind: 'text'; readonly text: string }

export type BodyPlan =
  | { readonly kind: 'value'; readonly mediaType: string; readonly contentType: string; readonly value: unknown }
  | { readonly kind: 'raw'; readonly mediaType: string; readonly content: string | Uint8Array }

export interface Plan {
  readonly auth: Scheme | undefined
  readonly path: Readonly<Record<string, PathArg>>
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: BodyPlan | undefined
  /** For an invalid request: the part broken, and how. */
  readonly broken?: string
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
const ODD_PARAMETER_TEXT = [
  '',
  ' ',
  '0x10',
  '1e3',
  '+1',
  '01',
  '1.0',
  ' 1',
  '1 ',
  '-0',
  'null',
  'NULL',
  'undefined',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  'é',
  '\u{1f600}',
  '9'.repeat(400),
  '١٢',
  '\u0000',
  '1\u200f',
]

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
    fc
      .record({
        // An empty form is zero bytes, which HTTP cannot tell from no body at all.
        value: validValue(m.schema, { root, overrides: BODY_RULES }).filter((v) => !(required && m.type === FORM && isRecord(v) && Object.keys(v).length === 0)),
        contentType: fc.constantFrom(m.type, `${m.type}; charset=utf-8`),
      })
      .map(({ value, contentType }): BodyPlan => ({ kind: 'value', mediaType: m.type, contentType, value })),
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
export function validPlan(op: OperationModel, fresh: boolean): fc.Arbitrary<Plan> {
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
    ...op.parameters
      .filter((p) => p.in === 'header' && p.required)
      .map((p) => (HEADER_RULES[p.name.toLowerCase()] ?? validParameter(p)).map((t) => [p.name, t] as const)),
  )
  return fc.record({ auth: authArb(op), path: fc.record(path), query, headers, body: validBody(op) })
}

/** Malformed bodies: not JSON, not UTF-8, not percent-encoding. */
function malformedBody(mediaType: string): fc.Arbitrary<BodyPlan> {
  const bytes = (...b: number[]) => Uint8Array.from(b)
  const contents: Array<string | Uint8Array> =
    mediaType === FORM
      ? ['a=%ZZ', 'a=%E0%A4%A', 'a=%ED%A0%80', '%=1', bytes(0x61, 0x3d, 0xff), bytes(0x61, 0x3d, 0xc0, 0xaf)]
      : [
          '{',
          '{"a":1,}',
          "{'a': 1}",
          '{"a": NaN}',
          '[1, 2',
          '{"a": "\\ud800"}',
          '{"a": "\\x41"}',
          '\u0000',
          'nul',
          bytes(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d),
          bytes(0x22, 0xed, 0xa0, 0x80, 0x22),
        ]
  return fc.constantFrom(...contents).map((content): BodyPlan => ({ kind: 'raw', mediaType, content }))
}

/** A request with exactly one part broken: a parameter, an unknown or repeated query parameter, or the body. */
export function invalidPlan(op: OperationModel): fc.Arbitrary<Plan> {
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
    .oneof(
      fc.constantFrom(
        'foo',
        'PAGE',
        'page ',
        'per-page',
        'sort_by',
        'q[]',
        'a[b]',
        '__proto__',
        'constructor',
        'hasOwnProperty',
        'toString',
        '$where',
        'limit',
        'offset',
        'a.b',
      ),
      text(1, 12),
    )
    .filter((n) => throughQuery(n) !== '' && !declaredQuery.has(throughQuery(n)))
  parts.push(
    fc
      .tuple(base, unknownName, text(0, 8))
      .map(([plan, name, value]) => ({ ...plan, query: [...plan.query, [name, value]], broken: `unknown query parameter ${JSON.stringify(name)}` })),
  )
  const queryParams = op.parameters.filter((p) => p.in === 'query')
  if (queryParams.length > 0) {
    const twice = fc.constantFrom(...queryParams).chain((p) => fc.tuple(fc.constant(p.name), validParameter(p), validParameter(p)))
    parts.push(
      fc
        .tuple(base, twice)
        .map(([plan, [name, a, b]]) => ({ ...plan, query: [...plan.query.filter(([n]) => n !== name), [name, a], [name, b]], broken: `query ${name} sent twice` })),
    )
  }
  for (const media of op.body?.media ?? []) {
    const bad = invalidValue(media.schema, { root, overrides: BODY_RULES })
    if (bad) {
      const value = media.type === FORM ? bad.filter((c) => isRecord(c.value)) : bad
      parts.push(
        fc.tuple(base, value).map(([plan, c]) => ({
          ...plan,
          body: { kind: 'value', mediaType: media.type, contentType: media.type, value: c.value },
          broken: `${media.type} body ${c.why}`,
        })),
      )
    }
    parts.push(fc.tuple(base, malformedBody(media.type)).map(([plan, body]) => ({ ...plan, body, broken: `malformed ${media.type} body` })))
  }
  if (op.body?.required) parts.push(base.map((plan) => ({ ...plan, body: undefined, broken: 'no body' })))
  return fc.oneof(...parts)
}
