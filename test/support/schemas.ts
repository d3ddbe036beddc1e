/**
 * The schemas of `openapi.yaml` as the arbitraries read them: local `$ref`s followed, the
 * JSON types a schema allows, and validation by the same Ajv the server uses (2020-12,
 * ajv-formats, multipleOf in decimal).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { useDecimalMultipleOf } from '../../src/http/openapi-backend/decimal-multiple-of.js'
import { asParsedJson, isRecord, JsonLiteral } from './json-text.js'

export type Schema = Readonly<Record<string, unknown>>

export function resolveSchema(node: unknown, root?: object): Schema {
  let current = node
  for (let hops = 0; isRecord(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref
    if (hops > 32 || root === undefined || !ref.startsWith('#')) throw new Error(`cannot resolve $ref ${ref}`)
    current = ref
      .slice(1)
      .split('/')
      .slice(1)
      .map((token) => decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), root)
  }
  if (current === false) return { not: {} }
  return isRecord(current) ? current : {}
}

// ---------------------------------------------------------------------------------------

// Validation: the same Ajv the server uses (2020-12, ajv-formats, multipleOf in decimal).

let validatorCount = 0

/** Validates values against schemas of one document, as the server does. */
export class SchemaValidator {
  private readonly ajv: Ajv2020
  private readonly rootId: string | undefined
  private readonly compiled = new WeakMap<object, ValidateFunction>()

  constructor(readonly root?: object) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(this.ajv)
    useDecimalMultipleOf(this.ajv)
    if (root !== undefined) {
      this.rootId = `urn:achiever:arbitraries:${++validatorCount}`
      this.ajv.addSchema({ ...root, $id: this.rootId })
    }
  }

  /** Ajv's complaints about the value, as JSON.parse would see it ([] when it is valid). */
  errors(schema: Schema, value: unknown): string[] {
    let validate = this.compiled.get(schema)
    if (!validate) {
      validate = this.ajv.compile(this.rootId === undefined ? schema : (rebase(schema, this.rootId) as Schema))
      this.compiled.set(schema, validate)
    }
    let parsed: unknown
    try {
      parsed = asParsedJson(value)
    } catch {
      return ['is not JSON']
    }
    if (validate(parsed)) return []
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
  }

  isValid(schema: Schema, value: unknown): boolean {
    return this.errors(schema, value).length === 0
  }
}

/** A copy of a schema whose local `$ref`s point into the registered root document. */
function rebase(node: unknown, rootId: string): unknown {
  if (Array.isArray(node)) return node.map((child) => rebase(child, rootId))
  if (!isRecord(node)) return node
  return Object.fromEntries(
    Object.entries(node).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' && child.startsWith('#') ? `${rootId}${child}` : rebase(child, rootId),
    ]),
  )
}

const validators = new WeakMap<object, SchemaValidator>()
const rootless = new SchemaValidator()

/** The validator for a document (one per document, so compiled schemas are shared). */
export function validatorFor(root?: object): SchemaValidator {
  if (root === undefined) return rootless
  let validator = validators.get(root)
  if (!validator) {
    validator = new SchemaValidator(root)
    validators.set(root, validator)
  }
  return validator
}

export type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object'
const JSON_TYPES: readonly JsonType[] = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object']

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof JsonLiteral) return 'number'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (typeof value === 'boolean' || typeof value === 'string') return typeof value as JsonType
  return 'object'
}

/** The JSON types a schema's own keywords allow (not counting anyOf/oneOf branches). */
export function typesOf(s: Schema): JsonType[] {
  if (typeof s.type === 'string') return [s.type as JsonType]
  if (Array.isArray(s.type)) return s.type.filter((t): t is JsonType => JSON_TYPES.includes(t as JsonType))
  if ('const' in s) return [jsonTypeOf(s.const)]
  if (Array.isArray(s.enum)) return [...new Set(s.enum.map(jsonTypeOf))]
  if (s.properties !== undefined || s.required !== undefined || s.additionalProperties !== undefined) return ['object']
  if (s.items !== undefined) return ['array']
  if (s.pattern !== undefined || s.format !== undefined || s.minLength !== undefined || s.maxLength !== undefined) return ['string']
  if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some((k) => k in s)) return ['number']
  return [...JSON_TYPES]
}
