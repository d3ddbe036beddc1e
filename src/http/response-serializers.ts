/**
 * Response bodies written from the spec's response schemas, with fast-json-stringify: for
 * each operation, status and JSON media type, a serializer compiled from the schema the
 * spec declares for it. Two reasons: it writes only the properties the schema declares
 * (a field a mapper adds by mistake never leaks: every schema a response uses is closed
 * with `additionalProperties: false`), and it is somewhat faster than `JSON.stringify`.
 *
 * It writes the same bytes as `JSON.stringify` for every body valid against the schema:
 * fast-json-stringify writes an object's required properties first, then the optional
 * ones, each in the schema's order; every schema of the spec lists its required
 * properties first, and the resource mappers (src/*\/*.resource.ts, src/http/problems.ts)
 * build objects in the schema's order. test/http/response-serializers.test.ts holds the
 * spec's examples of every declared response to that, and the test contract
 * (test/support/contract.ts) every body the tests see. A body that breaks its schema may
 * not serialize: a required property missing, or a `oneOf` value matching none of its
 * branches (a list's `meta` with an extra property), throws; the server answers 500,
 * never the extra property. A schema that admits properties it does not list
 * (`additionalProperties` not false: the OpenAPI document) is written by `JSON.stringify`:
 * fast-json-stringify would move the extra properties after the listed ones, and such a
 * schema has nothing to leak.
 *
 * Speed (test/bench/response-serializers.bench.ts, Node 20): about 1.3x `JSON.stringify`
 * for one task, 1.05-1.3x for a page of 100. Compiling them all costs 60-90 ms of
 * start-up, and several times that on a busy machine (loading fast-json-stringify, the
 * builds, the Ajv validators that choose a `oneOf` branch), where loading them takes
 * 2-8 ms, so `npm run generate`
 * (src/build/response-serializers.ts) writes them as fast-json-stringify's standalone
 * code to generated/response-serializers.cjs; the server loads that, and compiles them
 * itself only when the file was made from another openapi.yaml (src/http/generated-module.ts).
 */
import { createRequire } from 'node:module'
import type { AnySchema, Schema, Options as StringifyOptions } from 'fast-json-stringify'
import type { OpenAPIV3_1 } from 'openapi-types'
import type { ApiSpec } from '../spec/spec.js'
import { type GeneratedModule, loadGeneratedModule } from './generated-module.js'
import { PROBLEM_MEDIA_TYPE } from './problems.js'

export const GENERATED_RESPONSE_SERIALIZERS = 'generated/response-serializers.cjs'

/** A response body's bytes (as text), from the body a handler returned. */
export type Serialize = (body: unknown) => string

export interface ResponseSerializers {
  /**
   * The serializer for the response `operationId` declares for `status`, in `mediaType`
   * (by default the first JSON media type that response declares); undefined when that
   * response has no body of that (or any) JSON media type.
   */
  serializerFor(operationId: string, status: number, mediaType?: string): Serialize | undefined
  /**
   * The serializer of `application/problem+json` bodies: one schema (`Problem`) that every
   * operation's errors share, so it serves the errors no operation was found for as well.
   */
  readonly problem: Serialize
  /** Whether the serializers came from generated/ or were compiled at start-up. */
  readonly source: 'generated' | 'compiled'
}

/** generated/response-serializers.cjs: one serializer per distinct compiled schema. */
export interface GeneratedResponseSerializers extends GeneratedModule {
  /** Schema key (see {@link ResponseSchemas.compiled}) -> its serializer. */
  serializers(): Record<string, Serialize>
}

/** What the spec declares, as this module needs it. */
export interface ResponseSchemas {
  /** `operationId status` -> the JSON media types of that response, in the spec's order, each with its schema key. */
  readonly responses: ReadonlyMap<string, readonly { readonly mediaType: string; readonly key: string }[]>
  /**
   * Schema key -> the schema to compile, for the closed ones; a key not here is written
   * by `JSON.stringify`. The key is the schema, rebased, as JSON: the 300 responses that
   * declare `Problem` share one serializer.
   */
  readonly compiled: ReadonlyMap<string, AnySchema>
}

type SchemaNode = Readonly<Record<string, unknown>>

/** The `$id` under which fast-json-stringify knows the spec's components. */
const SPEC_ID = 'openapi'

/** The media types whose bodies are JSON (operation-plan.ts writes them with these serializers). */
export function isJsonMediaType(mediaType: string): boolean {
  return /[/+]json$/.test(mediaType)
}

function routeKey(operationId: string, status: number | string): string {
  return `${operationId} ${status}`
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null
}

