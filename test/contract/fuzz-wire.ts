/**
 * What the server sees of a generated request: parameters and bodies as they are on the
 * wire (after form or query encoding), and every way that breaks the spec, judged by the
 * same Ajv the server uses, so that which of valid and invalid a request is does not
 * depend on how it was made.
 */
import { isRecord, isWellFormedText, JsonLiteral, toJsonText } from '../support/json-text.js'
import { resolveSchema, type Schema } from '../support/schemas.js'
import { list, type OperationModel, record, root, validator } from './fuzz-operations.js'

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
export function parameterAccepts(raw: string, schema: Schema): boolean {
  const types = typesAllowed(schema)
  const readings: unknown[] = [raw]
  if (types.has('integer') && /^-?(0|[1-9]\d*)$/.test(raw)) readings.push(Number(raw))
  if (types.has('number') && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) readings.push(Number(raw))
  if (types.has('boolean') && (raw === 'true' || raw === 'false')) readings.push(raw === 'true')
  return readings.some((reading) => validator.isValid(schema, reading))
}

/** A JSON value as parameter or form text. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null) return 'null'
  if (value instanceof JsonLiteral) return value.text
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return toJsonText(value)
}

/** What a query value is once through URL encoding (a lone surrogate becomes U+FFFD). */
export function throughQuery(value: string): string {
  return new URLSearchParams(new URLSearchParams([['k', value]]).toString()).get('k') ?? ''
}

export const HEADER_SAFE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/

export interface WireProblem {
  readonly status: 400 | 422
  readonly what: string
}

export interface Wire {
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
export function wireProblems(op: OperationModel, wire: Wire): { problems: WireProblem[]; body: unknown } {
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

export const FORM = 'application/x-www-form-urlencoded'

/** A form body's text; undefined for a value no form can carry (not an object). */
export function formText(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined
  const params = new URLSearchParams()
  for (const [name, field] of Object.entries(value)) {
    for (const item of Array.isArray(field) ? field : [field]) params.append(name, item === null ? '' : asText(item))
  }
  return params.toString()
}
