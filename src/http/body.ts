/**
 * Request bodies. Read only after routing and authentication, and only for operations
 * that take one, so a stranger cannot make us buffer a megabyte and every operation's
 * list of statuses stays true. JSON and form bodies end up as the same plain object,
 * which openapi-backend then validates against the operation's schema.
 */
import type { IncomingMessage } from 'node:http'
import contentType from 'content-type'
import type { OpenAPIV3_1 } from 'openapi-types'
import getRawBody from 'raw-body'
import { BadRequestError, PayloadTooLargeError, RequestTimeoutError, UnsupportedMediaTypeError } from '../errors.js'
import { assertJsonWithinLimits, assertNoLoneSurrogates, MAX_BODY_BYTES, MAX_BODY_MEMBERS, tooManyMembers } from './body-limits.js'
import type { RequestBodyPlan } from './operation-plan.js'

const FORM = 'application/x-www-form-urlencoded'

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
}

/**
 * Reads and parses the body of a request for an operation that takes `accepted` (its
 * plan's); `undefined` when the operation takes no body or none was sent. A body still
 * incomplete after `timeoutMs` is a 408.
 */
export async function readRequestBody(req: IncomingMessage, accepted: RequestBodyPlan | undefined, timeoutMs: number): Promise<unknown> {
  if (accepted === undefined || !hasBody(req)) return undefined

  const mediaType = parseContentType(req, accepted.mediaTypes)
  const text = decodeUtf8(await readBytes(req, timeoutMs))
  if (text.length === 0) return undefined

  if (mediaType === FORM) return coerceFormFields(parseForm(text), accepted.formSchema)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw new BadRequestError(`The body is not valid JSON: ${(error as Error).message}`)
  }
  assertJsonWithinLimits(text)
  assertNoLoneSurrogates(body)
  return body
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Invalid UTF-8 is refused, not silently replaced with U+FFFD. */
function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new BadRequestError('The body is not valid UTF-8.')
  }
}

/**
 * URLSearchParams quietly turns a percent-escape that is not UTF-8 (`%FF`, or `%ED%A0%80`,
 * an encoded surrogate) into U+FFFD; decodeURIComponent refuses it, and so do we.
 */
export function parseForm(text: string): URLSearchParams {
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part.replaceAll('+', ' '))
    } catch {
      throw new BadRequestError('The form body is not valid UTF-8 percent-encoding.')
    }
  }
  const fields = new URLSearchParams()
  let count = 0
  for (let start = 0; start <= text.length; ) {
    const amp = text.indexOf('&', start)
    const end = amp < 0 ? text.length : amp
    const pair = text.slice(start, end)
    start = end + 1
    if (pair === '') continue
    // Counted before decoding: the rest of a hostile body is never looked at.
    if (++count > MAX_BODY_MEMBERS) throw tooManyMembers('fields')
    const equals = pair.indexOf('=')
    fields.append(decode(equals < 0 ? pair : pair.slice(0, equals)), equals < 0 ? '' : decode(pair.slice(equals + 1)))
  }
  return fields
}

function parseContentType(req: IncomingMessage, accepted: readonly string[]): string {
  const unsupported = (why: string) => new UnsupportedMediaTypeError(`${why} Send one of: ${accepted.join(', ')}.`)
  const header = req.headers['content-type']
  if (!header) throw unsupported('The body has no Content-Type.')
  let parsed: contentType.ParsedMediaType
  try {
    parsed = contentType.parse(header)
  } catch {
    throw unsupported(`The Content-Type ${JSON.stringify(header)} is malformed.`)
  }
  if (!accepted.includes(parsed.type)) throw unsupported(`${parsed.type} is not accepted here.`)
  const charset = parsed.parameters.charset?.toLowerCase()
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupported(`The charset ${charset} is not supported; use utf-8.`)
  }
  return parsed.type
}

async function readBytes(req: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Stop taking the rest: the 408 closes the connection (RequestTimeoutError's headers).
      req.pause()
      reject(new RequestTimeoutError(`The request body did not arrive within ${timeoutMs / 1000} seconds.`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([getRawBody(req, { limit: MAX_BODY_BYTES, length: req.headers['content-length'] }), timedOut])
  } catch (error) {
    if (error instanceof RequestTimeoutError) throw error
    if ((error as { type?: unknown }).type === 'entity.too.large') {
      throw new PayloadTooLargeError(`Request bodies are limited to ${MAX_BODY_BYTES} bytes.`)
    }
    throw new BadRequestError('The body could not be read.')
  } finally {
    clearTimeout(timer)
  }
}

type SchemaObject = OpenAPIV3_1.SchemaObject

function typesOf(schema: SchemaObject): readonly string[] {
  if (schema.type === undefined) return []
  return Array.isArray(schema.type) ? schema.type : [schema.type]
}

/**
 * Form fields are all strings; give `true`/`false` and numbers their JSON types where the
 * schema asks for them. Anything else stays a string, so validation reports it exactly as
 * it would report the same mistake in JSON. An empty value is `null` where the schema allows
 * null (a form has no other way to say it). A field sent twice becomes an array, which the
 * schema then rejects.
 */
export function coerceFormFields(fields: URLSearchParams, schema: unknown): Record<string, unknown> {
  const properties = ((schema ?? {}) as SchemaObject).properties ?? {}
  // One pass over the pairs (URLSearchParams.getAll per name would be quadratic).
  const byName = new Map<string, string[]>()
  for (const [name, value] of fields) {
    const values = byName.get(name)
    if (values) values.push(value)
    else byName.set(name, [value])
  }
  const body: Record<string, unknown> = {}
  for (const [name, values] of byName) {
    const property = properties[name] as SchemaObject | undefined
    const coerced = values.map((value) => coerceFormValue(value, property ? typesOf(property) : []))
    Object.defineProperty(body, name, { value: coerced.length === 1 ? coerced[0] : coerced, enumerable: true, writable: true, configurable: true })
  }
  return body
}

function coerceFormValue(value: string, types: readonly string[]): unknown {
  if (types.includes('null') && value === '') return null
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true'
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value)
  return value
}