/** The object a local `$ref` (`#/components/...`) points at in `document`. */
function dereference(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, not ${ref}`)
  return ref
    .slice(2)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, token) => (isNode(node) ? node[token] : undefined), document)
}

/** `schema` with its local `$ref`s pointing into {@link SPEC_ID}, where fast-json-stringify finds the components. */
function rebased(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebased)
  if (!isNode(schema)) return schema
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : rebased(v)]))
}

/**
 * Whether every object schema in `schema` (and in whatever it refers to) lists its
 * properties and allows no others: then fast-json-stringify writes what `JSON.stringify` would.
 */
function isClosed(schema: unknown, document: unknown, seen = new Set<string>()): boolean {
  if (Array.isArray(schema)) return schema.every((s) => isClosed(s, document, seen))
  if (!isNode(schema)) return true
  const ref = schema.$ref
  if (typeof ref === 'string') {
    if (seen.has(ref)) return true
    seen.add(ref)
    return isClosed(dereference(document, ref), document, seen)
  }
  const type = schema.type
  const isObject = type === 'object' || (Array.isArray(type) && type.includes('object')) || 'properties' in schema
  if (isObject && (schema.additionalProperties !== false || 'patternProperties' in schema)) return false
  const properties = isNode(schema.properties) ? Object.values(schema.properties) : []
  const subschemas = ['items', 'prefixItems', 'oneOf', 'anyOf', 'allOf'].map((k) => schema[k])
  return [...properties, ...subschemas].every((s) => isClosed(s, document, seen))
}

/** Every JSON response body the spec declares, and the schemas to compile for them. */
export function responseSchemas(document: OpenAPIV3_1.Document): ResponseSchemas {
  const responses = new Map<string, { mediaType: string; key: string }[]>()
  const compiled = new Map<string, AnySchema>()
  /** Most responses share their schema object (the 300 problems, through components/responses): look at each once. */
  const keys = new Map<unknown, string>()
  const keyOf = (schema: unknown): string => {
    let key = keys.get(schema)
    if (key === undefined) {
      const rebasedSchema = rebased(schema) as AnySchema
      key = JSON.stringify(rebasedSchema)
      if (isClosed(schema, document)) compiled.set(key, rebasedSchema)
      keys.set(schema, key)
    }
    return key
  }
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      if (!isNode(operation) || typeof operation.operationId !== 'string' || !isNode(operation.responses)) continue
      for (const [status, declared] of Object.entries(operation.responses)) {
        const response = (isNode(declared) && typeof declared.$ref === 'string' ? dereference(document, declared.$ref) : declared) as OpenAPIV3_1.ResponseObject
        const bodies = Object.entries(response.content ?? {}).flatMap(([mediaType, media]) => {
          if (!isJsonMediaType(mediaType) || media.schema === undefined) return []
          return [{ mediaType, key: keyOf(media.schema) }]
        })
        if (bodies.length > 0) responses.set(routeKey(operation.operationId, status), bodies)
      }
    }
  }
  return { responses, compiled }
}

/** fast-json-stringify's options, shared by the server and the generator: the spec's schemas, known as {@link SPEC_ID}. */
export function stringifyOptions(document: OpenAPIV3_1.Document): StringifyOptions {
  const components = { $id: SPEC_ID, components: { schemas: structuredClone(document.components?.schemas ?? {}) } }
  // Its types allow only schema keywords at the top; a `$ref` may point under any key.
  return { schema: { [SPEC_ID]: components as AnySchema as Schema } }
}

/** What `npm run generate` would have written: compiled now, loading fast-json-stringify only then. */
function compileSerializers(schemas: ResponseSchemas, document: OpenAPIV3_1.Document): Record<string, Serialize> {
  const build = createRequire(import.meta.url)('fast-json-stringify') as typeof import('fast-json-stringify')
  const options = stringifyOptions(document)
  return Object.fromEntries([...schemas.compiled].map(([key, schema]) => [key, build(structuredClone(schema), options) as Serialize]))
}

const stringify: Serialize = (body) => JSON.stringify(body)

export function createResponseSerializers(spec: ApiSpec): ResponseSerializers {
  const document = spec.parsed as OpenAPIV3_1.Document
  const schemas = responseSchemas(document)
  const generated = loadGeneratedModule<GeneratedResponseSerializers>(GENERATED_RESPONSE_SERIALIZERS, spec.sha256, 'compiling the response serializers at start-up')
  const serializers = generated ? generated.serializers() : compileSerializers(schemas, document)

  const byRoute = new Map<string, { mediaType: string; serialize: Serialize }[]>()
  for (const [route, bodies] of schemas.responses) {
    byRoute.set(
      route,
      bodies.map(({ mediaType, key }) => {
        if (!schemas.compiled.has(key)) return { mediaType, serialize: stringify }
        const serialize = serializers[key]
        if (!serialize) throw new Error(`${GENERATED_RESPONSE_SERIALIZERS} has no serializer for ${route} ${mediaType}`)
        return { mediaType, serialize }
      }),
    )
  }

  const problemSerializers = new Set([...byRoute.values()].flat().flatMap((b) => (b.mediaType === PROBLEM_MEDIA_TYPE ? [b.serialize] : [])))
  const [problem] = problemSerializers
  if (problem === undefined || problemSerializers.size !== 1) {
    throw new Error(`openapi.yaml must declare one schema for every ${PROBLEM_MEDIA_TYPE} body, not ${problemSerializers.size}`)
  }

  return {
    source: generated ? 'generated' : 'compiled',
    problem,
    serializerFor(operationId, status, mediaType) {
      const bodies = byRoute.get(routeKey(operationId, status))
      return (mediaType === undefined ? bodies?.[0] : bodies?.find((b) => b.mediaType === mediaType))?.serialize
    },
  }
}
